//! Tables of numbers in files: rows of a CSV text (a header line allowed), and a table written
//! as CSV or as a float64 NPY array — for `pinn predict`, `pinn export` and observations.

use npyz::WriterBuilder;

/// The rows of a CSV text, `columns` finite numbers each; the first line may be a header.
/// `origin` names the text in errors, `needs` says what a row holds (`2 coordinates`), `what`
/// what the rows are (`points`). Errors name the line and the fix.
pub fn parse_rows(
    text: &str,
    columns: usize,
    origin: &str,
    needs: &str,
    what: &str,
) -> Result<Vec<Vec<f64>>, String> {
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let cells: Result<Vec<f64>, _> = line.split(',').map(|c| c.trim().parse::<f64>()).collect();
        let row = match cells {
            Err(_) if i == 0 => continue, // a header
            Err(e) => {
                return Err(format!(
                    "{origin}:{}: {e} in `{}`; write {columns} numbers per row",
                    i + 1,
                    line.escape_debug()
                ));
            }
            Ok(row) => row,
        };
        if row.len() != columns {
            return Err(format!(
                "{origin}:{}: {} columns; this problem needs {needs} per row",
                i + 1,
                row.len()
            ));
        }
        if row.iter().any(|v| !v.is_finite()) {
            return Err(format!(
                "{origin}:{}: a value is not finite (NaN or infinite); remove the row or fix it",
                i + 1
            ));
        }
        rows.push(row);
    }
    if rows.is_empty() {
        return Err(format!("{origin} holds no {what}"));
    }
    Ok(rows)
}

/// `rows` as CSV under the header `columns`, numbers in shortest round-trip form.
pub fn to_csv(columns: &[String], rows: impl Iterator<Item = Vec<f64>>) -> String {
    let mut out = columns.join(",");
    out.push('\n');
    for r in rows {
        let cells: Vec<String> = r.iter().map(|v| format!("{v:e}")).collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

/// `n` rows of `columns` numbers as a float64 NPY array `[n, columns]`.
pub fn to_npy(
    n: usize,
    columns: usize,
    rows: impl Iterator<Item = Vec<f64>>,
) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    let mut writer = npyz::WriteOptions::new()
        .default_dtype()
        .shape(&[n as u64, columns as u64])
        .writer(&mut bytes)
        .begin_nd()
        .map_err(|e| e.to_string())?;
    for r in rows {
        writer.extend(r).map_err(|e| e.to_string())?;
    }
    writer.finish().map_err(|e| e.to_string())?;
    Ok(bytes)
}
