//! The affine layer `z = h W + b`, optionally carrying a [`Probe`].

use std::sync::{Arc, Mutex, PoisonError};

use burn::Tensor;
use burn::module::{Module, Param};
use burn::tensor::Device;

use crate::{Jet, init::Seeded};

/// A perturbation of a layer's parameters that differs from row to row of the batch, so that
/// derivatives in the perturbation recover Jacobian products with ordinary reverse mode
/// (burn 0.22 has neither forward mode nor per-sample gradients).
///
/// - [`Probe::Tangent`]: row `i` sees `θ + ε_i v`. Every jet stream `s` of the layer output
///   gains `ε_i · ∂_θ s · v`, the parameter-tangent stream of direction `v`; so `∂r_i/∂ε_i`
///   at `ε = 0` is `(J v)_i`, all rows from one backward pass of `Σ_i r_i`.
/// - [`Probe::PerSample`]: row `i` sees `θ + Δ_i`, `Δ = 0`; the gradient of `Σ_i r_i` in
///   `Δ_i` is row `i` of `J`, the whole Jacobian block from one backward pass. Since
///   `∂z_s/∂Δ_i` is `h_s,i` (stream `s` of the layer's input, row `i`) in the weight, that
///   gradient is `Σ_s h_s,i ⊗ z̄_s,i` with `z̄_s = ∂(Σ_i r_i)/∂z_s`: the probe adds a zero leaf
///   `e_s` (`[N, out]`, tracked) to every output stream, whose gradient is `z̄_s`, and keeps
///   `h_s` ([`PerSampleRecord`]); the bias' row is `z̄_value,i` (the bias enters the value
///   alone). No `[N, in, out]` perturbation and no batched products in the pass itself.
#[derive(Clone, Debug)]
#[allow(clippy::large_enum_variant)] // built once per layer and pass, never stored in bulk
pub enum Probe {
    /// `W + ε_i V`, `b + ε_i v_b` on row `i`; `eps` is `[N, 1]`.
    Tangent {
        /// `V`, `[in, out]`.
        weight: Tensor<2>,
        /// `v_b`, `[1, out]`.
        bias: Option<Tensor<2>>,
        /// `ε`, `[N, 1]` (zeros, tracked).
        eps: Tensor<2>,
    },
    /// `W + Δ_i`, `b + δ_i` on row `i`, through the output streams' leaves it records.
    PerSample(PerSampleRecord),
}

/// One stream of a layer under [`Probe::PerSample`]: its input `h_s` (`[N, in]`, or `[1, in]`
/// for a stream constant over the rows; without autodiff) and the zero leaf `e_s` added to its
/// output (`[N, out]`, tracked).
#[derive(Clone, Debug)]
pub struct ProbedStream {
    /// `h_s`.
    pub input: Tensor<2>,
    /// `e_s`.
    pub leaf: Tensor<2>,
    /// Whether `s` is the value stream (the one the bias enters).
    pub value: bool,
}

/// The streams a [`Probe::PerSample`] layer saw in its forward passes, in order; shared
/// between the probe and its caller, who reads it after the backward pass.
#[derive(Clone, Debug, Default)]
pub struct PerSampleRecord(Arc<Mutex<Vec<ProbedStream>>>);

