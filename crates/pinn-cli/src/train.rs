//! `pinn train`: build the problem and model from a config, train with a progress bar, write
//! the run directory (`config.toml`, `metrics.csv`, `checkpoint.json`, `summary.json`).

use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::module::Module;
use indicatif::{ProgressBar, ProgressStyle};
use pinn_loss::Trainable;
use pinn_model::backend::{Backend, Dtype, autodiff_device};
use pinn_model::{Field, params};
use pinn_optim::{Observer, Outcome, Progress, Stage, Termination, train};
use serde_json::json;

use crate::config::Config;
use crate::files::write_atomic;
use crate::summary::RunSummary;

/// Command-line overrides of a config.
#[derive(Debug, Default)]
pub struct Overrides {
    /// `--backend`.
    pub backend: Option<Backend>,
    /// `--dtype`.
    pub dtype: Option<Dtype>,
    /// `--steps`.
    pub steps: Option<usize>,
    /// `--seed`.
    pub seed: Option<u64>,
    /// `--out`.
    pub out: Option<PathBuf>,
    /// `--quiet`: no progress bar.
    pub quiet: bool,
}

/// How a command ended, for the exit code.
pub enum Exit {
    /// Done (for `train`: trained to the end of the schedule, or converged).
    Done,
    /// Training stopped on a non-finite loss.
    NonFinite,
}

/// Writes metrics rows and checkpoints, and drives the progress bar.
struct RunObserver {
    dir: PathBuf,
    bar: ProgressBar,
    csv: String,
    last_checkpoint: Option<usize>,
    problem: String,
}

impl RunObserver {
    fn checkpoint<M: Module>(&mut self, model: &M, step: usize, loss: f64) -> Result<(), String> {
        let body = json!({
            "problem": self.problem,
            "step": step,
            "loss": loss,
            "n_params": model.num_params(),
            "params": params::flatten(model),
        });
        write_atomic(
            &self.dir.join("checkpoint.json"),
            body.to_string().as_bytes(),
        )?;
        self.last_checkpoint = Some(step);
        Ok(())
    }
}

impl<M: Module> Observer<M> for RunObserver {
    fn observe_stage(&mut self, index: usize, stage: &Stage) {
        self.bar
            .set_message(format!("stage {} ({})", index + 1, stage.name()));
    }

    fn observe(&mut self, p: &Progress<'_>, model: &M) {
        self.bar.set_position(p.step as u64);
        self.bar
            .set_message(format!("{} loss {:.3e}", p.optimizer, p.loss));
        let Some(rel) = p.rel_l2 else { return };
        if self.csv.is_empty() {
            let names: Vec<&str> = p.terms.iter().map(|(n, _)| n.as_str()).collect();
            self.csv = format!("step,optimizer,{},loss,rel_l2\n", names.join(","));
        }
        let values: Vec<String> = p.terms.iter().map(|(_, v)| format!("{v:e}")).collect();
        self.csv.push_str(&format!(
            "{},{},{},{:e},{:e}\n",
            p.step,
            p.optimizer,
            values.join(","),
            p.loss,
            rel
        ));
        // A write error does not stop training: the next evaluation step tries again.
        let written = write_atomic(&self.dir.join("metrics.csv"), self.csv.as_bytes())
            .and_then(|()| self.checkpoint(model, p.step, p.loss));
        if let Err(e) = written {
            self.bar.println(format!("warning: {e}"));
        }
    }

    /// The final checkpoint holds the returned model, except after a non-finite stop, where
    /// the last evaluation step's checkpoint (a finite loss) is kept.
    fn observe_final(&mut self, outcome: &Outcome<M>) -> Result<(), String> {
        self.bar.finish_and_clear();
        match outcome.termination {
            Termination::NonFinite { .. } => Ok(()),
            _ => self.checkpoint(&outcome.model, outcome.steps, outcome.loss),
        }
    }
}

/// Run `pinn train`.
pub fn run(config_path: &Path, overrides: Overrides) -> Result<Exit, String> {
    execute(Config::load(config_path)?, overrides).map(|(end, _)| end)
}

