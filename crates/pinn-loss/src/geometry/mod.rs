//! Regions of space built by constructive solid geometry (CSG): boxes, balls and polygons
//! combined by union (`a | b`), intersection (`a & b`) and difference (`a - b`), each primitive
//! carrying the name of the boundary part it contributes (`"walls"`, `"holes"`, …).
//!
//! A region is described by its level function `ℓ(x)`, positive inside, zero on the boundary,
//! negative outside: the signed distance for a primitive (`r − |x − c|` for a ball), and for
//! the combinations `ℓ_{A∪B} = max(ℓ_A, ℓ_B)`, `ℓ_{A∩B} = min(ℓ_A, ℓ_B)`,
//! `ℓ_{A∖B} = min(ℓ_A, −ℓ_B)` (Ricci, *Comput. J.* 16, 1973). Membership, rejection sampling
//! and the survival of a primitive's boundary in the composite's ([`boundary`]) all come from
//! it; the smooth distance functions of hard constraints are in [`distance`].

pub mod boundary;
pub mod distance;

use std::ops::{BitAnd, BitOr, Sub};

/// The part name a primitive's boundary has until it is [`Region::named`].
pub const DEFAULT_PART: &str = "boundary";

/// A primitive shape.
#[derive(Clone, Debug, PartialEq)]
pub enum Shape {
    /// `Π [lo_i, hi_i]`: an interval, a rectangle, a box, a hypercube.
    Cuboid {
        /// The lower corner.
        lo: Vec<f64>,
        /// The upper corner.
        hi: Vec<f64>,
    },
    /// `|x − c| ≤ r`: a disk, a ball, the inside of a hypersphere.
    Ball {
        /// The centre `c`.
        center: Vec<f64>,
        /// The radius `r`.
        radius: f64,
    },
    /// A simple polygon in the plane, its vertices in order (either orientation).
    Polygon {
        /// The vertices.
        vertices: Vec<[f64; 2]>,
    },
}

/// A region: a primitive with its boundary part's name, or a combination of two regions.
#[derive(Clone, Debug, PartialEq)]
pub enum Region {
    /// A primitive whose boundary is the part `part`.
    Leaf {
        /// The shape.
        shape: Shape,
        /// The name of its boundary part.
        part: String,
    },
    /// `A ∪ B`.
    Union(Box<Region>, Box<Region>),
    /// `A ∩ B`.
    Intersection(Box<Region>, Box<Region>),
    /// `A ∖ B`.
    Difference(Box<Region>, Box<Region>),
}

/// A primitive of a region with the sign its boundary enters with: `+1`, or `−1` under an
/// odd number of subtractions (a hole: the region lies outside it).
#[derive(Clone, Copy, Debug)]
pub struct Leaf<'a> {
    /// The shape.
    pub shape: &'a Shape,
    /// Its boundary part.
    pub part: &'a str,
    /// `+1` or `−1`.
    pub orientation: f64,
}

impl Region {
    fn leaf(shape: Shape) -> Self {
        Self::Leaf {
            shape,
            part: DEFAULT_PART.into(),
        }
    }

    /// The interval `[lo, hi]`.
    pub fn interval(lo: f64, hi: f64) -> Self {
        Self::cuboid(&[lo], &[hi])
    }

    /// The rectangle `[x0, x1] × [y0, y1]`.
    pub fn rectangle(x: (f64, f64), y: (f64, f64)) -> Self {
        Self::cuboid(&[x.0, y.0], &[x.1, y.1])
    }

    /// The box `Π [lo_i, hi_i]`.
    pub fn cuboid(lo: &[f64], hi: &[f64]) -> Self {
        Self::leaf(Shape::Cuboid {
            lo: lo.to_vec(),
            hi: hi.to_vec(),
        })
    }

    /// The hypercube `[lo, hi]^d`.
    pub fn hypercube(d: usize, lo: f64, hi: f64) -> Self {
        Self::cuboid(&vec![lo; d], &vec![hi; d])
    }

    /// The disk `|x − c| ≤ r` in the plane.
    pub fn disk(center: [f64; 2], radius: f64) -> Self {
        Self::ball(&center, radius)
    }

    /// The ball `|x − c| ≤ r` in `ℝ^d` (`d = center.len()`), bounded by a hypersphere.
    pub fn ball(center: &[f64], radius: f64) -> Self {
        Self::leaf(Shape::Ball {
            center: center.to_vec(),
            radius,
        })
    }

    /// The polygon with the given vertices (checked by [`Region::check`]: at least three,
    /// non-zero area, no edges crossing).
    pub fn polygon(vertices: &[[f64; 2]]) -> Self {
        Self::leaf(Shape::Polygon {
            vertices: vertices.to_vec(),
        })
    }

