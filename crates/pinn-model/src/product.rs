//! A layer's product `z = h W` (every stream of a jet, and the fused layers' stacked streams),
//! on flex with each output written once.
//!
//! burn-flex 0.22 allocates the output of every matrix product zero-filled and then copies it
//! into a freshly aligned buffer (`FlexTensor::empty`, through `Bytes::from_bytes_vec`) before
//! the product overwrites it: two passes over memory per product, 18 % of the instructions of
//! a fused Adam step at 4 096 points (callgrind). On flex the three products of a layer —
//! `z = h W` forward, `h̄ = z̄ Wᵀ` and `W̄ = hᵀ z̄` backward — are one kernel,
//! [`ProductKernels`], that calls `gemm` (the crate burn-flex uses, with the same arguments, so
//! the same sums in the same order) with the transposes as strides and writes into an
//! uninitialised buffer (`gemm` does not read its destination when told not to accumulate).
//! The other backends keep burn's matmul ([`matmul`] chooses).

use std::mem::MaybeUninit;

use burn::Tensor;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::tensor::FloatTensor;
use burn::backend::{Autodiff, Backend, Dispatch, DispatchDevice, Flex, backend_extension};
use burn::tensor::{DType, Element, Shape, TensorData};
use burn_flex::FlexTensor;
use bytemuck::Pod;
use gemm::{Parallelism, gemm};
use num_traits::{One, Zero};

/// `op(A) op(B)` for matrices `A`, `B`, `op` the identity or the transpose.
#[backend_extension(Flex)]
pub trait ProductKernels: Backend {
    /// `op(lhs) op(rhs)`, `op(X) = Xᵀ` where `transpose_*` is set; both 2-D.
    fn product(
        lhs: FloatTensor<Self>,
        rhs: FloatTensor<Self>,
        transpose_lhs: bool,
        transpose_rhs: bool,
    ) -> FloatTensor<Self>;
}

/// The differentiable product `h W`: [`ProductKernels::product`], its backward pass
/// `h̄ = z̄ Wᵀ`, `W̄ = hᵀ z̄` registered with burn's autodiff.
#[backend_extension(Flex, Autodiff)]
pub trait DenseProduct: Backend {
    /// `h W` for `h: [M, k]`, `W: [k, w]`.
    fn dense_product(h: FloatTensor<Self>, weight: FloatTensor<Self>) -> FloatTensor<Self>;
}

impl DenseProduct for Flex {
    fn dense_product(h: FlexTensor, weight: FlexTensor) -> FlexTensor {
        Self::product(h, weight, false, false)
    }
}

#[derive(Debug)]
struct DenseProductBackward;

impl<B: ProductKernels> Backward<B, 2> for DenseProductBackward {
    /// `h` and `W`.
    type State = (FloatTensor<B>, FloatTensor<B>);

    fn backward(self, ops: Ops<Self::State, 2>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [node_h, node_w] = ops.parents;
        let zbar = grads.consume::<B>(&ops.node);
        let (h, weight) = ops.state;
        if let Some(node) = node_w {
            grads.register::<B>(node.id, B::product(h, zbar.clone(), true, false));
        }
        if let Some(node) = node_h {
            grads.register::<B>(node.id, B::product(zbar, weight, false, true));
        }
    }
}

impl<B: ProductKernels, C: CheckpointStrategy> DenseProduct for Autodiff<B, C> {
    fn dense_product(h: FloatTensor<Self>, weight: FloatTensor<Self>) -> FloatTensor<Self> {
        let (h, h_node) = h.into_parts();
        let (weight, w_node) = weight.into_parts();
        match DenseProductBackward
            .prepare::<C>([h_node, w_node])
            .compute_bound()
            .stateful()
        {
            OpsKind::Tracked(prep) => {
                let z = B::product(h.clone(), weight.clone(), false, false);
                prep.finish((h, weight), z)
            }
            OpsKind::UnTracked(prep) => prep.finish(B::product(h, weight, false, false)),
        }
    }
}

/// `h W`: through [`DenseProduct`] on flex, burn's matmul elsewhere.
pub(crate) fn matmul(h: Tensor<2>, weight: Tensor<2>) -> Tensor<2> {
    if matches!(
        h.device().as_dispatch().clone().inner(),
        DispatchDevice::Flex(_)
    ) {
        Tensor::from_dispatch(Dispatch::dense_product(
            h.into_dispatch(),
            weight.into_dispatch(),
        ))
    } else {
        h.matmul(weight)
    }
}

impl ProductKernels for Flex {
    fn product(
        lhs: FlexTensor,
        rhs: FlexTensor,
        transpose_lhs: bool,
        transpose_rhs: bool,
    ) -> FlexTensor {
        let [lhs, rhs] = [lhs, rhs].map(|t| t.to_contiguous());
        match lhs.dtype() {
            DType::F32 => product::<f32>(&lhs, &rhs, transpose_lhs, transpose_rhs),
            DType::F64 => product::<f64>(&lhs, &rhs, transpose_lhs, transpose_rhs),
            other => panic!("the layer product takes f32 or f64, not {other:?}"),
        }
    }
}

/// A contiguous `[rows, cols]` matrix as `gemm` reads it: `(rows, cols, column stride, row
/// stride)` of `op(X)`.
fn operand(t: &FlexTensor, transpose: bool) -> (usize, usize, isize, isize) {
    let [rows, cols] = t.layout().shape().dims::<2>();
    if transpose {
        (cols, rows, cols as isize, 1)
    } else {
        (rows, cols, 1, cols as isize)
    }
}

/// `op(lhs) op(rhs)` into a new `[m, n]` tensor, written once by `gemm`.
fn product<F: Pod + Zero + One + Element>(
    lhs: &FlexTensor,
    rhs: &FlexTensor,
    transpose_lhs: bool,
    transpose_rhs: bool,
) -> FlexTensor {
    let (m, k, lhs_cs, lhs_rs) = operand(lhs, transpose_lhs);
    let (k_rhs, n, rhs_cs, rhs_rs) = operand(rhs, transpose_rhs);
    assert_eq!(k, k_rhs, "the product's inner dimensions");
    let (a, b) = (
        lhs.as_slice::<F>().expect("a contiguous matrix"),
        rhs.as_slice::<F>().expect("a contiguous matrix"),
    );
    let mut out: Vec<F> = Vec::with_capacity(m * n);
    let dst: &mut [MaybeUninit<F>] = &mut out.spare_capacity_mut()[..m * n];
    // SAFETY: `a` is `m × k` and `b` is `k × n` with the strides `operand` gives for their
    // contiguous storage (checked lengths below), `dst` holds `m × n` row-major elements.
    // With `read_dst = false` gemm sets `dst = 1·op(a)op(b)` without reading `dst` (alpha is
    // taken as zero: gemm-common's `gemm_basic_generic` and its microkernels' `alpha_status
    // == 0` path), so every element of `dst` is written and none is read before it is.
    assert_eq!((a.len(), b.len()), (m * k, k * n), "operand sizes");
    unsafe {
        gemm(
            m,
            n,
            k,
            dst.as_mut_ptr().cast::<F>(),
            1,
            n as isize,
            false,
            a.as_ptr(),
            lhs_cs,
            lhs_rs,
            b.as_ptr(),
            rhs_cs,
            rhs_rs,
            F::zero(),
            F::one(),
            false,
            false,
            false,
            Parallelism::None,
        );
        out.set_len(m * n);
    }
    FlexTensor::from_data(TensorData::new(out, Shape::new([m, n])))
}
