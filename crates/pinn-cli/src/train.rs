//! `pinn train` and `pinn resume`: build the problem and model from a config (or from a run's
//! checkpoint), train with a progress bar, and keep the run directory true at every step:
//! `config.toml`, `checkpoint.safetensors` then `metrics.csv` on each evaluation step (the
//! metrics never ahead of the checkpoint), `summary.json` and the plots at the end.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use burn::module::Module;
use burn::tensor::Device;
use indicatif::{ProgressBar, ProgressStyle};
use pinn_loss::{L2Error, Trainable};
use pinn_model::backend::{Backend, Dtype, autodiff_device};
use pinn_model::{Constrained, Field, Model, params};
use pinn_optim::{Observer, Outcome, Progress, Stage, Termination, TrainState, resume, train};
use pinn_run::files::write_atomic;
use pinn_run::run_dir::{self, CHECKPOINT, CONFIG, METRICS, SUMMARY};
use pinn_run::{Checkpoint, Config, PhaseTime, RunSummary};

use crate::run_plots;

/// Command-line overrides of a config.
#[derive(Debug, Default)]
pub struct Overrides {
    /// `--backend`.
    pub backend: Option<Backend>,
    /// `--dtype`.
    pub dtype: Option<Dtype>,
    /// `--fused`: sets `train.fused`.
    pub fused: bool,
    /// `--steps`.
    pub steps: Option<usize>,
    /// `--seed`.
    pub seed: Option<u64>,
    /// `--out`.
    pub out: Option<PathBuf>,
    /// `--quiet`: no progress bar.
    pub quiet: bool,
    /// `--force`: replace a run already in the output directory.
    pub force: bool,
    /// Hidden `--abort-at STEP`: abort the process (as `kill -9` would end it) once step
    /// `STEP` is reported — for the resume tests.
    pub abort_at: Option<usize>,
}

/// How a command ended, for the exit code.
pub enum Exit {
    /// Done (for `train`: trained to the end of the schedule, converged or stopped by a rule).
    Done,
    /// Training stopped on a non-finite loss.
    NonFinite,
}

/// Writes checkpoints and metrics rows, and drives the progress bar.
struct RunObserver {
    dir: PathBuf,
    config: String,
    bar: ProgressBar,
    csv: String,
    /// The names of the problem's unknown coefficients, reported after `rel_l2`.
    unknowns: Vec<String>,
    last_checkpoint: Option<usize>,
    abort_at: Option<usize>,
}

/// The unknown coefficients' values of `model` (none without coefficients).
fn coefficient_values(model: &Constrained<Model>) -> Vec<f64> {
    model
        .coefficients
        .as_ref()
        .map_or_else(Vec::new, |c| c.values())
}

impl RunObserver {
    fn checkpoint<M: Module>(
        &mut self,
        model: &M,
        step: usize,
        loss: f64,
        state: Option<TrainState>,
    ) -> Result<(), String> {
        let checkpoint = Checkpoint {
            config: self.config.clone(),
            step,
            loss,
            params: params::named(model),
            state,
        };
        write_atomic(&self.dir.join(CHECKPOINT), &checkpoint.to_bytes()?)?;
        self.last_checkpoint = Some(step);
        Ok(())
    }
}

impl Observer<Constrained<Model>> for RunObserver {
    fn observe_stage(&mut self, index: usize, stage: &Stage) {
        self.bar
            .set_message(format!("stage {} ({})", index + 1, stage.name()));
    }

