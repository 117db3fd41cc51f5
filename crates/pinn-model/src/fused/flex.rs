//! The fused tanh activation on burn's CPU backend (flex), in f32 and f64: one pass over the
//! streams per layer and pass, instead of burn's twenty-odd element-wise ops, each a pass over
//! memory, an allocation and a node of the autodiff graph.
//!
//! The formulas are those of the CubeCL kernels (`fused/cube.rs`). The points are taken a row
//! at a time (`w` channels, a few hundred bytes per stream, in the first-level cache) and each
//! formula is a loop over the row's channels, which the compiler vectorises. `tanh` is
//! `1 − 2/(e^{2z} + 1)` in the order of operations of [`crate::Jet::tanh`], with an `exp` that
//! vectorises too (`fused/exp.rs`, within an ulp of libm's); the backward pass reads `t` from
//! the forward pass's output instead of evaluating `exp` again.

use std::mem::MaybeUninit;

use burn::backend::Flex;
use burn::tensor::{DType, Element, Shape, TensorData};
use burn_flex::FlexTensor;
use bytemuck::Pod;
use num_traits::Float;
use pulp::{Arch, Simd, WithSimd};

use super::TanhJetKernels;
use super::exp::KernelExp;

impl TanhJetKernels for Flex {
    fn tanh_jet_forward(
        z: FlexTensor,
        bias: FlexTensor,
        coef: FlexTensor,
        first: usize,
    ) -> FlexTensor {
        let [z, bias, coef] = [z, bias, coef].map(|t| t.to_contiguous());
        match z.dtype() {
            DType::F32 => Arch::new().dispatch(Forward(Layer::<f32>::new(&z, &bias, &coef, first))),
            DType::F64 => Arch::new().dispatch(Forward(Layer::<f64>::new(&z, &bias, &coef, first))),
            other => panic!("the fused tanh layer takes f32 or f64, not {other:?}"),
        }
    }

    fn tanh_jet_backward(
        grad: FlexTensor,
        z: FlexTensor,
        act: FlexTensor,
        bias: FlexTensor,
        coef: FlexTensor,
        first: usize,
    ) -> FlexTensor {
        let [z, bias, coef, grad, act] = [z, bias, coef, grad, act].map(|t| t.to_contiguous());
        match z.dtype() {
            DType::F32 => {
                let layer = Layer::<f32>::new(&z, &bias, &coef, first);
                Arch::new().dispatch(Backward(layer, &grad, &act))
            }
            DType::F64 => {
                let layer = Layer::<f64>::new(&z, &bias, &coef, first);
                Arch::new().dispatch(Backward(layer, &grad, &act))
            }
            other => panic!("the fused tanh layer takes f32 or f64, not {other:?}"),
        }
    }
}

/// [`Layer::forward`] compiled for the widest SIMD instructions of the machine (pulp's
/// run-time dispatch), so that the loops over a row's channels vectorise.
struct Forward<'a, F>(Layer<'a, F>);

impl<F: Float + Element + Pod + KernelExp> WithSimd for Forward<'_, F> {
    type Output = FlexTensor;

    #[inline(always)]
    fn with_simd<S: Simd>(self, _: S) -> FlexTensor {
        self.0.forward()
    }
}

/// [`Layer::backward`] with the cotangents and the forward output, dispatched as [`Forward`].
struct Backward<'a, F>(Layer<'a, F>, &'a FlexTensor, &'a FlexTensor);

impl<F: Float + Element + Pod + KernelExp> WithSimd for Backward<'_, F> {
    type Output = FlexTensor;

    #[inline(always)]
    fn with_simd<S: Simd>(self, _: S) -> FlexTensor {
        self.0.backward(self.1, self.2)
    }
}

/// The elements of a contiguous tensor in row-major order.
fn elements<F: Element + Pod>(t: &FlexTensor) -> &[F] {
    t.as_slice::<F>()
        .expect("a contiguous tensor of the layer's dtype")
}

/// One layer's products `z: [S, N, w]`, bias `b: [1, w]` and nonzero coefficients `C_qij`.
struct Layer<'a, F> {
    z: &'a [F],
    bias: &'a [F],
    /// `(q, i, j, C_qij)` for the nonzero coefficients, on the first streams `1 + i`, `1 + j`.
    coef: Vec<(usize, usize, usize, F)>,
    shape: [usize; 3],
    /// `p`, the number of first-derivative streams.
    first: usize,
}

