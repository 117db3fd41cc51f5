//! Gauss–Newton with Levenberg–Marquardt damping: the natural gradient in function space.
//!
//! With `r̃(θ)` the weighted residual vector (`L = ‖r̃‖²`), `J̃` its Jacobian, `A = J̃ᵀJ̃` and
//! `g = J̃ᵀr̃ = ∇L/2`, a step solves
//!
//! `(A + μI) δ = −g`
//!
//! — it applies `(A + μI)⁻¹`, the ideal preconditioner of the operator view, to the gradient —
//! either by a Cholesky factorisation of the dense `A` (faer; [`DenseSystem`]), of the `m × m`
//! `J̃J̃ᵀ` when there are fewer rows than parameters ([`RowSpaceSystem`]), or by conjugate
//! gradients on products `A v = J̃ᵀ(J̃v)` ([`MatrixFreeSystem`]). The step length is the best
//! `η` of a small grid (`θ + ηδ`), and `μ` follows the gain ratio `ρ = actual / predicted`
//! decrease of the grid's longest step `η_max` (1 by default),
//! `predicted(η) = L − ‖r̃ + ηJ̃δ‖² = −2η δᵀg − η² δᵀAδ` (Madsen, Nielsen & Tingleff,
//! *Methods for non-linear least squares problems*, 2004, §3.2, with Nielsen's update
//! `μ ← μ·max(1/3, 1 − (2ρ − 1)³)` on success and `μ ← νμ, ν ← 2ν` on failure).

use std::cell::RefCell;
use std::time::Instant;

use crate::ResidualRows;
use faer::linalg::solvers::{Llt, Solve};
use faer::{Mat, Side};
use pinn_model::{Field, params};
use serde::{Deserialize, Serialize};

use crate::cg::conjugate_gradients;
use crate::evaluator::{Evaluator, Terms, total};
use crate::jacobian::{
    gram_on_device, jacobian_blocks, jvp, residual_vector, supports_probes, vjp,
};
use crate::linear::{LinearLeastSquares, symmetric_product};
use crate::objective::dot;
use crate::phases::Phases;
use crate::stage::{StageConfig, positive};
use crate::state::StepperState;
use crate::stepper::{Flat, Step, Stepper, finite_or_infinity};
use crate::termination::Termination;

/// How the damped system is solved.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GaussNewtonSolver {
    /// Cholesky factorisation of the dense `A + μI` (networks up to ~10⁴ parameters).
    #[default]
    Cholesky,
    /// Conjugate gradients on `A v = J̃ᵀ(J̃v)`, never forming `J̃` (larger networks).
    Cg,
}

/// `[[train.stages]] optimizer = "gauss_newton"`: the natural gradient. `solver = "cholesky"`
/// forms `A = J̃ᵀJ̃` (per-sample probes, one backward pass per block of rows; networks up to
/// ~10⁴ parameters); `solver = "cg"` never forms it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GaussNewtonConfig {
    /// Iterations in this stage.
    pub steps: usize,
    /// Initial damping relative to the largest diagonal entry of `A` (Cholesky) or to
    /// `‖g‖² / L` (CG, which never sees `A`'s diagonal).
    #[serde(default = "default_damping")]
    pub damping: f64,
    /// `cholesky` (dense) or `cg` (matrix-free conjugate gradients).
    #[serde(default)]
    pub solver: GaussNewtonSolver,
    /// The step lengths `η` tried along each direction (the best is taken).
    #[serde(default = "default_step_sizes")]
    pub step_sizes: Vec<f64>,
    /// Conjugate-gradient iterations per solve (`solver = "cg"`).
    #[serde(default = "default_cg_iterations")]
    pub cg_iterations: usize,
    /// Relative residual at which conjugate gradients stop.
    #[serde(default = "default_cg_tolerance")]
    pub cg_tolerance: f64,
    /// Rejected trial dampings allowed per iteration before giving up (not in configs).
    #[serde(skip, default = "default_max_trials")]
    pub max_trials: usize,
}

fn default_damping() -> f64 {
    1e-3
}
fn default_step_sizes() -> Vec<f64> {
    vec![1.0, 0.5, 0.25, 0.125]
}
fn default_cg_iterations() -> usize {
    100
}
fn default_cg_tolerance() -> f64 {
    1e-8
}
fn default_max_trials() -> usize {
    30
}