    /// The same region with every primitive's boundary part named `part`.
    pub fn named(self, part: &str) -> Self {
        let map = |r: Box<Region>| Box::new(r.named(part));
        match self {
            Self::Leaf { shape, .. } => Self::Leaf {
                shape,
                part: part.into(),
            },
            Self::Union(a, b) => Self::Union(map(a), map(b)),
            Self::Intersection(a, b) => Self::Intersection(map(a), map(b)),
            Self::Difference(a, b) => Self::Difference(map(a), map(b)),
        }
    }

    /// The primitives, depth first, with their orientations.
    pub fn leaves(&self) -> Vec<Leaf<'_>> {
        let mut out = Vec::new();
        self.collect_leaves(1.0, &mut out);
        out
    }

    fn collect_leaves<'a>(&'a self, orientation: f64, out: &mut Vec<Leaf<'a>>) {
        match self {
            Self::Leaf { shape, part } => out.push(Leaf {
                shape,
                part,
                orientation,
            }),
            Self::Union(a, b) | Self::Intersection(a, b) => {
                a.collect_leaves(orientation, out);
                b.collect_leaves(orientation, out);
            }
            Self::Difference(a, b) => {
                a.collect_leaves(orientation, out);
                b.collect_leaves(-orientation, out);
            }
        }
    }

    /// The names of the boundary parts, each once, in order of appearance.
    pub fn parts(&self) -> Vec<String> {
        let mut parts: Vec<String> = Vec::new();
        for leaf in self.leaves() {
            if !parts.iter().any(|p| p == leaf.part) {
                parts.push(leaf.part.into());
            }
        }
        parts
    }

    /// The number of coordinates (that of the first primitive; [`Region::check`] checks that
    /// all agree).
    pub fn dim(&self) -> usize {
        self.leaves()[0].shape.dim()
    }

    /// A box containing the region: `(lo, hi)`.
    pub fn bounds(&self) -> (Vec<f64>, Vec<f64>) {
        match self {
            Self::Leaf { shape, .. } => shape.bounds(),
            Self::Union(a, b) | Self::Intersection(a, b) => {
                let ((alo, ahi), (blo, bhi)) = (a.bounds(), b.bounds());
                let union = matches!(self, Self::Union(..));
                let pick = |x: f64, y: f64, lower: bool| {
                    if union == lower { x.min(y) } else { x.max(y) }
                };
                (
                    alo.iter()
                        .zip(&blo)
                        .map(|(&x, &y)| pick(x, y, true))
                        .collect(),
                    ahi.iter()
                        .zip(&bhi)
                        .map(|(&x, &y)| pick(x, y, false))
                        .collect(),
                )
            }
            Self::Difference(a, _) => a.bounds(),
        }
    }

    /// The level function `ℓ(x)`: positive inside, zero on the boundary, negative outside.
    pub fn level(&self, x: &[f64]) -> f64 {
        self.level_with(x, None, &mut 0)
    }

    /// Whether `x` is an interior point, `ℓ(x) > 0`.
    pub fn contains(&self, x: &[f64]) -> bool {
        self.level(x) > 0.0
    }

    /// `ℓ(x)` with the level of primitive `zero` (a [`Region::leaves`] index) taken as 0:
    /// a point on that primitive's boundary lies on the region's boundary iff this is 0.
    pub(crate) fn level_with(&self, x: &[f64], zero: Option<usize>, next: &mut usize) -> f64 {
        match self {
            Self::Leaf { shape, .. } => {
                let k = *next;
                *next += 1;
                if zero == Some(k) { 0.0 } else { shape.level(x) }
            }
            Self::Union(a, b) => a.level_with(x, zero, next).max(b.level_with(x, zero, next)),
            Self::Intersection(a, b) => {
                a.level_with(x, zero, next).min(b.level_with(x, zero, next))
            }
            Self::Difference(a, b) => a
                .level_with(x, zero, next)
                .min(-b.level_with(x, zero, next)),
        }
    }

    /// Check every primitive (finite numbers, `lo < hi`, `r > 0`, a simple polygon of
    /// non-zero area) and that all have the same number of coordinates; the error names the
    /// primitive by its part and says what to change.
    pub fn check(&self) -> Result<(), String> {
        let leaves = self.leaves();
        let d = leaves[0].shape.dim();
        for leaf in &leaves {
            let name = leaf.shape.kind();
            let at = format!("the {name} of boundary part `{}`", leaf.part);
            if leaf.shape.dim() != d {
                return Err(format!(
                    "{at} has {} coordinates, the region's first primitive {d}; give every \
                     primitive the same dimension",
                    leaf.shape.dim()
                ));
            }
            leaf.shape.check().map_err(|e| format!("{at} {e}"))?;
        }
        if d == 0 {
            return Err("a region needs at least one coordinate".into());
        }
        Ok(())
    }
}

