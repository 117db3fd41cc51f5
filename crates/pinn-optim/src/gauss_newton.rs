//! Gauss–Newton with Levenberg–Marquardt damping: the natural gradient in function space.
//!
//! With `r̃(θ)` the weighted residual vector (`L = ‖r̃‖²`), `J̃` its Jacobian, `A = J̃ᵀJ̃` and
//! `g = J̃ᵀr̃ = ∇L/2`, a step solves
//!
//! `(A + μI) δ = −g`
//!
//! — it applies `(A + μI)⁻¹`, the ideal preconditioner of the operator view, to the gradient —
//! either by a Cholesky factorisation of the dense `A` (faer; [`DenseSystem`]) or by conjugate
//! gradients on products `A v = J̃ᵀ(J̃v)` ([`MatrixFreeSystem`]). The step length is the best
//! `η` of a small grid (`θ + ηδ`), and `μ` follows the gain ratio `ρ = actual / predicted`
//! decrease, `predicted(η) = L − ‖r̃ + ηJ̃δ‖² = −2η δᵀg − η² δᵀAδ` (Madsen, Nielsen & Tingleff,
//! *Methods for non-linear least squares problems*, 2004, §3.2, with Nielsen's update
//! `μ ← μ·max(1/3, 1 − (2ρ − 1)³)` on success and `μ ← νμ, ν ← 2ν` on failure).

use faer::{Mat, Side, linalg::solvers::Solve};
use pinn_loss::PinnLoss;
use pinn_model::Field;
use serde::{Deserialize, Serialize};

use crate::cg::conjugate_gradients;
use crate::jacobian::{jvp, residual_vector, vjp};
use crate::linear::LinearLeastSquares;

/// How the damped system is solved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Solver {
    /// Cholesky factorisation of the dense `A + μI` (networks up to ~10⁴ parameters).
    Cholesky,
    /// Conjugate gradients on `A v = J̃ᵀ(J̃v)`, never forming `J̃` (larger networks).
    Cg,
}

/// Gauss–Newton settings.
#[derive(Clone, Debug, PartialEq)]
pub struct GaussNewtonConfig {
    /// Initial damping relative to the largest diagonal entry of `A` (Cholesky) or to
    /// `‖g‖² / L` (CG, which never sees `A`'s diagonal).
    pub damping: f64,
    /// Rejected trial dampings allowed per iteration before giving up.
    pub max_trials: usize,
    /// The step lengths `η` tried along each direction (the best is taken).
    pub step_sizes: Vec<f64>,
    /// Conjugate-gradient iterations per solve ([`Solver::Cg`]).
    pub cg_iterations: usize,
    /// Relative residual at which conjugate gradients stop.
    pub cg_tolerance: f64,
}

impl Default for GaussNewtonConfig {
    fn default() -> Self {
        Self {
            damping: 1e-3,
            max_trials: 30,
            step_sizes: vec![1.0, 0.5, 0.25, 0.125],
            cg_iterations: 100,
            cg_tolerance: 1e-8,
        }
    }
}

/// The linearised problem at the current `θ`: what a Gauss–Newton step needs.
pub trait GaussNewtonSystem {
    /// `L(θ) = ‖r̃‖²`.
    fn loss(&self) -> f64;
    /// `g = J̃ᵀr̃`.
    fn half_gradient(&self) -> &[f64];
    /// A scale for the initial damping (`max A_ii`, or an estimate of it).
    fn damping_scale(&self) -> f64;
    /// `δ` with `(A + μI) δ = rhs`; `None` when the solve fails.
    fn solve(&mut self, mu: f64, rhs: &[f64]) -> Option<Vec<f64>>;
    /// `δᵀAδ = ‖J̃δ‖²`.
    fn curvature(&mut self, delta: &[f64]) -> f64;
}

/// The dense system: `A` formed once per iterate, one Cholesky factorisation per trial `μ`.
pub struct DenseSystem {
    a: Mat<f64>,
    g: Vec<f64>,
    loss: f64,
}

impl DenseSystem {
    /// From the Jacobian blocks at `θ` (as [`crate::jacobian::jacobian_blocks`] returns them).
    pub fn new(blocks: &LinearLeastSquares, theta: &[f64]) -> Self {
        Self {
            a: blocks.matrix(),
            g: blocks.half_gradient(theta),
            loss: blocks.loss(theta),
        }
    }
}

impl GaussNewtonSystem for DenseSystem {
    fn loss(&self) -> f64 {
        self.loss
    }
    fn half_gradient(&self) -> &[f64] {
        &self.g
    }
    fn damping_scale(&self) -> f64 {
        (0..self.g.len()).fold(0.0_f64, |m, i| m.max(self.a[(i, i)]))
    }
    fn solve(&mut self, mu: f64, rhs: &[f64]) -> Option<Vec<f64>> {
        let n = rhs.len();
        let mut damped = self.a.clone();
        for i in 0..n {
            damped[(i, i)] += mu;
        }
        let llt = damped.llt(Side::Lower).ok()?;
        let mut x = Mat::from_fn(n, 1, |i, _| rhs[i]);
        llt.solve_in_place(x.as_mut());
        Some((0..n).map(|i| x[(i, 0)]).collect())
    }
    fn curvature(&mut self, d: &[f64]) -> f64 {
        let n = d.len();
        (0..n)
            .map(|i| d[i] * (0..n).map(|j| self.a[(i, j)] * d[j]).sum::<f64>())
            .sum()
    }
}

