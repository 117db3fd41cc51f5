//! Linear least squares `L(θ) = Σ_b w_b ‖J_b θ − y_b‖²`: the exact loss of a linear model
//! (e.g. a linear combination of Fourier features), with one block per loss term.
//!
//! Its Gauss–Newton matrix `A = Σ_b w_b J_bᵀ J_b` is its Hessian up to the factor 2 and does
//! not depend on θ, so training dynamics are exactly those of the linearised model.

use faer::Mat;

use crate::spectrum::{Spectrum, golden_section};

/// One loss term: rows `J`, targets `y`, weight `w` (quadrature weight × λ).
#[derive(Clone, Debug)]
pub struct Block {
    /// Term name (`residual`, `boundary`, …).
    pub name: String,
    /// `J`, `rows × n`.
    pub jacobian: Mat<f64>,
    /// `y`, one target per row.
    pub target: Vec<f64>,
    /// The term's weight.
    pub weight: f64,
}

/// A linear least-squares problem in blocks.
#[derive(Clone, Debug)]
pub struct LinearLeastSquares {
    /// The loss terms.
    pub blocks: Vec<Block>,
}

/// `J x` (faer's parallel kernels: the advection problem has 25 600 × 671 blocks).
fn matvec(j: &Mat<f64>, x: &[f64]) -> Vec<f64> {
    let x = faer::ColRef::from_slice(x);
    let y = j * x;
    y.iter().copied().collect()
}

/// `w JᵀJ` ([`symmetric_product`]).
fn gram(j: &Mat<f64>, w: f64) -> Mat<f64> {
    symmetric_product(j.transpose(), w)
}

/// `w BBᵀ` for `B` of size `k × m`: the lower triangle by faer's triangular product (half the
/// flops of a full product, the cost that dominates a dense Gauss–Newton step), mirrored to the
/// upper. `JᵀJ` is `B = Jᵀ`, `JJᵀ` is `B = J`.
pub fn symmetric_product(b: faer::MatRef<'_, f64>, w: f64) -> Mat<f64> {
    let n = b.nrows();
    let mut g = Mat::<f64>::zeros(n, n);
    lower_product(g.as_mut(), b, w, faer::Accum::Replace);
    mirror_lower(g.as_mut());
    g
}

/// The lower triangle of `G ← w BBᵀ` (`Replace`) or `G ← G + w BBᵀ` (`Add`); the strict upper
/// triangle is not touched.
fn lower_product(g: faer::MatMut<'_, f64>, b: faer::MatRef<'_, f64>, w: f64, accum: faer::Accum) {
    use faer::linalg::matmul::triangular::{BlockStructure, matmul};
    matmul(
        g,
        BlockStructure::TriangularLower,
        accum,
        b,
        BlockStructure::Rectangular,
        b.transpose(),
        BlockStructure::Rectangular,
        w,
        faer::get_global_parallelism(),
    );
}

/// The strict upper triangle of `G` set from its lower.
fn mirror_lower(mut g: faer::MatMut<'_, f64>) {
    for c in 1..g.ncols() {
        for r in 0..c {
            g[(r, c)] = g[(c, r)];
        }
    }
}

impl LinearLeastSquares {
    /// Number of parameters.
    pub fn dim(&self) -> usize {
        self.blocks.first().map_or(0, |b| b.jacobian.ncols())
    }

    /// The same problem with the weight of term `name` multiplied by `lambda`.
    pub fn with_lambda(&self, name: &str, lambda: f64) -> Self {
        let mut out = self.clone();
        for b in out.blocks.iter_mut().filter(|b| b.name == name) {
            b.weight *= lambda;
        }
        out
    }

    /// The reparametrised problem `θ = P θ'`, `P = diag(p)`: every `J ← J P`, so that
    /// `A ← P A P`.
    pub fn preconditioned(&self, p: &[f64]) -> Self {
        let mut out = self.clone();
        for b in &mut out.blocks {
            b.jacobian = Mat::from_fn(b.jacobian.nrows(), b.jacobian.ncols(), |r, c| {
                b.jacobian[(r, c)] * p[c]
            });
        }
        out
    }

