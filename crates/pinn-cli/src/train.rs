//! `pinn train`: build the problem and model from a config, train with a progress bar, write
//! the run directory.

use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::module::Module;
use indicatif::{ProgressBar, ProgressStyle};
use pinn_loss::L2Error;
use pinn_model::backend::{Backend, Dtype, autodiff_device};
use pinn_model::params;

use crate::config::RunModel;
use pinn_optim::{Observer, Progress, Termination, TrainSettings, default_threads, train};
use serde_json::json;

use crate::config::Config;
use crate::files::write_atomic;

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

/// How a run ended, for the exit code.
pub enum RunEnd {
    /// Trained to the end of the schedule (or converged).
    Done,
    /// Stopped on a non-finite loss.
    NonFinite,
}

/// Writes metrics rows and checkpoints, and drives the progress bar.
struct RunObserver {
    dir: PathBuf,
    bar: ProgressBar,
    csv: String,
    header_written: bool,
    last_checkpoint: Option<usize>,
    problem: String,
}

impl RunObserver {
    fn checkpoint(&mut self, model: &RunModel, step: usize, loss: f64) -> Result<(), String> {
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

impl Observer<RunModel> for RunObserver {
    fn observe(&mut self, p: &Progress<'_>, model: &RunModel) {
        self.bar.set_position(p.step as u64);
        self.bar
            .set_message(format!("{} loss {:.3e}", p.optimizer, p.loss));
        if let Some(rel) = p.rel_l2 {
            if !self.header_written {
                let names: Vec<&str> = p.terms.iter().map(|(n, _)| n.as_str()).collect();
                self.csv = format!("step,optimizer,{},loss,rel_l2\n", names.join(","));
                self.header_written = true;
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
            let written = write_atomic(&self.dir.join("metrics.csv"), self.csv.as_bytes())
                .and_then(|()| self.checkpoint(model, p.step, p.loss));
            if let Err(e) = written {
                self.bar.println(format!("warning: {e}"));
            }
        }
    }
}

/// Run `pinn train`.
pub fn run(config_path: &Path, o: Overrides) -> Result<RunEnd, String> {
    execute(Config::load(config_path)?, o).map(|(end, _)| end)
}

/// Train `config` with the overrides; the run directory gets `config.toml`, `metrics.csv`,
/// `checkpoint.json` and `summary.json`, whose contents are also returned.
pub fn execute(mut config: Config, o: Overrides) -> Result<(RunEnd, serde_json::Value), String> {
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
    let name = config.name.clone().unwrap_or_else(|| "run".into());
    let dir = o.out.unwrap_or_else(|| Path::new("runs").join(&name));
    std::fs::create_dir_all(&dir)
        .map_err(|e| format!("cannot create output directory {}: {e}", dir.display()))?;

    let device = autodiff_device(config.backend, config.dtype)?;
    let (problem, loss, model) = config.build(&device)?;
    let l2 = L2Error::on_grid(&problem, config.train.eval_grid, &device);
    let n_params = model.num_params();
    write_atomic(
        &dir.join("config.toml"),
        toml::to_string(&config)
            .map_err(|e| e.to_string())?
            .as_bytes(),
    )?;

    let total = config.total_steps() as u64;
    let bar = if o.quiet {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(total)
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} {msg} ETA {eta}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    let mut observer = RunObserver {
        dir: dir.clone(),
        bar: bar.clone(),
        csv: String::new(),
        header_written: false,
        last_checkpoint: None,
        problem: problem.name.clone(),
    };
    let threads = match (config.backend, config.train.threads) {
        // GPU ops are already parallel: sharding would only add synchronisation.
        (Backend::Wgpu, _) => 1,
        (_, Some(n)) => n,
        (_, None) => default_threads(),
    };
    let settings = TrainSettings {
        stages: config.train.stages.clone(),
        eval_every: config.train.eval_every,
        threads,
        balance: config.train.balance.clone(),
    };
    let start = Instant::now();
    let outcome = train(model, &loss, &settings, l2.as_ref(), &mut observer);
    let wall = start.elapsed().as_secs_f64();
    bar.finish_and_clear();

    let end = match &outcome.termination {
        Termination::NonFinite { .. } => RunEnd::NonFinite,
        Termination::Unsupported(why) => return Err(why.clone()),
        _ => {
            observer.checkpoint(&outcome.model, outcome.steps, outcome.loss)?;
            RunEnd::Done
        }
    };
    let termination = match &outcome.termination {
        Termination::MaxSteps => "max_steps".to_string(),
        Termination::Converged => "converged".to_string(),
        Termination::LineSearchFailed => "line_search_failed".to_string(),
        Termination::Stalled => "stalled".to_string(),
        Termination::NonFinite { term, step } => format!("non_finite:{term}@{step}"),
        Termination::Unsupported(_) => unreachable!("returned above"),
    };
    let ms_per_step = 1e3 * wall / outcome.steps.max(1) as f64;
    let terms: serde_json::Map<String, serde_json::Value> = outcome
        .terms
        .iter()
        .map(|(n, v)| (n.clone(), json!(v)))
        .collect();
    let summary = json!({
        "name": name,
        "problem": problem.name,
        "backend": config.backend.to_string(),
        "dtype": config.dtype.to_string(),
        "seed": config.seed,
        "steps": outcome.steps,
        "final_loss": outcome.loss,
        "terms": terms,
        "rel_l2": outcome.rel_l2,
        "wall_s": wall,
        "ms_per_step": ms_per_step,
        "n_params": n_params,
        "termination": termination,
        "weights": outcome.weights.iter().map(|(n, w)| (n.clone(), json!(w))).collect::<serde_json::Map<_, _>>(),
    });
    write_atomic(
        &dir.join("summary.json"),
        serde_json::to_string_pretty(&summary)
            .map_err(|e| e.to_string())?
            .as_bytes(),
    )?;

    let rel = outcome
        .rel_l2
        .map_or("n/a".to_string(), |r| format!("{r:.3e}"));
    match &outcome.termination {
        Termination::NonFinite { term, step } => {
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
        }
        _ if o.quiet => {}
        _ => println!(
            "{}: rel. L2 error {rel}, loss {:.3e}, {} steps in {:.1} s ({:.1} ms/step, {}/{}), {} parameters -> {}",
            problem.name,
            outcome.loss,
            outcome.steps,
            wall,
            ms_per_step,
            config.backend,
            config.dtype,
            n_params,
            dir.display()
        ),
    }
    Ok((end, summary))
}
