//! `[reference]`: a reference solution on scattered nodes — a finite-element export, a spectral
//! solution, measurements — with rows `x_1 … x_d, u_1 … u_m` (every field, in the problem's
//! order), that the relative L² error is measured against instead of an exact solution; over
//! all fields stacked, as PINNacle measures it. CSV, space-separated text with `%` comments
//! (COMSOL's `.dat`), or NPY.

use std::path::Path;

use serde::{Deserialize, Serialize};

/// The `[reference]` table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    /// The file (relative paths: from the working directory).
    pub file: String,
}

impl Reference {
    /// The nodes and the values at them, row-major `[nodes, fields]`; errors name the file,
    /// the row and the fix.
    pub fn read(&self, d: usize, fields: &[String]) -> Result<(Vec<Vec<f64>>, Vec<f64>), String> {
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
}
