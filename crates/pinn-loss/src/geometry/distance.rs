//! Approximate distance functions for hard constraints on boundary parts of a region
//! (Sukumar & Srivastava, *CMAME* 389, 2022): each primitive `k` of the parts has a function
//! `φ_k`, normalised to first order (`φ_k = 0` and `∂φ_k/∂n = −1` on its boundary) and
//! positive on the region:
//!
//! - a ball `|x − c| ≤ r`: `φ = ±(r² − |x − c|²)/(2r)` (`−` for a hole);
//! - a box with slabs `s_i = (x_i − a_i)(b_i − x_i)/(b_i − a_i)`, or a convex polygon with
//!   edges' inward distances `h_e`: `φ = ±(s_1 ∧ s_2 ∧ …)` or `±(h_1 ∧ h_2 ∧ …)`, the
//!   R-conjunction `a ∧ b = a + b − √(a² + b² + ε²)`: normalised near every face (unlike the
//!   product `Π s_i`, which near a face is the distance times the other slabs, and whose
//!   mismatch in scale with the other parts' `φ` puts a layer into the lift
//!   [`crate::lift::blend`]), and of one sign outside the primitive too (a hole);
//!
//! and the parts' distance joins them by the R-equivalence `a ~ b = ab / √(a² + b² + ε²)`,
//! which vanishes where either does and stays near the smaller (no product of large factors
//! that would amplify round-off on the boundary). ε = 10⁻¹² × the size of the primitive or the
//! region keeps both finite where two zero sets meet (a corner, two parts touching), where
//! they are `0/0` or `√0` without it; the R-equivalence still vanishes exactly where either
//! factor does, the conjunction on a face to `ε²/2b` at a distance `b` from a corner (below
//! 10⁻¹⁵ beyond 10⁻⁹ of it). Near a corner `φ` is Lipschitz, not smooth, as every normalised
//! distance to a corner is.
//!
//! A primitive whose `φ_k` changes sign inside the region (its boundary crosses the interior,
//! as in a union of overlapping boxes) or a non-convex polygon is refused by [`check`] with
//! the fix: soft constraints for that part.
//!
//! The functions are written once over [`Real`], so that the same formula gives host values
//! (for the checks) and jets (for the ansatz, exact derivatives included).

use super::{Leaf, Region, Shape, edges, signed_area};
use crate::real::Real;

/// `d(x) = φ_1 ~ φ_2 ~ …` over the primitives of `parts`; `x` holds the region's
/// coordinates (further ones, such as time, are not read).
pub fn to_parts<T: Real>(region: &Region, parts: &[String], x: &[T]) -> T {
    let eps2 = rounding(&region.bounds());
    region
        .leaves()
        .iter()
        .filter(|leaf| parts.iter().any(|p| p == leaf.part))
        .map(|leaf| primitive(leaf, x))
        .reduce(|a, b| (a.clone() * b.clone()) * norm(a, b, eps2).recip())
        .expect("check: the parts have primitives")
}

/// `ε²` for a box `(lo, hi)`: `(10⁻¹² × its smallest side)²`.
fn rounding((lo, hi): &(Vec<f64>, Vec<f64>)) -> f64 {
    let size = lo
        .iter()
        .zip(hi)
        .map(|(a, b)| b - a)
        .fold(f64::INFINITY, f64::min);
    (1e-12 * size).powi(2)
}

/// `√(a² + b² + ε²)`.
fn norm<T: Real>(a: T, b: T, eps2: f64) -> T {
    (a.clone() * a + b.clone() * b).add_scalar(eps2).sqrt()
}

/// Refuse parts whose distance function would vanish inside the region: an unknown part, a
/// non-convex polygon, or a `φ_k ≤ 0` at one of the interior points `xs`. The error names
/// the part and the fix.
pub fn check(region: &Region, parts: &[String], xs: &[Vec<f64>]) -> Result<(), String> {
    let known = region.parts();
    if let Some(p) = parts.iter().find(|p| !known.contains(p)) {
        return Err(unknown_part(p, &known));
    }
    for leaf in region.leaves() {
        if !parts.iter().any(|p| p == leaf.part) {
            continue;
        }
        if let Shape::Polygon { vertices } = leaf.shape
            && !convex(vertices)
        {
            return Err(format!(
                "hard constraints on boundary part `{}` need a convex polygon; split it into \
                 convex ones or use soft constraints (model.hard_constraints = false)",
                leaf.part
            ));
        }
        if let Some(x) = xs.iter().find(|x| primitive(&leaf, x) <= 0.0) {
            return Err(format!(
                "hard constraints on boundary part `{}`: its primitive's boundary passes \
                 through the region (its distance function vanishes near {x:?}); use soft \
                 constraints (model.hard_constraints = false)",
                leaf.part
            ));
        }
    }
    Ok(())
}

/// The error for a boundary part the region does not have.
pub fn unknown_part(part: &str, known: &[String]) -> String {
    format!(
        "the region has no boundary part `{part}`; its parts are {}",
        known.join(", ")
    )
}

fn primitive<T: Real>(leaf: &Leaf<'_>, x: &[T]) -> T {
    let hole = leaf.orientation < 0.0;
    let factors: Vec<T> = match leaf.shape {
        Shape::Ball { center, radius } => {
            let r2 = center
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let z = x[i].clone().add_scalar(-c);
                    z.clone() * z
                })
                .reduce(|a, b| a + b)
                .expect("a ball has coordinates");
            let phi = r2
                .scale(-1.0)
                .add_scalar(radius * radius)
                .scale(0.5 / radius);
            return if hole { phi.scale(-1.0) } else { phi };
        }
        Shape::Cuboid { lo, hi } => (0..lo.len())
            .map(|i| {
                let a = x[i].clone().add_scalar(-lo[i]);
                let b = x[i].clone().scale(-1.0).add_scalar(hi[i]);
                (a * b).scale(1.0 / (hi[i] - lo[i]))
            })
            .collect(),
        Shape::Polygon { vertices } => {
            let side = signed_area(vertices).signum();
            edges(vertices)
                .map(|(a, b)| {
                    let (ex, ey) = (b[0] - a[0], b[1] - a[1]);
                    let len = ex.hypot(ey);
                    // h = side · ((x − a) × e)/|e|: positive left of a counter-clockwise edge.
                    let (nx, ny) = (-side * ey / len, side * ex / len);
                    x[0].clone().scale(nx).add_scalar(-nx * a[0] - ny * a[1])
                        + x[1].clone().scale(ny)
                })
                .collect()
        }
    };
    let eps2 = rounding(&leaf.shape.bounds());
    factors
        .into_iter()
        .reduce(|a, b| a.clone() + b.clone() - norm(a, b, eps2))
        .expect("factors")
        .scale(if hole { -1.0 } else { 1.0 })
}

/// Whether every turn of the polygon has the same sign.
fn convex(vertices: &[[f64; 2]]) -> bool {
    let n = vertices.len();
    let turns: Vec<f64> = (0..n)
        .map(|k| {
            let (a, b, c) = (vertices[k], vertices[(k + 1) % n], vertices[(k + 2) % n]);
            (b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0])
        })
        .collect();
    turns.iter().all(|&t| t >= 0.0) || turns.iter().all(|&t| t <= 0.0)
}
