//! Collocation point sets: tensor grids, uniform random points and the Halton low-discrepancy
//! sequence (Halton, Numer. Math. 2, 1960), in a box and on its faces, and in a region
//! ([`crate::Region`]) and on its boundary parts by rejection: points of the bounding box
//! outside the region, and points of a primitive's boundary off the region's, are dropped.

use std::fmt;
use std::str::FromStr;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::Boundary;
use crate::domain::{Domain, Face};
use crate::geometry::distance::unknown_part;

/// How points are placed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Sampler {
    /// A tensor grid of cell midpoints, `⌈n^{1/d}⌉` per axis (`n` is rounded to a power).
    Grid,
    /// Independent uniform points from the seed.
    Uniform,
    /// The Halton sequence (bases 2, 3, 5, …; up to 16 dimensions), scrambled by a seeded
    /// shift.
    #[default]
    Halton,
}

impl fmt::Display for Sampler {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Grid => "grid",
            Self::Uniform => "uniform",
            Self::Halton => "halton",
        })
    }
}

impl FromStr for Sampler {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "grid" => Ok(Self::Grid),
            "uniform" => Ok(Self::Uniform),
            "halton" => Ok(Self::Halton),
            _ => Err(format!(
                "unknown sampler `{s}`; expected grid, uniform or halton"
            )),
        }
    }
}

/// Points, one row each.
pub type Points = Vec<Vec<f64>>;

/// A point and the outward unit normal there.
type Oriented = (Vec<f64>, Vec<f64>);

/// The Halton bases: the first primes, one per dimension.
const HALTON_BASES: [u8; 16] = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53];

/// The most points the Halton sequence gives (the `halton` crate's 20 digits in base 2, less
/// the skipped first point); also the most candidates rejection sampling draws.
const MAX_POINTS: usize = (1 << 20) - 2;

/// Points in the unit cube `[0, 1]^d`, row-major `n × d`. Errors for Halton points in more
/// dimensions than it has bases.
fn unit_points(sampler: Sampler, n: usize, d: usize, seed: u64) -> Result<Vec<Vec<f64>>, String> {
    if d == 0 {
        return Ok(vec![Vec::new()]);
    }
    Ok(match sampler {
        Sampler::Grid => {
            let per_axis = (n as f64).powf(1.0 / d as f64).round().max(1.0) as usize;
            let mut pts = vec![Vec::with_capacity(d)];
            for _ in 0..d {
                pts = pts
                    .into_iter()
                    .flat_map(|p: Vec<f64>| {
                        (0..per_axis).map(move |i| {
                            let mut q = p.clone();
                            q.push((i as f64 + 0.5) / per_axis as f64);
                            q
                        })
                    })
                    .collect();
            }
            pts
        }
        Sampler::Uniform => {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            (0..n)
                .map(|_| (0..d).map(|_| rng.random::<f64>()).collect())
                .collect()
        }
        Sampler::Halton => {
            if n > MAX_POINTS {
                return Err(format!(
                    "points.sampler = \"halton\" gives at most {MAX_POINTS} points, not {n}; \
                     use sampler = \"uniform\""
                ));
            }
            if d > HALTON_BASES.len() {
                return Err(format!(
                    "points.sampler = \"halton\" has bases for up to {} dimensions, not {d}; \
                     use sampler = \"uniform\"",
                    HALTON_BASES.len()
                ));
            }
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            let shift: Vec<f64> = (0..d).map(|_| rng.random::<f64>()).collect();
            let axes: Vec<Vec<f64>> = (0..d)
                .map(|a| {
                    halton::Sequence::new(HALTON_BASES[a])
                        .skip(1)
                        .take(n)
                        .collect()
                })
                .collect();
            (0..n)
                .map(|i| (0..d).map(|a| (axes[a][i] + shift[a]).fract()).collect())
                .collect()
        }
    })
}

