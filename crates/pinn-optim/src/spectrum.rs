//! The spectrum of the Gauss–Newton matrix `A = J_rᵀ W J_r` and its condition number.
//!
//! Training by gradient descent with `η = 1/λ_max(A)` contracts the error like
//! `(1 − 1/κ(A))^k` (De Ryck et al., ICLR 2024, Thm. 2.3): κ is *why* training is slow.

use faer::{Mat, Side};
use serde::Serialize;

/// Eigenvalues of a symmetric positive semi-definite matrix and its condition number.
///
/// Rule for (numerically) zero eigenvalues: with `τ = n · ε · λ_max` (`ε` the f64 epsilon),
/// eigenvalues in `[−τ, τ]` — tiny negative ones from round-off included — count as zero,
/// are reported in `n_zero` and excluded from κ; `κ = λ_max / λ_min` over the rest.
#[derive(Clone, Debug, Serialize)]
pub struct Spectrum {
    /// All eigenvalues, ascending.
    pub eigenvalues: Vec<f64>,
    /// `λ_max / λ_min` over the non-zero eigenvalues.
    pub kappa: f64,
    /// Smallest non-zero eigenvalue.
    pub lambda_min: f64,
    /// Largest eigenvalue.
    pub lambda_max: f64,
    /// Eigenvalues counted as zero.
    pub n_zero: usize,
}

impl Spectrum {
    /// The spectrum of the symmetric matrix `a` (its lower triangle is read).
    ///
    /// Errors when `a` has a NaN or infinite entry, and when it has an eigenvalue below `−τ`
    /// (not positive semi-definite).
    pub fn of(a: &Mat<f64>) -> Result<Self, String> {
        if let Some((i, j)) = (0..a.ncols())
            .flat_map(|j| (j..a.nrows()).map(move |i| (i, j)))
            .find(|&(i, j)| !a[(i, j)].is_finite())
        {
            return Err(format!(
                "the matrix has a non-finite entry ({}) at ({i}, {j})",
                a[(i, j)]
            ));
        }
        let eigenvalues = a
            .self_adjoint_eigenvalues(Side::Lower)
            .map_err(|e| format!("symmetric eigensolver failed: {e:?}"))?;
        let n = eigenvalues.len();
        let lambda_max = eigenvalues.last().copied().unwrap_or(0.0);
        let tau = n as f64 * f64::EPSILON * lambda_max.abs();
        if let Some(&neg) = eigenvalues.iter().find(|&&v| v < -tau) {
            return Err(format!(
                "the matrix is not positive semi-definite: eigenvalue {neg:e} < −{tau:e}"
            ));
        }
        let n_zero = eigenvalues.iter().filter(|&&v| v.abs() <= tau).count();
        let lambda_min = eigenvalues
            .iter()
            .copied()
            .find(|&v| v > tau)
            .unwrap_or(0.0);
        let kappa = if lambda_min > 0.0 {
            lambda_max / lambda_min
        } else {
            f64::INFINITY
        };
        Ok(Self {
            eigenvalues,
            kappa,
            lambda_min,
            lambda_max,
            n_zero,
        })
    }
}

/// Golden-section search for the minimiser of a unimodal `f` on `[lo, hi]` (Kiefer, 1953),
/// to a bracket of width `tol`. Returns `(x*, f(x*))`.
pub fn golden_section(mut f: impl FnMut(f64) -> f64, lo: f64, hi: f64, tol: f64) -> (f64, f64) {
    let inv_phi = (5f64.sqrt() - 1.0) / 2.0;
    let (mut a, mut b) = (lo, hi);
    let mut c = b - inv_phi * (b - a);
    let mut d = a + inv_phi * (b - a);
    let (mut fc, mut fd) = (f(c), f(d));
    while (b - a).abs() > tol {
        if fc < fd {
            b = d;
            d = c;
            fd = fc;
            c = b - inv_phi * (b - a);
            fc = f(c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + inv_phi * (b - a);
            fd = f(d);
        }
    }
    if fc < fd { (c, fc) } else { (d, fd) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diagonal_spectrum_and_zero_rule() {
        let a = Mat::from_fn(4, 4, |i, j| {
            if i == j {
                [0.0, 1e-20, 2.0, 8.0][i]
            } else {
                0.0
            }
        });
        let s = Spectrum::of(&a).unwrap();
        assert_eq!(s.n_zero, 2);
        assert_eq!(s.lambda_min, 2.0);
        assert_eq!(s.kappa, 4.0);
        let neg = Mat::from_fn(2, 2, |i, j| if i == j { [-1.0, 1.0][i] } else { 0.0 });
        assert!(Spectrum::of(&neg).is_err());
        let nan = Mat::from_fn(2, 2, |i, j| if i == j { [f64::NAN, 1.0][i] } else { 0.0 });
        assert!(Spectrum::of(&nan).unwrap_err().contains("non-finite"));
    }

    #[test]
    fn golden_section_finds_a_parabola_minimum() {
        let (x, fx) = golden_section(|x| (x - 0.3).powi(2) + 1.0, -2.0, 5.0, 1e-9);
        // Near a minimum f varies like (x − x*)², so x* is determined to about √ε.
        assert!(
            (x - 0.3).abs() < 1e-7 && (fx - 1.0).abs() < 1e-14,
            "{x} {fx}"
        );
    }
}
