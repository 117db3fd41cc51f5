//! The TOML run configuration; unknown fields are rejected with their name.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use burn::tensor::Device;
use pinn_loss::{Condition, L2Error, PdeConfig, PointsConfig, Problem, Setup, Trainable};

use crate::observations::Observations;
use crate::reference::Reference;
use pinn_model::backend::{Backend, Dtype};
use pinn_model::{Activation, Constrained, Model, ModelConfig};
use pinn_optim::{Balance, Resample, Stage, Target, TrainSettings};
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
    /// Weights of the loss terms by name (`boundary`, `initial`, `periodic`, the equations of
    /// a system).
    #[serde(default)]
    pub weights: BTreeMap<String, f64>,
    /// Values of the solution at points, from CSV files, each a loss term.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub observations: Vec<Observations>,
    /// A reference solution the error is measured against (instead of the exact one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<Reference>,
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
    /// Residual-based adaptive collocation (RAD): redraw the interior points every so often.
    #[serde(default)]
    pub resample: Option<Resample>,
    /// Wall-clock budget in seconds: training stops after the step during which it runs out.
    #[serde(default)]
    pub time_limit: Option<f64>,
    /// Stop early at a loss or relative L² error (`[train.target] rel_l2 = 1e-6`).
    #[serde(default)]
    pub target: Target,
    /// Run the MLP's hidden tanh layers fused: one product and one kernel (activation and
    /// chain rule) per layer and pass (flex and the GPU backends; default false: burn's ops).
    #[serde(default)]
    pub fused: bool,
    /// Form the Gauss–Newton matrix `A = J̃ᵀJ̃` on the backend's device, in its precision
    /// (default on the GPU backends: only `A` is read back), or on the host in f64 from `J̃`
    /// read back (default on the CPU backends).
    #[serde(default)]
    pub gram_on_device: Option<bool>,
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
            shard_points: backend.shard_points(self.fused),
            gram_on_device: self.gram_on_device.unwrap_or(backend.is_gpu()),
            balance: self.balance.clone(),
            resample: self.resample.clone(),
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
            let mut msg = printable(&e.message().replace('\n', " "));
            if msg.contains("expected usize") || msg.contains("expected u64") {
                msg.push_str("; write a non-negative integer");
            }
            if msg.contains("unknown variant") && msg.contains("poisson") {
                msg.push_str("; set [pde] name to one of the shipped problems");
            }
            match e.span() {
                Some(span) => {
                    // serde reports an unknown key at its table (for an array of tables, at
                    // the array's first header): point at the key itself.
                    let start = e
                        .message()
                        .strip_prefix("unknown field `")
                        .and_then(|r| r.split('`').next())
                        .and_then(|key| key_offset(text, span.start, key))
                        .or_else(|| {
                            quoted_value(e.message())
                                .and_then(|v| value_offset(text, span.start, &v))
                        })
                        .unwrap_or(span.start);
                    let at = locate(text, start);
                    let field = if at.field.is_empty() {
                        String::new()
                    } else {
                        format!(" {}:", at.field)
                    };
                    format!(
                        "{origin}:{}:{field} {msg} (at `{}`)",
                        at.line,
                        printable(at.source.trim())
                    )
                }
                None => format!("{origin}: {msg}"),
            }
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
        if let Some(r) = &self.train.resample {
            r.validate()?;
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
        if self.train.fused && !self.backend.has_fused_kernel() {
            return Err(format!(
                "train.fused = true (or --fused) has no kernel on {}; use --backend flex (or a \
                 GPU backend), or remove train.fused",
                self.backend
            ));
        }
        if self.train.fused && self.model.activation != Activation::Tanh {
            return Err(format!(
                "train.fused = true (or --fused) fuses tanh layers, not {}; set \
                 model.activation = \"tanh\" or remove train.fused",
                self.model.activation
            ));
        }
        self.backend
            .supports(self.dtype)
            .map_err(|e| format!("backend = \"{}\": {e}", self.backend))?;
        self.problem().map(|_| ())
    }

    /// The problem of `[pde]` with the weights of `[weights]`.
    pub fn problem(&self) -> Result<Problem, String> {
        let mut problem = self.pde.problem()?;
        let d = problem.domain.dim();
        for (i, o) in self.observations.iter().enumerate() {
            let (points, values) = crate::observations::read(Path::new(&o.file), d)
                .map_err(|e| format!("observations[{i}].file: {e}"))?;
            let (lo, hi) = (problem.domain.lo(), problem.domain.hi());
            if let Some(k) = points.iter().position(|p| {
                p.iter()
                    .enumerate()
                    .any(|(a, v)| *v < lo[a] - 1e-12 || *v > hi[a] + 1e-12)
            }) {
                return Err(format!(
                    "{}: observation {} at {:?} lies outside the domain {lo:?}–{hi:?}",
                    o.file,
                    k + 1,
                    points[k]
                ));
            }
            if !(o.weight.is_finite() && o.weight >= 0.0) {
                return Err(format!(
                    "observations[{i}].weight = {} must be a finite number ≥ 0",
                    o.weight
                ));
            }
            let mut condition = Condition::points(&o.name, points, values).with_weight(o.weight);
            if let Some(field) = &o.field {
                condition = condition.on_field(field);
                problem
                    .field_of(&condition)
                    .map_err(|e| format!("observations[{i}].field: {e}"))?;
            }
            problem = problem.with_condition(condition);
        }
        let unknowns = problem.residual.unknowns();
        if !unknowns.is_empty() && self.observations.is_empty() {
            let names: Vec<&str> = unknowns.iter().map(|u| u.name.as_str()).collect();
            return Err(format!(
                "`{}` fits the unknown {} to data; add [[observations]] with a file of \
                 measured values (without them any value fits)",
                problem.name,
                names.join(", ")
            ));
        }
        for (name, w) in &self.weights {
            problem
                .set_weight(name, *w)
                .map_err(|e| format!("weights.{name}: {e}"))?;
        }
        Ok(problem)
    }

    /// The problem's loss, model and error metric on `device` ([`Setup`]: hard constraints
    /// make the loss the residual alone under the problem's ansatz); the error is measured
    /// against `[reference]` when there is one.
    pub fn build(&self, device: &Device) -> Result<Trainable, String> {
        let mut trainable = self.setup()?.build(device)?;
        if let Some(reference) = &self.reference {
            let problem = &trainable.problem;
            let fields = problem.residual.fields();
            let (points, values) = reference.read(problem.domain.dim(), &fields)?;
            trainable.l2 = Some(L2Error::at_points(&points, values, fields.len(), device));
        }
        Ok(trainable)
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

/// `s` with control characters escaped (`\u{1b}`), for echoing a user's text on one line.
fn printable(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// The offset of the first line at or after byte `from` whose key is `key`.
fn key_offset(text: &str, from: usize, key: &str) -> Option<usize> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if offset >= from
            && line
                .split_once('=')
                .is_some_and(|(k, _)| k.trim().trim_matches('"') == key)
        {
            return Some(offset);
        }
        offset += line.len();
    }
    None
}

