//! Tables of numbers in files: rows of a text (comma- or space-separated, a header line and
//! `%`/`#` comment lines allowed, so COMSOL's `.dat` exports read as they are) or of a
//! float32/64 NPY array `[N, columns]`, and a table written as CSV or as a float64 NPY array —
//! for `pinn predict`, `pinn export`, observations and reference solutions.

use std::path::Path;

use npyz::WriterBuilder;

/// The rows of the table in `path`, `columns` finite numbers each: an NPY array `[N, columns]`
/// (float64 or float32) when the name ends in `.npy`, else text ([`parse_rows`]). `origin` names
/// the file in errors, `needs` says what a row holds, `what` what the rows are.
pub fn read_rows(
    path: &Path,
    columns: usize,
    origin: &str,
    needs: &str,
    what: &str,
) -> Result<Vec<Vec<f64>>, String> {
    if path.extension().is_none_or(|e| e != "npy") {
        let text =
            std::fs::read_to_string(path).map_err(|e| format!("cannot read {origin}: {e}"))?;
        return parse_rows(&text, columns, origin, needs, what);
    }
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {origin}: {e}"))?;
    let npy =
        npyz::NpyFile::new(&bytes[..]).map_err(|e| format!("{origin} is not an NPY file: {e}"))?;
    let shape = npy.shape().to_vec();
    if shape.len() != 2 || shape[1] as usize != columns {
        return Err(format!(
            "{origin} has shape {shape:?}; this problem needs [N, {columns}] ({needs} per row)"
        ));
    }
    let values: Vec<f64> = match npy.dtype() {
        npyz::DType::Plain(t) if t.size_field() == 4 => npy
            .into_vec::<f32>()
            .map_err(|e| format!("{origin}: {e}"))?
            .into_iter()
            .map(f64::from)
            .collect(),
        _ => npy
            .into_vec::<f64>()
            .map_err(|e| format!("{origin}: {e}; write float64 or float32"))?,
    };
    let rows: Vec<Vec<f64>> = values.chunks(columns).map(<[f64]>::to_vec).collect();
    if rows.is_empty() {
        return Err(format!("{origin} holds no {what}"));
    }
    if let Some(i) = rows.iter().position(|r| r.iter().any(|v| !v.is_finite())) {
        return Err(format!(
            "{origin}: row {} is not finite (NaN or infinite); remove the row or fix it",
            i + 1
        ));
    }
    Ok(rows)
}

/// The rows of a text, `columns` finite numbers each, separated by commas or white space; the
/// first line that is not a comment (`%` or `#`) may be a header. `origin` names the text in
/// errors, `needs` says what a row holds (`2 coordinates`), `what` what the rows are
/// (`points`). Errors name the line and the fix.
pub fn parse_rows(
    text: &str,
    columns: usize,
    origin: &str,
    needs: &str,
    what: &str,
) -> Result<Vec<Vec<f64>>, String> {
    let mut rows = Vec::new();
    let mut header_allowed = true;
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with(['%', '#']) {
            continue;
        }
        let cells: Result<Vec<f64>, _> = trimmed
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|c| !c.is_empty())
            .map(str::parse::<f64>)
            .collect();
        let first = std::mem::replace(&mut header_allowed, false);
        let row = match cells {
            Err(_) if first => continue, // a header
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