    fn observe(&mut self, p: &Progress<'_>, model: &Constrained<Model>) {
        self.bar.set_position(p.step as u64);
        self.bar
            .set_message(format!("{} loss {:.3e}", p.optimizer, p.loss));
        if let Some(state) = &p.state {
            if self.csv.is_empty() {
                let names: Vec<&str> = p.terms.iter().map(|(n, _)| n.as_str()).collect();
                let unknowns: String = self.unknowns.iter().map(|u| format!(",{u}")).collect();
                self.csv = format!("step,optimizer,{},loss,rel_l2{unknowns}\n", names.join(","));
            }
            let values: Vec<String> = p.terms.iter().map(|(_, v)| format!("{v:e}")).collect();
            let rel = p.rel_l2.map_or(String::new(), |r| format!("{r:e}"));
            let unknowns: String = (coefficient_values(model).iter())
                .map(|c| format!(",{c:e}"))
                .collect();
            self.csv.push_str(&format!(
                "{},{},{},{:e},{rel}{unknowns}\n",
                p.step,
                p.optimizer,
                values.join(","),
                p.loss,
            ));
            // The checkpoint first: the metrics never describe a step the checkpoint has not
            // reached. A write error does not stop training: the next evaluation step tries
            // again.
            let written = self
                .checkpoint(model, p.step, p.loss, Some(state.clone()))
                .and_then(|()| write_atomic(&self.dir.join(METRICS), self.csv.as_bytes()));
            if let Err(e) = written {
                self.bar.println(format!("warning: {e}"));
            }
        }
        if self.abort_at == Some(p.step) {
            std::process::abort();
        }
    }

    /// The final checkpoint holds the returned model, except after a non-finite stop, where
    /// the last evaluation step's checkpoint (a finite loss) is kept.
    fn observe_final(&mut self, outcome: &Outcome<Constrained<Model>>) -> Result<(), String> {
        self.bar.finish_and_clear();
        match outcome.termination {
            Termination::NonFinite { .. } => Ok(()),
            _ => self.checkpoint(
                &outcome.model,
                outcome.steps,
                outcome.loss,
                outcome.state.clone(),
            ),
        }
    }
}

/// Run `pinn train CONFIG`, or with `resume`, continue the run in that directory under the
/// same config.
pub fn run(
    config_path: &Path,
    overrides: Overrides,
    resume: Option<&Path>,
) -> Result<Exit, String> {
    let config = Config::load(config_path)?;
    match resume {
        None => execute(config, overrides).map(|(end, _)| end),
        Some(dir) => {
            let asked = apply(config, &overrides)?;
            continue_run(dir, Some(asked), overrides).map(|(end, _)| end)
        }
    }
}

/// Run `pinn resume RUN_DIR`.
pub fn resume_run(dir: &Path, overrides: Overrides) -> Result<Exit, String> {
    continue_run(dir, None, overrides).map(|(end, _)| end)
}

/// `config` with the command-line overrides, checked again.
fn apply(mut config: Config, o: &Overrides) -> Result<Config, String> {
    if let Some(b) = o.backend {
        config.backend = b;
    }
    if let Some(d) = o.dtype {
        config.dtype = d;
    }
    if o.fused {
        config.train.fused = true;
    }
    if let Some(s) = o.seed {
        config.seed = s;
    }
    if let Some(n) = o.steps {
        if n == 0 {
            return Err("--steps must be at least 1".into());
        }
        config.set_total_steps(n);
    }
    config.validate()?;
    Ok(config)
}

/// Train `config` with the overrides into a fresh run directory; returns how it ended and
/// the summary it wrote.
pub fn execute(config: Config, overrides: Overrides) -> Result<(Exit, RunSummary), String> {
    let config = apply(config, &overrides)?;
    crate::memory::check(&config)?;
    let name = config.name.clone().unwrap_or_else(|| "run".into());
    let dir = overrides
        .out
        .clone()
        .unwrap_or_else(|| Path::new("runs").join(&name));
    run_dir::prepare(&dir, overrides.force)?;
    let device = autodiff_device(config.backend, config.dtype)?;
    let trainable = config.build(&device)?;
    let text = toml::to_string(&config).map_err(|e| e.to_string())?;
    write_atomic(&dir.join(CONFIG), text.as_bytes())?;
    train_in(
        &dir,
        &config,
        text,
        (trainable, &device),
        None,
        String::new(),
        &overrides,
    )
}

