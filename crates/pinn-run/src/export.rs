//! A trained model sampled on a grid of its domain — the solution `u`, the exact solution
//! and the pointwise error `u − u*` where known — as CSV, NPY (numpy) or legacy VTK
//! (`STRUCTURED_POINTS`, which ParaView opens).

use burn::tensor::Device;
use vtkio::model::{
    Attribute, Attributes, ByteOrder, DataSet, Extent, ImageDataPiece, Piece, Version, Vtk,
};

use crate::trained::TrainedRun;

/// The most grid points an export evaluates.
pub const MAX_POINTS: usize = 50_000_000;

/// Grid points per axis, `lo … hi` inclusive, the first axis fastest (VTK's order).
#[derive(Clone, Debug)]
pub struct GridSample {
    /// Coordinate names (`x`, `y`, `t`, …).
    pub names: Vec<String>,
    /// Points per axis.
    pub per_axis: usize,
    /// The lower corner.
    pub lo: Vec<f64>,
    /// The upper corner.
    pub hi: Vec<f64>,
    /// The points, one row each.
    pub points: Vec<Vec<f64>>,
    /// The names of the fields of `u`.
    pub fields: Vec<String>,
    /// `u` at the points, row-major `[points, fields]`.
    pub u: Vec<f64>,
    /// `u*` at the points, row-major, when the problem has an exact solution.
    pub exact: Option<Vec<f64>>,
}

/// Evaluate `run` on a grid of `per_axis^d` points of its domain's bounding box.
pub fn sample_grid(
    run: &TrainedRun,
    per_axis: usize,
    device: &Device,
) -> Result<GridSample, String> {
    let domain = &run.problem.domain;
    let d = domain.dim();
    if per_axis < 2 {
        return Err("--grid must be at least 2 points per axis".into());
    }
    let n = u32::try_from(d)
        .ok()
        .and_then(|d| per_axis.checked_pow(d))
        .filter(|&n| n <= MAX_POINTS)
        .ok_or_else(|| {
            format!(
                "--grid {per_axis} in {d} dimensions exceeds {MAX_POINTS} points; use at most {} \
                 per axis",
                (MAX_POINTS as f64).powf(1.0 / d as f64).floor()
            )
        })?;
    let (lo, hi) = (domain.lo().to_vec(), domain.hi().to_vec());
    let points: Vec<Vec<f64>> = (0..n)
        .map(|mut index| {
            (0..d)
                .map(|axis| {
                    let i = index % per_axis;
                    index /= per_axis;
                    lo[axis] + (hi[axis] - lo[axis]) * i as f64 / (per_axis - 1) as f64
                })
                .collect()
        })
        .collect();
    // Evaluate in chunks: the activations of one pass stay small. Outside a region the
    // model and the exact solution mean nothing: NaN.
    let m = run.fields().len();
    let outside = |values: Vec<f64>| -> Vec<f64> {
        values
            .into_iter()
            .enumerate()
            .map(|(k, v)| {
                if domain.contains(&points[k / m]) {
                    v
                } else {
                    f64::NAN
                }
            })
            .collect()
    };
    let u = outside(
        points
            .chunks(65_536)
            .flat_map(|chunk| run.values_at(chunk, device))
            .collect(),
    );
    Ok(GridSample {
        names: domain.names().to_vec(),
        per_axis,
        exact: run.exact_at(&points).map(outside),
        fields: run.fields(),
        lo,
        hi,
        points,
        u,
    })
}

impl GridSample {
    /// Column names: the coordinates, the fields, and when known the exact fields
    /// (`u_exact`, …) and the errors (`error` for a scalar field, `u_error`, … for several).
    pub fn columns(&self) -> Vec<String> {
        let mut c = self.names.clone();
        c.extend(self.fields.iter().cloned());
        if self.exact.is_some() {
            c.extend(self.fields.iter().map(|f| format!("{f}_exact")));
            c.extend(self.error_names());
        }
        c
    }