/// An output `[S, N, w]` being written: every element exactly once, then [`Output::tensor`].
struct Output<F> {
    data: Vec<F>,
    shape: [usize; 3],
}

impl<F: Element + Pod> Output<F> {
    fn new(shape: [usize; 3]) -> Self {
        Self {
            data: Vec::with_capacity(shape.iter().product()),
            shape,
        }
    }

    /// Row `n` of stream `s`, uninitialised.
    #[inline(always)]
    fn row(&mut self, s: usize, n: usize) -> &mut [MaybeUninit<F>] {
        let [_, rows, w] = self.shape;
        &mut self.data.spare_capacity_mut()[(s * rows + n) * w..][..w]
    }

    /// The tensor, once every row of every stream has been written.
    fn tensor(mut self) -> FlexTensor {
        let len = self.shape.iter().product();
        // SAFETY: `forward` and `backward` write every row of every stream, that is each of
        // the first `S·N·w` elements of the capacity, through `row` before calling this.
        unsafe { self.data.set_len(len) };
        FlexTensor::from_data(TensorData::new(self.data, Shape::new(self.shape)))
    }
}

impl<'a, F: Float + Element + Pod + KernelExp> Layer<'a, F> {
    fn new(z: &'a FlexTensor, bias: &'a FlexTensor, coef: &FlexTensor, first: usize) -> Self {
        let [cm, cp, _] = coef.layout().shape().dims::<3>();
        let c = elements::<F>(coef);
        let coef = (0..cm)
            .flat_map(|q| (0..cp).flat_map(move |i| (0..cp).map(move |j| (q, i, j))))
            .map(|(q, i, j)| (q, i, j, c[(q * cp + i) * cp + j]))
            .filter(|&(_, _, _, v)| v != F::zero())
            .collect();
        let shape = z.layout().shape().dims::<3>();
        let bias = elements(bias);
        // Every output row is written through zips with a bias row: it must be `w` long.
        assert_eq!(bias.len(), shape[2], "a bias of one value per channel");
        Self {
            z: elements(z),
            bias,
            coef,
            shape,
            first,
        }
    }

