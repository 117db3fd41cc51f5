//! The fused tanh layer: the jet through `σ(h W + b)`, `σ = tanh`, in one kernel per pass.
//!
//! burn's ops take a hidden layer of the jet in about twenty kernels (a product per stream, the
//! bias, `tanh` and its derivatives, the chain rule's products and sums) and twice as many in
//! the backward pass; on a GPU each is a launch. Here the streams of a jet are stacked into one
//! `[S, N, k]` tensor (`S = 1 + p + m`: the value, `p` first-derivative streams, `m`
//! second-order streams) and one CubeCL kernel computes, for every point and channel,
//!
//! ```text
//! z_s = h_s W (+ b for the value),   a₀ = tanh z₀,   a_i = σ'(z₀) z_i,
//! a_q = σ'(z₀) z_q + σ''(z₀) Σ_ij C_qij z_i z_j
//! ```
//!
//! with `C_q` the coefficients `c_ij` of the `q`-th [`crate::SecondOrder`] operator on the
//! stacked first streams. Its backward pass is one element-wise kernel for `z̄` (the formulas
//! are in [`kernel`]) and burn's products for `h̄ = z̄ Wᵀ`, `W̄ = Σ_s h_sᵀ z̄_s` and
//! `b̄ = Σ_n z̄₀`, the two reductions over the points taken `rows` points at a time
//! ([`crate::Dense::with_row_chunk`]).
//!
//! The layer is a burn backend extension ([`TanhJetLayer`]): the kernels run on every CubeCL
//! runtime (wgpu, CUDA), through burn's fusion when the `fusion` feature is on, and the
//! backward pass is registered with burn's autodiff. It exists only in builds with a GPU
//! backend; a layer asks for it with [`crate::Dense::with_fused`].

mod kernel;

use burn::Tensor;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::tensor::FloatTensor;
use burn::backend::{Autodiff, Backend, Dispatch, TensorMetadata, backend_extension};
use burn::tensor::{Shape, Slice};
use burn_cubecl::CubeBackend;

use crate::{Dense, Jet};

/// The two kernels of the layer on a backend's primitives.
#[backend_extension(Cube, Fusion: cfg(feature = "fusion"))]
pub trait TanhJetKernels: Backend {
    /// `(a, z)`: the activated streams and the pre-activations, both `[S, N, w]`, from the
    /// stacked streams `h: [S, N, k]`, `W: [k, w]`, `b: [1, w]` and the coefficients
    /// `C: [max(m, 1), max(p, 1), max(p, 1)]`; `first` is `p`.
    #[fusion(meta = |h, w, _b, _c, _p| {
        let spec = burn::backend::fusion::custom::TensorSpec::new(layer_shape(&h.shape, &w.shape), h.dtype);
        (spec.clone(), spec)
    })]
    fn tanh_jet_forward(
        h: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        coef: FloatTensor<Self>,
        first: usize,
    ) -> (FloatTensor<Self>, FloatTensor<Self>);

    /// `z̄` (`[S, N, w]`) from the cotangents `ā` of the activated streams and the
    /// pre-activations `z`.
    #[fusion(dtype = pre, shape = pre)]
    fn tanh_jet_backward(
        grad: FloatTensor<Self>,
        pre: FloatTensor<Self>,
        coef: FloatTensor<Self>,
        first: usize,
    ) -> FloatTensor<Self>;
}

/// The differentiable layer: `a` from [`TanhJetKernels::tanh_jet_forward`], with its backward
/// pass registered on autodiff backends.
#[backend_extension(Cube, Autodiff, Fusion: cfg(feature = "fusion"))]
pub trait TanhJetLayer: Backend {
    /// The activated streams `a: [S, N, w]`; `rows` is the chunk of the backward reductions
    /// (0: all points at once).
    #[fusion(dtype = h, shape = layer_shape(h, weight))]
    fn tanh_jet_layer(
        h: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        coef: FloatTensor<Self>,
        first: usize,
        rows: usize,
    ) -> FloatTensor<Self>;
}

