//! The CubeCL kernels of the fused tanh activation, one thread per point and channel.
//!
//! Streams are stacked along the first axis, `[S, N, w]` with `S = 1 + p + m` (the value, the
//! `p` first-derivative streams, the `m` second-order streams). With `z₀ ← z₀ + b`,
//! `t = tanh z₀`, `σ' = 1 − t²`, `σ'' = −2tσ'`, `σ''' = σ'(6t² − 2)` and
//! `Q_q = Σ_ij C_qij z_i z_j`:
//!
//! - forward: `a₀ = t`, `a_i = σ' z_i`, `a_q = σ' z_q + σ'' Q_q`;
//! - backward, from the cotangents `ā` of the outputs:
//!   `z̄_q = ā_q σ'`,
//!   `z̄_i = ā_i σ' + σ'' Σ_q ā_q Σ_j (C_qij + C_qji) z_j`,
//!   `z̄₀ = ā₀ σ' + σ'' Σ_i ā_i z_i + Σ_q ā_q (σ'' z_q + σ''' Q_q)`.
//!
//! Every stream of a thread is read once into registers; inputs are read through their
//! strides (any layout), outputs are contiguous.

use burn::backend::cubecl::dtype_to_storage_type;
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

/// The `S` streams of `z` at one point and channel, the bias added to the value.
#[cube]
fn load_streams<F: Float>(
    z: &Tensor<F>,
    bias: &Tensor<F>,
    row: usize,
    col: usize,
    #[comptime] streams: usize,
) -> Array<F> {
    let mut out = Array::<F>::new(streams);
    let base = row * z.stride(1) + col * z.stride(2);
    for s in 0..streams {
        out[s] = z[s * z.stride(0) + base];
    }
    out[0] += bias[col * bias.stride(1)];
    out
}

/// `Q_q = Σ_ij C_qij z_i z_j` on the first-derivative streams `z[1..=p]`.
#[cube]
fn quadratic<F: Float>(coef: &Tensor<F>, z: &Array<F>, q: usize, #[comptime] p: usize) -> F {
    let (cq, ci, cj) = (coef.stride(0), coef.stride(1), coef.stride(2));
    let mut sum = F::new(0.0);
    for i in 0..p {
        for j in 0..p {
            sum += coef[q * cq + i * ci + j * cj] * z[1 + i] * z[1 + j];
        }
    }
    sum
}

#[cube(launch_unchecked)]
fn tanh_jet_forward_kernel<F: Float>(
    z: &Tensor<F>,
    bias: &Tensor<F>,
    coef: &Tensor<F>,
    act: &mut Tensor<F>,
    #[comptime] first: usize,
    #[comptime] second: usize,
    #[define(F)] _dtype: ElemType,
) {
    let width = act.shape(2);
    let plane = act.shape(1) * width;
    let pos = ABSOLUTE_POS;
    if pos >= plane {
        terminate!();
    }
    let zs = load_streams::<F>(z, bias, pos / width, pos % width, 1 + first + second);
    let t = tanh_of::<F>(zs[0]);
    let d1 = F::new(1.0) - t * t;
    let d2 = F::new(-2.0) * t * d1;
    act[pos] = t;
    #[unroll]
    for i in 0..first {
        act[(1 + i) * plane + pos] = d1 * zs[1 + i];
    }
    #[unroll]
    for q in 0..second {
        let s = 1 + first + q;
        act[s * plane + pos] = d1 * zs[s] + d2 * quadratic::<F>(coef, &zs, q, first);
    }
}

