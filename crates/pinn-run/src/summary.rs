//! `summary.json`: the record of a finished run, written by `pinn train` and read by the
//! benchmarks as a typed value.

use std::collections::BTreeMap;

use pinn_model::backend::{Backend, Dtype};
use serde::{Deserialize, Serialize};

/// What a run directory's `summary.json` holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    /// The run's name.
    pub name: String,
    /// The problem (`[pde] name`).
    pub problem: String,
    /// The backend it trained on.
    pub backend: Backend,
    /// Its float precision.
    pub dtype: Dtype,
    /// Seed of initialisation and sampling.
    pub seed: u64,
    /// Steps completed.
    pub steps: usize,
    /// The loss of the returned model.
    pub final_loss: f64,
    /// Its terms by name.
    pub terms: BTreeMap<String, f64>,
    /// Relative L² error of the returned model (`null` without an exact solution).
    pub rel_l2: Option<f64>,
    /// The relative L² error of each field, by name (empty without an exact solution).
    #[serde(default)]
    pub rel_l2_per_field: BTreeMap<String, f64>,
    /// With `[reference]` (which `rel_l2` is measured against), the error against the exact
    /// solution too, when the problem has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rel_l2_exact: Option<f64>,
    /// Wall time of training, seconds.
    pub wall_s: f64,
    /// Mean wall time per step, milliseconds.
    pub ms_per_step: f64,
    /// Trained parameters.
    pub n_params: usize,
    /// Why training stopped (`max_steps`, `converged`, …, `non_finite:TERM@STEP`).
    pub termination: String,
    /// The final weights of the boundary-type terms by name.
    pub weights: BTreeMap<String, f64>,
    /// The trained unknown coefficients of an inverse problem by name (empty otherwise).
    #[serde(default)]
    pub unknowns: BTreeMap<String, f64>,
    /// The step a resumed run continued after (`null` for a run trained in one go); `wall_s`
    /// and `ms_per_step` then count the resumed part only.
    #[serde(default)]
    pub resumed_from: Option<usize>,
    /// Where the steps' time went, by optimizer and phase, in the order they first ran (empty
    /// for first-order stages; [`pinn_optim::phases`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phases: Vec<PhaseTime>,
}

/// One phase's time over the run.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PhaseTime {
    /// `optimizer.phase`, e.g. `gauss_newton.jacobian`.
    pub name: String,
    /// How often it ran.
    pub count: usize,
    /// Its total wall time, seconds.
    pub total_s: f64,
    /// Its first run's wall time, seconds (on a GPU, with the kernels compiled then).
    pub first_s: f64,
}

impl PhaseTime {
    /// All phases of `phases`.
    pub fn all(phases: &pinn_optim::Phases) -> Vec<Self> {
        phases
            .iter()
            .map(|p| Self {
                name: p.name.clone(),
                count: p.count,
                total_s: p.total.as_secs_f64(),
                first_s: p.first.as_secs_f64(),
            })
            .collect()
    }
}