/// `[S, N, w]` from `h: [S, N, k]` and `W: [k, w]`.
fn layer_shape(h: &Shape, weight: &Shape) -> Shape {
    Shape::new([h[0], h[1], weight[1]])
}

impl TanhJetLayer for CubeBackend {
    fn tanh_jet_layer(
        h: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        coef: FloatTensor<Self>,
        first: usize,
        _rows: usize,
    ) -> FloatTensor<Self> {
        Self::tanh_jet_forward(h, weight, bias, coef, first).0
    }
}

/// What the backward pass keeps: `h`, `W`, `z`, `C`, `p` and the row chunk.
type LayerState<B> = (
    FloatTensor<B>,
    FloatTensor<B>,
    FloatTensor<B>,
    FloatTensor<B>,
    usize,
    usize,
);

#[derive(Debug)]
struct TanhJetBackward;

impl<B: TanhJetKernels> Backward<B, 3> for TanhJetBackward {
    type State = LayerState<B>;

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [node_h, node_w, node_b] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        let (h, weight, pre, coef, first, rows) = ops.state;
        let zbar = B::tanh_jet_backward(grad, pre, coef, first);
        let [s, n, k] = h.shape().dims::<3>();
        let w = weight.shape()[1];
        if let Some(node) = node_h {
            let flat = B::float_reshape(zbar.clone(), Shape::new([s * n, w]));
            let hbar = B::float_matmul(flat, B::float_transpose(weight));
            grads.register::<B>(node.id, B::float_reshape(hbar, Shape::new([s, n, k])));
        }
        if let Some(node) = node_w {
            grads.register::<B>(node.id, weight_gradient::<B>(h, zbar.clone(), rows));
        }
        if let Some(node) = node_b {
            let value =
                B::float_slice(zbar, &[Slice::from(0..1), Slice::from(..), Slice::from(..)]);
            grads.register::<B>(node.id, column_sums::<B>(value, rows));
        }
    }
}

/// `W̄ = Σ_r h_rᵀ z̄_r` over the `R = S·N` stacked rows, `rows` at a time when they divide `R`
/// into two or more chunks: `[c, k, rows] × [c, rows, w]`, then a sum over the `c` chunks.
fn weight_gradient<B: Backend>(
    h: FloatTensor<B>,
    zbar: FloatTensor<B>,
    rows: usize,
) -> FloatTensor<B> {
    let [s, n, k] = h.shape().dims::<3>();
    let w = zbar.shape()[2];
    let total = s * n;
    let chunks = chunks(total, rows);
    let h = B::float_reshape(h, Shape::new([chunks, total / chunks, k]));
    let zbar = B::float_reshape(zbar, Shape::new([chunks, total / chunks, w]));
    let products = B::float_matmul(B::float_swap_dims(h, 1, 2), zbar);
    B::float_reshape(B::float_sum_dim(products, 0), Shape::new([k, w]))
}

/// `Σ_n t_n` of `t: [1, N, w]` as `[1, w]`, `rows` points at a time (see [`weight_gradient`]).
fn column_sums<B: Backend>(t: FloatTensor<B>, rows: usize) -> FloatTensor<B> {
    let [_, n, w] = t.shape().dims::<3>();
    let chunks = chunks(n, rows);
    let t = B::float_reshape(t, Shape::new([chunks, n / chunks, w]));
    let partial = B::float_sum_dim(t, 1);
    B::float_reshape(B::float_sum_dim(partial, 0), Shape::new([1, w]))
}

/// The number of chunks of `rows` rows in `total`: `total / rows` when that divides evenly into
/// two or more, else one.
fn chunks(total: usize, rows: usize) -> usize {
    if rows > 0 && total.is_multiple_of(rows) && total / rows >= 2 {
        total / rows
    } else {
        1
    }
}

