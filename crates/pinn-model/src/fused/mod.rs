//! The fused tanh layer: the jet through `σ(h W + b)`, `σ = tanh`, in two kernels per pass.
//!
//! burn's ops take a hidden layer of the jet in about twenty kernels — a product per stream,
//! the bias, `tanh` and its derivatives, the chain rule's products and sums — and its backward
//! pass in about twice as many; on a GPU each is a launch. Here the streams of a jet are
//! stacked into one `[S, N, k]` tensor (`S = 1 + p + m`: the value, `p` first-derivative
//! streams, `m` second-order streams), so that the layer is
//!
//! - one product `z = h W` for all the streams (burn's matmul, autotuned per device; the
//!   points `rows` at a time on GPUs, see [`crate::Dense::with_row_chunk`]; on flex its
//!   output written once, see `product.rs`),
//! - one kernel for everything else ([`TanhJetActivation`]): per point and channel,
//!   with `z₀ ← z₀ + b`, `t = tanh z₀`, `σ' = 1 − t²`, `σ'' = −2tσ'`,
//!
//!   ```text
//!   a₀ = t,   a_i = σ' z_i,   a_q = σ' z_q + σ'' Σ_ij C_qij z_i z_j,
//!   ```
//!
//!   `C_q` the coefficients `c_ij` of the `q`-th [`crate::SecondOrder`] operator on the stacked
//!   first streams. Its backward pass is one element-wise kernel for `z̄` (the formulas are in
//!   `fused/cube.rs`) and the column sums `b̄ = Σ_n z̄₀`.
//!
//! The activation is a burn backend extension with two kernels: CubeCL's (`fused/cube.rs`,
//! builds with a GPU backend), for every CubeCL runtime (wgpu, CUDA) and through burn's fusion
//! when the `fusion` feature is on; and a loop over the points on the CPU for flex
//! (`fused/flex.rs`, f32 and f64). Its backward pass is registered with burn's autodiff. A
//! layer asks for it with [`crate::Dense::with_fused`]; the ndarray backend has no kernel.

#[cfg(feature = "cube")]
mod cube;
mod exp;
mod flex;

use std::sync::Arc;

use burn::Tensor;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::tensor::FloatTensor;
use burn::backend::{Autodiff, Backend, Dispatch, Flex, TensorMetadata, backend_extension};
use burn::tensor::{Shape, Slice};
#[cfg(feature = "cube")]
use burn_cubecl::CubeBackend;

use crate::jet::{equal_chunks, matmul_by_rows};
use crate::product::matmul;
use crate::{Dense, Jet, JetSpec};

/// The two kernels of the activation on a backend's primitives.
#[backend_extension(Cube: cfg(feature = "cube"), Flex, Fusion: cfg(feature = "fusion"))]
pub trait TanhJetKernels: Backend {
    /// The activated streams `a: [S, N, w]` from the products `z = h W: [S, N, w]`, the bias
    /// `b: [1, w]` and the coefficients `C: [max(m, 1), max(p, 1), max(p, 1)]`; `first` is `p`.
    #[fusion(dtype = z, shape = z)]
    fn tanh_jet_forward(
        z: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        coef: FloatTensor<Self>,
        first: usize,
    ) -> FloatTensor<Self>;

    /// `z̄: [S, N, w]` from the cotangents `ā` of the activated streams and `z`, `b`, `C`;
    /// `act` is the forward pass's output (the CPU kernel reads `t` there, the GPU kernels
    /// evaluate it again from `z`, which costs less than reading it).
    #[fusion(dtype = z, shape = z)]
    fn tanh_jet_backward(
        grad: FloatTensor<Self>,
        z: FloatTensor<Self>,
        act: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        coef: FloatTensor<Self>,
        first: usize,
    ) -> FloatTensor<Self>;
}

/// The differentiable activation: [`TanhJetKernels::tanh_jet_forward`], with its backward pass
/// registered on autodiff backends.
#[backend_extension(Cube: cfg(feature = "cube"), Flex, Autodiff, Fusion: cfg(feature = "fusion"))]
pub trait TanhJetActivation: Backend {
    /// The activated streams `a: [S, N, w]`; `rows` is the chunk of the bias gradient's sum
    /// over the points (0: all at once).
    #[fusion(dtype = z, shape = z)]
    fn tanh_jet_activation(
        z: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        coef: FloatTensor<Self>,
        first: usize,
        rows: usize,
    ) -> FloatTensor<Self>;
}