/// `n` points inside the domain (for a region: the first `n` of the candidates in its
/// bounding box that fall inside, every `k`-th of them for a grid). The error says when a
/// region has no interior points, or fewer than `n` among the most candidates drawn.
pub fn interior(
    domain: &Domain,
    sampler: Sampler,
    n: usize,
    seed: u64,
) -> Result<Vec<Vec<f64>>, String> {
    let (lo, hi) = (domain.lo(), domain.hi());
    let in_box = |m: usize| -> Result<Vec<Vec<f64>>, String> {
        Ok(unit_points(sampler, m, domain.dim(), seed)?
            .into_iter()
            .map(|u| {
                u.iter()
                    .enumerate()
                    .map(|(a, ua)| lo[a] + ua * (hi[a] - lo[a]))
                    .collect()
            })
            .collect())
    };
    if domain.region().is_none() {
        return in_box(n);
    }
    let mut m = (2 * n).max(64);
    loop {
        let inside: Vec<Vec<f64>> = in_box(m)?
            .into_iter()
            .filter(|x| domain.contains(x))
            .collect();
        if inside.len() >= n || m >= MAX_POINTS {
            if inside.is_empty() {
                return Err(
                    "the region has no interior points (a hole as large as the domain, or \
                     primitives that do not overlap); check the geometry"
                        .into(),
                );
            }
            if inside.len() < n {
                return Err(format!(
                    "only {} of {m} candidate points fall inside the region (it fills about \
                     {:.1e} of its bounding box); ask for at most that many points or check \
                     the geometry",
                    inside.len(),
                    inside.len() as f64 / m as f64
                ));
            }
            return Ok(pick(inside, n, sampler));
        }
        let grow = if inside.is_empty() {
            16.0
        } else {
            1.1 * n as f64 / inside.len() as f64
        };
        m = ((m as f64 * grow).ceil() as usize).min(MAX_POINTS);
    }
}

/// `n` of the accepted candidates: the first `n` (a prefix of a low-discrepancy or random
/// sequence is as well spread as the whole), every `k`-th of a grid's.
fn pick<T: Clone>(points: Vec<T>, n: usize, sampler: Sampler) -> Vec<T> {
    if points.len() <= n {
        return points;
    }
    match sampler {
        Sampler::Grid => (0..n)
            .map(|k| points[k * points.len() / n].clone())
            .collect(),
        Sampler::Halton | Sampler::Uniform => points.into_iter().take(n).collect(),
    }
}

/// `n` points on one face (a single point when the face is a point). On a region's
/// space-time domain only the faces `t = t₀`, `t = t₁` exist: the region at that time.
pub fn on_face(
    domain: &Domain,
    face: Face,
    sampler: Sampler,
    n: usize,
    seed: u64,
) -> Result<Vec<Vec<f64>>, String> {
    let d = domain.dim();
    if let Some(region) = domain.region() {
        if domain.time_axis() != Some(face.axis) {
            return Err(format!(
                "a region's boundary is named by parts, not box faces; give the condition one \
                 of the parts {}",
                region.parts().join(", ")
            ));
        }
        let space = Domain::from_region(region.clone())?;
        let t = if face.upper { domain.hi() } else { domain.lo() }[face.axis];
        return Ok(interior(&space, sampler, n, seed)?
            .into_iter()
            .map(|mut x| {
                x.push(t);
                x
            })
            .collect());
    }
    let n = if d == 1 { 1 } else { n.max(1) };
    let (lo, hi) = (domain.lo(), domain.hi());
    let free: Vec<usize> = (0..d).filter(|&a| a != face.axis).collect();
    Ok(unit_points(sampler, n, free.len(), seed)?
        .into_iter()
        .map(|u| {
            let mut p = vec![0.0; d];
            p[face.axis] = if face.upper {
                hi[face.axis]
            } else {
                lo[face.axis]
            };
            for (k, &a) in free.iter().enumerate() {
                p[a] = lo[a] + u[k] * (hi[a] - lo[a]);
            }
            p
        })
        .collect())
}

/// About `n` points over the given faces, split in proportion to their measure.
pub fn on_faces(
    domain: &Domain,
    faces: &[Face],
    sampler: Sampler,
    n: usize,
    seed: u64,
) -> Result<Vec<Vec<f64>>, String> {
    let total: f64 = faces.iter().map(|&f| domain.face_measure(f)).sum();
    let mut points = Vec::new();
    for (k, &f) in faces.iter().enumerate() {
        let share = (n as f64 * domain.face_measure(f) / total).round() as usize;
        points.extend(on_face(
            domain,
            f,
            sampler,
            share,
            seed.wrapping_add(k as u64 + 1),
        )?);
    }
    Ok(points)
}

/// About `n` points on `boundary` with the outward unit normals there (`±e_axis` on a box
/// face, `−e_t` on `t = t₀`).
pub fn on_boundary(
    domain: &Domain,
    boundary: &Boundary,
    sampler: Sampler,
    n: usize,
    seed: u64,
) -> Result<(Points, Points), String> {
    match boundary {
        Boundary::Faces(faces) => {
            let points = on_faces(domain, faces, sampler, n, seed)?;
            let normals = points
                .iter()
                .map(|y| face_normal(domain, faces, y))
                .collect();
            Ok((points, normals))
        }
        Boundary::Parts(parts) => on_parts(domain, parts, sampler, n, seed),
    }
}