impl<B: TanhJetKernels, C: CheckpointStrategy> TanhJetLayer for Autodiff<B, C> {
    fn tanh_jet_layer(
        h: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        coef: FloatTensor<Self>,
        first: usize,
        rows: usize,
    ) -> FloatTensor<Self> {
        let (h, h_node) = h.into_parts();
        let (weight, w_node) = weight.into_parts();
        let (bias, b_node) = bias.into_parts();
        let coef = coef.into_primitive();
        match TanhJetBackward
            .prepare::<C>([h_node, w_node, b_node])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let (act, pre) =
                    B::tanh_jet_forward(h.clone(), weight.clone(), bias, coef.clone(), first);
                prep.finish((h, weight, pre, coef, first, rows), act)
            }
            OpsKind::UnTracked(prep) => {
                prep.finish(B::tanh_jet_forward(h, weight, bias, coef, first).0)
            }
        }
    }
}

/// `tanh(h W + b)` on stacked jet streams `h: [S, N, k]` (see the module documentation).
fn tanh_layer(
    h: Tensor<3>,
    weight: Tensor<2>,
    bias: Tensor<2>,
    coef: Tensor<3>,
    first: usize,
    rows: usize,
) -> Tensor<3> {
    Tensor::from_dispatch(Dispatch::tanh_jet_layer(
        h.into_dispatch(),
        weight.into_dispatch(),
        bias.into_dispatch(),
        coef.into_dispatch(),
        first,
        rows,
    ))
}

/// The hidden layers `tanh(h W_l + b_l)` of an MLP on a jet: its streams stacked once, each
/// layer one fused kernel ([`TanhJetLayer`]), the streams taken apart after the last. The same
/// jet as `layers.fold(h, |h, l| l.forward(h).tanh())`, for jets on a GPU backend; panics on a
/// layer without a bias.
pub fn tanh_layers(jet: Jet, layers: &[Dense]) -> Jet {
    let spec = jet.spec().clone();
    let tracked: Vec<usize> = (0..spec.dim())
        .filter(|&i| jet.first(i).is_some())
        .collect();
    let operators = spec.second_order();
    let (p, m) = (tracked.len(), operators.len());
    let [n, _] = jet.value().dims();
    let device = jet.value().device();

    let mut streams = vec![jet.value().clone()];
    streams.extend(tracked.iter().map(|&i| jet.first_dense(i)));
    streams.extend((0..m).map(|q| jet.second_dense(q)));
    let mut h = Tensor::stack::<3>(streams, 0);

    // C_q on the stacked first streams: c_ij at (position of i, position of j).
    let (cm, cp) = (m.max(1), p.max(1));
    let mut coef = vec![0.0; cm * cp * cp];
    for (q, op) in operators.iter().enumerate() {
        for &(i, j, c) in op.terms() {
            let at = |k| tracked.iter().position(|&t| t == k);
            if let (Some(a), Some(b)) = (at(i), at(j)) {
                coef[(q * cp + a) * cp + b] += c;
            }
        }
    }
    let coef = Tensor::<1>::from_floats(coef.as_slice(), &device).reshape([cm, cp, cp]);

    for layer in layers {
        let bias = layer.bias.as_ref().expect("a fused layer has a bias").val();
        let rows = layer.row_chunk().unwrap_or(0);
        h = tanh_layer(h, layer.weight.val(), bias, coef.clone(), p, rows);
    }

    let [_, _, w] = h.dims();
    let stream = |s: usize| h.clone().narrow(0, s, 1).reshape([n, w]);
    let mut first = vec![None; spec.dim()];
    for (k, &i) in tracked.iter().enumerate() {
        first[i] = Some(stream(1 + k));
    }
    let second = (0..m).map(|q| Some(stream(1 + p + q))).collect();
    Jet::from_parts(stream(0), first, second, spec)
}
