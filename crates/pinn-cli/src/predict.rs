//! `pinn predict` (a trained model at the user's points, with its gradient on request) and
//! `pinn export` (the solution, exact solution and error on a grid, for numpy or ParaView).

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use pinn_model::backend::{Backend, Dtype, autodiff_device};
use pinn_run::export::sample_grid;
use pinn_run::files::write_atomic;
use pinn_run::{TrainedRun, run_dir};

/// `pinn predict RUN_DIR --points FILE`.
#[derive(Args, Debug)]
pub struct PredictArgs {
    /// The run directory of `pinn train`.
    run_dir: PathBuf,
    /// Points, one per row, `d` coordinates each: CSV (a header line is skipped) or NPY
    /// (a 2-D float array).
    #[arg(long)]
    points: PathBuf,
    /// Also write the gradient `∂u/∂x_i` of every coordinate.
    #[arg(long)]
    gradient: bool,
    /// Output file: `.npy` for numpy, anything else CSV (default: CSV on standard output).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Output formats of `pinn export`.
#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    /// Legacy VTK structured points (ParaView, VisIt).
    Vtk,
    /// numpy's `.npy`: one float64 array, a row per point.
    Npy,
    /// Comma-separated values with a header.
    Csv,
}

/// `pinn export RUN_DIR`.
#[derive(Args, Debug)]
pub struct ExportArgs {
    /// The run directory of `pinn train`.
    run_dir: PathBuf,
    /// Grid points per axis (the domain's box, ends included).
    #[arg(long, default_value_t = 101)]
    grid: usize,
    /// File format.
    #[arg(long, value_enum, default_value_t = Format::Vtk)]
    format: Format,
    /// Output file (default: RUN_DIR/solution.{vtk,npy,csv}).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// The run of `dir`, on the CPU in f64.
fn load(dir: &Path) -> Result<TrainedRun, String> {
    let device = autodiff_device(Backend::Flex, Dtype::F64)?;
    TrainedRun::load(dir, &device)
}

/// Run `pinn predict`.
pub fn predict(args: &PredictArgs) -> Result<(), String> {
    let run = load(&args.run_dir)?;
    let d = run.dim();
    let points = read_points(&args.points, d)?;
    let device = autodiff_device(Backend::Flex, Dtype::F64)?;
    let x = pinn_loss::points_tensor(&points, d, &device);
    let names = run.problem.domain.names().to_vec();
    let mut columns = names.clone();
    columns.push("u".into());
    let (u, grad) = if args.gradient {
        let (u, g) = run.evaluate_with_gradient(x);
        columns.extend(names.iter().map(|n| format!("du_d{n}")));
        (
            u,
            Some(g.into_data_as::<f64>().iter::<f64>().collect::<Vec<_>>()),
        )
    } else {
        (run.evaluate(x), None)
    };
    let u: Vec<f64> = u.into_data_as::<f64>().iter::<f64>().collect();
    let rows: Vec<Vec<f64>> = points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut r = p.clone();
            r.push(u[i]);
            if let Some(g) = &grad {
                r.extend_from_slice(&g[i * d..(i + 1) * d]);
            }
            r
        })
        .collect();
    match &args.out {
        Some(path) if path.extension().is_some_and(|e| e == "npy") => {
            write_atomic(path, &npy(&rows, columns.len())?)
        }
        Some(path) => write_atomic(path, csv(&columns, &rows).as_bytes()),
        None => {
            print!("{}", csv(&columns, &rows));
            Ok(())
        }
    }
}