/// Continue the run in `dir` from its checkpoint; `asked`, the config given with `--resume`,
/// must be the run's (its name aside).
fn continue_run(
    dir: &Path,
    asked: Option<Config>,
    overrides: Overrides,
) -> Result<(Exit, RunSummary), String> {
    let path = dir.join(CHECKPOINT);
    let checkpoint = Checkpoint::read(dir).map_err(|e| format!("cannot resume: {e}"))?;
    let config = Config::parse(&checkpoint.config, &path.display().to_string(), None)?;
    if let Some(asked) = &asked {
        let differ = differing_keys(&config, asked)?;
        if !differ.is_empty() {
            return Err(format!(
                "--resume {}: the config differs from the run's in {}; resume with the run's \
                 own config (pinn resume {}) or start a new run",
                dir.display(),
                differ.join(", "),
                dir.display()
            ));
        }
    }
    if overrides.steps.is_some() || overrides.seed.is_some() {
        return Err("--steps and --seed cannot change a resumed run; start a new run".into());
    }
    let state = checkpoint.state.clone().ok_or_else(|| {
        format!(
            "{} holds no state to continue from (the run stopped on a non-finite loss); start \
             a new run with a lower learning rate",
            path.display()
        )
    })?;
    run_dir::sweep_temporaries(dir);
    let device = autodiff_device(config.backend, config.dtype)?;
    let Trainable {
        problem,
        loss,
        model,
        l2,
    } = config.build(&device)?;
    let model = params::load_named(model, &checkpoint.params)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    let csv = std::fs::read_to_string(dir.join(METRICS)).unwrap_or_default();
    let csv = run_dir::metrics_through(&csv, state.steps_before);
    write_atomic(&dir.join(METRICS), csv.as_bytes())?;
    let trainable = Trainable {
        problem,
        loss,
        model,
        l2,
    };
    train_in(
        dir,
        &config,
        checkpoint.config.clone(),
        (trainable, &device),
        Some(state),
        csv,
        &overrides,
    )
}

/// The dotted keys whose values differ between two configs, aside from the run name and the
/// stopping rules (`train.time_limit`, `train.target`), which a resumed run may change.
fn differing_keys(a: &Config, b: &Config) -> Result<Vec<String>, String> {
    /// Every leaf (and empty array) of `v` under its dotted key.
    fn flatten(prefix: String, v: &toml::Value, out: &mut BTreeMap<String, toml::Value>) {
        let key = |k: &str| {
            if prefix.is_empty() {
                k.to_string()
            } else {
                format!("{prefix}.{k}")
            }
        };
        match v {
            toml::Value::Table(t) => t.iter().for_each(|(k, v)| flatten(key(k), v, out)),
            toml::Value::Array(items) if !items.is_empty() => {
                for (i, v) in items.iter().enumerate() {
                    flatten(format!("{prefix}[{i}]"), v, out);
                }
            }
            _ => {
                out.insert(prefix, v.clone());
            }
        }
    }
    let leaves = |c: &Config| {
        let mut c = c.clone();
        c.name = None;
        c.train.time_limit = None;
        c.train.target = Default::default();
        let mut out = BTreeMap::new();
        flatten(
            String::new(),
            &toml::Value::try_from(c).map_err(|e| e.to_string())?,
            &mut out,
        );
        Ok::<_, String>(out)
    };
    let (fa, fb) = (leaves(a)?, leaves(b)?);
    let keys: BTreeSet<&String> = fa.keys().chain(fb.keys()).collect();
    Ok(keys
        .into_iter()
        .filter(|k| fa.get(*k) != fb.get(*k))
        .cloned()
        .collect())
}

/// The run directory being written, for the Ctrl-C handler.
static RUN_DIR: Mutex<Option<PathBuf>> = Mutex::new(None);

/// On Ctrl-C: remove temporary files of interrupted writes, say where the checkpoint is, exit
/// 130. Installed once per process.
fn on_interrupt(dir: &Path) {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    *RUN_DIR.lock().unwrap_or_else(|e| e.into_inner()) = Some(dir.to_path_buf());
    INSTALLED.call_once(|| {
        let _ = ctrlc::set_handler(|| {
            if let Some(dir) = RUN_DIR.lock().unwrap_or_else(|e| e.into_inner()).as_ref() {
                run_dir::sweep_temporaries(dir);
                eprintln!(
                    "\ninterrupted; continue from the last checkpoint with `pinn resume {}`",
                    dir.display()
                );
            }
            std::process::exit(130);
        });
    });
}

