//! The TOML run configuration; unknown fields are rejected with their name.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use burn::tensor::Device;
use pinn_loss::{PdeConfig, PointsConfig, Problem, Setup, Trainable};
use pinn_model::{Constrained, Model, ModelConfig};
use pinn_model::backend::{Backend, Dtype};
use pinn_optim::{Balance, Stage, Target, TrainSettings};
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
    /// Choose the boundary-type weights automatically: `method = "kappa_optimal"` or
    /// `method = "grad_norm"` (with `every`, `alpha`).
    #[serde(default)]
    pub balance: Option<Balance>,
    /// Wall-clock budget in seconds: training stops after the step during which it runs out.
    #[serde(default)]
    pub time_limit: Option<f64>,
    /// Stop early at a loss or relative L² error (`[train.target] rel_l2 = 1e-6`).
    #[serde(default)]
    pub target: Target,
}

fn default_eval_every() -> usize {
    100
}
fn default_eval_grid() -> usize {
    64
}

impl TrainConfig {
    /// The library's settings for a run on `backend` (its loss-thread policy applied).
    pub fn settings(&self, backend: Backend) -> TrainSettings {
        TrainSettings {
            stages: self.stages.clone(),
            eval_every: self.eval_every,
            threads: backend.loss_threads(self.threads),
            balance: self.balance.clone(),
            time_limit: self.time_limit.map(Duration::from_secs_f64),
            target: self.target.clone(),
        }
    }
}

impl Config {
    /// Read and check a config file. Errors are one line naming the file, line and field.
    pub fn load(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read config {}: {e}", path.display()))?;
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
        Self::parse(&text, &path.display().to_string(), stem)
    }

    /// Parse and check the text of a config; `origin` names it in errors, `stem` is the
    /// default run name.
    pub fn parse(text: &str, origin: &str, stem: Option<String>) -> Result<Self, String> {
        let mut config: Config = toml::from_str(text).map_err(|e| {
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
            format!("{origin}{at}: {msg}{source}")
        })?;
        if config.name.is_none() {
            config.name = stem;
        }
        config.validate()?;
        Ok(config)
    }

    /// Cross-field checks; each error names the field and the fix.
    pub fn validate(&self) -> Result<(), String> {
        if let Some(name) = &self.name
            && (name.is_empty()
                || name == "."
                || name == ".."
                || name
                    .chars()
                    .any(|c| c == '/' || c == '\\' || c.is_control()))
        {
            return Err(format!(
                "name = {name:?} is not a plain name (the run goes to runs/NAME); use letters, \
                 digits, '-', '_' and '.', or --out DIR"
            ));
        }
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
        if let Some(b) = &self.train.balance {
            b.validate()?;
        }
        if self.train.eval_every == 0 {
            return Err("train.eval_every must be at least 1".into());
        }
        if self.train.threads == Some(0) {
            return Err("train.threads must be at least 1 (or omitted: one per core)".into());
        }
        if let Some(t) = self.train.time_limit
            && !(t.is_finite() && t > 0.0 && t < 1e9)
        {
            return Err(format!(
                "train.time_limit = {t} must be a positive number of seconds, e.g. time_limit = 600"
            ));
        }
        for (field, value) in [
            ("loss", self.train.target.loss),
            ("rel_l2", self.train.target.rel_l2),
        ] {
            if let Some(v) = value
                && !(v.is_finite() && v > 0.0)
            {
                return Err(format!(
                    "train.target.{field} = {v} must be a positive number, e.g. {field} = 1e-6"
                ));
            }
        }
        if self.train.eval_grid < 2 {
            return Err("train.eval_grid must be at least 2 points per axis".into());
        }
        self.backend
            .supports(self.dtype)
            .map_err(|e| format!("backend = \"{}\": {e}", self.backend))?;
        self.problem().map(|_| ())
    }

    /// The problem of `[pde]` with the weights of `[weights]`.
    pub fn problem(&self) -> Result<Problem, String> {
        let mut problem = self.pde.problem()?;
        for (name, w) in &self.weights {
            problem
                .set_weight(name, *w)
                .map_err(|e| format!("weights.{name}: {e}"))?;
        }
        Ok(problem)
    }

    /// The problem's loss, model and error metric on `device` ([`Setup`]: hard constraints
    /// make the loss the residual alone under the problem's ansatz).
    pub fn build(&self, device: &Device) -> Result<Trainable, String> {
        self.setup()?.build(device)
    }

    /// The model at initialisation on `device`, without sampling points.
    pub fn model_at_init(&self, device: &Device) -> Result<Constrained<Model>, String> {
        self.setup()?.model_at_init(device)
    }

    fn setup(&self) -> Result<Setup, String> {
        Ok(Setup::new(self.problem()?)
            .points(self.points.clone())
            .model(self.model.clone())
            .seed(self.seed)
            .eval_grid(self.train.eval_grid))
    }

    /// The total number of steps of the schedule.
    pub fn total_steps(&self) -> usize {
        self.train.stages.iter().map(Stage::steps).sum()
    }

    /// Scale the schedule to `steps` in total, keeping the stages' proportions; a stage left
    /// with no step is dropped.
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
        self.train.stages.retain(|s| s.steps() > 0);
    }
}