#[cube(launch_unchecked)]
fn tanh_jet_backward_kernel<F: Float>(
    grad: &Tensor<F>,
    z: &Tensor<F>,
    bias: &Tensor<F>,
    coef: &Tensor<F>,
    out: &mut Tensor<F>,
    #[comptime] first: usize,
    #[comptime] second: usize,
    #[define(F)] _dtype: ElemType,
) {
    let width = out.shape(2);
    let plane = out.shape(1) * width;
    let pos = ABSOLUTE_POS;
    if pos >= plane {
        terminate!();
    }
    let (row, col) = (pos / width, pos % width);
    let streams = 1 + first + second;
    let zs = load_streams::<F>(z, bias, row, col, streams);
    let (gs, gn, gc) = (grad.stride(0), grad.stride(1), grad.stride(2));
    let base = row * gn + col * gc;
    let t = tanh_of::<F>(zs[0]);
    let t2 = t * t;
    let d1 = F::new(1.0) - t2;
    let d2 = F::new(-2.0) * t * d1;
    let d3 = d1 * (F::new(6.0) * t2 - F::new(2.0));
    let (cq, ci, cj) = (coef.stride(0), coef.stride(1), coef.stride(2));
    let mut zbar = Array::<F>::new(streams);
    zbar[0] = grad[base] * d1;
    #[unroll]
    for i in 0..first {
        let gi = grad[(1 + i) * gs + base];
        zbar[0] += d2 * gi * zs[1 + i];
        zbar[1 + i] = gi * d1;
    }
    #[unroll]
    for q in 0..second {
        let s = 1 + first + q;
        let gq = grad[s * gs + base];
        zbar[0] += gq * (d2 * zs[s] + d3 * quadratic::<F>(coef, &zs, q, first));
        zbar[s] = gq * d1;
        #[unroll]
        for i in 0..first {
            let mut dq = F::new(0.0);
            for j in 0..first {
                dq += (coef[q * cq + i * ci + j * cj] + coef[q * cq + j * ci + i * cj]) * zs[1 + j];
            }
            zbar[1 + i] += gq * d2 * dq;
        }
    }
    #[unroll]
    for s in 0..streams {
        out[s * plane + pos] = zbar[s];
    }
}

/// A launch over `z: [S, N, w]`: a contiguous output shaped as `z`, one thread per point and
/// channel in cubes of 256, the number `m` of second-order streams, the element type.
struct Launch {
    out: CubeTensor,
    count: CubeCount,
    dim: CubeDim,
    second: usize,
    dtype: ElemType,
}

impl Launch {
    fn over(z: &CubeTensor, first: usize) -> Self {
        const THREADS: u32 = 256;
        let shape = z.meta.shape().clone();
        let [streams, rows, width] = shape.dims::<3>();
        let cubes =
            u32::try_from((rows * width).div_ceil(THREADS as usize)).expect("grid fits u32");
        let handle = z.client.empty(shape.num_elements() * z.dtype.size());
        Self {
            out: CubeTensor::new_contiguous(
                z.client.clone(),
                z.device.clone(),
                shape,
                handle,
                z.dtype,
            ),
            count: CubeCount::Static(cubes, 1, 1),
            dim: CubeDim::new_1d(THREADS),
            second: streams - 1 - first,
            dtype: dtype_to_storage_type(z.dtype),
        }
    }
}

impl TanhJetKernels for CubeBackend {
    fn tanh_jet_forward(
        z: CubeTensor,
        bias: CubeTensor,
        coef: CubeTensor,
        first: usize,
    ) -> CubeTensor {
        let launch = Launch::over(&z, first);
        // SAFETY: threads past the last point and channel return before any access, and
        // every index of the others is inside its tensor.
        unsafe {
            tanh_jet_forward_kernel::launch_unchecked(
                &launch.out.client,
                launch.count,
                launch.dim,
                z.into_tensor_arg(),
                bias.into_tensor_arg(),
                coef.into_tensor_arg(),
                launch.out.clone().into_tensor_arg(),
                first,
                launch.second,
                launch.dtype,
            );
        }
        launch.out
    }

    fn tanh_jet_backward(
        grad: CubeTensor,
        z: CubeTensor,
        _act: CubeTensor,
        bias: CubeTensor,
        coef: CubeTensor,
        first: usize,
    ) -> CubeTensor {
        let launch = Launch::over(&z, first);
        // SAFETY: as in the forward kernel.
        unsafe {
            tanh_jet_backward_kernel::launch_unchecked(
                &launch.out.client,
                launch.count,
                launch.dim,
                grad.into_tensor_arg(),
                z.into_tensor_arg(),
                bias.into_tensor_arg(),
                coef.into_tensor_arg(),
                launch.out.clone().into_tensor_arg(),
                first,
                launch.second,
                launch.dtype,
            );
        }
        launch.out
    }
}