/// Train `trainable` (on `device`) in `dir`, from the start or from `state`, with `csv` the
/// metrics so far.
fn train_in(
    dir: &Path,
    config: &Config,
    config_text: String,
    (trainable, device): (Trainable, &Device),
    state: Option<TrainState>,
    csv: String,
    overrides: &Overrides,
) -> Result<(Exit, RunSummary), String> {
    let Trainable {
        problem,
        loss,
        model,
        l2,
    } = trainable;
    on_interrupt(dir);
    let n_params = model.num_params();
    let row_chunk = config.backend.row_chunk();
    let model = if row_chunk.is_some() || config.train.fused {
        model
            .map_layers(&mut |d| d.with_row_chunk(row_chunk).with_fused(config.train.fused))
            .unwrap_or(model)
    } else {
        model
    };
    let bar = if overrides.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(config.total_steps() as u64)
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {msg} ETA {eta}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    let resumed_from = state.as_ref().map(|s| s.steps_before);
    let mut observer = RunObserver {
        dir: dir.to_path_buf(),
        config: config_text,
        bar,
        csv,
        unknowns: (problem.residual.unknowns().into_iter())
            .map(|u| u.name)
            .collect(),
        last_checkpoint: resumed_from,
        abort_at: overrides.abort_at,
    };
    let settings = config.train.settings(config.backend);
    if let Some(asked) = config.train.threads
        && asked > settings.threads
        && !config.backend.is_gpu()
    {
        eprintln!(
            "warning: train.threads = {asked} exceeds the {} cores of this machine; using {}",
            settings.threads, settings.threads
        );
    }
    let start = Instant::now();
    let outcome = match state {
        None => train(model, &loss, &settings, l2.as_ref(), &mut observer)?,
        Some(state) => resume(model, &loss, &settings, l2.as_ref(), &mut observer, state)?,
    };
    let wall_s = start.elapsed().as_secs_f64();
    let trained = outcome.steps - resumed_from.unwrap_or(0);

    let summary = RunSummary {
        name: config.name.clone().unwrap_or_else(|| "run".into()),
        problem: problem.name.clone(),
        backend: config.backend,
        dtype: config.dtype,
        seed: config.seed,
        steps: outcome.steps,
        final_loss: outcome.loss,
        terms: outcome.terms.iter().cloned().collect(),
        rel_l2: outcome.rel_l2,
        rel_l2_per_field: l2
            .as_ref()
            .map(|e| {
                let fields = problem.residual.fields().into_iter();
                fields.zip(e.per_field(&outcome.model)).collect()
            })
            .unwrap_or_default(),
        rel_l2_exact: config
            .reference
            .as_ref()
            .and_then(|_| L2Error::on_grid(&problem, config.train.eval_grid, device))
            .map(|e| e.relative(&outcome.model)),
        wall_s,
        ms_per_step: 1e3 * wall_s / trained.max(1) as f64,
        n_params,
        termination: outcome.termination.to_string(),
        weights: outcome.weights.iter().cloned().collect(),
        unknowns: (observer.unknowns.iter().cloned())
            .zip(coefficient_values(&outcome.model))
            .collect(),
        resumed_from,
        phases: PhaseTime::all(&outcome.phases),
    };
    write_atomic(
        &dir.join(SUMMARY),
        serde_json::to_string_pretty(&summary)
            .map_err(|e| e.to_string())?
            .as_bytes(),
    )?;
    if let Err(e) = run_plots::write(dir, &observer.csv, &problem, &outcome.model, device) {
        eprintln!("warning: no plots: {e}");
    }
    if let Termination::NonFinite { term, step } = &outcome.termination {
        let kept =
            observer
                .last_checkpoint
                .map_or("no checkpoint was written yet".to_string(), |s| {
                    format!(
                        "kept the checkpoint of step {s} in {}",
                        dir.join(CHECKPOINT).display()
                    )
                });
        eprintln!(
            "error: the `{term}` loss term became NaN or infinite at step {step}; training \
             stopped and {kept}. Lower the learning rate or the term's weight."
        );
        return Ok((Exit::NonFinite, summary));
    }
    if !overrides.quiet {
        print_result(&summary, dir);
    }
    Ok((Exit::Done, summary))
}

