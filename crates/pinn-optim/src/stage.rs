//! A training schedule: a list of optimizer stages run one after the other
//! (e.g. Adam, then L-BFGS).

use serde::{Deserialize, Serialize};

use crate::LbfgsConfig;

/// One stage of a schedule, as written in `[[train.stages]]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "optimizer", rename_all = "lowercase", deny_unknown_fields)]
pub enum Stage {
    /// burn's Adam (Kingma & Ba, ICLR 2015) with a geometric learning-rate decay from `lr` to
    /// `lr_final` over the stage.
    Adam {
        /// Steps in this stage.
        steps: usize,
        /// Initial learning rate.
        #[serde(default = "default_lr")]
        lr: f64,
        /// Final learning rate (default: `lr`, constant).
        #[serde(default)]
        lr_final: Option<f64>,
    },
    /// L-BFGS with a strong-Wolfe line search; one step is one iteration.
    Lbfgs {
        /// Iterations in this stage.
        steps: usize,
        /// History size.
        #[serde(default = "default_history")]
        history: usize,
        /// Stop when `‖∇L‖∞` falls below this.
        #[serde(default = "default_tol_grad")]
        tolerance_grad: f64,
        /// Stop when a step changes `L` by less than this (relative).
        #[serde(default = "default_tol_change")]
        tolerance_change: f64,
    },
    /// Plain gradient descent `θ ← θ − η ∇L` (the dynamics the operator view analyses; with
    /// preconditioned features it is preconditioned gradient descent).
    #[serde(rename = "gd")]
    GradientDescent {
        /// Steps in this stage.
        steps: usize,
        /// The step `η`.
        lr: f64,
    },
    /// Gauss–Newton with Levenberg–Marquardt damping (dense `J̃`, one backward pass per
    /// residual row; for models up to ~10⁴ parameters and ~10⁴ points).
    #[serde(rename = "gauss_newton")]
    GaussNewton {
        /// Iterations in this stage.
        steps: usize,
        /// Initial damping relative to `max_i A_ii`.
        #[serde(default = "default_damping")]
        damping: f64,
    },
}

fn default_damping() -> f64 {
    crate::GaussNewtonConfig::default().damping
}

fn default_lr() -> f64 {
    1e-3
}
fn default_history() -> usize {
    LbfgsConfig::default().history
}
fn default_tol_grad() -> f64 {
    LbfgsConfig::default().tolerance_grad
}
fn default_tol_change() -> f64 {
    LbfgsConfig::default().tolerance_change
}

impl Stage {
    /// Steps in this stage.
    pub fn steps(&self) -> usize {
        match self {
            Self::Adam { steps, .. }
            | Self::Lbfgs { steps, .. }
            | Self::GaussNewton { steps, .. }
            | Self::GradientDescent { steps, .. } => *steps,
        }
    }

    /// Override the number of steps.
    pub fn with_steps(mut self, n: usize) -> Self {
        match &mut self {
            Self::Adam { steps, .. }
            | Self::Lbfgs { steps, .. }
            | Self::GaussNewton { steps, .. }
            | Self::GradientDescent { steps, .. } => *steps = n,
        }
        self
    }

    /// `adam`, `lbfgs`, `gd` or `gauss_newton`.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Adam { .. } => "adam",
            Self::Lbfgs { .. } => "lbfgs",
            Self::GaussNewton { .. } => "gauss_newton",
            Self::GradientDescent { .. } => "gd",
        }
    }

    /// Check the numbers; the error names the field.
    pub fn validate(&self, index: usize) -> Result<(), String> {
        let at = format!("train.stages[{index}]");
        match self {
            Self::Adam { lr, lr_final, .. } => {
                if !(*lr > 0.0 && lr.is_finite()) {
                    return Err(format!(
                        "{at}.lr must be positive (got {lr}); e.g. lr = 1e-3"
                    ));
                }
                if let Some(f) = lr_final
                    && !(*f > 0.0 && f.is_finite())
                {
                    return Err(format!("{at}.lr_final must be positive (got {f})"));
                }
            }
            Self::Lbfgs { history, .. } => {
                if *history == 0 {
                    return Err(format!(
                        "{at}.history must be at least 1 (e.g. history = 50)"
                    ));
                }
            }
            Self::GradientDescent { lr, .. } => {
                if !(*lr > 0.0 && lr.is_finite()) {
                    return Err(format!("{at}.lr must be positive (got {lr})"));
                }
            }
            Self::GaussNewton { damping, .. } => {
                if !(*damping > 0.0 && damping.is_finite()) {
                    return Err(format!(
                        "{at}.damping must be positive (got {damping}); e.g. damping = 1e-3"
                    ));
                }
            }
        }
        Ok(())
    }
}
