//! What training tells the outside world (argmin's observers): every reported step, the start
//! of each stage and the outcome. The optimizers do not print; the CLI observes.

use crate::evaluator::Terms;
use crate::phases::Phases;
use crate::stage::Stage;
use crate::state::TrainState;
use crate::termination::Termination;

/// What an observer sees after each reported step.
#[derive(Clone, Debug)]
pub struct Progress<'a> {
    /// Steps completed (1-based).
    pub step: usize,
    /// Steps in the whole schedule.
    pub total_steps: usize,
    /// The optimizer of the current stage ([`Stage::name`]).
    pub optimizer: &'a str,
    /// `(name, value)` of each loss term of the reported model.
    pub terms: &'a [(String, f64)],
    /// Their sum.
    pub loss: f64,
    /// Relative L² error, on evaluation steps.
    pub rel_l2: Option<f64>,
    /// On evaluation steps, the state [`crate::resume`] continues from with the reported
    /// model.
    pub state: Option<TrainState>,
}

/// The result of training.
#[derive(Debug)]
pub struct Outcome<M> {
    /// The trained model (at the last finite loss).
    pub model: M,
    /// Why it stopped.
    pub termination: Termination,
    /// Steps completed.
    pub steps: usize,
    /// The loss terms of the returned model.
    pub terms: Terms,
    /// Their sum.
    pub loss: f64,
    /// Relative L² error of the returned model, when the problem has an exact solution.
    pub rel_l2: Option<f64>,
    /// The final weights of the boundary-type terms.
    pub weights: Vec<(String, f64)>,
    /// The state to continue from with the returned model ([`crate::resume`]): past the
    /// last stage when the schedule ran to its end; `None` after a non-finite loss.
    pub state: Option<TrainState>,
    /// Where the steps' time went, by optimizer and phase ([`crate::phases`]; the steps of
    /// this call only, not those before a resume).
    pub phases: Phases,
}

/// Receives progress (logging, progress bars, checkpoints).
///
/// Every reported model has a finite loss, so an observer that checkpoints on
/// [`Observer::observe`] only ever saves usable parameters.
pub trait Observer<M> {
    /// Before the first step of `stage`, the `index`-th of the schedule.
    fn observe_stage(&mut self, _index: usize, _stage: &Stage) {}

    /// After every reported step, with the model it reports.
    fn observe(&mut self, progress: &Progress<'_>, model: &M);

    /// Once, with the outcome [`crate::train`] is about to return; an error is returned by
    /// `train` instead (e.g. the final checkpoint could not be written).
    fn observe_final(&mut self, _outcome: &Outcome<M>) -> Result<(), String> {
        Ok(())
    }
}

impl<M> Observer<M> for () {
    fn observe(&mut self, _: &Progress<'_>, _: &M) {}
}
