//! Conjugate gradients for `M x = b` with `M` symmetric positive definite, given only
//! products `v ↦ M v` (Hestenes & Stiefel, *J. Res. NBS* 49, 1952; Nocedal & Wright,
//! *Numerical Optimization*, 2006, Algorithm 5.2 without preconditioner).

use crate::objective::dot;

/// What a solve did.
#[derive(Clone, Debug, PartialEq)]
pub struct CgReport {
    /// Products with `M` used.
    pub iterations: usize,
    /// `‖b − M x‖ / ‖b‖` at exit.
    pub relative_residual: f64,
}

/// `x ≈ M⁻¹ b` from `x₀ = 0`, stopping when `‖b − M x‖ ≤ tol ‖b‖` or after `max_iter`
/// products. Returns `None` when a direction of non-positive curvature `pᵀ M p ≤ 0` shows
/// that `M` is not positive definite.
pub fn conjugate_gradients(
    mut apply: impl FnMut(&[f64]) -> Vec<f64>,
    b: &[f64],
    tol: f64,
    max_iter: usize,
) -> Option<(Vec<f64>, CgReport)> {
    let norm_b = dot(b, b).sqrt();
    let mut x = vec![0.0; b.len()];
    if norm_b == 0.0 {
        let report = CgReport {
            iterations: 0,
            relative_residual: 0.0,
        };
        return Some((x, report));
    }
    let mut r = b.to_vec();
    let mut p = r.clone();
    let mut rr = dot(&r, &r);
    let mut iterations = 0;
    while iterations < max_iter && rr.sqrt() > tol * norm_b {
        let mp = apply(&p);
        iterations += 1;
        let curvature = dot(&p, &mp);
        if curvature <= 0.0 || !curvature.is_finite() {
            return None;
        }
        let alpha = rr / curvature;
        for i in 0..x.len() {
            x[i] += alpha * p[i];
            r[i] -= alpha * mp[i];
        }
        let rr_next = dot(&r, &r);
        let beta = rr_next / rr;
        for i in 0..p.len() {
            p[i] = r[i] + beta * p[i];
        }
        rr = rr_next;
    }
    let report = CgReport {
        iterations,
        relative_residual: rr.sqrt() / norm_b,
    };
    Some((x, report))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_a_spd_system_in_at_most_n_steps() {
        // M = tridiag(−1, 4, −1), n = 12: CG is exact after n steps in exact arithmetic.
        let n = 12;
        let apply = |v: &[f64]| -> Vec<f64> {
            (0..n)
                .map(|i| {
                    4.0 * v[i]
                        - if i > 0 { v[i - 1] } else { 0.0 }
                        - if i + 1 < n { v[i + 1] } else { 0.0 }
                })
                .collect()
        };
        let x_true: Vec<f64> = (0..n).map(|i| (i as f64).sin()).collect();
        let b = apply(&x_true);
        let (x, report) = conjugate_gradients(apply, &b, 1e-14, n).unwrap();
        assert!(report.iterations <= n);
        let err = x
            .iter()
            .zip(&x_true)
            .fold(0.0_f64, |m, (a, b)| m.max((a - b).abs()));
        assert!(err < 1e-12, "{err:e}");
    }

    #[test]
    fn reports_an_indefinite_matrix() {
        let apply = |v: &[f64]| vec![v[0], -v[1]];
        assert!(conjugate_gradients(apply, &[0.0, 1.0], 1e-12, 10).is_none());
    }
}