/// The outward unit normal at `y`, a point on one of `faces` of the box `domain`: `±e_axis`
/// of the face it lies on (the first such face at an edge or corner).
fn face_normal(domain: &Domain, faces: &[Face], y: &[f64]) -> Vec<f64> {
    let mut n = vec![0.0; domain.dim()];
    let on = |f: &Face| {
        let side = if f.upper {
            domain.hi()[f.axis]
        } else {
            domain.lo()[f.axis]
        };
        (y[f.axis] - side).abs() <= 1e-12 * (1.0 + side.abs())
    };
    if let Some(f) = faces.iter().find(|f| on(f)) {
        n[f.axis] = if f.upper { 1.0 } else { -1.0 };
    }
    n
}

/// About `n` points on the named parts of a region's boundary (times the time interval of a
/// space-time domain), split over the primitives' boundary pieces in proportion to the
/// measure of each that lies on the region's boundary (estimated from the candidates).
fn on_parts(
    domain: &Domain,
    parts: &[String],
    sampler: Sampler,
    n: usize,
    seed: u64,
) -> Result<(Points, Points), String> {
    let Some(region) = domain.region() else {
        return Err(format!(
            "a box domain has faces, not named boundary parts (asked for {}); give a geometry \
             or name faces",
            parts.join(", ")
        ));
    };
    let known = region.parts();
    if parts.is_empty() {
        return Err(format!(
            "a condition needs at least one boundary part; the region's parts are {}",
            known.join(", ")
        ));
    }
    if let Some(p) = parts.iter().find(|p| !known.contains(p)) {
        return Err(unknown_part(p, &known));
    }
    let time = domain.time_axis().map(|t| (domain.lo()[t], domain.hi()[t]));
    let pieces = region.pieces(parts);
    // The points of piece `k` among `m` candidates that lie on the region's boundary.
    let kept = |k: usize, m: usize| -> Result<Vec<Oriented>, String> {
        let piece = &pieces[k];
        let udim = piece.unit_dim();
        let units = unit_points(
            sampler,
            m,
            udim + usize::from(time.is_some()),
            seed.wrapping_add(k as u64 + 1),
        )?;
        Ok(units
            .into_iter()
            .filter_map(|u| {
                let (mut y, mut normal) = piece.place(&u[..udim]);
                if !region.keeps(piece, &y) {
                    return None;
                }
                if let Some((t0, t1)) = time {
                    y.push(t0 + u[udim] * (t1 - t0));
                    normal.push(0.0);
                }
                Some((y, normal))
            })
            .collect())
    };
    let m = (4 * n).clamp(256, MAX_POINTS);
    let mut candidates = Vec::with_capacity(pieces.len());
    let mut shares = Vec::with_capacity(pieces.len());
    for (k, piece) in pieces.iter().enumerate() {
        let on = kept(k, m)?;
        shares.push(piece.measure() * on.len() as f64 / m as f64);
        candidates.push(on);
    }
    let total: f64 = shares.iter().sum();
    if total <= 0.0 {
        return Err(format!(
            "the boundary parts {} do not lie on the region's boundary (other primitives cover \
             them); check the geometry",
            parts.join(", ")
        ));
    }
    let (mut points, mut normals) = (Vec::new(), Vec::new());
    for (k, on) in candidates.into_iter().enumerate() {
        let want = (n as f64 * shares[k] / total).round() as usize;
        let mut on = on;
        let mut m = m;
        while on.len() < want && m < (64 * n.max(4)).min(MAX_POINTS) {
            m = (2 * m).min(MAX_POINTS);
            on = kept(k, m)?;
        }
        let (p, q): (Vec<_>, Vec<_>) = pick(on, want, sampler).into_iter().unzip();
        points.extend(p);
        normals.extend(q);
    }
    Ok((points, normals))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Halton points in more than 8 dimensions (where the bases once ran out and sampling
    /// panicked) lie in the box; past the last base the error names the fix.
    #[test]
    fn halton_points_up_to_sixteen_dimensions_and_an_error_beyond() {
        let lo = vec![0.0; 9];
        let hi = vec![2.0; 9];
        let names: Vec<String> = (0..9).map(|i| format!("x{i}")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let domain = Domain::boxed(&names, &lo, &hi);
        let points = interior(&domain, Sampler::Halton, 100, 0).unwrap();
        assert_eq!(points.len(), 100);
        assert!(points.iter().flatten().all(|&x| (0.0..=2.0).contains(&x)));
        let err = unit_points(Sampler::Halton, 10, 17, 0).unwrap_err();
        assert!(err.contains("sampler = \"uniform\""), "{err}");
        assert_eq!(unit_points(Sampler::Uniform, 10, 17, 0).unwrap().len(), 10);
    }
}
