//! Gauss–Newton with Levenberg–Marquardt damping: the natural gradient in function space.
//!
//! With `r̃(θ)` the weighted residual vector (`L = ‖r̃‖²`) and `J̃` its Jacobian, a step solves
//!
//! `(J̃ᵀJ̃ + μI) δ = −J̃ᵀ r̃`
//!
//! by a Cholesky factorisation (faer), i.e. it applies `(A + μI)⁻¹` — the ideal preconditioner
//! of the operator view — to the gradient. `μ` follows the gain ratio `ρ = actual / predicted`
//! decrease, `predicted = δᵀ(μδ − J̃ᵀr̃)` (Madsen, Nielsen & Tingleff, *Methods for non-linear
//! least squares problems*, 2004, §3.2, with Nielsen's update `μ ← μ·max(1/3, 1 − (2ρ − 1)³)`
//! on success and `μ ← νμ, ν ← 2ν` on failure).

use faer::{Mat, Side, linalg::solvers::Solve};
use serde::{Deserialize, Serialize};

use crate::linear::LinearLeastSquares;

/// Gauss–Newton settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GaussNewtonConfig {
    /// Initial damping relative to the largest diagonal entry of `A`.
    #[serde(default = "default_tau")]
    pub damping: f64,
    /// Rejected trial steps allowed per iteration before giving up.
    #[serde(default = "default_trials")]
    pub max_trials: usize,
}

fn default_tau() -> f64 {
    1e-3
}
fn default_trials() -> usize {
    30
}

impl Default for GaussNewtonConfig {
    fn default() -> Self {
        Self {
            damping: default_tau(),
            max_trials: default_trials(),
        }
    }
}

/// What a step did.
#[derive(Clone, Debug, PartialEq)]
pub enum GaussNewtonStatus {
    /// A step was accepted.
    Accepted,
    /// No damping gave a decrease within the trial budget (the round-off floor).
    Stalled,
}

/// The state of the damped Gauss–Newton iteration: the damping `μ` and its growth factor `ν`.
#[derive(Clone, Debug)]
pub struct GaussNewton {
    config: GaussNewtonConfig,
    mu: Option<f64>,
    nu: f64,
}

impl GaussNewton {
    /// A fresh iteration.
    pub fn new(config: GaussNewtonConfig) -> Self {
        Self {
            config,
            mu: None,
            nu: 2.0,
        }
    }

    /// The current damping `μ`, once set.
    pub fn damping(&self) -> Option<f64> {
        self.mu
    }

    /// One step from `θ`, where `blocks` hold `J̃` and targets with `r̃ = J̃θ − target` (as
    /// [`crate::jacobian::jacobian_blocks`] returns them) and `loss(θ')` evaluates `L(θ')`.
    /// Returns the new iterate, its loss and the status.
    pub fn step(
        &mut self,
        blocks: &LinearLeastSquares,
        theta: &[f64],
        mut loss: impl FnMut(&[f64]) -> f64,
    ) -> (Vec<f64>, f64, GaussNewtonStatus) {
        let a = blocks.matrix();
        let g = blocks.half_gradient(theta);
        let l0 = blocks.loss(theta);
        let n = theta.len();
        let max_diag = (0..n).fold(0.0_f64, |m, i| m.max(a[(i, i)]));
        let mut mu = *self
            .mu
            .get_or_insert(self.config.damping * max_diag.max(f64::MIN_POSITIVE));
        for _ in 0..self.config.max_trials {
            let mut damped = a.clone();
            for i in 0..n {
                damped[(i, i)] += mu;
            }
            let Ok(llt) = damped.llt(Side::Lower) else {
                mu *= self.nu;
                self.nu *= 2.0;
                continue;
            };
            let mut delta = Mat::from_fn(n, 1, |i, _| -g[i]);
            llt.solve_in_place(delta.as_mut());
            let d: Vec<f64> = (0..n).map(|i| delta[(i, 0)]).collect();
            let predicted: f64 = d.iter().zip(&g).map(|(di, gi)| di * (mu * di - gi)).sum();
            let trial: Vec<f64> = theta.iter().zip(&d).map(|(t, di)| t + di).collect();
            let l1 = loss(&trial);
            let rho = (l0 - l1) / predicted;
            if l1.is_finite() && predicted > 0.0 && rho > 0.0 {
                mu *= (1.0 - (2.0 * rho - 1.0).powi(3)).max(1.0 / 3.0);
                self.mu = Some(mu);
                self.nu = 2.0;
                return (trial, l1, GaussNewtonStatus::Accepted);
            }
            mu *= self.nu;
            self.nu *= 2.0;
        }
        self.mu = Some(mu);
        (theta.to_vec(), l0, GaussNewtonStatus::Stalled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linear::Block;

    #[test]
    fn linear_least_squares_converges_in_one_step() {
        let j = Mat::from_fn(6, 3, |r, c| ((r + 1) as f64).powi(c as i32) / 10.0);
        let target = vec![1.0, -2.0, 0.5, 3.0, 0.0, 1.5];
        let ls = LinearLeastSquares {
            blocks: vec![Block {
                name: "residual".into(),
                jacobian: j,
                target,
                weight: 1.0,
            }],
        };
        let mut gn = GaussNewton::new(GaussNewtonConfig {
            damping: 1e-14,
            ..Default::default()
        });
        let (theta1, l1, s) = gn.step(&ls, &[0.0; 3], |t| ls.loss(t));
        assert_eq!(s, GaussNewtonStatus::Accepted);
        // At the least-squares minimiser the gradient vanishes.
        let g = ls.half_gradient(&theta1);
        assert!(g.iter().all(|v| v.abs() < 1e-10), "{g:?}");
        let (_, l2, _) = gn.step(&ls, &theta1, |t| ls.loss(t));
        assert!((l1 - l2).abs() <= 1e-12 * l1, "{l1} then {l2}");
    }
}