impl GaussNewtonConfig {
    /// `steps` iterations with `solver` and the default damping, step grid and CG settings.
    pub fn new(steps: usize, solver: GaussNewtonSolver) -> Self {
        Self {
            steps,
            damping: default_damping(),
            solver,
            step_sizes: default_step_sizes(),
            cg_iterations: default_cg_iterations(),
            cg_tolerance: default_cg_tolerance(),
            max_trials: default_max_trials(),
        }
    }
}

impl StageConfig for GaussNewtonConfig {
    fn name(&self) -> &'static str {
        "gauss_newton"
    }
    fn steps(&self) -> usize {
        self.steps
    }
    fn set_steps(&mut self, steps: usize) {
        self.steps = steps;
    }
    fn validate(&self, at: &str) -> Result<(), String> {
        positive(at, "damping", self.damping, "1e-3")?;
        if self.step_sizes.is_empty()
            || self.step_sizes.iter().any(|e| !(*e > 0.0 && e.is_finite()))
        {
            return Err(format!(
                "{at}.step_sizes must be a non-empty list of positive numbers \
                 (e.g. step_sizes = [1.0, 0.5, 0.25])"
            ));
        }
        if self.cg_iterations == 0 || !(self.cg_tolerance > 0.0 && self.cg_tolerance < 1.0) {
            return Err(format!(
                "{at}: cg_iterations must be ≥ 1 and 0 < cg_tolerance < 1 \
                 (e.g. cg_iterations = 100, cg_tolerance = 1e-8)"
            ));
        }
        Ok(())
    }
    fn check<M: Field>(&self, model: &M) -> Result<(), String> {
        if self.solver == GaussNewtonSolver::Cg && !supports_probes(model) {
            return Err(
                "the matrix-free Gauss–Newton solver needs a model whose parameters \
                        all live in Dense layers; use solver = \"cholesky\""
                    .into(),
            );
        }
        Ok(())
    }
    fn stepper<M: Field + Sync>(&self) -> Box<dyn Stepper<M>> {
        Box::new(GaussNewtonStepper {
            state: GaussNewton::new(self.clone()),
        })
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
    /// The step `δ` with `(A + μI) δ = −g`; `None` when the solve fails.
    fn solve(&mut self, mu: f64) -> Option<Vec<f64>>;
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

    /// Assembled on the model's device ([`crate::jacobian::gram_on_device`]), `rows` rows of
    /// `J̃` at a time; `None` when the model has parameters outside `Dense` layers.
    pub fn on_device<M: Field>(loss: &dyn ResidualRows<M>, model: &M, rows: usize) -> Option<Self> {
        let (a, g, loss) = gram_on_device(loss, model, rows)?;
        Some(Self { a, g, loss })
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
    fn solve(&mut self, mu: f64) -> Option<Vec<f64>> {
        let n = self.g.len();
        let llt = damped_cholesky(&self.a, mu)?;
        let mut x = Mat::from_fn(n, 1, |i, _| -self.g[i]);
        llt.solve_in_place(x.as_mut());
        Some((0..n).map(|i| x[(i, 0)]).collect())
    }
    /// `dᵀ(A d)` by faer's matrix–vector product.
    fn curvature(&mut self, d: &[f64]) -> f64 {
        let d = faer::ColRef::from_slice(d);
        d.transpose() * (&self.a * d)
    }
}

/// The Cholesky factor of `S + μI` for a symmetric `S`; `None` when it is not positive
/// definite.
fn damped_cholesky(s: &Mat<f64>, mu: f64) -> Option<Llt<f64>> {
    let mut damped = s.clone();
    for i in 0..s.nrows() {
        damped[(i, i)] += mu;
    }
    damped.llt(Side::Lower).ok()
}

/// The system in row space, for fewer rows than parameters (`m < n`). With `J = J̃` (`m × n`)
/// and `K = JJᵀ` (`m × m`), the push-through (Woodbury) identity
/// `(JᵀJ + μI)⁻¹Jᵀ = Jᵀ(JJᵀ + μI)⁻¹` turns the step `(A + μI)δ = −Jᵀr̃` into
/// `δ = −Jᵀ(K + μI)⁻¹ r̃`: an `m × m` factorisation instead of an `n × n` one, and `K` costs
/// `m²n/2` flops instead of `mn²/2`.
pub struct RowSpaceSystem {
    j: Mat<f64>,
    k: Mat<f64>,
    r: Vec<f64>,
    g: Vec<f64>,
}

impl RowSpaceSystem {
    /// From the Jacobian blocks at `θ` (as [`crate::jacobian::jacobian_blocks`] returns them).
    pub fn new(blocks: &LinearLeastSquares, theta: &[f64]) -> Self {
        let (j, r) = blocks.stacked(theta);
        let k = symmetric_product(j.as_ref(), 1.0);
        let g = (j.transpose() * faer::ColRef::from_slice(&r))
            .iter()
            .copied()
            .collect();
        Self { j, k, r, g }
    }
}

impl GaussNewtonSystem for RowSpaceSystem {
    fn loss(&self) -> f64 {
        self.r.iter().map(|x| x * x).sum()
    }
    fn half_gradient(&self) -> &[f64] {
        &self.g
    }
    fn damping_scale(&self) -> f64 {
        // max_i A_ii: the largest squared column norm of J.
        (0..self.j.ncols()).fold(0.0_f64, |m, c| m.max(self.j.col(c).squared_norm_l2()))
    }
    fn solve(&mut self, mu: f64) -> Option<Vec<f64>> {
        let m = self.r.len();
        let llt = damped_cholesky(&self.k, mu)?;
        let mut y = Mat::from_fn(m, 1, |i, _| self.r[i]);
        llt.solve_in_place(y.as_mut());
        let d = self.j.transpose() * y.col(0);
        Some(d.iter().map(|x| -x).collect())
    }
    fn curvature(&mut self, d: &[f64]) -> f64 {
        (&self.j * faer::ColRef::from_slice(d)).squared_norm_l2()
    }
}

/// The matrix-free system: products `A v = J̃ᵀ(J̃v)` by two backward passes (a
/// parameter-tangent probe for `J̃v`, see [`crate::jacobian`]), solved by conjugate gradients.
pub struct MatrixFreeSystem<'a, M> {
    loss_fn: &'a dyn ResidualRows<M>,
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
    /// At the parameters of `model`.
    ///
    /// # Panics
    /// When the model has parameters outside `Dense` layers
    /// ([`crate::jacobian::supports_probes`]; a `gauss_newton` stage checks it before training).
    #[track_caller]
    pub fn new(
        loss: &'a dyn ResidualRows<M>,
        model: &'a M,
        threads: usize,
        config: &GaussNewtonConfig,
    ) -> Self {
        assert!(
            supports_probes(model),
            "the matrix-free system needs every parameter in a Dense layer"
        );
        let r = residual_vector(loss, model, threads);
        let g = vjp(loss, model, &r, threads);
        Self {
            loss_fn: loss,
            model,
            threads,
            loss: r.iter().map(|x| x * x).sum(),
            g,
            iterations: config.cg_iterations,
            tolerance: config.cg_tolerance,
            products: 0,
        }
    }

    fn jv(&self, v: &[f64]) -> Vec<f64> {
        jvp(self.loss_fn, self.model, v, self.threads)
            .expect("supports_probes is asserted in new")
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
    fn solve(&mut self, mu: f64) -> Option<Vec<f64>> {
        let (iterations, tolerance) = (self.iterations, self.tolerance);
        let rhs: Vec<f64> = self.g.iter().map(|x| -x).collect();
        let mut products = 0;
        let result = conjugate_gradients(
            |v| {
                products += 1;
                let av = vjp(self.loss_fn, self.model, &self.jv(v), self.threads);
                av.iter().zip(v).map(|(a, x)| a + mu * x).collect()
            },
            &rhs,
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
        // The longest step of the grid, whose gain ratio steers μ.
        let eta_max = self.config.step_sizes.iter().copied().fold(0.0, f64::max);
        for _ in 0..self.config.max_trials {
            let Some(d) = system.solve(mu) else {
                mu *= self.nu;
                self.nu *= 2.0;
                continue;
            };
            let dg = dot(&d, &g);
            let dad = system.curvature(&d);
            let mut rho = f64::NEG_INFINITY;
            let mut best: Option<(f64, f64, Vec<f64>)> = None;
            for &eta in &self.config.step_sizes {
                let trial: Vec<f64> = theta.iter().zip(&d).map(|(t, di)| t + eta * di).collect();
                let l = loss(&trial);
                if eta == eta_max {
                    rho = (l0 - l) / (-2.0 * eta * dg - eta * eta * dad);
                }
                if l.is_finite() && best.as_ref().is_none_or(|b| l < b.1) {
                    best = Some((eta, l, trial));
                }
            }
            // μ follows the gain ratio of the longest step (the Levenberg–Marquardt rule on
            // the full step η = 1 of the default grid); the grid only picks the best point
            // along the direction.
            if rho > 0.0 {
                mu *= (1.0 - (2.0 * rho - 1.0).powi(3)).max(1.0 / 3.0);
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

/// Entries of `J̃` per chunk of rows when `A` is assembled on the device (`rows × n`; the
/// per-sample rows of a chunk and their outer products hold a few times as many numbers, 64 MB
/// each in f32). A term whose rows fit is one chunk: a GPU backend compiles — and, for the
/// matrix products, autotunes — its kernels once per shape, and on Mesa's lavapipe the
/// autotuning of `J̃ᵀJ̃` for a second chunk shape (2 048 and 452 of 2 500 rows) took 36 s.
const DEVICE_GRAM_ENTRIES: usize = 1 << 24;

/// The system a Cholesky factorisation solves at `θ`: `A` assembled on the device (GPU
/// backends, [`Evaluator::gram_on_device`]), else from `J̃` on the host, in row space when
/// there are fewer rows than parameters. Timed as `jacobian` (`J̃` to the host, or `A` where
/// the device assembles it) and `matrix` (`A` or `K` and `g` on the host).
fn factored_system<M: Field + Sync>(
    eval: &Evaluator<M>,
    model: &M,
    theta: &[f64],
    phases: &mut Phases,
) -> Box<dyn GaussNewtonSystem> {
    let loss = eval.loss();
    if eval.gram_on_device()
        && let Some(system) = phases.time("jacobian", || {
            DenseSystem::on_device(loss, model, (DEVICE_GRAM_ENTRIES / theta.len()).max(1))
        })
    {
        return Box::new(system);
    }
    let blocks = phases.time("jacobian", || jacobian_blocks(loss, model, eval.threads()));
    phases.time("matrix", || -> Box<dyn GaussNewtonSystem> {
        if blocks.rows() < blocks.dim() {
            Box::new(RowSpaceSystem::new(&blocks, theta))
        } else {
            Box::new(DenseSystem::new(&blocks, theta))
        }
    })
}

/// A system whose solves and curvature products are timed as `solve`.
struct Timed<'a> {
    system: &'a mut dyn GaussNewtonSystem,
    phases: &'a RefCell<Phases>,
}

impl GaussNewtonSystem for Timed<'_> {
    fn loss(&self) -> f64 {
        self.system.loss()
    }
    fn half_gradient(&self) -> &[f64] {
        self.system.half_gradient()
    }
    fn damping_scale(&self) -> f64 {
        self.system.damping_scale()
    }
    fn solve(&mut self, mu: f64) -> Option<Vec<f64>> {
        timed(self.phases, "solve", || self.system.solve(mu))
    }
    fn curvature(&mut self, delta: &[f64]) -> f64 {
        timed(self.phases, "solve", || self.system.curvature(delta))
    }
}

/// `f()`, timed as one run of `name` (the phases are borrowed after `f` returns, so that `f`
/// may time phases of its own).
fn timed<T>(phases: &RefCell<Phases>, name: &str, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    phases.borrow_mut().add(name, start.elapsed());
    out
}

/// A Gauss–Newton stage in progress.
struct GaussNewtonStepper {
    state: GaussNewton,
}

impl<M: Field + Sync> Stepper<M> for GaussNewtonStepper {
    fn first_order(&self) -> bool {
        false
    }

    fn start(&mut self, eval: &Evaluator<M>, model: &M) -> Terms {
        eval.terms(model)
    }

    /// One step, timed by phase: the system (`jacobian`, `matrix`; `gradient` for CG), the
    /// solves (`solve`), the losses of the step grid (`trials`). The accepted iterate's terms
    /// are those its trial computed.
    fn step(&mut self, eval: &Evaluator<M>, model: &M) -> Step<M> {
        let theta = params::flatten(model);
        let flat = Flat::new(model, eval);
        let (loss, threads) = (eval.loss(), eval.threads());
        let mut phases = Phases::default();
        let mut system: Box<dyn GaussNewtonSystem + '_> = match self.state.config.solver {
            GaussNewtonSolver::Cholesky => factored_system(eval, model, &theta, &mut phases),
            GaussNewtonSolver::Cg => phases.time("gradient", || {
                Box::new(MatrixFreeSystem::new(
                    loss,
                    model,
                    threads,
                    &self.state.config,
                ))
            }),
        };
        let phases = RefCell::new(phases);
        let mut trials: Vec<(Vec<f64>, Terms)> = Vec::new();
        let value = |t: &[f64]| {
            let terms = timed(&phases, "trials", || eval.terms(&flat.model(t)));
            let l = finite_or_infinity(total(&terms));
            trials.push((t.to_vec(), terms));
            l
        };
        let mut timed = Timed {
            system: system.as_mut(),
            phases: &phases,
        };
        let (next, _, status) = self.state.step(&mut timed, &theta, value);
        let model = flat.model(&next);
        let mut phases = phases.into_inner();
        let terms = match trials.into_iter().find(|(t, _)| *t == next) {
            Some((_, terms)) => terms,
            None => phases.time("terms", || eval.terms(&model)),
        };
        let end = (status == GaussNewtonStatus::Stalled).then_some(Termination::Stalled);
        Step {
            model,
            terms,
            end,
            phases,
        }
    }

    /// The damping `μ` (once set) and its growth factor `ν`.
    fn save(&self) -> Result<StepperState, String> {
        let mut state = StepperState::default();
        if let Some(mu) = self.state.mu {
            state.scalars.insert("mu".into(), mu);
        }
        state.scalars.insert("nu".into(), self.state.nu);
        Ok(state)
    }

    fn restore(&mut self, state: StepperState, _model: &M) -> Result<(), String> {
        self.state.mu = state.scalars.get("mu").copied();
        self.state.nu = state.scalar("nu")?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linear::Block;

    /// `‖Jθ − y‖²` with a 6 × 3 polynomial `J`: a linear least-squares problem.
    fn least_squares() -> LinearLeastSquares {
        let j = Mat::from_fn(6, 3, |r, c| ((r + 1) as f64).powi(c as i32) / 10.0);
        let target = vec![1.0, -2.0, 0.5, 3.0, 0.0, 1.5];
        LinearLeastSquares {
            blocks: vec![Block {
                name: "residual".into(),
                jacobian: j,
                target,
                weight: 1.0,
            }],
        }
    }

    fn config(damping: f64, step_sizes: Vec<f64>) -> GaussNewtonConfig {
        GaussNewtonConfig {
            damping,
            step_sizes,
            ..GaussNewtonConfig::new(1, GaussNewtonSolver::Cholesky)
        }
    }

    #[test]
    fn linear_least_squares_converges_in_one_step() {
        let ls = least_squares();
        let mut gn = GaussNewton::new(config(1e-14, default_step_sizes()));
        let theta0 = [0.0; 3];
        let (theta1, l1, s) = gn.step(&mut DenseSystem::new(&ls, &theta0), &theta0, |t| ls.loss(t));
        assert_eq!(s, GaussNewtonStatus::Accepted { eta: 1.0 });
        // At the least-squares minimiser the gradient vanishes.
        let g = ls.half_gradient(&theta1);
        assert!(g.iter().all(|v| v.abs() < 1e-10), "{g:?}");
        let (_, l2, _) = gn.step(&mut DenseSystem::new(&ls, &theta1), &theta1, |t| ls.loss(t));
        assert!((l1 - l2).abs() <= 1e-12 * l1, "{l1} then {l2}");
    }

    /// With `step_sizes = [0.5]` every step halves the error of the linear problem, the gain
    /// ratio is 1 and μ shrinks. (Before the ratio was taken at the longest step of the grid,
    /// it was only computed for η = 1: μ then grew without bound and the steps vanished.)
    #[test]
    fn damping_follows_the_gain_ratio_of_a_half_step() {
        let ls = least_squares();
        let minimum = {
            let mut gn = GaussNewton::new(config(1e-14, vec![1.0]));
            let theta0 = [0.0; 3];
            gn.step(&mut DenseSystem::new(&ls, &theta0), &theta0, |t| ls.loss(t))
                .1
        };
        let mut gn = GaussNewton::new(config(1e-6, vec![0.5]));
        let mut theta = vec![0.0; 3];
        let initial = ls.loss(&theta);
        let mu0 = 1e-6 * DenseSystem::new(&ls, &theta).damping_scale();
        for _ in 0..10 {
            let mut system = DenseSystem::new(&ls, &theta);
            let (next, _, status) = gn.step(&mut system, &theta, |t| ls.loss(t));
            assert_eq!(status, GaussNewtonStatus::Accepted { eta: 0.5 });
            theta = next;
        }
        let mu = gn.damping().expect("set by the first step");
        assert!(mu < mu0, "μ grew from {mu0:e} to {mu:e}");
        // Ten half steps leave (1/4)¹⁰ ≈ 9.5e-7 of the excess loss.
        let excess = (ls.loss(&theta) - minimum) / (initial - minimum);
        assert!(excess <= 1e-6, "(L − L*)/(L₀ − L*) = {excess:e}");
    }
}
