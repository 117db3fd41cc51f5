//! `pinn predict` (a trained model at the user's points, with its gradient on request) and
//! `pinn export` (the solution, exact solution and error on a grid, for numpy or ParaView).

use std::path::{Path, PathBuf};

use burn::tensor::Device;
use clap::{Args, ValueEnum};
use pinn_model::backend::{Backend, Dtype, autodiff_device};
use pinn_run::export::sample_grid;
use pinn_run::files::write_atomic;
use pinn_run::{TrainedRun, run_dir, table};

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

/// The run of `dir`, on the CPU in f64, and that device.
fn load(dir: &Path) -> Result<(TrainedRun, Device), String> {
    let device = autodiff_device(Backend::Flex, Dtype::F64)?;
    Ok((TrainedRun::load(dir, &device)?, device))
}

/// Run `pinn predict`.
pub fn predict(args: &PredictArgs) -> Result<(), String> {
    let (run, device) = load(&args.run_dir)?;
    let d = run.dim();
    let points = read_points(&args.points, d)?;
    let x = pinn_loss::points_tensor(&points, d, &device);
    let names = run.problem.domain.names().to_vec();
    let fields = run.fields();
    let m = fields.len();
    let mut columns = names.clone();
    columns.extend(fields.iter().cloned());
    let (u, grad) = if args.gradient {
        let (u, g) = run.evaluate_with_gradient(x);
        for f in &fields {
            columns.extend(names.iter().map(|n| format!("d{f}_d{n}")));
        }
        (
            u,
            Some(g.into_data_as::<f64>().iter::<f64>().collect::<Vec<_>>()),
        )
    } else {
        (run.evaluate(x), None)
    };
    let u: Vec<f64> = u.into_data_as::<f64>().iter::<f64>().collect();
    let rows = points.iter().enumerate().map(|(i, p)| {
        let mut r = p.clone();
        r.extend_from_slice(&u[i * m..(i + 1) * m]);
        if let Some(g) = &grad {
            r.extend_from_slice(&g[i * m * d..(i + 1) * m * d]);
        }
        r
    });
    match &args.out {
        Some(path) if path.extension().is_some_and(|e| e == "npy") => {
            write_atomic(path, &table::to_npy(points.len(), columns.len(), rows)?)
        }
        Some(path) => write_atomic(path, table::to_csv(&columns, rows).as_bytes()),
        None => {
            print!("{}", table::to_csv(&columns, rows));
            Ok(())
        }
    }
}

/// Run `pinn export`.
pub fn export(args: &ExportArgs) -> Result<(), String> {
    let (run, device) = load(&args.run_dir)?;
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
    let origin = format!("--points {}", path.display());
    table::read_rows(path, d, &origin, &format!("{d} coordinates"), "points")
}
