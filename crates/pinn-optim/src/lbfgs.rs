//! Limited-memory BFGS (Liu & Nocedal, Math. Programming 45, 1989; Nocedal & Wright,
//! Algorithm 7.4 and 7.5) over a flat parameter vector, with a strong-Wolfe line search.
//!
//! Direction `d = −H g`, where `H` applies the two-loop recursion to the last `m` pairs
//! `s_k = θ_{k+1} − θ_k`, `y_k = ∇L_{k+1} − ∇L_k` with the initial scaling
//! `H₀ = (sᵀy / yᵀy) I`. Pairs with `sᵀy ≤ ε ‖y‖²` are skipped to keep `H` positive definite.

use std::collections::VecDeque;

use pinn_model::{Field, params};
use serde::{Deserialize, Serialize};

use crate::evaluator::{Evaluator, Terms, total};
use crate::line_search::StrongWolfe;
use crate::objective::{Objective, axpy, dot};
use crate::phases::Phases;
use crate::stage::StageConfig;
use crate::state::StepperState;
use crate::stepper::{Flat, Step, Stepper, finite_or_infinity};
use crate::termination::Termination;

/// `[[train.stages]] optimizer = "lbfgs"`: one step is one iteration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LbfgsConfig {
    /// Iterations in this stage.
    pub steps: usize,
    /// History size `m`.
    #[serde(default = "default_history")]
    pub history: usize,
    /// Stop when `‖∇L‖∞ ≤ tolerance_grad`.
    #[serde(default = "default_tol_grad")]
    pub tolerance_grad: f64,
    /// Stop when a step changes `L` by less than `tolerance_change · |L|`.
    #[serde(default = "default_tol_change")]
    pub tolerance_change: f64,
}

fn default_history() -> usize {
    50
}
fn default_tol_grad() -> f64 {
    1e-12
}
fn default_tol_change() -> f64 {
    1e-15
}

impl LbfgsConfig {
    /// `steps` iterations with history 50 and tolerances `10⁻¹²` (gradient), `10⁻¹⁵` (change).
    pub fn new(steps: usize) -> Self {
        Self {
            steps,
            history: default_history(),
            tolerance_grad: default_tol_grad(),
            tolerance_change: default_tol_change(),
        }
    }
}

impl StageConfig for LbfgsConfig {
    fn name(&self) -> &'static str {
        "lbfgs"
    }
    fn steps(&self) -> usize {
        self.steps
    }
    fn set_steps(&mut self, steps: usize) {
        self.steps = steps;
    }
    fn validate(&self, at: &str) -> Result<(), String> {
        if self.history == 0 {
            return Err(format!(
                "{at}.history must be at least 1 (e.g. history = 50)"
            ));
        }
        Ok(())
    }
    fn stepper<M: Field + Sync>(&self) -> Box<dyn Stepper<M>> {
        Box::new(LbfgsStepper {
            config: self.clone(),
            state: None,
        })
    }
}

/// Why an L-BFGS step ended the run, if it did.
#[derive(Clone, Debug, PartialEq)]
pub enum LbfgsStatus {
    /// A step was taken; keep going.
    Running,
    /// `‖∇L‖∞` or the change in `L` fell below its tolerance.
    Converged,
    /// The line search found no acceptable step (round-off floor, or a non-finite loss nearby).
    LineSearchFailed,
}

/// The checkpointable state of L-BFGS: the iterate, its value and gradient, and the pairs.
#[derive(Clone, Debug)]
pub struct Lbfgs {
    config: LbfgsConfig,
    line_search: StrongWolfe,
    theta: Vec<f64>,
    value: f64,
    grad: Vec<f64>,
    pairs: VecDeque<(Vec<f64>, Vec<f64>, f64)>,
}

impl Lbfgs {
    /// Start at `θ₀` (one evaluation).
    pub fn new(config: LbfgsConfig, theta: Vec<f64>, obj: &mut dyn Objective) -> Self {
        let (value, grad) = obj.value_grad(&theta);
        Self::at(config, theta, value, grad)
    }

