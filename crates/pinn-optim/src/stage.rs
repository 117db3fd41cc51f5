//! A training schedule's stages: each `[[train.stages]]` table names an optimizer and holds
//! its settings. Adding an optimizer takes its own file (settings implementing
//! [`StageConfig`], a [`Stepper`]) and one variant here.

use pinn_model::Field;
use serde::{Deserialize, Serialize};

use crate::adam::AdamConfig;
use crate::gauss_newton::{GaussNewtonConfig, GaussNewtonSolver};
use crate::gd::GdConfig;
use crate::lbfgs::LbfgsConfig;
use crate::stepper::Stepper;

/// What every optimizer's stage settings provide; [`Stage`] dispatches to it.
pub trait StageConfig {
    /// The optimizer's name, as in `optimizer = "…"`.
    fn name(&self) -> &'static str;
    /// Steps in the stage.
    fn steps(&self) -> usize;
    /// Change the number of steps.
    fn set_steps(&mut self, steps: usize);
    /// Check the numbers; errors name the field under `at` (e.g. `train.stages[1]`).
    fn validate(&self, at: &str) -> Result<(), String>;
    /// Refuse, before training starts, a model this optimizer cannot train.
    fn check<M: Field>(&self, _model: &M) -> Result<(), String> {
        Ok(())
    }
    /// A stepper at the start of the stage.
    fn stepper<M: Field + Sync>(&self) -> Box<dyn Stepper<M>>;
}

/// `Ok` when `value` (the field `at.field`) is a positive finite number; otherwise the error
/// names the field and an example.
pub(crate) fn positive(at: &str, field: &str, value: f64, example: &str) -> Result<(), String> {
    if value > 0.0 && value.is_finite() {
        Ok(())
    } else {
        Err(format!(
            "{at}.{field} must be positive (got {value}); e.g. {field} = {example}"
        ))
    }
}

/// One stage of a schedule, as written in `[[train.stages]]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "optimizer", rename_all = "snake_case")]
pub enum Stage {
    /// burn's Adam with a geometric learning-rate decay ([`crate::adam`]).
    Adam(AdamConfig),
    /// L-BFGS with a strong-Wolfe line search ([`crate::lbfgs`]).
    Lbfgs(LbfgsConfig),
    /// Plain gradient descent ([`crate::gd`]).
    #[serde(rename = "gd")]
    GradientDescent(GdConfig),
    /// Gauss–Newton with Levenberg–Marquardt damping ([`crate::gauss_newton`]).
    GaussNewton(GaussNewtonConfig),
}

/// `$body` with `$config` bound to the settings of whichever optimizer `$stage` holds.
macro_rules! with_config {
    ($stage:expr, $config:ident => $body:expr) => {
        match $stage {
            Stage::Adam($config) => $body,
            Stage::Lbfgs($config) => $body,
            Stage::GradientDescent($config) => $body,
            Stage::GaussNewton($config) => $body,
        }
    };
}

impl Stage {
    /// `steps` Adam steps at the constant learning rate `lr`.
    pub fn adam(steps: usize, lr: f64) -> Self {
        Self::Adam(AdamConfig::new(steps, lr))
    }

    /// `steps` Adam steps with the learning rate decaying geometrically from `lr` to
    /// `lr_final`.
    pub fn adam_decaying(steps: usize, lr: f64, lr_final: f64) -> Self {
        Self::Adam(AdamConfig::new(steps, lr).decaying_to(lr_final))
    }

    /// `steps` L-BFGS iterations with the default history and tolerances.
    pub fn lbfgs(steps: usize) -> Self {
        Self::Lbfgs(LbfgsConfig::new(steps))
    }

    /// `steps` gradient-descent steps `θ ← θ − lr ∇L`.
    pub fn gd(steps: usize, lr: f64) -> Self {
        Self::GradientDescent(GdConfig { steps, lr })
    }

    /// A dense (Cholesky) Gauss–Newton stage with the default settings.
    pub fn gauss_newton(steps: usize) -> Self {
        Self::gauss_newton_with(steps, GaussNewtonSolver::Cholesky)
    }

    /// A Gauss–Newton stage with the default settings and the given solver.
    pub fn gauss_newton_with(steps: usize, solver: GaussNewtonSolver) -> Self {
        Self::GaussNewton(GaussNewtonConfig::new(steps, solver))
    }

    /// `adam`, `lbfgs`, `gd` or `gauss_newton`.
    pub fn name(&self) -> &'static str {
        with_config!(self, c => c.name())
    }

    /// Steps in this stage.
    pub fn steps(&self) -> usize {
        with_config!(self, c => c.steps())
    }

    /// The same stage with `steps` steps.
    pub fn with_steps(mut self, steps: usize) -> Self {
        with_config!(&mut self, c => c.set_steps(steps));
        self
    }

    /// Check the numbers of the `index`-th stage; the error names the field.
    pub fn validate(&self, index: usize) -> Result<(), String> {
        let at = format!("train.stages[{index}]");
        if self.steps() == 0 {
            return Err(format!(
                "{at}.steps must be at least 1 (e.g. steps = 1000), or remove the stage"
            ));
        }
        with_config!(self, c => c.validate(&at))
    }

    /// Refuse a model this stage cannot train; the error says what to use instead.
    pub fn check<M: Field>(&self, model: &M) -> Result<(), String> {
        with_config!(self, c => c.check(model))
    }

    /// A stepper at the start of this stage.
    pub fn stepper<M: Field + Sync>(&self) -> Box<dyn Stepper<M>> {
        with_config!(self, c => c.stepper())
    }
}
