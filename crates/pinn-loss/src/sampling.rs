//! Collocation point sets: tensor grids, uniform random points and the Halton low-discrepancy
//! sequence (Halton, Numer. Math. 2, 1960), in a box and on its faces.

use std::fmt;
use std::str::FromStr;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::domain::{Domain, Face};

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

/// The Halton bases: the first primes, one per dimension.
const HALTON_BASES: [u8; 16] = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53];

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

/// `n` points inside the domain.
pub fn interior(
    domain: &Domain,
    sampler: Sampler,
    n: usize,
    seed: u64,
) -> Result<Vec<Vec<f64>>, String> {
    let (lo, hi) = (domain.lo(), domain.hi());
    Ok(unit_points(sampler, n, domain.dim(), seed)?
        .into_iter()
        .map(|u| {
            u.iter()
                .enumerate()
                .map(|(a, ua)| lo[a] + ua * (hi[a] - lo[a]))
                .collect()
        })
        .collect())
}

/// `n` points on one face (a single point when the face is a point).
pub fn on_face(
    domain: &Domain,
    face: Face,
    sampler: Sampler,
    n: usize,
    seed: u64,
) -> Result<Vec<Vec<f64>>, String> {
    let d = domain.dim();
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