impl PerSampleRecord {
    /// The streams recorded so far, leaving the record empty.
    pub fn take(&self) -> Vec<ProbedStream> {
        std::mem::take(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// `e_s` for the stream with input `input`, recorded.
    fn leaf(&self, input: Tensor<2>, rows: usize, outputs: usize, value: bool) -> Tensor<2> {
        let leaf = Tensor::zeros([rows, outputs], &input.device()).require_grad();
        let stream = ProbedStream {
            input: input.inner(),
            leaf: leaf.clone(),
            value,
        };
        (self.0.lock().unwrap_or_else(PoisonError::into_inner)).push(stream);
        leaf
    }
}

/// `z = h W + b` with `W: [in, out]`, `b: [1, out]`.
#[derive(Module, Debug)]
pub struct Dense {
    /// `W`, `[in, out]`.
    pub weight: Param<Tensor<2>>,
    /// `b`, `[1, out]` (absent for a purely linear layer).
    pub bias: Option<Param<Tensor<2>>>,
    #[module(skip)]
    probe: Option<Probe>,
    /// Points per batch of [`Jet::linear_by_rows`] (GPU backends), or `None`.
    #[module(skip)]
    row_chunk: Option<usize>,
    /// Whether a hidden layer followed by `tanh` runs fused ([`Self::with_fused`]).
    #[module(skip)]
    fused: bool,
}

impl Dense {
    /// Xavier-uniform weights, zero bias.
    pub fn new(
        inputs: usize,
        outputs: usize,
        bias: bool,
        rng: &mut Seeded,
        device: &Device,
    ) -> Self {
        Self {
            weight: Param::from_tensor(rng.xavier(inputs, outputs, 1.0, device)),
            bias: bias.then(|| Param::from_tensor(Tensor::zeros([1, outputs], device))),
            probe: None,
            row_chunk: None,
            fused: false,
        }
    }

    /// A layer with the given weight and bias.
    pub fn from_tensors(weight: Tensor<2>, bias: Option<Tensor<2>>) -> Self {
        Self {
            weight: Param::from_tensor(weight),
            bias: bias.map(Param::from_tensor),
            probe: None,
            row_chunk: None,
            fused: false,
        }
    }

    /// `[in, out]`.
    pub fn shape(&self) -> [usize; 2] {
        self.weight.val().dims()
    }

    /// Number of parameters (`W`, then `b`, in [`crate::params::flatten`] order).
    pub fn num_parameters(&self) -> usize {
        let [i, o] = self.shape();
        i * o + self.bias.as_ref().map_or(0, |_| o)
    }

    /// The same layer carrying `probe` (`None` removes it); for the Jacobian products of
    /// `pinn_optim::jacobian`.
    #[doc(hidden)]
    pub fn with_probe(mut self, probe: Option<Probe>) -> Self {
        self.probe = probe;
        self
    }

    /// The same layer multiplying about `rows` points at a time ([`Jet::linear_by_rows`];
    /// `None`: all at once). The same values in another summation order: for GPU backends,
    /// whose kernels reduce over all the points serially in the backward pass.
    pub fn with_row_chunk(mut self, rows: Option<usize>) -> Self {
        self.row_chunk = rows;
        self
    }

    /// The same layer asking to be fused with the `tanh` that follows it: the jet's streams
    /// stacked, one product for all of them and one kernel for the activation and the chain
    /// rule ([`crate::fused`]). When every hidden layer of an MLP asks, its hidden layers run
    /// so; ignored on layers carrying a probe. Jets on a GPU backend or on flex only.
    pub fn with_fused(mut self, fused: bool) -> Self {
        self.fused = fused;
        self
    }

    /// Whether [`Self::with_fused`] applies: asked for, with a bias and no probe.
    pub(crate) fn is_fused(&self) -> bool {
        self.fused && self.bias.is_some() && self.probe.is_none()
    }

    /// Whether this is `h W + b` as it stands: no probe, no row chunks.
    pub(crate) fn is_plain(&self) -> bool {
        self.probe.is_none() && self.row_chunk.is_none()
    }

    /// The row chunk of [`Self::with_row_chunk`].
    pub(crate) fn row_chunk(&self) -> Option<usize> {
        self.row_chunk
    }

    /// `h W + b` on a jet: `∂z = ∂h W`; a probe adds its per-row perturbation.
    pub fn forward(&self, h: Jet) -> Jet {
        let b = self.bias.as_ref().map(|b| b.val());
        let w = self.weight.val();
        match &self.probe {
            None => match self.row_chunk {
                Some(rows) => h.linear_by_rows(&w, b.as_ref(), rows),
                None => h.linear(&w, b.as_ref()),
            },
            Some(Probe::Tangent { weight, bias, eps }) => {
                // z + ε ⊙ (h V + v_b): the tangent enters every stream through `h V`.
                let tangent = h.clone().linear(weight, bias.as_ref());
                h.linear(&w, b.as_ref()) + tangent.scale_rows(eps)
            }
            Some(Probe::PerSample(record)) => {
                let (rows, stream_rows) = (h.value().dims()[0], h.stream_rows());
                let [_, outputs] = w.dims();
                let leaves = h.clone().map_streams(|t, value| {
                    let rows = if value { rows } else { stream_rows };
                    record.leaf(t, rows, outputs, value)
                });
                h.linear(&w, b.as_ref()) + leaves
            }
        }
    }
}
