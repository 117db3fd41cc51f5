//! Lifts `g̃` of boundary data into a box, built from the data's traces alone, for hard
//! constraints ([`crate::Problem::with_lift`]).
//!
//! The data `g` is given as a map on jets defined near the boundary (often a closed form
//! valid everywhere); a lift only ever evaluates it *on* the faces, through [`hold`], so the
//! interior values of `g` never enter the ansatz.

use pinn_model::Jet;

/// The jet of the points `x` moved onto the hyperplane `x_axis = value`: column `axis`
/// replaced by the constant `value` (its derivatives zero), the others unchanged.
pub fn hold(x: &Jet, axis: usize, value: f64) -> Jet {
    let d = x.spec().dim();
    let constant = Jet::constant(
        x.value()
            .clone()
            .narrow(1, axis, 1)
            .mul_scalar(0.0)
            .add_scalar(value),
        x.spec().clone(),
    );
    Jet::cat(
        (0..d)
            .map(|i| {
                if i == axis {
                    constant.clone()
                } else {
                    x.clone().narrow(i, 1)
                }
            })
            .collect(),
    )
}

/// The transfinite (Coons) interpolation of `g` from the four sides of the rectangle
/// `[a, b] × [c, d]`, with `s = (x − a)/(b − a)`, `t = (y − c)/(d − c)`:
///
/// ```text
/// g̃ = (1−s) g(a,y) + s g(b,y) + (1−t) g(x,c) + t g(x,d)
///     − (1−s)(1−t) g(a,c) − s(1−t) g(b,c) − (1−s) t g(a,d) − s t g(b,d)
/// ```
///
/// equal to `g` on every side (Gordon & Hall, *Int. J. Numer. Meth. Eng.* 7, 1973). `g` may
/// have several columns (one per field); `x` is `[N, 2]`.
pub fn transfinite(x: &Jet, lo: [f64; 2], hi: [f64; 2], g: impl Fn(&Jet) -> Jet) -> Jet {
    let unit = |axis: usize| {
        x.clone()
            .narrow(axis, 1)
            .add_scalar(-lo[axis])
            .scale(1.0 / (hi[axis] - lo[axis]))
    };
    let (s, t) = (unit(0), unit(1));
    let one_minus = |w: &Jet| w.clone().scale(-1.0).add_scalar(1.0);
    let (s0, t0) = (one_minus(&s), one_minus(&t));
    let side = |axis: usize, value: f64| g(&hold(x, axis, value));
    let corner = |a: f64, b: f64| g(&hold(&hold(x, 0, a), 1, b));
    let edges = s0.clone() * side(0, lo[0])
        + s.clone() * side(0, hi[0])
        + t0.clone() * side(1, lo[1])
        + t.clone() * side(1, hi[1]);
    let corners = s0.clone() * t0.clone() * corner(lo[0], lo[1])
        + s.clone() * t0 * corner(hi[0], lo[1])
        + s0 * t.clone() * corner(lo[0], hi[1])
        + s * t * corner(hi[0], hi[1]);
    edges - corners
}

/// The lift of an evolution problem from the initial data `u₀` (its jet at `x`) and a lift
/// `B` of the boundary data at every time: `g̃ = u₀(x) + B(x, t) − B(x, t₀)`, `t` the column
/// `axis`. It is `u₀` at `t₀` and `B` on the boundary wherever the data agree at `t₀`, and
/// as smooth as `u₀` and `B` (a blend with `t − t₀` as one more part is `0/0` where the
/// initial face meets the boundary).
pub fn from_initial(x: &Jet, axis: usize, t0: f64, u0: Jet, b: impl Fn(&Jet) -> Jet) -> Jet {
    u0 + (b(x) - b(&hold(x, axis, t0)))
}

/// Transfinite interpolation of data `g_k` prescribed on boundary parts with distance
/// functions `φ_k` ([`crate::geometry::distance`]):
///
/// ```text
/// g̃ = Σ_k w_k g_k,   w_k = Π_{j≠k} φ_j / Σ_l Π_{j≠l} φ_j,
/// ```
///
/// so `g̃ = g_k` where `φ_k = 0` and the other `φ_j ≠ 0` (Sukumar & Srivastava, *CMAME* 389,
/// 2022, §4 with `μ = 1`). `parts` holds `(φ_k, g_k)` jets; the `φ_k` must be positive in the
/// domain.
pub fn blend(parts: &[(Jet, Jet)]) -> Jet {
    let others = |k: usize| {
        parts
            .iter()
            .enumerate()
            .filter(|&(j, _)| j != k)
            .map(|(_, (phi, _))| phi.clone())
            .reduce(|a, b| a * b)
    };
    let weights: Vec<Option<Jet>> = (0..parts.len()).map(others).collect();
    let Some(total) = weights.iter().flatten().cloned().reduce(|a, b| a + b) else {
        return parts[0].1.clone();
    };
    let inverse = total.recip();
    parts
        .iter()
        .zip(weights)
        .map(|((_, g), w)| w.expect("two or more parts") * g.clone() * inverse.clone())
        .reduce(|a, b| a + b)
        .expect("at least one part")
}
