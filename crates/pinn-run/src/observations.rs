//! `[[observations]]`: values of one field of the solution at points, read from a CSV file
//! (`x, …, u` per row, a header line allowed) or an NPY array `[N, d + 1]`, trained as a loss
//! term of their own (DeepXDE's `PointSetBC`).

use std::path::Path;

use serde::{Deserialize, Serialize};

/// One `[[observations]]` table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Observations {
    /// The CSV or `.npy` file (relative paths: from the working directory).
    pub file: String,
    /// The loss term's name.
    #[serde(default = "default_name")]
    pub name: String,
    /// Its weight `λ`.
    #[serde(default = "one")]
    pub weight: f64,
    /// The field the values are of (default: the first, `u`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

fn default_name() -> String {
    "data".into()
}
fn one() -> f64 {
    1.0
}

/// What a row of observations holds in `d` dimensions.
fn needs(d: usize) -> String {
    format!("{} numbers ({d} coordinates, then u)", d + 1)
}

/// Rows `x, …, u` split into points and values.
fn split(rows: Vec<Vec<f64>>) -> (Vec<Vec<f64>>, Vec<f64>) {
    rows.into_iter()
        .map(|mut r| {
            let u = r.pop().expect("d + 1 numbers");
            (r, u)
        })
        .unzip()
}

/// The points and values in `path`, `d + 1` numbers per row, CSV or NPY
/// ([`crate::table::read_rows`]); errors name the file, the row and the fix.
pub fn read(path: &Path, d: usize) -> Result<(Vec<Vec<f64>>, Vec<f64>), String> {
    let origin = path.display().to_string();
    let rows = crate::table::read_rows(path, d + 1, &origin, &needs(d), "observations")?;
    Ok(split(rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str, d: usize, origin: &str) -> Result<(Vec<Vec<f64>>, Vec<f64>), String> {
        let rows = crate::table::parse_rows(text, d + 1, origin, &needs(d), "observations")?;
        Ok(split(rows))
    }

    #[test]
    fn rows_are_read_and_bad_rows_named() {
        let (p, v) = parse("x,u\n0.5,1\n0.25, 0.7\n", 1, "o.csv").unwrap();
        assert_eq!((p, v), (vec![vec![0.5], vec![0.25]], vec![1.0, 0.7]));
        assert!(
            parse("0.5,1,2\n", 1, "o.csv")
                .unwrap_err()
                .starts_with("o.csv:1: 3 columns")
        );
        assert!(
            parse("0.5,1\n0.1,nan\n", 1, "o.csv")
                .unwrap_err()
                .starts_with("o.csv:2:")
        );
        assert!(
            parse("x,u\n", 1, "o.csv")
                .unwrap_err()
                .contains("no observations")
        );
        assert!(
            parse("0.5,1\n0.1,abc\n", 1, "o.csv")
                .unwrap_err()
                .starts_with("o.csv:2:")
        );
    }
}