    /// `A = Σ_b w_b J_bᵀ J_b`, formed in one matrix: each block's product added to its lower
    /// triangle, mirrored once.
    pub fn matrix(&self) -> Mat<f64> {
        let n = self.dim();
        let mut a = Mat::<f64>::zeros(n, n);
        for (k, b) in self.blocks.iter().enumerate() {
            let accum = if k == 0 {
                faer::Accum::Replace
            } else {
                faer::Accum::Add
            };
            lower_product(a.as_mut(), b.jacobian.transpose(), b.weight, accum);
        }
        mirror_lower(a.as_mut());
        a
    }

    /// The blocks' Gram matrices `w_b J_bᵀ J_b`, formed once for many `A(λ)`.
    pub fn grams(&self) -> Grams {
        Grams(
            self.blocks
                .iter()
                .map(|b| (b.name.clone(), gram(&b.jacobian, b.weight)))
                .collect(),
        )
    }

    /// Number of rows over all blocks.
    pub fn rows(&self) -> usize {
        self.blocks.iter().map(|b| b.jacobian.nrows()).sum()
    }

    /// The stacked, weighted rows `J = [√w_b J_b]` and residuals `r = [√w_b (J_b θ − y_b)]`,
    /// so that `L = ‖r‖²`, `A = JᵀJ` and `∇(½L) = Jᵀr`.
    pub fn stacked(&self, theta: &[f64]) -> (Mat<f64>, Vec<f64>) {
        let mut j = Mat::<f64>::zeros(self.rows(), self.dim());
        let mut r = Vec::with_capacity(self.rows());
        let mut row = 0;
        for b in &self.blocks {
            let s = b.weight.sqrt();
            let m = b.jacobian.nrows();
            j.as_mut()
                .submatrix_mut(row, 0, m, self.dim())
                .copy_from(&b.jacobian);
            for i in 0..m {
                for c in 0..self.dim() {
                    j[(row + i, c)] *= s;
                }
            }
            let jt = matvec(&b.jacobian, theta);
            r.extend(jt.iter().zip(&b.target).map(|(a, y)| s * (a - y)));
            row += m;
        }
        (j, r)
    }

    /// `L(θ) = Σ_b w_b ‖J_b θ − y_b‖²`.
    pub fn loss(&self, theta: &[f64]) -> f64 {
        self.blocks
            .iter()
            .map(|b| {
                let r = matvec(&b.jacobian, theta);
                b.weight
                    * r.iter()
                        .zip(&b.target)
                        .map(|(a, y)| (a - y).powi(2))
                        .sum::<f64>()
            })
            .sum()
    }

    /// `∇(½L) = Aθ − Σ_b w_b J_bᵀ y_b = Σ_b w_b J_bᵀ (J_b θ − y_b)`.
    pub fn half_gradient(&self, theta: &[f64]) -> Vec<f64> {
        let mut g = vec![0.0; self.dim()];
        for b in &self.blocks {
            let e: Vec<f64> = matvec(&b.jacobian, theta)
                .iter()
                .zip(&b.target)
                .map(|(r, y)| b.weight * (r - y))
                .collect();
            let jt_e = b.jacobian.transpose() * faer::ColRef::from_slice(&e);
            g.iter_mut().zip(jt_e.iter()).for_each(|(gi, v)| *gi += v);
        }
        g
    }

    /// Plain gradient descent on `½L` from `θ₀` with step `η`, `θ ← θ − η(Aθ − b)`;
    /// returns the iterates' losses `L(θ_k)`, `k = 0..=steps`, and the last iterate.
    pub fn gradient_descent(&self, theta0: &[f64], eta: f64, steps: usize) -> (Vec<f64>, Vec<f64>) {
        let mut theta = theta0.to_vec();
        let mut losses = vec![self.loss(&theta)];
        for _ in 0..steps {
            let g = self.half_gradient(&theta);
            theta.iter_mut().zip(&g).for_each(|(t, gi)| *t -= eta * gi);
            losses.push(self.loss(&theta));
        }
        (losses, theta)
    }

