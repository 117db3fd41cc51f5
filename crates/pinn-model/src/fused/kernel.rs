//! The CubeCL kernels of the fused tanh layer, one thread per point and output channel.
//!
//! Streams are stacked along the first axis: `[S, N, ·]` with `S = 1 + p + m` (the value, the
//! `p` first-derivative streams, the `m` second-order streams). With `z = h W + b` in every
//! stream (the bias in the value only), `t = tanh z₀`, `σ' = 1 − t²`, `σ'' = −2tσ'`,
//! `σ''' = σ'(6t² − 2)` and `Q_q = Σ_ij C_qij z_i z_j`:
//!
//! - forward: `a₀ = t`, `a_i = σ' z_i`, `a_q = σ' z_q + σ'' Q_q`;
//! - backward, from the cotangents `ā` of the outputs:
//!   `z̄_q = ā_q σ'`,
//!   `z̄_i = ā_i σ' + σ'' Σ_q ā_q Σ_j (C_qij + C_qji) z_j`,
//!   `z̄₀ = ā₀ σ' + σ'' Σ_i ā_i z_i + Σ_q ā_q (σ'' z_q + σ''' Q_q)`.
//!
//! Inputs are read through their strides (any layout); outputs are contiguous.

use burn::backend::cubecl::dtype_to_storage_type;
use burn::tensor::Shape;
use burn_cubecl::CubeBackend;
use burn_cubecl::tensor::CubeTensor;
use cubecl::prelude::*;
use cubecl::{CubeCount, CubeDim};

use super::TanhJetKernels;

/// `tanh z` as `1 − 2/(e^{2z} + 1)`, the formula of [`crate::Jet::tanh`].
#[cube]
fn tanh_of<F: Float>(z: F) -> F {
    F::new(1.0) - F::new(2.0) / ((z * F::new(2.0)).exp() + F::new(1.0))
}

/// Element `(s, n, c)` of a rank-3 tensor, through its strides.
#[cube]
fn at<F: Float>(t: &Tensor<F>, s: usize, n: usize, c: usize) -> F {
    t[s * t.stride(0) + n * t.stride(1) + c * t.stride(2)]
}

/// `Q_q = Σ_ij C_qij z_i z_j` from the pre-activation streams in `pre` (contiguous).
#[cube]
fn quadratic<F: Float>(
    pre: &Tensor<F>,
    coef: &Tensor<F>,
    q: usize,
    pos: usize,
    plane: usize,
    #[comptime] first: u32,
) -> F {
    let p = first as usize;
    let mut sum = F::new(0.0);
    for i in 0..p {
        let zi = pre[(1 + i) * plane + pos];
        for j in 0..p {
            sum += at(coef, q, i, j) * zi * pre[(1 + j) * plane + pos];
        }
    }
    sum
}

#[cube(launch)]
fn tanh_jet_forward_kernel<F: Float>(
    h: &Tensor<F>,
    weight: &Tensor<F>,
    bias: &Tensor<F>,
    coef: &Tensor<F>,
    act: &mut Tensor<F>,
    pre: &mut Tensor<F>,
    #[comptime] first: u32,
    #[comptime] second: u32,
    #[define(F)] _dtype: ElemType,
) {
    let rows = act.shape(1);
    let width = act.shape(2);
    let inputs = h.shape(2);
    let plane = rows * width;
    let pos = ABSOLUTE_POS;
    if pos >= plane {
        terminate!();
    }
    let row = pos / width;
    let col = pos % width;
    let p = first as usize;
    let m = second as usize;
    let streams = 1 + p + m;
    for s in 0..streams {
        let mut z = F::new(0.0);
        for k in 0..inputs {
            z += at(h, s, row, k) * weight[k * weight.stride(0) + col * weight.stride(1)];
        }
        if s == 0 {
            z += bias[col * bias.stride(1)];
        }
        pre[s * plane + pos] = z;
    }
    let t = tanh_of::<F>(pre[pos]);
    let d1 = F::new(1.0) - t * t;
    let d2 = F::new(-2.0) * t * d1;
    act[pos] = t;
    for i in 0..p {
        let idx = (1 + i) * plane + pos;
        act[idx] = d1 * pre[idx];
    }
    for q in 0..m {
        // Q_q, as in `quadratic` (which takes the read-only `pre` of the backward pass).
        let mut quad = F::new(0.0);
        for i in 0..p {
            let zi = pre[(1 + i) * plane + pos];
            for j in 0..p {
                quad += at(coef, q, i, j) * zi * pre[(1 + j) * plane + pos];
            }
        }
        let idx = (1 + p + q) * plane + pos;
        act[idx] = d1 * pre[idx] + d2 * quad;
    }
}