/// The value a serde "invalid value" or "invalid type" message quotes: `-5` from
/// ``invalid value: integer `-5`, …``, `"x"` from `invalid type: string "x", …`.
fn quoted_value(message: &str) -> Option<String> {
    let rest = message
        .strip_prefix("invalid value: ")
        .or_else(|| message.strip_prefix("invalid type: "))?;
    if let Some(r) = rest.split_once('`') {
        return r.1.split('`').next().map(str::to_string);
    }
    let r = rest.split_once('"')?.1;
    Some(format!(
        "\"{}\"",
        r.rsplit_once("\", expected").map_or(r, |(v, _)| v)
    ))
}

/// The offset of the first line of the table starting at byte `from` whose value is `value`
/// (serde loses the position of values inside a tagged table; the table's remains).
fn value_offset(text: &str, from: usize, value: &str) -> Option<usize> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if offset > from && line.trim_start().starts_with('[') {
            return None;
        }
        if offset >= from
            && line
                .split_once('=')
                .is_some_and(|(_, v)| v.split('#').next().unwrap_or_default().trim() == value)
        {
            return Some(offset);
        }
        offset += line.len();
    }
    None
}

/// Where a byte offset of a TOML text lies: its line (1-based), the line's text and the
/// dotted field there (`train.stages[1].lr`): the nearest table header above (arrays of
/// tables counted) and the key on the line.
struct Location<'a> {
    line: usize,
    source: &'a str,
    field: String,
}