    /// `error` for a scalar field, `{field}_error` for each of several.
    fn error_names(&self) -> Vec<String> {
        if self.fields.len() == 1 {
            vec!["error".into()]
        } else {
            self.fields.iter().map(|f| format!("{f}_error")).collect()
        }
    }

    /// Row `i`: its coordinates, `u`, `u*` and `u − u*`.
    fn row(&self, i: usize) -> Vec<f64> {
        let m = self.fields.len();
        let u = &self.u[i * m..(i + 1) * m];
        let mut r = self.points[i].clone();
        r.extend_from_slice(u);
        if let Some(e) = &self.exact {
            let e = &e[i * m..(i + 1) * m];
            r.extend_from_slice(e);
            r.extend(u.iter().zip(e).map(|(a, b)| a - b));
        }
        r
    }

    /// Column `c` of a row-major `[points, fields]` array.
    fn field(&self, values: &[f64], c: usize) -> Vec<f64> {
        values
            .iter()
            .skip(c)
            .step_by(self.fields.len())
            .copied()
            .collect()
    }

    /// CSV with a header line; numbers in shortest round-trip form.
    pub fn to_csv(&self) -> String {
        crate::table::to_csv(&self.columns(), (0..self.points.len()).map(|i| self.row(i)))
    }

    /// A `float64` array `[N, columns]` in NPY format (columns as [`GridSample::columns`]).
    pub fn to_npy(&self) -> Result<Vec<u8>, String> {
        let n = self.points.len();
        crate::table::to_npy(n, self.columns().len(), (0..n).map(|i| self.row(i)))
    }

    /// Legacy binary VTK, `STRUCTURED_POINTS` with one scalar point array per column of
    /// [`GridSample::columns`] after the coordinates; at most three axes.
    pub fn to_vtk(&self, title: &str) -> Result<Vec<u8>, String> {
        let d = self.names.len();
        if d > 3 {
            return Err(format!(
                "VTK holds at most 3 axes and this problem has {d}; use --format npy or csv"
            ));
        }
        let n = self.per_axis as u32;
        let mut dims = [1u32; 3];
        let mut origin = [0f32; 3];
        let mut spacing = [1f32; 3];
        for a in 0..d {
            dims[a] = n;
            origin[a] = self.lo[a] as f32;
            spacing[a] = ((self.hi[a] - self.lo[a]) / (self.per_axis - 1) as f64) as f32;
        }
        let mut point = Vec::new();
        for (c, name) in self.fields.iter().enumerate() {
            point.push(Attribute::scalars(name, 1).with_data(self.field(&self.u, c)));
        }
        if let Some(e) = &self.exact {
            for (c, name) in self.fields.iter().enumerate() {
                let exact = format!("{name}_exact");
                point.push(Attribute::scalars(&exact, 1).with_data(self.field(e, c)));
            }
            for (c, name) in self.error_names().iter().enumerate() {
                let (u, e) = (self.field(&self.u, c), self.field(e, c));
                let error: Vec<f64> = u.iter().zip(&e).map(|(u, x)| u - x).collect();
                point.push(Attribute::scalars(name, 1).with_data(error));
            }
        }
        let extent = Extent::Dims(dims);
        let vtk = Vtk {
            version: Version::new((4, 2)),
            title: title.to_string(),
            byte_order: ByteOrder::BigEndian,
            file_path: None,
            data: DataSet::ImageData {
                extent: extent.clone(),
                origin,
                spacing,
                meta: None,
                pieces: vec![Piece::Inline(Box::new(ImageDataPiece {
                    extent,
                    data: Attributes {
                        point,
                        cell: Vec::new(),
                    },
                }))],
            },
        };
        let mut bytes = Vec::new();
        vtk.write_legacy(&mut bytes).map_err(|e| e.to_string())?;
        Ok(bytes)
    }
}
