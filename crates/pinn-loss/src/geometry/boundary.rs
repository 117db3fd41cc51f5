//! The boundary of a region as pieces of its primitives' boundaries: a box's faces, a ball's
//! sphere, a polygon's edges. Each piece maps the unit cube onto itself uniformly in its
//! surface measure and gives the primitive's outward normal there; a point of a piece lies on
//! the region's boundary when the region's level with that primitive held at 0 is 0
//! ([`Region::keeps`]), and the region's outward normal is the primitive's times its
//! orientation (reversed on a hole).

use std::f64::consts::PI;

use super::{Leaf, Region, Shape, edges, signed_area};

/// One piece of a primitive's boundary.
#[derive(Clone, Debug)]
pub struct Piece<'a> {
    /// The primitive's index in [`Region::leaves`].
    pub leaf: usize,
    /// The primitive.
    pub primitive: Leaf<'a>,
    kind: Kind,
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    /// The face `x_axis = lo_axis` (`upper = false`) or `hi_axis` of a box.
    Face { axis: usize, upper: bool },
    /// The whole sphere of a ball.
    Sphere,
    /// Edge `k` of a polygon.
    Edge(usize),
}

impl Region {
    /// The pieces of the boundaries of the primitives whose part is one of `parts`.
    pub fn pieces(&self, parts: &[String]) -> Vec<Piece<'_>> {
        let mut out = Vec::new();
        for (leaf, primitive) in self.leaves().into_iter().enumerate() {
            if !parts.iter().any(|p| p == primitive.part) {
                continue;
            }
            let kinds: Vec<Kind> = match primitive.shape {
                Shape::Cuboid { lo, .. } => (0..lo.len())
                    .flat_map(|axis| [false, true].map(|upper| Kind::Face { axis, upper }))
                    .collect(),
                Shape::Ball { .. } => vec![Kind::Sphere],
                Shape::Polygon { vertices } => (0..vertices.len()).map(Kind::Edge).collect(),
            };
            out.extend(kinds.into_iter().map(|kind| Piece {
                leaf,
                primitive,
                kind,
            }));
        }
        out
    }

    /// Whether the point `y` of `piece` lies on the region's boundary.
    pub fn keeps(&self, piece: &Piece<'_>, y: &[f64]) -> bool {
        self.level_with(y, Some(piece.leaf), &mut 0) == 0.0
    }
}

impl Piece<'_> {
    /// How many unit coordinates [`Piece::place`] takes: `d − 1`, except on a sphere in more
    /// than three dimensions (`2⌈d/2⌉`, Box–Muller pairs).
    pub fn unit_dim(&self) -> usize {
        let d = self.primitive.shape.dim();
        match self.kind {
            Kind::Sphere if d > 3 => d.div_ceil(2) * 2,
            Kind::Face { .. } | Kind::Sphere => d - 1,
            Kind::Edge(_) => 1,
        }
    }

    /// The piece's `(d − 1)`-measure (a box face of a 1-D box counts 1).
    pub fn measure(&self) -> f64 {
        match (self.primitive.shape, self.kind) {
            (Shape::Cuboid { lo, hi }, Kind::Face { axis, .. }) => (0..lo.len())
                .filter(|&a| a != axis)
                .map(|a| hi[a] - lo[a])
                .product(),
            (Shape::Ball { radius, .. }, Kind::Sphere) => {
                let d = self.primitive.shape.dim();
                sphere_area(d) * radius.powi(d as i32 - 1)
            }
            (Shape::Polygon { vertices }, Kind::Edge(k)) => {
                let (a, b) = edges(vertices).nth(k).expect("edge");
                (b[0] - a[0]).hypot(b[1] - a[1])
            }
            _ => unreachable!("a piece's kind matches its shape"),
        }
    }

    /// The point for unit coordinates `u` and the region's outward unit normal there.
    pub fn place(&self, u: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let o = self.primitive.orientation;
        match (self.primitive.shape, self.kind) {
            (Shape::Cuboid { lo, hi }, Kind::Face { axis, upper }) => {
                let mut free = u.iter();
                let point = (0..lo.len())
                    .map(|a| match a {
                        _ if a == axis => {
                            if upper {
                                hi[a]
                            } else {
                                lo[a]
                            }
                        }
                        _ => lo[a] + free.next().expect("d − 1 coordinates") * (hi[a] - lo[a]),
                    })
                    .collect();
                let mut normal = vec![0.0; lo.len()];
                normal[axis] = if upper { o } else { -o };
                (point, normal)
            }
            (Shape::Ball { center, radius }, Kind::Sphere) => {
                let n = unit_sphere(center.len(), u);
                let point = center.iter().zip(&n).map(|(c, e)| c + radius * e).collect();
                (point, n.into_iter().map(|e| o * e).collect())
            }
            (Shape::Polygon { vertices }, Kind::Edge(k)) => {
                let (a, b) = edges(vertices).nth(k).expect("edge");
                let (ex, ey) = (b[0] - a[0], b[1] - a[1]);
                let len = ex.hypot(ey);
                // Right of the edge is outside for counter-clockwise vertices.
                let side = if signed_area(vertices) > 0.0 {
                    1.0
                } else {
                    -1.0
                };
                let normal = vec![o * side * ey / len, -o * side * ex / len];
                (vec![a[0] + u[0] * ex, a[1] + u[0] * ey], normal)
            }
            _ => unreachable!("a piece's kind matches its shape"),
        }
    }
}

/// The area of the unit sphere `S^{d−1}`, `2π^{d/2} / Γ(d/2)` (`2, 2π, 4π, …`).
fn sphere_area(d: usize) -> f64 {
    // Γ(d/2) by Γ(s + 1) = s Γ(s) from Γ(1) = 1 or Γ(1/2) = √π.
    let mut s = if d.is_multiple_of(2) { 1.0 } else { 0.5 };
    let mut gamma = if d.is_multiple_of(2) { 1.0 } else { PI.sqrt() };
    while s < d as f64 / 2.0 {
        gamma *= s;
        s += 1.0;
    }
    2.0 * PI.powf(d as f64 / 2.0) / gamma
}

/// A point of the unit sphere in `ℝ^d` from unit coordinates, uniform in area: the angle on
/// the circle; Archimedes' `z = 2u − 1` on the sphere; normalised Box–Muller normals beyond.
fn unit_sphere(d: usize, u: &[f64]) -> Vec<f64> {
    match d {
        2 => {
            let a = 2.0 * PI * u[0];
            vec![a.cos(), a.sin()]
        }
        3 => {
            let (z, a) = (2.0 * u[0] - 1.0, 2.0 * PI * u[1]);
            let r = (1.0 - z * z).max(0.0).sqrt();
            vec![r * a.cos(), r * a.sin(), z]
        }
        _ => {
            let g: Vec<f64> = u
                .chunks(2)
                .flat_map(|p| {
                    let (r, a) = (
                        (-2.0 * p[0].max(f64::MIN_POSITIVE).ln()).sqrt(),
                        2.0 * PI * p[1],
                    );
                    [r * a.cos(), r * a.sin()]
                })
                .take(d)
                .collect();
            let norm = g.iter().map(|v| v * v).sum::<f64>().sqrt();
            g.into_iter().map(|v| v / norm).collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sphere_areas() {
        assert!((sphere_area(2) - 2.0 * PI).abs() < 1e-14);
        assert!((sphere_area(3) - 4.0 * PI).abs() < 1e-14);
        assert!((sphere_area(4) - 2.0 * PI * PI).abs() < 1e-13);
        assert!((sphere_area(5) - 8.0 * PI * PI / 3.0).abs() < 1e-13);
    }
}
