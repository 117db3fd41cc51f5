//! `[reference]`: a reference solution on scattered nodes — a finite-element export, a spectral
//! solution, measurements — with rows `x_1 … x_d, u_1 … u_m` (every field, in the problem's
//! order), that the relative L² error is measured against instead of an exact solution; over
//! all fields stacked, as PINNacle measures it. CSV, space-separated text with `%` comments
//! (COMSOL's `.dat`), or NPY.
//!
//! A time-dependent scalar solution may come as time slices, COMSOL's layout: with
//! `times = [t_1, …, t_T]` a row is `x_1 … x_{d−1}, u(t_1) … u(t_T)`, and the nodes are every
//! `(x, t_j)`, all slices together (the time axis last).

use std::path::Path;

use serde::{Deserialize, Serialize};

/// The `[reference]` table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    /// The file (relative paths: from the working directory).
    pub file: String,
    /// The times of the columns of a time-sliced file (a scalar field, time the last axis).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<Vec<f64>>,
}

impl Reference {
    /// The nodes and the values at them, row-major `[nodes, fields]`; errors name the file,
    /// the row and the fix.
    pub fn read(&self, d: usize, fields: &[String]) -> Result<(Vec<Vec<f64>>, Vec<f64>), String> {
        if let Some(times) = &self.times {
            return self.read_slices(d, fields, times);
        }
        let m = fields.len();
        let needs = format!(
            "{} numbers ({d} coordinates, then {})",
            d + m,
            fields.join(", ")
        );
        let origin = format!("reference.file {}", self.file);
        let rows = crate::table::read_rows(Path::new(&self.file), d + m, &origin, &needs, "nodes")?;
        let (points, values): (Vec<Vec<f64>>, Vec<Vec<f64>>) = rows
            .into_iter()
            .map(|mut r| {
                let u = r.split_off(d);
                (r, u)
            })
            .unzip();
        Ok((points, values.concat()))
    }

    /// Rows `x_1 … x_{d−1}, u(t_1) … u(t_T)` as the nodes `(x, t_j)`, slice by slice.
    fn read_slices(
        &self,
        d: usize,
        fields: &[String],
        times: &[f64],
    ) -> Result<(Vec<Vec<f64>>, Vec<f64>), String> {
        if fields.len() != 1 || d < 2 || times.is_empty() || times.iter().any(|t| !t.is_finite()) {
            return Err(format!(
                "reference.times: time slices need a scalar field on a space-time domain and \
                 finite times (this problem has fields {} in {d} dimensions); remove times or \
                 give one column of nodes per field",
                fields.join(", ")
            ));
        }
        let space = d - 1;
        let needs = format!(
            "{} numbers ({space} space coordinates, then u at each of the {} times)",
            space + times.len(),
            times.len()
        );
        let origin = format!("reference.file {}", self.file);
        let rows = crate::table::read_rows(
            Path::new(&self.file),
            space + times.len(),
            &origin,
            &needs,
            "nodes",
        )?;
        let mut points = Vec::with_capacity(rows.len() * times.len());
        let mut values = Vec::with_capacity(points.capacity());
        for (j, t) in times.iter().enumerate() {
            for r in &rows {
                let mut p = r[..space].to_vec();
                p.push(*t);
                points.push(p);
                values.push(r[space + j]);
            }
        }
        Ok((points, values))
    }
}