/// Run `pinn export`.
pub fn export(args: &ExportArgs) -> Result<(), String> {
    let run = load(&args.run_dir)?;
    let device = autodiff_device(Backend::Flex, Dtype::F64)?;
    let sample = sample_grid(&run, args.grid, &device)?;
    let (bytes, default) = match args.format {
        Format::Vtk => (
            sample.to_vtk(&format!("pinn {} at step {}", run.problem.name, run.step))?,
            run_dir::EXPORTS[0],
        ),
        Format::Npy => (sample.to_npy()?, run_dir::EXPORTS[1]),
        Format::Csv => (sample.to_csv().into_bytes(), run_dir::EXPORTS[2]),
    };
    let path = args
        .out
        .clone()
        .unwrap_or_else(|| args.run_dir.join(default));
    write_atomic(&path, &bytes)?;
    eprintln!(
        "{}: {} points ({} per axis), columns {} -> {}",
        run.problem.name,
        sample.points.len(),
        args.grid,
        sample.columns().join(","),
        path.display()
    );
    Ok(())
}

/// Rows of `d` finite coordinates from a CSV or NPY file; errors name the file, the row and
/// the fix.
fn read_points(path: &Path, d: usize) -> Result<Vec<Vec<f64>>, String> {
    let shown = path.display();
    let points = if path.extension().is_some_and(|e| e == "npy") {
        let bytes =
            std::fs::read(path).map_err(|e| format!("cannot read --points {shown}: {e}"))?;
        let npy = npyz::NpyFile::new(&bytes[..])
            .map_err(|e| format!("--points {shown} is not an NPY file: {e}"))?;
        let shape = npy.shape().to_vec();
        if shape.len() != 2 || shape[1] as usize != d {
            return Err(format!(
                "--points {shown} has shape {shape:?}; this problem needs [N, {d}] (one point per row)"
            ));
        }
        let values: Vec<f64> = match npy.dtype() {
            npyz::DType::Plain(t) if t.size_field() == 4 => npy
                .into_vec::<f32>()
                .map_err(|e| format!("--points {shown}: {e}"))?
                .into_iter()
                .map(f64::from)
                .collect(),
            _ => npy
                .into_vec::<f64>()
                .map_err(|e| format!("--points {shown}: {e}; write float64 or float32"))?,
        };
        values.chunks(d).map(<[f64]>::to_vec).collect::<Vec<_>>()
    } else {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read --points {shown}: {e}"))?;
        let mut points = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let cells: Result<Vec<f64>, _> =
                line.split(',').map(|c| c.trim().parse::<f64>()).collect();
            match cells {
                Ok(p) if p.len() == d => points.push(p),
                Ok(p) => {
                    return Err(format!(
                        "--points {shown}:{}: {} columns; this problem needs {d} coordinates per row",
                        i + 1,
                        p.len()
                    ));
                }
                Err(_) if i == 0 => {} // a header
                Err(e) => {
                    return Err(format!(
                        "--points {shown}:{}: {e}: `{}`",
                        i + 1,
                        line.escape_debug()
                    ));
                }
            }
        }
        points
    };
    if points.is_empty() {
        return Err(format!("--points {shown} holds no points"));
    }
    if let Some(i) = points.iter().position(|p| p.iter().any(|v| !v.is_finite())) {
        return Err(format!(
            "--points {shown}: row {} is not finite; remove NaN and infinite coordinates",
            i + 1
        ));
    }
    Ok(points)
}

fn csv(columns: &[String], rows: &[Vec<f64>]) -> String {
    let mut out = columns.join(",");
    out.push('\n');
    for r in rows {
        let cells: Vec<String> = r.iter().map(|v| format!("{v:e}")).collect();
        out.push_str(&cells.join(","));
        out.push('\n');
    }
    out
}

fn npy(rows: &[Vec<f64>], columns: usize) -> Result<Vec<u8>, String> {
    use npyz::WriterBuilder;
    let mut bytes = Vec::new();
    let mut writer = npyz::WriteOptions::new()
        .default_dtype()
        .shape(&[rows.len() as u64, columns as u64])
        .writer(&mut bytes)
        .begin_nd()
        .map_err(|e| e.to_string())?;
    for r in rows {
        writer
            .extend(r.iter().copied())
            .map_err(|e| e.to_string())?;
    }
    writer.finish().map_err(|e| e.to_string())?;
    Ok(bytes)
}