impl BitOr for Region {
    type Output = Region;
    /// `A ∪ B`.
    fn bitor(self, other: Region) -> Region {
        Region::Union(Box::new(self), Box::new(other))
    }
}

impl BitAnd for Region {
    type Output = Region;
    /// `A ∩ B`.
    fn bitand(self, other: Region) -> Region {
        Region::Intersection(Box::new(self), Box::new(other))
    }
}

impl Sub for Region {
    type Output = Region;
    /// `A ∖ B`.
    fn sub(self, other: Region) -> Region {
        Region::Difference(Box::new(self), Box::new(other))
    }
}

impl Shape {
    /// The number of coordinates.
    pub fn dim(&self) -> usize {
        match self {
            Self::Cuboid { lo, .. } => lo.len(),
            Self::Ball { center, .. } => center.len(),
            Self::Polygon { .. } => 2,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Self::Cuboid { .. } => "box",
            Self::Ball { .. } => "ball",
            Self::Polygon { .. } => "polygon",
        }
    }

    fn bounds(&self) -> (Vec<f64>, Vec<f64>) {
        match self {
            Self::Cuboid { lo, hi } => (lo.clone(), hi.clone()),
            Self::Ball { center, radius } => (
                center.iter().map(|c| c - radius).collect(),
                center.iter().map(|c| c + radius).collect(),
            ),
            Self::Polygon { vertices } => {
                let fold = |axis: usize, f: fn(f64, f64) -> f64, init: f64| {
                    vertices.iter().map(|v| v[axis]).fold(init, f)
                };
                (
                    vec![
                        fold(0, f64::min, f64::INFINITY),
                        fold(1, f64::min, f64::INFINITY),
                    ],
                    vec![
                        fold(0, f64::max, f64::NEG_INFINITY),
                        fold(1, f64::max, f64::NEG_INFINITY),
                    ],
                )
            }
        }
    }

    /// The signed distance, positive inside (for a box: `min_i min(x_i − lo_i, hi_i − x_i)`
    /// inside, a negative number outside).
    fn level(&self, x: &[f64]) -> f64 {
        match self {
            Self::Cuboid { lo, hi } => (0..lo.len())
                .map(|i| (x[i] - lo[i]).min(hi[i] - x[i]))
                .fold(f64::INFINITY, f64::min),
            Self::Ball { center, radius } => {
                let r2: f64 = x.iter().zip(center).map(|(a, c)| (a - c) * (a - c)).sum();
                radius - r2.sqrt()
            }
            Self::Polygon { vertices } => {
                let p = [x[0], x[1]];
                let distance = edges(vertices)
                    .map(|(a, b)| segment_distance(p, a, b))
                    .fold(f64::INFINITY, f64::min);
                if crossings(vertices, p) % 2 == 1 {
                    distance
                } else {
                    -distance
                }
            }
        }
    }

    fn check(&self) -> Result<(), String> {
        match self {
            Self::Cuboid { lo, hi } => {
                if lo.len() != hi.len() {
                    return Err("needs as many upper as lower bounds".into());
                }
                if !lo.iter().chain(hi).all(|v| v.is_finite())
                    || lo.iter().zip(hi).any(|(a, b)| a >= b)
                {
                    return Err(format!(
                        "needs finite bounds with lo < hi on every axis (got lo = {lo:?}, hi = \
                         {hi:?})"
                    ));
                }
            }
            Self::Ball { center, radius } => {
                if center.len() < 2 {
                    return Err("needs at least 2 coordinates; in one use an interval".into());
                }
                if !(center.iter().all(|c| c.is_finite()) && radius.is_finite() && *radius > 0.0) {
                    return Err(format!(
                        "needs a finite centre and a radius > 0 (got centre {center:?}, radius \
                         {radius})"
                    ));
                }
            }
            Self::Polygon { vertices } => {
                if vertices.len() < 3 {
                    return Err(format!(
                        "needs at least 3 vertices (got {})",
                        vertices.len()
                    ));
                }
                if !vertices.iter().flatten().all(|v| v.is_finite()) {
                    return Err("has a vertex that is not a finite number".into());
                }
                let n = vertices.len();
                let segments: Vec<_> = edges(vertices).collect();
                for i in 0..n {
                    for j in i + 1..n {
                        let adjacent = j == i + 1 || (i == 0 && j == n - 1);
                        if !adjacent && segments_cross(segments[i], segments[j]) {
                            return Err(format!(
                                "is self-intersecting (edges {i} and {j} cross); list the \
                                 vertices in order around the boundary"
                            ));
                        }
                    }
                }
                if signed_area(vertices).abs() <= f64::EPSILON * perimeter(vertices).powi(2) {
                    return Err("has zero area; give the vertices of a simple polygon".into());
                }
            }
        }
        Ok(())
    }
}

