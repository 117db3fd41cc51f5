//! What a run needs to continue exactly where it was: the [`TrainState`] at a reported step,
//! with each optimizer's own state as a [`StepperState`] (argmin's checkpointing). The types
//! hold numbers only; the CLI writes them into a checkpoint file.

use std::collections::BTreeMap;

/// An optimizer's state between two steps: named scalars, vectors and opaque byte strings
/// (burn's serialized Adam moments). Each [`Stepper`](crate::Stepper) names its own entries.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StepperState {
    /// Named numbers (`k`, `mu`, `value`, …).
    pub scalars: BTreeMap<String, f64>,
    /// Named vectors (`theta`, `grad`, the L-BFGS pairs, …).
    pub vectors: BTreeMap<String, Vec<f64>>,
    /// Named byte strings in a format their stepper owns.
    pub bytes: BTreeMap<String, Vec<u8>>,
}

impl StepperState {
    /// The scalar `key`, or an error naming it.
    pub fn scalar(&self, key: &str) -> Result<f64, String> {
        self.scalars
            .get(key)
            .copied()
            .ok_or_else(|| format!("the optimizer state has no `{key}`"))
    }

    /// The vector `key`, or an error naming it.
    pub fn vector(&self, key: &str) -> Result<&[f64], String> {
        self.vectors
            .get(key)
            .map(Vec::as_slice)
            .ok_or_else(|| format!("the optimizer state has no vector `{key}`"))
    }

    /// The byte string `key`, or an error naming it.
    pub fn byte_string(&self, key: &str) -> Result<&[u8], String> {
        self.bytes
            .get(key)
            .map(Vec::as_slice)
            .ok_or_else(|| format!("the optimizer state has no `{key}`"))
    }

    /// The scalar `key` as a count.
    pub fn count(&self, key: &str) -> Result<usize, String> {
        let v = self.scalar(key)?;
        if v >= 0.0 && v.fract() == 0.0 && v <= usize::MAX as f64 {
            Ok(v as usize)
        } else {
            Err(format!(
                "the optimizer state's `{key}` = {v} is not a count"
            ))
        }
    }
}

/// The state of training at a reported step, taken together with the model reported there:
/// resuming from it with the same settings continues the run bit for bit (on a CPU backend
/// with a fixed thread count).
#[derive(Clone, Debug, PartialEq)]
pub struct TrainState {
    /// The stage the run continues in (index into the schedule; the schedule's length when
    /// every stage is done).
    pub stage: usize,
    /// The iteration of that stage the run continues at.
    pub iteration: usize,
    /// Steps reported before that iteration.
    pub steps_before: usize,
    /// The stage's optimizer state (empty when the stage starts afresh).
    pub stepper: StepperState,
    /// The weights of every loss term by name.
    pub weights: Vec<(String, f64)>,
    /// The interior points in use when adaptive collocation has redrawn them (`None`: the
    /// points sampled from the seed).
    pub interior: Option<Vec<Vec<f64>>>,
}
