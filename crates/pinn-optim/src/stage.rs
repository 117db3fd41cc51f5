//! A training schedule: a list of optimizer stages run one after the other
//! (e.g. Adam, then L-BFGS).

use serde::{Deserialize, Serialize};

use crate::LbfgsConfig;
use crate::gauss_newton::{GaussNewtonConfig, Solver};

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
    /// Gauss–Newton with Levenberg–Marquardt damping and a step-length grid: the natural
    /// gradient. `solver = "cholesky"` forms `A = J̃ᵀJ̃` (per-sample probes, one backward pass
    /// per block of rows; networks up to ~10⁴ parameters); `solver = "cg"` never forms it.
    #[serde(rename = "gauss_newton")]
    GaussNewton {
        /// Iterations in this stage.
        steps: usize,
        /// Initial damping relative to `max_i A_ii`.
        #[serde(default = "default_damping")]
        damping: f64,
        /// `cholesky` (dense) or `cg` (matrix-free conjugate gradients).
        #[serde(default = "default_solver")]
        solver: Solver,
        /// Step lengths `η` tried along each direction, the best taken.
        #[serde(default = "default_step_sizes")]
        step_sizes: Vec<f64>,
        /// Conjugate-gradient iterations per solve (`solver = "cg"`).
        #[serde(default = "default_cg_iterations")]
        cg_iterations: usize,
        /// Relative residual at which conjugate gradients stop.
        #[serde(default = "default_cg_tolerance")]
        cg_tolerance: f64,
    },
}

impl Stage {
    /// A Gauss–Newton stage with the default settings.
    pub fn gauss_newton(steps: usize) -> Self {
        Self::gauss_newton_with(steps, default_solver())
    }

    /// A Gauss–Newton stage with the default settings and the given solver.
    pub fn gauss_newton_with(steps: usize, solver: Solver) -> Self {
        Self::GaussNewton {
            steps,
            damping: default_damping(),
            solver,
            step_sizes: default_step_sizes(),
            cg_iterations: default_cg_iterations(),
            cg_tolerance: default_cg_tolerance(),
        }
    }

    /// The Gauss–Newton settings of a `gauss_newton` stage.
    pub fn gauss_newton_config(&self) -> Option<(Solver, GaussNewtonConfig)> {
        match self {
            Self::GaussNewton {
                damping,
                solver,
                step_sizes,
                cg_iterations,
                cg_tolerance,
                ..
            } => Some((
                *solver,
                GaussNewtonConfig {
                    damping: *damping,
                    step_sizes: step_sizes.clone(),
                    cg_iterations: *cg_iterations,
                    cg_tolerance: *cg_tolerance,
                    ..GaussNewtonConfig::default()
                },
            )),
            _ => None,
        }
    }
}

fn default_solver() -> Solver {
    Solver::Cholesky
}
fn default_step_sizes() -> Vec<f64> {
    GaussNewtonConfig::default().step_sizes
}
fn default_cg_iterations() -> usize {
    GaussNewtonConfig::default().cg_iterations
}
fn default_cg_tolerance() -> f64 {
    GaussNewtonConfig::default().cg_tolerance
}

fn default_damping() -> f64 {
    GaussNewtonConfig::default().damping
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
            Self::GaussNewton {
                damping,
                step_sizes,
                cg_iterations,
                cg_tolerance,
                ..
            } => {
                if !(*damping > 0.0 && damping.is_finite()) {
                    return Err(format!(
                        "{at}.damping must be positive (got {damping}); e.g. damping = 1e-3"
                    ));
                }
                if step_sizes.is_empty() || step_sizes.iter().any(|e| !(*e > 0.0 && e.is_finite()))
                {
                    return Err(format!(
                        "{at}.step_sizes must be a non-empty list of positive numbers \
                         (e.g. step_sizes = [1.0, 0.5, 0.25])"
                    ));
                }
                if *cg_iterations == 0 || !(*cg_tolerance > 0.0 && *cg_tolerance < 1.0) {
                    return Err(format!(
                        "{at}: cg_iterations must be ≥ 1 and 0 < cg_tolerance < 1 \
                         (e.g. cg_iterations = 100, cg_tolerance = 1e-8)"
                    ));
                }
            }
        }
        Ok(())
    }
}