/// The activation on backends without autodiff: the forward kernel alone.
macro_rules! forward_only {
    ($($(#[$cfg:meta])* $backend:ty),*) => {$(
        $(#[$cfg])*
        impl TanhJetActivation for $backend {
            fn tanh_jet_activation(
                z: FloatTensor<Self>,
                bias: FloatTensor<Self>,
                coef: FloatTensor<Self>,
                first: usize,
                _rows: usize,
            ) -> FloatTensor<Self> {
                Self::tanh_jet_forward(z, bias, coef, first)
            }
        }
    )*};
}

forward_only!(
    #[cfg(feature = "cube")]
    CubeBackend,
    Flex
);

#[derive(Debug)]
struct TanhJetBackward;

impl<B: TanhJetKernels> Backward<B, 2> for TanhJetBackward {
    /// `z`, the output `a`, `b`, `C`, `p` and the row chunk.
    type State = (
        FloatTensor<B>,
        FloatTensor<B>,
        FloatTensor<B>,
        FloatTensor<B>,
        usize,
        usize,
    );

    fn backward(self, ops: Ops<Self::State, 2>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [node_z, node_b] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        let (z, act, bias, coef, first, rows) = ops.state;
        let zbar = B::tanh_jet_backward(grad, z, act, bias, coef, first);
        if let Some(node) = node_b {
            let value = B::float_slice(
                zbar.clone(),
                &[Slice::from(0..1), Slice::from(..), Slice::from(..)],
            );
            grads.register::<B>(node.id, column_sums::<B>(value, rows));
        }
        if let Some(node) = node_z {
            grads.register::<B>(node.id, zbar);
        }
    }
}

/// `Σ_n t_n` of `t: [1, N, w]` as `[1, w]`, in equal chunks of about `rows` points where `N`
/// has them ([`equal_chunks`]; a GPU's reductions over all the points are otherwise serial).
fn column_sums<B: Backend>(t: FloatTensor<B>, rows: usize) -> FloatTensor<B> {
    let [_, n, w] = t.shape().dims::<3>();
    let chunks = equal_chunks(n, rows).unwrap_or(1);
    let t = B::float_reshape(t, Shape::new([chunks, n / chunks, w]));
    let partial = B::float_sum_dim(t, 1);
    B::float_reshape(B::float_sum_dim(partial, 0), Shape::new([1, w]))
}

impl<B: TanhJetKernels, C: CheckpointStrategy> TanhJetActivation for Autodiff<B, C> {
    fn tanh_jet_activation(
        z: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        coef: FloatTensor<Self>,
        first: usize,
        rows: usize,
    ) -> FloatTensor<Self> {
        let (z, z_node) = z.into_parts();
        let (bias, b_node) = bias.into_parts();
        let coef = coef.into_primitive();
        match TanhJetBackward
            .prepare::<C>([z_node, b_node])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let a = B::tanh_jet_forward(z.clone(), bias.clone(), coef.clone(), first);
                prep.finish((z, a.clone(), bias, coef, first, rows), a)
            }
            OpsKind::UnTracked(prep) => prep.finish(B::tanh_jet_forward(z, bias, coef, first)),
        }
    }
}

/// The activation of the stacked products `z: [S, N, w]` (see the module documentation).
fn activation(
    z: Tensor<3>,
    bias: Tensor<2>,
    coef: Tensor<3>,
    first: usize,
    rows: usize,
) -> Tensor<3> {
    Tensor::from_dispatch(Dispatch::tanh_jet_activation(
        z.into_dispatch(),
        bias.into_dispatch(),
        coef.into_dispatch(),
        first,
        rows,
    ))
}

/// The hidden layers `tanh(h W_l + b_l)` of an MLP on a jet: its streams stacked once, each
/// layer one product and one fused activation kernel, the streams taken apart after the last.
/// The same jet as `layers.fold(h, |h, l| l.forward(h).tanh())`, for jets on a GPU backend
/// or on flex; panics on a layer without a bias.
pub fn tanh_layers(jet: Jet, layers: &[Dense]) -> Jet {
    let (h, stacked) = Stacked::new(jet);
    stacked.unstack(stacked.tanh_layers(h, layers))
}

/// [`tanh_layers`] followed by the affine output layer `u = h W + b`, itself on the stacked
/// streams (the streams are taken apart at the output's width, not the hidden layers'; the
/// backward pass of taking them apart writes a zero tensor of that size per stream).
pub fn tanh_mlp(jet: Jet, hidden: &[Dense], output: &Dense) -> Jet {
    let (h, stacked) = Stacked::new(jet);
    let h = stacked.tanh_layers(h, hidden);
    let z = matmul(h, output.weight.val());
    let z = match &output.bias {
        Some(b) if stacked.streams() == 1 => z + b.val(),
        Some(b) => {
            let n = stacked.points;
            let value = z.clone().narrow(0, 0, n) + b.val();
            let [rows, _] = z.dims();
            Tensor::cat(vec![value, z.narrow(0, n, rows - n)], 0)
        }
        None => z,
    };
    stacked.unstack(z)
}

