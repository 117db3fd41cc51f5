//! Unknown scalar coefficients of a PDE (an inverse problem's `ν`), trained with the network
//! as extra parameters.
//!
//! The coefficients enter the model's output as constant columns after the fields, so a
//! residual reads `ν` from the jet it already receives, and every optimizer, Gauss–Newton
//! included, sees them as ordinary parameters: they live in a [`Dense`] layer `1 → k` fed
//! with ones (`c = 1 · W`), whose Jacobian columns the per-sample probes give like any other.
//!
//! A bounded coefficient `c ∈ (lo, hi)` is `c = lo + (hi − lo)(1 + tanh w)/2` of a free
//! parameter `w`, so no optimizer step can leave the bounds.

use burn::Tensor;
use burn::module::Module;
use burn::tensor::{Device, TensorData};

use crate::{Dense, Jet};

/// One coefficient's start and bounds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Coefficient {
    /// The initial guess.
    pub initial: f64,
    /// `(lo, hi)` with `lo < initial < hi`, or `None` for an unbounded coefficient.
    pub bounds: Option<(f64, f64)>,
}

impl Coefficient {
    /// The free parameter `w` of the value `c`.
    fn parameter(&self, c: f64) -> f64 {
        match self.bounds {
            None => c,
            Some((lo, hi)) => (2.0 * (c - lo) / (hi - lo) - 1.0).atanh(),
        }
    }
}

/// The trainable coefficients `c = (c_1, …, c_k)`.
#[derive(Module, Debug)]
pub struct Coefficients {
    /// `w`, a `[1, k]` weight without bias.
    pub raw: Dense,
    #[module(skip)]
    bounds: Vec<Option<(f64, f64)>>,
}

impl Coefficients {
    /// The coefficients at their initial guesses; errors name the coefficient (by index) when
    /// a guess is not finite or not strictly inside its bounds.
    pub fn new(start: &[Coefficient], device: &Device) -> Result<Self, String> {
        for (j, c) in start.iter().enumerate() {
            let inside = match c.bounds {
                None => true,
                Some((lo, hi)) => {
                    lo < c.initial && c.initial < hi && lo.is_finite() && hi.is_finite()
                }
            };
            if !c.initial.is_finite() || !inside {
                return Err(format!(
                    "unknown coefficient {j}: the initial guess {} must be finite and strictly \
                     inside its bounds {:?}",
                    c.initial, c.bounds
                ));
            }
        }
        let w: Vec<f64> = start.iter().map(|c| c.parameter(c.initial)).collect();
        let k = w.len();
        let weight = Tensor::from_data(TensorData::new(w, [1, k]), device);
        Ok(Self {
            raw: Dense::from_tensors(weight, None),
            bounds: start.iter().map(|c| c.bounds).collect(),
        })
    }

    /// The same coefficients with `f` applied to their layer (see [`crate::Field::map_layers`]).
    pub fn map_layer(&self, f: &mut dyn FnMut(Dense) -> Dense) -> Self {
        Self {
            raw: f(self.raw.clone()),
            bounds: self.bounds.clone(),
        }
    }

    /// How many.
    pub fn len(&self) -> usize {
        self.bounds.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.bounds.is_empty()
    }

    /// The current values `c_j`.
    pub fn values(&self) -> Vec<f64> {
        let w: Vec<f64> = self
            .raw
            .weight
            .val()
            .into_data_as::<f64>()
            .iter::<f64>()
            .collect();
        w.iter()
            .zip(&self.bounds)
            .map(|(w, b)| match b {
                None => *w,
                Some((lo, hi)) => lo + (hi - lo) * (1.0 + w.tanh()) / 2.0,
            })
            .collect()
    }

    /// `c` as a jet constant in `x`, one row per row of `x`: `[N, k]`.
    pub fn forward(&self, x: &Jet) -> Jet {
        let rows = x.value().dims()[0];
        let ones = Jet::constant(
            Tensor::ones([rows, 1], &x.value().device()),
            x.spec().clone(),
        );
        let w = self.raw.forward(ones);
        if self.bounds.iter().all(Option::is_none) {
            return w;
        }
        Jet::cat(
            self.bounds
                .iter()
                .enumerate()
                .map(|(j, b)| {
                    let wj = w.clone().narrow(j, 1);
                    match b {
                        None => wj,
                        Some((lo, hi)) => wj
                            .tanh()
                            .add_scalar(1.0)
                            .scale((hi - lo) / 2.0)
                            .add_scalar(*lo),
                    }
                })
                .collect(),
        )
    }
}