/// The one-line result of a run.
fn print_result(s: &RunSummary, dir: &Path) {
    let mut rel = s.rel_l2.map_or("n/a".to_string(), |r| format!("{r:.3e}"));
    if s.rel_l2_per_field.len() > 1 {
        let fields: Vec<String> = (s.rel_l2_per_field.iter())
            .map(|(f, r)| format!("{f} {r:.3e}"))
            .collect();
        rel = format!("{rel} ({})", fields.join(", "));
    }
    for (name, value) in &s.unknowns {
        rel = format!("{rel}, {name} = {value:.6e}");
    }
    let stop = match s.termination.as_str() {
        "time_limit" => " (time limit)",
        "target_reached" => " (target reached)",
        _ => "",
    };
    println!(
        "{}: rel. L2 error {rel}, loss {:.3e}, {} steps{stop} in {:.1} s ({:.1} ms/step, {}/{}), {} parameters -> {}",
        s.problem,
        s.final_loss,
        s.steps,
        s.wall_s,
        s.ms_per_step,
        s.backend,
        s.dtype,
        s.n_params,
        dir.display()
    );
    if !s.phases.is_empty() {
        println!("  time by phase: {}", phase_shares(&s.phases, s.wall_s));
    }
    if let Some(note) = first_step_note(&s.phases, s.wall_s, s.backend.is_gpu()) {
        println!("  {note}");
    }
}

/// Where a GPU run's phases took more than half its wall time in their first runs, a line
/// saying so: the first step is when the device's kernels are compiled, and autotuned unless
/// CubeCL's on-disk cache (`--features persistence`) has their tuning from an earlier run.
fn first_step_note(phases: &[PhaseTime], wall_s: f64, gpu: bool) -> Option<String> {
    let first: f64 = phases.iter().map(|p| p.first_s).sum();
    (gpu && first > 0.5 * wall_s).then(|| {
        let work = if cfg!(feature = "persistence") {
            "compiles the device's kernels (and autotunes those whose tuning is not on disk yet)"
        } else {
            "compiles and autotunes the device's kernels; a build with `--features persistence` \
             keeps the tuning on disk for later runs"
        };
        format!("{first:.1} s of the {wall_s:.1} s were the first step, which {work}")
    })
}

/// `name total (share of the wall time)` per phase, e.g. `gauss_newton.jacobian 12.1 s
/// (31 %, first 0.4 s)`.
fn phase_shares(phases: &[PhaseTime], wall_s: f64) -> String {
    let shares: Vec<String> = phases
        .iter()
        .map(|p| {
            format!(
                "{} {:.1} s ({:.0} %, first {:.2} s)",
                p.name,
                p.total_s,
                100.0 * p.total_s / wall_s.max(f64::MIN_POSITIVE),
                p.first_s
            )
        })
        .collect();
    shares.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn phase(name: &str, total_s: f64, first_s: f64) -> PhaseTime {
        PhaseTime {
            name: name.into(),
            count: 2,
            total_s,
            first_s,
        }
    }

    #[test]
    fn the_first_step_is_named_where_it_was_most_of_a_gpu_run() {
        let tuned = [
            phase("gauss_newton.jacobian", 370.0, 367.4),
            phase("gauss_newton.solve", 0.4, 0.2),
        ];
        let note = first_step_note(&tuned, 398.0, true).expect("a note");
        assert!(
            note.starts_with("367.6 s of the 398.0 s were the first step"),
            "{note}"
        );
        let work = match cfg!(feature = "persistence") {
            true => "(and autotunes those whose tuning is not on disk yet)",
            false => "a build with `--features persistence` keeps the tuning",
        };
        assert!(note.contains(work), "{note}");
        // Not on the CPU, and not where the first step was the lesser part.
        assert_eq!(first_step_note(&tuned, 398.0, false), None);
        let warm = [
            phase("gauss_newton.jacobian", 30.0, 15.0),
            phase("gauss_newton.solve", 4.0, 0.2),
        ];
        assert_eq!(first_step_note(&warm, 60.0, true), None);
    }
}
