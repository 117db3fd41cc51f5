//! What [`crate::train`] runs: the stages, the evaluation cadence, the worker threads and the
//! choice of loss weights.

use crate::balance::Balance;
use crate::stage::Stage;

/// Schedule and evaluation settings.
#[derive(Clone, Debug)]
pub struct TrainSettings {
    /// The stages, in order.
    pub stages: Vec<Stage>,
    /// Compute the relative L² error every this many steps (and at the last step).
    pub eval_every: usize,
    /// Worker threads for the loss (shards of the collocation points); 1 on GPU backends
    /// ([`pinn_model::backend::Backend::loss_threads`]).
    pub threads: usize,
    /// How the weights of the boundary-type terms are chosen (none: as configured).
    pub balance: Option<Balance>,
}

impl TrainSettings {
    /// The stages with `eval_every = 100`, one thread per available core and the weights as
    /// configured.
    pub fn new(stages: Vec<Stage>) -> Self {
        Self {
            stages,
            eval_every: 100,
            threads: pinn_model::backend::default_threads(),
            balance: None,
        }
    }

    /// Steps in the whole schedule.
    pub fn total_steps(&self) -> usize {
        self.stages.iter().map(Stage::steps).sum()
    }

    /// Whether the relative L² error is due at (1-based) `step`.
    pub fn eval_due(&self, step: usize) -> bool {
        step.is_multiple_of(self.eval_every.max(1)) || step == self.total_steps()
    }
}