/// A jet's streams stacked into one tensor `[S·N, k]` (value, tracked first derivatives,
/// second-order streams; a jet with derivatives at its first `n` points only has them padded
/// with zeros to `N`), with what it takes to run tanh layers on it and to take it apart.
struct Stacked {
    spec: Arc<JetSpec>,
    /// The coordinates whose first derivatives are tracked, in stream order.
    tracked: Vec<usize>,
    /// `C_q` on the stacked first streams, `[max(m, 1), max(p, 1), max(p, 1)]`.
    coef: Tensor<3>,
    points: usize,
    /// The points that carry derivatives, the first (the others are values alone).
    derivative_rows: usize,
}

impl Stacked {
    fn new(jet: Jet) -> (Tensor<2>, Self) {
        let spec = jet.spec().clone();
        let tracked: Vec<usize> = (0..spec.dim())
            .filter(|&i| jet.first(i).is_some())
            .collect();
        let operators = spec.second_order();
        let (p, m) = (tracked.len(), operators.len());
        let [points, _] = jet.value().dims();
        let device = jet.value().device();

        // Derivatives at the first `n` points only: zeros at the others, which stay zero
        // through the layers (`σ' · 0`, `σ'' · 0 · 0`) and are cut off again by `unstack`.
        let derivative_rows = jet.stream_rows();
        let padding = (derivative_rows < points).then(|| {
            let [_, k] = jet.value().dims();
            Tensor::zeros([points - derivative_rows, k], &device)
        });
        let mut streams = vec![jet.value().clone()];
        let derivatives = tracked
            .iter()
            .map(|&i| jet.first_dense(i))
            .chain((0..m).map(|q| jet.second_dense(q)));
        for s in derivatives {
            streams.push(s);
            streams.extend(padding.clone());
        }
        let h = Tensor::cat(streams, 0);

        // C_q on the stacked first streams: c_ij at (position of i, position of j).
        let (cm, cp) = (m.max(1), p.max(1));
        let mut coef = vec![0.0; cm * cp * cp];
        let at = |k| tracked.iter().position(|&t| t == k);
        for (q, op) in operators.iter().enumerate() {
            for &(i, j, c) in op.terms() {
                if let (Some(a), Some(b)) = (at(i), at(j)) {
                    coef[(q * cp + a) * cp + b] += c;
                }
            }
        }
        let coef = Tensor::<1>::from_floats(coef.as_slice(), &device).reshape([cm, cp, cp]);
        let stacked = Self {
            spec,
            tracked,
            coef,
            points,
            derivative_rows,
        };
        (h, stacked)
    }

    /// `S`, the number of streams.
    fn streams(&self) -> usize {
        1 + self.tracked.len() + self.spec.second_order().len()
    }

    /// `tanh(h W_l + b_l)` for every layer, one product and one fused kernel each.
    fn tanh_layers(&self, mut h: Tensor<2>, layers: &[Dense]) -> Tensor<2> {
        let (s, n, p) = (self.streams(), self.points, self.tracked.len());
        for layer in layers {
            let bias = layer.bias.as_ref().expect("a fused layer has a bias").val();
            let weight = layer.weight.val();
            let [_, w] = weight.dims();
            let rows = layer.row_chunk();
            let z = match rows {
                Some(rows) => matmul_by_rows(h, &weight, rows),
                None => matmul(h, weight),
            };
            let a = activation(
                z.reshape([s, n, w]),
                bias,
                self.coef.clone(),
                p,
                rows.unwrap_or(0),
            );
            h = a.reshape([s * n, w]);
        }
        h
    }

    /// The jet whose streams are stacked in `h: [S·N, k]`.
    fn unstack(&self, h: Tensor<2>) -> Jet {
        let (n, p) = (self.points, self.tracked.len());
        let stream = |k: usize| {
            let rows = if k == 0 { n } else { self.derivative_rows };
            h.clone().narrow(0, k * n, rows)
        };
        let mut first = vec![None; self.spec.dim()];
        for (k, &i) in self.tracked.iter().enumerate() {
            first[i] = Some(stream(1 + k));
        }
        let second = (0..self.spec.second_order().len())
            .map(|q| Some(stream(1 + p + q)))
            .collect();
        Jet::from_parts(stream(0), first, second, self.spec.clone())
            .with_derivative_rows(self.derivative_rows)
    }
}