    /// Row `n` of stream `s` of `v` (laid out as `z`).
    #[inline(always)]
    fn row<'v>(&self, v: &'v [F], s: usize, n: usize) -> &'v [F] {
        let [_, rows, w] = self.shape;
        &v[(s * rows + n) * w..][..w]
    }

    /// `Q_q = Σ_ij C_qij z_i z_j` on row `n`, for every `q`, into `quad[q]`.
    #[inline(always)]
    fn quadratic(&self, n: usize, quad: &mut [Vec<F>]) {
        quad.iter_mut().for_each(|qv| qv.fill(F::zero()));
        for &(q, i, j, c) in &self.coef {
            let (zi, zj) = (self.row(self.z, 1 + i, n), self.row(self.z, 1 + j, n));
            for ((acc, &a), &b) in quad[q].iter_mut().zip(zi).zip(zj) {
                *acc = *acc + c * a * b;
            }
        }
    }

    /// `a₀ = t`, `a_i = σ' z_i`, `a_q = σ' z_q + σ'' Q_q`.
    #[inline(always)]
    fn forward(&self) -> FlexTensor {
        let [s, rows, w] = self.shape;
        let p = self.first;
        let (one, two) = (F::one(), F::one() + F::one());
        let mut out = Output::new(self.shape);
        let (mut d1, mut d2) = (vec![F::zero(); w], vec![F::zero(); w]);
        let mut quad = vec![vec![F::zero(); w]; s - 1 - p];
        for n in 0..rows {
            let row = self.row(self.z, 0, n).iter().zip(self.bias);
            for (((a, (z, b)), d1), d2) in
                out.row(0, n).iter_mut().zip(row).zip(&mut d1).zip(&mut d2)
            {
                let t = one + (one + (two * (*z + *b)).kexp()).recip() * -two;
                *d1 = one - t * t;
                *d2 = t * *d1 * -two;
                a.write(t);
            }
            self.quadratic(n, &mut quad);
            for k in 1..s {
                let terms = out
                    .row(k, n)
                    .iter_mut()
                    .zip(self.row(self.z, k, n))
                    .zip(&d1);
                if k <= p {
                    for ((a, z), d1) in terms {
                        a.write(*d1 * *z);
                    }
                } else {
                    for (((a, z), d1), (d2, q)) in terms.zip(d2.iter().zip(&quad[k - 1 - p])) {
                        a.write(*d1 * *z + *d2 * *q);
                    }
                }
            }
        }
        out.tensor()
    }

    /// From the cotangents `ā` and the forward pass's output `a` (`t = a₀`):
    /// `z̄_q = ā_q σ'`, `z̄_i = ā_i σ' + σ'' Σ_q ā_q Σ_j (C_qij + C_qji) z_j`,
    /// `z̄₀ = ā₀ σ' + σ'' Σ_i ā_i z_i + Σ_q ā_q (σ'' z_q + σ''' Q_q)`, `σ''' = σ'(6t² − 2)`.
    #[inline(always)]
    fn backward(&self, grad: &FlexTensor, act: &FlexTensor) -> FlexTensor {
        let (g, act) = (elements::<F>(grad), elements::<F>(act));
        let [s, rows, w] = self.shape;
        let p = self.first;
        let (two, six) = (F::one() + F::one(), F::from(6).expect("a small integer"));
        let zero = || vec![F::zero(); w];
        let (mut d1, mut d2, mut d3, mut zbar0, mut scaled) =
            (zero(), zero(), zero(), zero(), zero());
        let mut firsts = vec![zero(); p];
        let mut quad = vec![zero(); s - 1 - p];
        let mut out = Output::new(self.shape);
        for n in 0..rows {
            for (((t, d1), d2), d3) in self
                .row(act, 0, n)
                .iter()
                .zip(&mut d1)
                .zip(&mut d2)
                .zip(&mut d3)
            {
                *d1 = F::one() - *t * *t;
                *d2 = *t * *d1 * -two;
                *d3 = *d1 * (six * *t * *t - two);
            }
            self.quadratic(n, &mut quad);
            for ((zb, g), d1) in zbar0.iter_mut().zip(self.row(g, 0, n)).zip(&d1) {
                *zb = *g * *d1;
            }
            // The first streams: z̄_i = ā_i σ' (completed below), z̄₀ += σ'' ā_i z_i.
            for (i, zbar_i) in firsts.iter_mut().enumerate() {
                let (gi, zi) = (self.row(g, 1 + i, n), self.row(self.z, 1 + i, n));
                for ((((zb0, zb), g), z), (d1, d2)) in zbar0
                    .iter_mut()
                    .zip(zbar_i)
                    .zip(gi)
                    .zip(zi)
                    .zip(d1.iter().zip(&d2))
                {
                    *zb = *g * *d1;
                    *zb0 = *zb0 + *d2 * *g * *z;
                }
            }
            // The second-order streams: z̄_q = ā_q σ', z̄₀ += ā_q (σ'' z_q + σ''' Q_q).
            for (q, quad_q) in quad.iter().enumerate() {
                let k = 1 + p + q;
                let (gq, zq) = (self.row(g, k, n), self.row(self.z, k, n));
                let derivatives = d1.iter().zip(&d2).zip(&d3).zip(quad_q);
                for ((((zb0, zb), g), z), (((d1, d2), d3), qv)) in zbar0
                    .iter_mut()
                    .zip(out.row(k, n))
                    .zip(gq)
                    .zip(zq)
                    .zip(derivatives)
                {
                    zb.write(*g * *d1);
                    *zb0 = *zb0 + *g * (*d2 * *z + *d3 * *qv);
                }
            }
            // z̄_i += σ'' ā_q C_qij z_j and z̄_j += σ'' ā_q C_qij z_i for every C_qij ≠ 0.
            for &(q, i, j, c) in &self.coef {
                let gq = self.row(g, 1 + p + q, n);
                for ((a, d2), g) in scaled.iter_mut().zip(&d2).zip(gq) {
                    *a = *d2 * *g * c;
                }
                let (zi, zj) = (self.row(self.z, 1 + i, n), self.row(self.z, 1 + j, n));
                for ((zb, a), z) in firsts[i].iter_mut().zip(&scaled).zip(zj) {
                    *zb = *zb + *a * *z;
                }
                for ((zb, a), z) in firsts[j].iter_mut().zip(&scaled).zip(zi) {
                    *zb = *zb + *a * *z;
                }
            }
            for (to, from) in out.row(0, n).iter_mut().zip(&zbar0) {
                to.write(*from);
            }
            for (i, zbar_i) in firsts.iter().enumerate() {
                for (to, from) in out.row(1 + i, n).iter_mut().zip(zbar_i) {
                    to.write(*from);
                }
            }
        }
        out.tensor()
    }
}
