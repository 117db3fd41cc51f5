//! Domains: axis-aligned boxes `Π [lo_i, hi_i]` with named coordinates, regions built by
//! constructive solid geometry ([`Region`]) inside their bounding box, and their products
//! with a time interval.

use crate::geometry::Region;

/// One face of a box: coordinate `axis` fixed at its lower or upper end.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Face {
    /// The coordinate held fixed.
    pub axis: usize,
    /// `false`: `x_axis = lo`, `true`: `x_axis = hi`.
    pub upper: bool,
}

/// An axis-aligned box `Π [lo_i, hi_i]`, or a region inside it (its spatial coordinates);
/// a space-time domain names one axis, the last, as time.
#[derive(Clone, Debug, PartialEq)]
pub struct Domain {
    names: Vec<String>,
    lo: Vec<f64>,
    hi: Vec<f64>,
    time: Option<usize>,
    region: Option<Region>,
}

impl Domain {
    /// `[lo, hi]` with coordinate `x`.
    pub fn interval(lo: f64, hi: f64) -> Self {
        Self::boxed(&["x"], &[lo], &[hi])
    }

    /// `[x0, x1] × [y0, y1]`.
    pub fn rectangle(x: (f64, f64), y: (f64, f64)) -> Self {
        Self::boxed(&["x", "y"], &[x.0, y.0], &[x.1, y.1])
    }

    /// A box with the given coordinate names and bounds.
    #[track_caller]
    pub fn boxed(names: &[&str], lo: &[f64], hi: &[f64]) -> Self {
        assert!(
            names.len() == lo.len() && lo.len() == hi.len(),
            "bounds per coordinate"
        );
        assert!(
            lo.iter().zip(hi).all(|(a, b)| a < b),
            "empty domain: need lo < hi"
        );
        Self {
            names: names.iter().map(|s| s.to_string()).collect(),
            lo: lo.to_vec(),
            hi: hi.to_vec(),
            time: None,
            region: None,
        }
    }

    /// The region `Ω` in coordinates `x`, `y`, `z` (`x1 … xd` beyond three), inside its
    /// bounding box. The error names the primitive at fault ([`Region::check`]).
    pub fn from_region(region: Region) -> Result<Self, String> {
        region.check()?;
        let (lo, hi) = region.bounds();
        if lo.iter().zip(&hi).any(|(a, b)| a >= b) {
            return Err(
                "the region is empty (an intersection of primitives that do not overlap); \
                 check the geometry"
                    .into(),
            );
        }
        let d = region.dim();
        let names: Vec<String> = match d {
            1..=3 => ["x", "y", "z"][..d].iter().map(|s| s.to_string()).collect(),
            _ => (1..=d).map(|i| format!("x{i}")).collect(),
        };
        Ok(Self {
            names,
            lo,
            hi,
            time: None,
            region: Some(region),
        })
    }

    /// The space-time product `space × [t0, t1]`; time is the last coordinate, `t`.
    pub fn space_time(space: &Domain, t0: f64, t1: f64) -> Self {
        let mut d = space.clone();
        d.names.push("t".into());
        d.lo.push(t0);
        d.hi.push(t1);
        d.time = Some(d.lo.len() - 1);
        d
    }

    /// Number of coordinates.
    pub fn dim(&self) -> usize {
        self.lo.len()
    }

    /// Lower corner.
    pub fn lo(&self) -> &[f64] {
        &self.lo
    }

    /// Upper corner.
    pub fn hi(&self) -> &[f64] {
        &self.hi
    }

    /// Coordinate names.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The time axis, if any.
    pub fn time_axis(&self) -> Option<usize> {
        self.time
    }

    /// The spatial region, when the domain is not a box.
    pub fn region(&self) -> Option<&Region> {
        self.region.as_ref()
    }

    /// Whether `x` lies in the closed domain (in its box and, for a region, `ℓ(x) ≥ 0`).
    pub fn contains(&self, x: &[f64]) -> bool {
        let in_box = (0..self.dim()).all(|i| x[i] >= self.lo[i] && x[i] <= self.hi[i]);
        in_box && self.region.as_ref().is_none_or(|r| r.level(x) >= 0.0)
    }

    /// The spatial faces (every face not orthogonal to time).
    pub fn spatial_faces(&self) -> Vec<Face> {
        (0..self.dim())
            .filter(|&a| Some(a) != self.time)
            .flat_map(|axis| [false, true].map(|upper| Face { axis, upper }))
            .collect()
    }

    /// The initial face `t = t0`.
    pub fn initial_face(&self) -> Option<Face> {
        self.time.map(|axis| Face { axis, upper: false })
    }

    /// The `(d−1)`-volume of a face (1 for the end of an interval).
    pub fn face_measure(&self, face: Face) -> f64 {
        (0..self.dim())
            .filter(|&a| a != face.axis)
            .map(|a| self.hi[a] - self.lo[a])
            .product()
    }
}