/// The edges `(v_k, v_{k+1})` of a closed polygon.
pub(crate) fn edges(vertices: &[[f64; 2]]) -> impl Iterator<Item = ([f64; 2], [f64; 2])> + '_ {
    (0..vertices.len()).map(|k| (vertices[k], vertices[(k + 1) % vertices.len()]))
}

/// The shoelace area, positive for counter-clockwise vertices.
pub(crate) fn signed_area(vertices: &[[f64; 2]]) -> f64 {
    0.5 * edges(vertices)
        .map(|(a, b)| a[0] * b[1] - b[0] * a[1])
        .sum::<f64>()
}

fn perimeter(vertices: &[[f64; 2]]) -> f64 {
    edges(vertices)
        .map(|(a, b)| (b[0] - a[0]).hypot(b[1] - a[1]))
        .sum()
}

/// The number of edges a ray from `p` in the `+x` direction crosses (even outside).
fn crossings(vertices: &[[f64; 2]], p: [f64; 2]) -> usize {
    edges(vertices)
        .filter(|(a, b)| {
            (a[1] > p[1]) != (b[1] > p[1])
                && p[0] < a[0] + (p[1] - a[1]) * (b[0] - a[0]) / (b[1] - a[1])
        })
        .count()
}

fn segment_distance(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> f64 {
    let (ex, ey) = (b[0] - a[0], b[1] - a[1]);
    let t = (((p[0] - a[0]) * ex + (p[1] - a[1]) * ey) / (ex * ex + ey * ey)).clamp(0.0, 1.0);
    (p[0] - a[0] - t * ex).hypot(p[1] - a[1] - t * ey)
}

/// Whether two closed segments share a point (orientation tests).
fn segments_cross((a, b): ([f64; 2], [f64; 2]), (c, d): ([f64; 2], [f64; 2])) -> bool {
    let orient = |p: [f64; 2], q: [f64; 2], r: [f64; 2]| {
        ((q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])).signum()
    };
    let within = |p: [f64; 2], q: [f64; 2], r: [f64; 2]| {
        r[0] >= p[0].min(q[0])
            && r[0] <= p[0].max(q[0])
            && r[1] >= p[1].min(q[1])
            && r[1] <= p[1].max(q[1])
    };
    let (o1, o2, o3, o4) = (
        orient(a, b, c),
        orient(a, b, d),
        orient(c, d, a),
        orient(c, d, b),
    );
    if o1 * o2 < 0.0 && o3 * o4 < 0.0 {
        return true;
    }
    (o1 == 0.0 && within(a, b, c))
        || (o2 == 0.0 && within(a, b, d))
        || (o3 == 0.0 && within(c, d, a))
        || (o4 == 0.0 && within(c, d, b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_function_of_a_square_with_a_hole() {
        let r = Region::rectangle((0.0, 2.0), (0.0, 2.0)) - Region::disk([1.0, 1.0], 0.5);
        assert!(r.contains(&[0.2, 0.2]));
        assert!(!r.contains(&[1.0, 1.2]));
        assert!(!r.contains(&[2.5, 1.0]));
        assert!((r.level(&[1.0, 1.75]) - 0.25).abs() < 1e-15);
        assert_eq!(r.bounds(), (vec![0.0, 0.0], vec![2.0, 2.0]));
    }

    #[test]
    fn polygon_membership_and_bad_polygons() {
        let l = Region::polygon(&[
            [0.0, 0.0],
            [2.0, 0.0],
            [2.0, 1.0],
            [1.0, 1.0],
            [1.0, 2.0],
            [0.0, 2.0],
        ]);
        assert!(l.check().is_ok());
        assert!(l.contains(&[0.5, 1.5]));
        assert!(!l.contains(&[1.5, 1.5]));
        assert!((l.level(&[0.5, 0.25]) - 0.25).abs() < 1e-15);
        let bowtie = Region::polygon(&[[0.0, 0.0], [1.0, 1.0], [1.0, 0.0], [0.0, 1.0]]);
        assert!(bowtie.check().unwrap_err().contains("self-intersecting"));
        let line = Region::polygon(&[[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]]);
        assert!(line.check().unwrap_err().contains("zero area"));
        let two = Region::polygon(&[[0.0, 0.0], [1.0, 1.0]]);
        assert!(two.check().unwrap_err().contains("at least 3"));
    }

    #[test]
    fn mixed_dimensions_and_bad_radius_are_refused() {
        let r = Region::rectangle((0.0, 1.0), (0.0, 1.0)) - Region::ball(&[0.5, 0.5, 0.5], 0.1);
        assert!(r.check().unwrap_err().contains("same dimension"));
        let r = Region::disk([0.0, 0.0], -1.0).named("holes");
        let e = r.check().unwrap_err();
        assert!(e.contains("`holes`") && e.contains("radius > 0"), "{e}");
    }
}