/// `config` with the command-line overrides, checked again.
fn apply(mut config: Config, o: &Overrides) -> Result<Config, String> {
    if let Some(b) = o.backend {
        config.backend = b;
    }
    if let Some(d) = o.dtype {
        config.dtype = d;
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

/// Train `config` with the overrides; the run directory gets `config.toml`, `metrics.csv`,
/// `checkpoint.json` and `summary.json`, whose contents are also returned.
pub fn execute(config: Config, overrides: Overrides) -> Result<(Exit, RunSummary), String> {
    let config = apply(config, &overrides)?;
    let name = config.name.clone().unwrap_or_else(|| "run".into());
    let dir = overrides
        .out
        .clone()
        .unwrap_or_else(|| Path::new("runs").join(&name));
    std::fs::create_dir_all(&dir)
        .map_err(|e| format!("cannot create output directory {}: {e}", dir.display()))?;

    let device = autodiff_device(config.backend, config.dtype)?;
    let Trainable {
        problem,
        loss,
        model,
        l2,
    } = config.build(&device)?;
    let n_params = model.num_params();
    let model = match config.backend.row_chunk() {
        Some(rows) => model
            .map_layers(&mut |d| d.with_row_chunk(Some(rows)))
            .unwrap_or(model),
        None => model,
    };
    write_atomic(
        &dir.join("config.toml"),
        toml::to_string(&config)
            .map_err(|e| e.to_string())?
            .as_bytes(),
    )?;

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
    let mut observer = RunObserver {
        dir: dir.clone(),
        bar,
        csv: String::new(),
        last_checkpoint: None,
        problem: problem.name.clone(),
    };
    let settings = config.train.settings(config.backend);
    if let Some(asked) = config.train.threads
        && asked > settings.threads
        && config.backend != Backend::Wgpu
    {
        eprintln!(
            "warning: train.threads = {asked} exceeds the {} cores of this machine; using {}",
            settings.threads, settings.threads
        );
    }
    let start = Instant::now();
    let outcome = train(model, &loss, &settings, l2.as_ref(), &mut observer)?;
    let wall_s = start.elapsed().as_secs_f64();

    let summary = RunSummary {
        name,
        problem: problem.name.clone(),
        backend: config.backend,
        dtype: config.dtype,
        seed: config.seed,
        steps: outcome.steps,
        final_loss: outcome.loss,
        terms: outcome.terms.iter().cloned().collect(),
        rel_l2: outcome.rel_l2,
        wall_s,
        ms_per_step: 1e3 * wall_s / outcome.steps.max(1) as f64,
        n_params,
        termination: outcome.termination.to_string(),
        weights: outcome.weights.iter().cloned().collect(),
    };
    write_atomic(
        &dir.join("summary.json"),
        serde_json::to_string_pretty(&summary)
            .map_err(|e| e.to_string())?
            .as_bytes(),
    )?;
    if let Termination::NonFinite { term, step } = &outcome.termination {
        let kept =
            observer
                .last_checkpoint
                .map_or("no checkpoint was written yet".to_string(), |s| {
                    format!(
                        "kept the checkpoint of step {s} in {}",
                        dir.join("checkpoint.json").display()
                    )
                });
        eprintln!(
            "error: the `{term}` loss term became NaN or infinite at step {step}; training \
             stopped and {kept}. Lower the learning rate or the term's weight."
        );
        return Ok((Exit::NonFinite, summary));
    }
    if !overrides.quiet {
        print_result(&summary, &dir);
    }
    Ok((Exit::Done, summary))
}

/// The one-line result of a run.
fn print_result(s: &RunSummary, dir: &Path) {
    let rel = s.rel_l2.map_or("n/a".to_string(), |r| format!("{r:.3e}"));
    println!(
        "{}: rel. L2 error {rel}, loss {:.3e}, {} steps in {:.1} s ({:.1} ms/step, {}/{}), {} parameters -> {}",
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
}