/// The matrix-free system: products `A v = J̃ᵀ(J̃v)` by two backward passes (a
/// parameter-tangent probe for `J̃v`, see [`crate::jacobian`]), solved by conjugate gradients.
pub struct MatrixFreeSystem<'a, M> {
    loss_fn: &'a PinnLoss,
    model: &'a M,
    threads: usize,
    g: Vec<f64>,
    loss: f64,
    iterations: usize,
    tolerance: f64,
    /// Products with `A` so far.
    pub products: usize,
}

impl<'a, M: Field + Sync> MatrixFreeSystem<'a, M> {
    /// At the parameters of `model`; `None` when the model has parameters outside `Dense`
    /// layers.
    pub fn new(
        loss: &'a PinnLoss,
        model: &'a M,
        threads: usize,
        config: &GaussNewtonConfig,
    ) -> Option<Self> {
        if !crate::jacobian::supports_probes(model) {
            return None;
        }
        let r = residual_vector(loss, model, threads);
        let g = vjp(loss, model, &r, threads);
        Some(Self {
            loss_fn: loss,
            model,
            threads,
            loss: r.iter().map(|x| x * x).sum(),
            g,
            iterations: config.cg_iterations,
            tolerance: config.cg_tolerance,
            products: 0,
        })
    }

    fn jv(&self, v: &[f64]) -> Vec<f64> {
        jvp(self.loss_fn, self.model, v, self.threads)
            .expect("checked in new")
            .1
    }
}

impl<M: Field + Sync> GaussNewtonSystem for MatrixFreeSystem<'_, M> {
    fn loss(&self) -> f64 {
        self.loss
    }
    fn half_gradient(&self) -> &[f64] {
        &self.g
    }
    fn damping_scale(&self) -> f64 {
        // ‖g‖²/L = ‖J̃ᵀr̃‖²/‖r̃‖² ≤ λ_max(A): a lower estimate of the largest diagonal scale.
        let gg: f64 = self.g.iter().map(|x| x * x).sum();
        gg / self.loss.max(f64::MIN_POSITIVE)
    }
    fn solve(&mut self, mu: f64, rhs: &[f64]) -> Option<Vec<f64>> {
        let (iterations, tolerance) = (self.iterations, self.tolerance);
        let mut products = 0;
        let result = conjugate_gradients(
            |v| {
                products += 1;
                let av = vjp(self.loss_fn, self.model, &self.jv(v), self.threads);
                av.iter().zip(v).map(|(a, x)| a + mu * x).collect()
            },
            rhs,
            tolerance,
            iterations,
        );
        self.products += products;
        result.map(|(x, _)| x)
    }
    fn curvature(&mut self, d: &[f64]) -> f64 {
        self.products += 1;
        self.jv(d).iter().map(|x| x * x).sum()
    }
}

/// What a step did.
#[derive(Clone, Debug, PartialEq)]
pub enum GaussNewtonStatus {
    /// A step was accepted, with this step length.
    Accepted {
        /// The `η` taken.
        eta: f64,
    },
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

    /// One step from `θ` on the linearised `system`, where `loss(θ')` evaluates `L(θ')`
    /// (`+∞` for a non-finite value). Returns the new iterate, its loss and the status.
    pub fn step(
        &mut self,
        system: &mut dyn GaussNewtonSystem,
        theta: &[f64],
        mut loss: impl FnMut(&[f64]) -> f64,
    ) -> (Vec<f64>, f64, GaussNewtonStatus) {
        let g = system.half_gradient().to_vec();
        let l0 = system.loss();
        let scale = system.damping_scale().max(f64::MIN_POSITIVE);
        let mut mu = *self.mu.get_or_insert(self.config.damping * scale);
        let rhs: Vec<f64> = g.iter().map(|x| -x).collect();
        for _ in 0..self.config.max_trials {
            let Some(d) = system.solve(mu, &rhs) else {
                mu *= self.nu;
                self.nu *= 2.0;
                continue;
            };
            let dg: f64 = d.iter().zip(&g).map(|(a, b)| a * b).sum();
            let dad = system.curvature(&d);
            let mut rho_full = f64::NEG_INFINITY;
            let mut best: Option<(f64, f64, Vec<f64>)> = None;
            for &eta in &self.config.step_sizes {
                let trial: Vec<f64> = theta.iter().zip(&d).map(|(t, di)| t + eta * di).collect();
                let l = loss(&trial);
                if eta == 1.0 {
                    rho_full = (l0 - l) / (-2.0 * dg - dad);
                }
                if l.is_finite() && best.as_ref().is_none_or(|b| l < b.1) {
                    best = Some((eta, l, trial));
                }
            }
            // μ follows the full step's gain ratio (the Levenberg–Marquardt rule); the grid
            // only picks the best point along the direction.
            if rho_full > 0.0 {
                mu *= (1.0 - (2.0 * rho_full - 1.0).powi(3)).max(1.0 / 3.0);
                self.nu = 2.0;
            } else {
                mu *= self.nu;
                self.nu *= 2.0;
            }
            if let Some((eta, l1, trial)) = best
                && l1 < l0
            {
                self.mu = Some(mu);
                return (trial, l1, GaussNewtonStatus::Accepted { eta });
            }
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
        let theta0 = [0.0; 3];
        let (theta1, l1, s) = gn.step(&mut DenseSystem::new(&ls, &theta0), &theta0, |t| ls.loss(t));
        assert_eq!(s, GaussNewtonStatus::Accepted { eta: 1.0 });
        // At the least-squares minimiser the gradient vanishes.
        let g = ls.half_gradient(&theta1);
        assert!(g.iter().all(|v| v.abs() < 1e-10), "{g:?}");
        let (_, l2, _) = gn.step(&mut DenseSystem::new(&ls, &theta1), &theta1, |t| ls.loss(t));
        assert!((l1 - l2).abs() <= 1e-12 * l1, "{l1} then {l2}");
    }
}