    /// The weight `λ` of term `name` minimising `κ(A(λ))`, by golden-section search on
    /// `log₁₀ λ ∈ [lo, hi]`. Returns `(λ*, κ*)`.
    pub fn kappa_optimal_lambda(&self, name: &str, lo: f64, hi: f64) -> (f64, f64) {
        self.grams().kappa_optimal_lambda(name, lo, hi)
    }
}

/// Per-block Gram matrices `w_b J_bᵀ J_b`: `A(λ)` for any weight of one term, and the
/// preconditioned `P A P`, in `O(n²)` each instead of a product with the `rows × n` blocks.
#[derive(Clone, Debug)]
pub struct Grams(Vec<(String, Mat<f64>)>);

impl Grams {
    /// `A(λ) = Σ_b λ_b w_b J_bᵀ J_b` with `λ_b = λ` for the term `name`, 1 otherwise.
    pub fn matrix(&self, name: &str, lambda: f64) -> Mat<f64> {
        let n = self.0.first().map_or(0, |(_, g)| g.nrows());
        let mut a = Mat::<f64>::zeros(n, n);
        for (b, g) in &self.0 {
            a += g * faer::Scale(if b == name { lambda } else { 1.0 });
        }
        a
    }

    /// The Gram matrices of `θ = Pθ'`, `P = diag(p)`: `P G P`.
    pub fn preconditioned(&self, p: &[f64]) -> Self {
        let scale =
            |g: &Mat<f64>| Mat::from_fn(g.nrows(), g.ncols(), |i, j| p[i] * g[(i, j)] * p[j]);
        Grams(self.0.iter().map(|(b, g)| (b.clone(), scale(g))).collect())
    }

    /// The weight `λ` of term `name` minimising `κ(A(λ))`, by golden-section search on
    /// `log₁₀ λ ∈ [lo, hi]`; each trial costs one symmetric eigensolve. Returns `(λ*, κ*)`.
    pub fn kappa_optimal_lambda(&self, name: &str, lo: f64, hi: f64) -> (f64, f64) {
        let kappa = |log_l: f64| {
            Spectrum::of(&self.matrix(name, 10f64.powf(log_l))).map_or(f64::INFINITY, |s| s.kappa)
        };
        let (x, k) = golden_section(kappa, lo, hi, 1e-3);
        (10f64.powf(x), k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problem() -> LinearLeastSquares {
        let j = Mat::from_fn(5, 3, |r, c| ((r + 1) as f64).powi(c as i32));
        LinearLeastSquares {
            blocks: vec![Block {
                name: "residual".into(),
                jacobian: j,
                target: vec![1.0, 2.0, 0.5, -1.0, 3.0],
                weight: 0.5,
            }],
        }
    }

    #[test]
    fn gradient_is_that_of_half_the_loss() {
        let p = problem();
        let theta = [0.3, -0.2, 0.1];
        let g = p.half_gradient(&theta);
        for i in 0..3 {
            let h = 1e-6;
            let (mut a, mut b) = (theta, theta);
            a[i] += h;
            b[i] -= h;
            let fd = 0.5 * (p.loss(&a) - p.loss(&b)) / (2.0 * h);
            assert!(
                (fd - g[i]).abs() < 1e-6 * g[i].abs().max(1.0),
                "{fd} vs {}",
                g[i]
            );
        }
    }

    #[test]
    fn matrix_is_the_hessian_of_half_the_loss() {
        let p = problem();
        let a = p.matrix();
        let h = 1e-4;
        for i in 0..3 {
            for k in 0..3 {
                let mut e = [0.0; 3];
                e[k] = h;
                let gp = p.half_gradient(&e);
                let g0 = p.half_gradient(&[0.0; 3]);
                let hess = (gp[i] - g0[i]) / h;
                assert!((hess - a[(i, k)]).abs() < 1e-8 * a[(i, k)].abs().max(1.0));
            }
        }
    }
}