fn locate(text: &str, offset: usize) -> Location<'_> {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let line = text[..offset].matches('\n').count() + 1;
    let source = text.lines().nth(line - 1).unwrap_or_default();
    let mut table = String::new();
    let mut arrays: BTreeMap<String, usize> = BTreeMap::new();
    for l in text.lines().take(line) {
        let t = l.trim();
        if let Some(name) = t.strip_prefix("[[").and_then(|r| r.split("]]").next()) {
            let name = name.trim().to_string();
            let count = arrays.entry(name.clone()).or_insert(0);
            table = format!("{name}[{count}]");
            *count += 1;
        } else if let Some(name) = t.strip_prefix('[').and_then(|r| r.split(']').next()) {
            table = name.trim().to_string();
        }
    }
    let key = source
        .split_once('=')
        .map(|(k, _)| k.trim())
        .filter(|k| !k.is_empty() && !k.starts_with('[') && !k.starts_with('#'));
    let field = match key {
        Some(k) if table.is_empty() => k.to_string(),
        Some(k) => format!("{table}.{k}"),
        None => table,
    };
    Location {
        line,
        source,
        field,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str =
        "[pde]\nname = \"poisson2d\"\n\n[[train.stages]]\noptimizer = \"adam\"\nsteps = 5\n";

    fn error(text: &str) -> String {
        Config::parse(text, "c.toml", None).unwrap_err()
    }

    #[test]
    fn errors_name_the_line_and_the_field() {
        let e = error(&format!("seed = \"x\"\n{BASE}"));
        assert!(e.starts_with("c.toml:1: seed:"), "{e}");
        let e = error(&format!(
            "{BASE}\n[[train.stages]]\noptimizer = \"lbfgs\"\nsteps = 5\nhistoryy = 3\n"
        ));
        assert!(e.starts_with("c.toml:11: train.stages[1].historyy:"), "{e}");
        assert!(e.contains("(at `historyy = 3`)"), "{e}");
        let e = error(&BASE.replace("steps = 5", "steps = -5"));
        assert!(e.starts_with("c.toml:6: train.stages[0].steps:"), "{e}");
    }

    #[test]
    fn unknown_keys_beside_parameterless_problems_are_refused() {
        let e = error(&BASE.replace("name = \"poisson2d\"", "name = \"poisson2d\"\nbeta = 3"));
        assert!(e.contains("beta"), "{e}");
        assert!(e.contains("c.toml:"), "{e}");
    }

    #[test]
    fn absurd_and_non_finite_parameters_are_refused() {
        let adv = BASE.replace("name = \"poisson2d\"", "name = \"advection\"\nbeta = 1e300");
        assert!(
            error(&adv).contains("pde.beta = 1e300 is outside"),
            "{}",
            error(&adv)
        );
        let nan = BASE.replace("steps = 5", "steps = 5\nlr = nan");
        assert!(error(&nan).contains("lr"), "{}", error(&nan));
        let inf = format!("[weights]\nboundary = inf\n{BASE}");
        assert!(error(&inf).contains("weights.boundary"), "{}", error(&inf));
    }

    #[test]
    fn the_gauss_newton_matrix_is_formed_on_the_gpu_unless_the_config_says_otherwise() {
        let parse = |text: &str| Config::parse(text, "c.toml", None).unwrap();
        let default = parse(BASE);
        assert!(!default.train.settings(Backend::Flex).gram_on_device);
        assert!(default.train.settings(Backend::Wgpu).gram_on_device);
        let host = parse(&format!("[train]\ngram_on_device = false\n{BASE}"));
        assert!(!host.train.settings(Backend::Wgpu).gram_on_device);
        let device = parse(&format!("[train]\ngram_on_device = true\n{BASE}"));
        assert!(device.train.settings(Backend::Flex).gram_on_device);
        let e = error(&format!("[train]\ngram_on_device = 1\n{BASE}"));
        assert!(e.starts_with("c.toml:2: train.gram_on_device:"), "{e}");
    }

    #[test]
    fn control_characters_are_escaped_when_echoed() {
        let e = error(&format!("name = \"a\\u001b[31mb\"\n{BASE}"));
        assert!(!e.chars().any(char::is_control), "{e:?}");
        let e = error(&format!("seed = \"\\u0007\"\n{BASE}"));
        assert!(!e.chars().any(char::is_control), "{e:?}");
    }
}
