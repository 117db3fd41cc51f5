//! What [`crate::train`] runs: the stages, the evaluation cadence, the worker threads, the
//! choice of loss weights and of collocation points.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::adaptive::Resample;
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
    /// Interior points per loss shard at most, several shards to a thread (`None`: one shard
    /// per thread; [`pinn_model::backend::Backend::shard_points`]).
    pub shard_points: Option<usize>,
    /// Assemble the Gauss–Newton matrix `A = J̃ᵀJ̃` on the model's device and read back `A`
    /// rather than `J̃` (GPU backends, [`pinn_model::backend::Backend::is_gpu`]).
    pub gram_on_device: bool,
    /// How the weights of the boundary-type terms are chosen (none: as configured).
    pub balance: Option<Balance>,
    /// Redraw the interior points where the residual is large (none: fixed points).
    pub resample: Option<Resample>,
    /// Stop after the step during which this much wall time has passed.
    pub time_limit: Option<Duration>,
    /// Stop at the first reported step that reaches a target.
    pub target: Target,
}

/// Early stopping: training ends at the first reported step whose loss, or whose relative L²
/// error (on evaluation steps), is at most its target.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// Stop once `L(θ) ≤ loss`.
    #[serde(default)]
    pub loss: Option<f64>,
    /// Stop once the relative L² error is at most `rel_l2`.
    #[serde(default)]
    pub rel_l2: Option<f64>,
}

impl TrainSettings {
    /// The stages with `eval_every = 100`, one thread per available core and the weights as
    /// configured.
    pub fn new(stages: Vec<Stage>) -> Self {
        Self {
            stages,
            eval_every: 100,
            threads: pinn_model::backend::default_threads(),
            shard_points: None,
            gram_on_device: false,
            balance: None,
            resample: None,
            time_limit: None,
            target: Target::default(),
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