    /// Start at `θ₀` whose value and gradient are known.
    pub fn at(config: LbfgsConfig, theta: Vec<f64>, value: f64, grad: Vec<f64>) -> Self {
        Self {
            config,
            line_search: StrongWolfe::default(),
            theta,
            value,
            grad,
            pairs: VecDeque::new(),
        }
    }

    /// The current iterate.
    pub fn theta(&self) -> &[f64] {
        &self.theta
    }

    /// `L` at the current iterate.
    pub fn value(&self) -> f64 {
        self.value
    }

    /// `−H g` by the two-loop recursion.
    fn direction(&self) -> Vec<f64> {
        let mut q: Vec<f64> = self.grad.iter().map(|g| -g).collect();
        let mut alphas = Vec::with_capacity(self.pairs.len());
        for (s, y, rho) in self.pairs.iter().rev() {
            let a = rho * dot(s, &q);
            axpy(-a, y, &mut q);
            alphas.push(a);
        }
        if let Some((s, y, _)) = self.pairs.back() {
            let gamma = dot(s, y) / dot(y, y);
            q.iter_mut().for_each(|v| *v *= gamma);
        }
        for ((s, y, rho), a) in self.pairs.iter().zip(alphas.into_iter().rev()) {
            let b = rho * dot(y, &q);
            axpy(a - b, s, &mut q);
        }
        q
    }

    /// One iteration: direction, line search, update of the pairs.
    pub fn step(&mut self, obj: &mut dyn Objective) -> LbfgsStatus {
        let gmax = self.grad.iter().fold(0.0_f64, |m, g| m.max(g.abs()));
        if gmax <= self.config.tolerance_grad {
            return LbfgsStatus::Converged;
        }
        let mut d = self.direction();
        let mut slope = dot(&self.grad, &d);
        if slope.is_nan() || slope >= 0.0 {
            // Not a descent direction (round-off in H): restart from steepest descent.
            self.pairs.clear();
            d = self.grad.iter().map(|g| -g).collect();
            slope = dot(&self.grad, &d);
        }
        // First iteration: a unit step in the steepest-descent direction normalised by |g|₁.
        let alpha0 = if self.pairs.is_empty() {
            (1.0 / self.grad.iter().map(|g| g.abs()).sum::<f64>()).min(1.0)
        } else {
            1.0
        };
        let Some(p) = self
            .line_search
            .search(obj, &self.theta, &d, self.value, slope, alpha0)
        else {
            if !self.pairs.is_empty() {
                // Retry once from steepest descent before giving up.
                self.pairs.clear();
                return LbfgsStatus::Running;
            }
            return LbfgsStatus::LineSearchFailed;
        };
        let s: Vec<f64> = d.iter().map(|v| p.alpha * v).collect();
        let y: Vec<f64> = p.grad.iter().zip(&self.grad).map(|(a, b)| a - b).collect();
        let sy = dot(&s, &y);
        if sy > 1e-10 * dot(&y, &y) {
            if self.pairs.len() == self.config.history {
                self.pairs.pop_front();
            }
            self.pairs.push_back((s.clone(), y, 1.0 / sy));
        }
        axpy(1.0, &s, &mut self.theta);
        let change = (self.value - p.value).abs();
        self.value = p.value;
        self.grad = p.grad;
        if change <= self.config.tolerance_change * self.value.abs() {
            return LbfgsStatus::Converged;
        }
        LbfgsStatus::Running
    }
}

/// An L-BFGS stage in progress.
struct LbfgsStepper {
    config: LbfgsConfig,
    state: Option<Lbfgs>,
}

impl<M: Field + Sync> Stepper<M> for LbfgsStepper {
    fn first_order(&self) -> bool {
        false
    }

    fn start(&mut self, eval: &Evaluator<M>, model: &M) -> Terms {
        let (terms, grad) = eval.value_grad(model);
        let value = finite_or_infinity(total(&terms));
        self.state = Some(Lbfgs::at(
            self.config.clone(),
            params::flatten(model),
            value,
            grad,
        ));
        terms
    }