#[cube(launch)]
fn tanh_jet_backward_kernel<F: Float>(
    grad: &Tensor<F>,
    pre: &Tensor<F>,
    coef: &Tensor<F>,
    out: &mut Tensor<F>,
    #[comptime] first: u32,
    #[comptime] second: u32,
    #[define(F)] _dtype: ElemType,
) {
    let rows = out.shape(1);
    let width = out.shape(2);
    let plane = rows * width;
    let pos = ABSOLUTE_POS;
    if pos >= plane {
        terminate!();
    }
    let row = pos / width;
    let col = pos % width;
    let p = first as usize;
    let m = second as usize;
    let t = tanh_of::<F>(pre[pos]);
    let t2 = t * t;
    let d1 = F::new(1.0) - t2;
    let d2 = F::new(-2.0) * t * d1;
    let d3 = d1 * (F::new(6.0) * t2 - F::new(2.0));
    let mut z0 = at(grad, 0, row, col) * d1;
    for i in 0..p {
        let gi = at(grad, 1 + i, row, col);
        z0 += d2 * gi * pre[(1 + i) * plane + pos];
        out[(1 + i) * plane + pos] = gi * d1;
    }
    for q in 0..m {
        let s = 1 + p + q;
        let gq = at(grad, s, row, col);
        let quad = quadratic::<F>(pre, coef, q, pos, plane, first);
        z0 += gq * (d2 * pre[s * plane + pos] + d3 * quad);
        out[s * plane + pos] = gq * d1;
        for i in 0..p {
            let mut dq = F::new(0.0);
            for j in 0..p {
                dq += (at(coef, q, i, j) + at(coef, q, j, i)) * pre[(1 + j) * plane + pos];
            }
            out[(1 + i) * plane + pos] += gq * d2 * dq;
        }
    }
    out[pos] = z0;
}

/// A contiguous `[S, N, w]` output on the device of `like`.
fn empty_like_layer(like: &CubeTensor, shape: Shape) -> CubeTensor {
    let bytes = shape.num_elements() * like.dtype.size();
    let handle = like.client.empty(bytes);
    CubeTensor::new_contiguous(
        like.client.clone(),
        like.device.clone(),
        shape,
        handle,
        like.dtype,
    )
}

/// One thread per `(point, channel)`, in cubes of 256.
fn launch_grid(plane: usize) -> (CubeCount, CubeDim) {
    const THREADS: u32 = 256;
    let cubes = u32::try_from(plane.div_ceil(THREADS as usize)).expect("grid fits u32");
    (CubeCount::Static(cubes, 1, 1), CubeDim::new_1d(THREADS))
}

impl TanhJetKernels for CubeBackend {
    fn tanh_jet_forward(
        h: CubeTensor,
        weight: CubeTensor,
        bias: CubeTensor,
        coef: CubeTensor,
        first: usize,
    ) -> (CubeTensor, CubeTensor) {
        let shape = super::layer_shape(&h.meta.shape().clone(), &weight.meta.shape().clone());
        let [streams, rows, width] = shape.dims::<3>();
        let act = empty_like_layer(&h, shape.clone());
        let pre = empty_like_layer(&h, shape);
        let (count, dim) = launch_grid(rows * width);
        let dtype = dtype_to_storage_type(h.dtype);
        tanh_jet_forward_kernel::launch(
            &h.client.clone(),
            count,
            dim,
            h.into_tensor_arg(),
            weight.into_tensor_arg(),
            bias.into_tensor_arg(),
            coef.into_tensor_arg(),
            act.clone().into_tensor_arg(),
            pre.clone().into_tensor_arg(),
            first as u32,
            (streams - 1 - first) as u32,
            dtype,
        );
        (act, pre)
    }

    fn tanh_jet_backward(
        grad: CubeTensor,
        pre: CubeTensor,
        coef: CubeTensor,
        first: usize,
    ) -> CubeTensor {
        let shape = pre.meta.shape().clone();
        let [streams, rows, width] = shape.dims::<3>();
        let out = empty_like_layer(&pre, shape);
        let (count, dim) = launch_grid(rows * width);
        let dtype = dtype_to_storage_type(pre.dtype);
        tanh_jet_backward_kernel::launch(
            &pre.client.clone(),
            count,
            dim,
            grad.into_tensor_arg(),
            pre.into_tensor_arg(),
            coef.into_tensor_arg(),
            out.clone().into_tensor_arg(),
            first as u32,
            (streams - 1 - first) as u32,
            dtype,
        );
        out
    }
}
