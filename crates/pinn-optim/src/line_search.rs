//! A line search satisfying the strong Wolfe conditions (Nocedal & Wright, *Numerical
//! Optimization*, 2nd ed., Algorithms 3.5 and 3.6, with the safeguarded cubic interpolation of
//! eq. 3.59):
//!
//! `φ(α) ≤ φ(0) + c₁ α φ'(0)` and `|φ'(α)| ≤ c₂ |φ'(0)|`, `φ(α) = L(θ + α d)`.

use crate::objective::{Objective, axpy, dot};

/// The accepted point of a line search.
pub struct LinePoint {
    /// The step length α.
    pub alpha: f64,
    /// `L(θ + α d)`.
    pub value: f64,
    /// `∇L(θ + α d)`.
    pub grad: Vec<f64>,
    /// Objective evaluations spent.
    pub evals: usize,
}

/// Strong-Wolfe parameters.
#[derive(Clone, Copy, Debug)]
pub struct StrongWolfe {
    /// Sufficient decrease constant `c₁`.
    pub c1: f64,
    /// Curvature constant `c₂`.
    pub c2: f64,
    /// Most evaluations per search.
    pub max_evals: usize,
}

impl Default for StrongWolfe {
    fn default() -> Self {
        Self {
            c1: 1e-4,
            c2: 0.9,
            max_evals: 25,
        }
    }
}

/// Minimiser of the cubic interpolating `(a, fa, ga)` and `(b, fb, gb)`, kept inside the
/// interval (N&W eq. 3.59); bisection when the cubic is degenerate.
fn cubic_min(a: f64, fa: f64, ga: f64, b: f64, fb: f64, gb: f64) -> f64 {
    let (lo, hi) = (a.min(b), a.max(b));
    let d1 = ga + gb - 3.0 * (fa - fb) / (a - b);
    let disc = d1 * d1 - ga * gb;
    if disc.is_finite() && disc >= 0.0 {
        let d2 = (b - a).signum() * disc.sqrt();
        let t = b - (b - a) * (gb + d2 - d1) / (gb - ga + 2.0 * d2);
        if t.is_finite() {
            // Stay away from the ends so that the bracket shrinks.
            let margin = 0.1 * (hi - lo);
            return t.clamp(lo + margin, hi - margin);
        }
    }
    0.5 * (lo + hi)
}

impl StrongWolfe {
    /// Search along `d` from `θ` with `L(θ) = f0`, `∇L(θ)·d = g0 < 0`, first trying `alpha0`.
    /// Returns `None` when no acceptable point was found within the evaluation budget.
    pub fn search(
        &self,
        obj: &mut dyn Objective,
        theta: &[f64],
        d: &[f64],
        f0: f64,
        g0: f64,
        alpha0: f64,
    ) -> Option<LinePoint> {
        let mut evals = 0;
        let mut eval = |alpha: f64, evals: &mut usize| {
            let mut x = theta.to_vec();
            axpy(alpha, d, &mut x);
            let (f, g) = obj.value_grad(&x);
            *evals += 1;
            let slope = dot(&g, d);
            (f, g, slope)
        };
        let armijo = |alpha: f64, f: f64| f.is_finite() && f <= f0 + self.c1 * alpha * g0;
        let curvature = |slope: f64| slope.abs() <= -self.c2 * g0;

        // Bracketing phase (Algorithm 3.5).
        let (mut a_prev, mut f_prev, mut s_prev) = (0.0, f0, g0);
        let mut alpha = alpha0;
        let (mut lo, mut hi);
        loop {
            let (f, g, s) = eval(alpha, &mut evals);
            if !armijo(alpha, f) || (evals > 1 && f >= f_prev) {
                lo = (a_prev, f_prev, s_prev);
                hi = (alpha, f, s);
                break;
            }
            if curvature(s) {
                return Some(LinePoint {
                    alpha,
                    value: f,
                    grad: g,
                    evals,
                });
            }
            if s >= 0.0 {
                lo = (alpha, f, s);
                hi = (a_prev, f_prev, s_prev);
                break;
            }
            if evals >= self.max_evals {
                return Some(LinePoint {
                    alpha,
                    value: f,
                    grad: g,
                    evals,
                });
            }
            (a_prev, f_prev, s_prev) = (alpha, f, s);
            alpha *= 2.0;
        }

        // Zoom phase (Algorithm 3.6): `lo` satisfies sufficient decrease and has the lowest
        // value so far; the minimiser lies between `lo` and `hi`.
        let mut best: Option<LinePoint> = None;
        while evals < self.max_evals {
            let alpha = if hi.1.is_finite() {
                cubic_min(lo.0, lo.1, lo.2, hi.0, hi.1, hi.2)
            } else {
                0.5 * (lo.0 + hi.0)
            };
            let (f, g, s) = eval(alpha, &mut evals);
            if !armijo(alpha, f) || f >= lo.1 {
                hi = (alpha, f, s);
            } else {
                if curvature(s) {
                    return Some(LinePoint {
                        alpha,
                        value: f,
                        grad: g,
                        evals,
                    });
                }
                if s * (hi.0 - lo.0) >= 0.0 {
                    hi = lo;
                }
                lo = (alpha, f, s);
                best = Some(LinePoint {
                    alpha,
                    value: f,
                    grad: g,
                    evals,
                });
            }
            if (hi.0 - lo.0).abs() < 1e-12 * lo.0.abs().max(1e-300) {
                break;
            }
        }
        // Out of budget: accept the best point with sufficient decrease, if any.
        best.map(|mut p| {
            p.evals = evals;
            p
        })
    }
}