    fn step(&mut self, eval: &Evaluator<M>, model: &M) -> Step<M> {
        let flat = Flat::new(model, eval);
        let state = self.state.as_mut().expect("started");
        let mut phases = Phases::default();
        let status =
            state.step(&mut |theta: &[f64]| phases.time("line_search", || flat.value_grad(theta)));
        // The line search only accepts finite values, so the iterate is good.
        let model = flat.model(state.theta());
        let terms = phases.time("terms", || eval.terms(&model));
        let end = match status {
            LbfgsStatus::Running => None,
            LbfgsStatus::Converged => Some(Termination::Converged),
            LbfgsStatus::LineSearchFailed => Some(Termination::LineSearchFailed),
        };
        Step {
            model,
            terms,
            end,
            phases,
        }
    }

    /// The iterate, its value and gradient, and the pairs `(s_i, y_i)` oldest first.
    fn save(&self) -> Result<StepperState, String> {
        let lbfgs = self.state.as_ref().ok_or("L-BFGS was not started")?;
        let mut state = StepperState::default();
        state.scalars.insert("value".into(), lbfgs.value);
        state
            .scalars
            .insert("pairs".into(), lbfgs.pairs.len() as f64);
        state.vectors.insert("theta".into(), lbfgs.theta.clone());
        state.vectors.insert("grad".into(), lbfgs.grad.clone());
        for (i, (s, y, _)) in lbfgs.pairs.iter().enumerate() {
            state.vectors.insert(format!("s{i}"), s.clone());
            state.vectors.insert(format!("y{i}"), y.clone());
        }
        Ok(state)
    }

    /// `ρ_i = 1 / s_iᵀy_i` is recomputed, with the same summation as when the pair was made.
    fn restore(&mut self, state: StepperState, _model: &M) -> Result<(), String> {
        let mut lbfgs = Lbfgs::at(
            self.config.clone(),
            state.vector("theta")?.to_vec(),
            state.scalar("value")?,
            state.vector("grad")?.to_vec(),
        );
        for i in 0..state.count("pairs")? {
            let s = state.vector(&format!("s{i}"))?.to_vec();
            let y = state.vector(&format!("y{i}"))?.to_vec();
            let rho = 1.0 / dot(&s, &y);
            lbfgs.pairs.push_back((s, y, rho));
        }
        self.state = Some(lbfgs);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Rosenbrock function, a standard hard test (N&W Exercise 2.1).
    fn rosenbrock(x: &[f64]) -> (f64, Vec<f64>) {
        let (a, b) = (x[0], x[1]);
        let f = (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2);
        let g = vec![
            -2.0 * (1.0 - a) - 400.0 * a * (b - a * a),
            200.0 * (b - a * a),
        ];
        (f, g)
    }

    #[test]
    fn minimises_rosenbrock() {
        let mut obj = rosenbrock;
        let mut opt = Lbfgs::new(LbfgsConfig::new(200), vec![-1.2, 1.0], &mut obj);
        for _ in 0..200 {
            if opt.step(&mut obj) != LbfgsStatus::Running {
                break;
            }
        }
        assert!((opt.theta()[0] - 1.0).abs() < 1e-8, "{:?}", opt.theta());
        assert!((opt.theta()[1] - 1.0).abs() < 1e-8, "{:?}", opt.theta());
    }

    #[test]
    fn quadratic_in_n_steps() {
        // L = ½ Σ c_i x_i² with c = 1..10: L-BFGS with exact line searches terminates in at
        // most n steps on a quadratic; with Wolfe searches it gets there to round-off quickly.
        let mut obj = |x: &[f64]| {
            let f = x
                .iter()
                .enumerate()
                .map(|(i, v)| 0.5 * (i + 1) as f64 * v * v)
                .sum();
            let g = x
                .iter()
                .enumerate()
                .map(|(i, v)| (i + 1) as f64 * v)
                .collect();
            (f, g)
        };
        let mut opt = Lbfgs::new(LbfgsConfig::new(200), vec![1.0; 10], &mut obj);
        for _ in 0..40 {
            if opt.step(&mut obj) != LbfgsStatus::Running {
                break;
            }
        }
        assert!(opt.value() < 1e-20, "L = {}", opt.value());
    }
}
