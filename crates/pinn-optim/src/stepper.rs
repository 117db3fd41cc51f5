//! One optimizer as the training loop sees it (argmin's `Solver` beside its `Executor`): it
//! starts at a model and takes steps; [`crate::train`] owns everything else (step counting,
//! evaluation, reporting, the non-finite policy, loss weights and the hand-over between
//! stages).

use pinn_model::{Field, params};

use crate::evaluator::{Evaluator, Terms, total};
use crate::phases::Phases;
use crate::state::StepperState;
use crate::termination::Termination;

/// The iterate after one step, with its loss terms.
pub struct Step<M> {
    /// The new iterate.
    pub model: M,
    /// Its loss terms.
    pub terms: Terms,
    /// Set when the optimizer ends its stage with this step (converged, stalled, …).
    pub end: Option<Termination>,
    /// The step's time by phase (empty for the first-order steppers, whose phases do not end
    /// by waiting for a GPU: [`crate::phases`]).
    pub phases: Phases,
}

/// An optimizer stage in progress.
pub trait Stepper<M> {
    /// Whether this is a first-order method taking unguarded steps (Adam, gradient descent).
    /// The loop then reports each iterate `θ_k` with its terms *before* the update, keeps the
    /// candidate `θ_{k+1}` only once its loss is known to be finite, and may change the loss
    /// weights between steps (gradient-norm balancing). Otherwise every step returns an
    /// accepted iterate (line search, gain test), which the loop reports after the step.
    fn first_order(&self) -> bool;

    /// Evaluate what the next step needs at `model` — on entering the stage, and again after
    /// the loop changed the loss weights — and return the loss terms at `model`.
    fn start(&mut self, eval: &Evaluator<M>, model: &M) -> Terms;

    /// One step from `model`, the iterate [`Stepper::start`] or the last step saw.
    fn step(&mut self, eval: &Evaluator<M>, model: &M) -> Step<M>;

    /// The state between two steps that the next step depends on, beyond the model.
    fn save(&self) -> Result<StepperState, String>;

    /// Continue from a [`Stepper::save`]d state at `model`, the model saved with it. A
    /// first-order stepper is then [`Stepper::start`]ed at `model`; any other steps next.
    fn restore(&mut self, state: StepperState, model: &M) -> Result<(), String>;
}

/// A model seen as `θ ∈ ℝⁿ` ([`params::flatten`] order), for the optimizers that work on the
/// flat vector (gradient descent, L-BFGS, Gauss–Newton). A non-finite loss reads as `+∞`, so
/// that line searches and step-length grids back off from it.
pub(crate) struct Flat<'a, M> {
    template: &'a M,
    eval: &'a Evaluator<M>,
}

impl<'a, M: Field + Sync> Flat<'a, M> {
    /// The parameters of `template` replaced by `θ`.
    pub(crate) fn new(template: &'a M, eval: &'a Evaluator<M>) -> Self {
        Self { template, eval }
    }

    /// The model at `θ`.
    pub(crate) fn model(&self, theta: &[f64]) -> M {
        params::unflatten(self.template.clone(), theta)
    }

    /// `L(θ)` and `∇L(θ)`.
    pub(crate) fn value_grad(&self, theta: &[f64]) -> (f64, Vec<f64>) {
        let (terms, grad) = self.eval.value_grad(&self.model(theta));
        (finite_or_infinity(total(&terms)), grad)
    }
}

/// `v`, or `+∞` when `v` is NaN or infinite.
pub(crate) fn finite_or_infinity(v: f64) -> f64 {
    if v.is_finite() { v } else { f64::INFINITY }
}
