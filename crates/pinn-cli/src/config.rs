//! The TOML run configuration; unknown fields are rejected with their name.

use std::collections::BTreeMap;
use std::path::Path;

use burn::tensor::Device;
use pinn_loss::{PdeConfig, PinnLoss, PointsConfig, Problem};
use pinn_model::backend::{Backend, Dtype};
use pinn_model::{Model, ModelConfig};
use pinn_optim::Stage;
use serde::{Deserialize, Serialize};

/// A whole run, as in `configs/*.toml`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Run name (default: the file stem); the default output is `runs/NAME`.
    #[serde(default)]
    pub name: Option<String>,
    /// Seed of initialisation and sampling.
    #[serde(default)]
    pub seed: u64,
    /// Backend (overridden by `--backend`).
    #[serde(default)]
    pub backend: Backend,
    /// Float precision (overridden by `--dtype`).
    #[serde(default)]
    pub dtype: Dtype,
    /// The PDE.
    pub pde: PdeConfig,
    /// The model.
    #[serde(default)]
    pub model: ModelConfig,
    /// Collocation points.
    #[serde(default)]
    pub points: PointsConfig,
    /// Weights λ of the boundary-type terms by name (`boundary`, `initial`, `periodic`).
    #[serde(default)]
    pub weights: BTreeMap<String, f64>,
    /// The optimizer schedule.
    pub train: TrainConfig,
}

/// `[train]`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainConfig {
    /// Stages run in order.
    pub stages: Vec<Stage>,
    /// Relative L² error (and a metrics row) every this many steps.
    #[serde(default = "default_eval_every")]
    pub eval_every: usize,
    /// Points per axis of the evaluation grid for the relative L² error.
    #[serde(default = "default_eval_grid")]
    pub eval_grid: usize,
    /// Threads evaluating the loss (default: one per core; always 1 on wgpu).
    #[serde(default)]
    pub threads: Option<usize>,
}

fn default_eval_every() -> usize {
    100
}
fn default_eval_grid() -> usize {
    64
}

impl Config {
    /// Read and check a config file. Errors are one line naming the file, line and field.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read config {}: {e}", path.display()))?;
        let mut config: Config = toml::from_str(&text).map_err(|e| {
            let line_no = e.span().map(|s| text[..s.start].lines().count().max(1));
            let at = line_no.map(|n| format!(":{n}")).unwrap_or_default();
            let source = line_no
                .and_then(|n| text.lines().nth(n - 1))
                .map(|l| format!(" (at `{}`)", l.trim()))
                .unwrap_or_default();
            let mut msg = e.message().replace('\n', " ");
            if msg.contains("expected usize") {
                msg.push_str("; counts must be non-negative integers");
            }
            if msg.contains("unknown variant") && msg.contains("poisson") {
                msg.push_str("; set [pde] name to one of the shipped problems");
            }
            format!("{}{at}: {msg}{source}", path.display())
        })?;
        if config.name.is_none() {
            config.name = path.file_stem().map(|s| s.to_string_lossy().into_owned());
        }
        config.validate()?;
        Ok(config)
    }

    /// Cross-field checks; each error names the field and the fix.
    pub fn validate(&self) -> Result<(), String> {
        self.model.validate()?;
        self.points.validate()?;
        if self.train.stages.is_empty() {
            return Err(
                "train.stages is empty; add one, e.g. [[train.stages]] optimizer = \"adam\" steps = 1000"
                    .into(),
            );
        }
        for (i, s) in self.train.stages.iter().enumerate() {
            s.validate(i)?;
        }
        if self.train.eval_every == 0 {
            return Err("train.eval_every must be at least 1".into());
        }
        if self.train.threads == Some(0) {
            return Err("train.threads must be at least 1 (or omitted: one per core)".into());
        }
        if self.train.eval_grid < 2 {
            return Err("train.eval_grid must be at least 2 points per axis".into());
        }
        if self.backend == Backend::Wgpu && self.dtype == Dtype::F64 {
            return Err(
                "dtype = \"f64\" is not supported with backend = \"wgpu\" (its f64 \
                 transcendental functions are wrong); use dtype = \"f32\" or backend = \"flex\""
                    .into(),
            );
        }
        let problem = self.pde.problem()?;
        for (name, w) in &self.weights {
            if !problem.conditions.iter().any(|c| &c.name == name) {
                let known: Vec<&str> = problem.conditions.iter().map(|c| c.name.as_str()).collect();
                return Err(format!(
                    "weights.{name}: `{}` has no `{name}` term; its terms are {}",
                    problem.name,
                    known.join(", ")
                ));
            }
            if !(*w >= 0.0 && w.is_finite()) {
                return Err(format!(
                    "weights.{name} must be a finite number ≥ 0 (got {w})"
                ));
            }
        }
        Ok(())
    }

    /// The problem (with the config's weights), its collocation loss on `device`, and the
    /// model at initialisation (preconditioned features use the PDE's symbol).
    pub fn build(&self, device: &Device) -> Result<(Problem, PinnLoss, Model), String> {
        let mut problem = self.pde.problem()?;
        for (term, w) in &self.weights {
            problem.set_weight(term, *w);
        }
        let loss = PinnLoss::new(&problem, &self.points, self.seed, device)?;
        let (lo, hi) = (problem.domain.lo(), problem.domain.hi());
        let model = self
            .model
            .init_with_symbol(lo, hi, self.seed, device, &|w| problem.residual.symbol(w))?;
        Ok((problem, loss, model))
    }

    /// The total number of steps of the schedule.
    pub fn total_steps(&self) -> usize {
        self.train.stages.iter().map(Stage::steps).sum()
    }

    /// Scale the schedule to `steps` in total, keeping the stages' proportions.
    pub fn set_total_steps(&mut self, steps: usize) {
        let total = self.total_steps().max(1);
        let n = self.train.stages.len();
        let mut left = steps;
        for (i, s) in self.train.stages.iter_mut().enumerate() {
            let k = if i + 1 == n {
                left
            } else {
                s.steps() * steps / total
            };
            left -= k.min(left);
            *s = s.clone().with_steps(k);
        }
    }
}
