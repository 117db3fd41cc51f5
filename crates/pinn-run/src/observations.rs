//! `[[observations]]`: values of the solution at points, read from a CSV file (`x, …, u` per
//! row, a header line allowed), trained as a loss term of their own (DeepXDE's `PointSetBC`).

use serde::{Deserialize, Serialize};

/// One `[[observations]]` table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Observations {
    /// The CSV file (relative paths: from the working directory).
    pub file: String,
    /// The loss term's name.
    #[serde(default = "default_name")]
    pub name: String,
    /// Its weight `λ`.
    #[serde(default = "one")]
    pub weight: f64,
}

fn default_name() -> String {
    "data".into()
}
fn one() -> f64 {
    1.0
}

/// The points and values of a CSV text with `d + 1` numbers per row; `origin` names the file in
/// errors, which give the row and the fix.
pub fn parse(text: &str, d: usize, origin: &str) -> Result<(Vec<Vec<f64>>, Vec<f64>), String> {
    let (mut points, mut values) = (Vec::new(), Vec::new());
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let cells: Result<Vec<f64>, _> = line.split(',').map(|c| c.trim().parse::<f64>()).collect();
        let row = match cells {
            Err(_) if i == 0 => continue, // a header
            Err(e) => {
                return Err(format!(
                    "{origin}:{}: {e} in `{}`; write {} numbers per row",
                    i + 1,
                    line.escape_debug(),
                    d + 1
                ));
            }
            Ok(row) => row,
        };
        if row.len() != d + 1 {
            return Err(format!(
                "{origin}:{}: {} columns; this problem needs {} per row (its {d} coordinates, then u)",
                i + 1,
                row.len(),
                d + 1
            ));
        }
        if row.iter().any(|v| !v.is_finite()) {
            return Err(format!(
                "{origin}:{}: a value is NaN or infinite; remove the row or fix the value",
                i + 1
            ));
        }
        values.push(row[d]);
        points.push(row[..d].to_vec());
    }
    if points.is_empty() {
        return Err(format!("{origin} holds no observations"));
    }
    Ok((points, values))
}

#[cfg(test)]
mod tests {
    use super::*;

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
