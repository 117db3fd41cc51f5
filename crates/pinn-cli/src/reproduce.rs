//! `pinn reproduce E1|…|E5|all --out DIR`: the paper's experiments
//! ([`pinn_paper::experiments`]) as CSV tables, figures and a `summary.json` per experiment,
//! one function each.

use std::path::Path;
use std::time::Instant;

use burn::tensor::Device;
use pinn_model::backend::{Backend, Dtype, autodiff_device};
use pinn_paper::experiments::{self as paper, LinearSetup, SweepRow};
use serde_json::json;

use crate::plot::{Axes, Series, line_plot};
use pinn_run::files::write_atomic;

/// An experiment of the paper, or all of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
#[value(rename_all = "UPPER")]
pub enum Experiment {
    /// Poisson, linear Fourier model: κ and gradient descent with and without `P`.
    E1,
    /// Advection on space-time Fourier modes.
    E2,
    /// Spectra of `A` for a linear model, an MLP and an MLP on preconditioned features.
    E3,
    /// κ against the boundary weight λ.
    E4,
    /// Helmholtz with Cauchy data.
    E5,
    /// E1 to E5.
    #[value(name = "all")]
    All,
}

fn write_json(path: &Path, value: &serde_json::Value) -> Result<(), String> {
    let text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    write_atomic(path, text.as_bytes())
}

/// `parameter,K or beta,…` table of a sweep, and the loss curves side by side.
fn write_sweep(dir: &Path, key: &str, rows: &[SweepRow]) -> Result<(), String> {
    let mut table = format!(
        "{key},n_params,lambda,kappa,lambda_preconditioned,kappa_preconditioned,\
         kappa_preconditioned_lambda1,steps_to_1e-10,steps_to_1e-10_preconditioned,final_loss,\
         final_loss_preconditioned,rel_l2,rel_l2_preconditioned\n"
    );
    let opt = |s: Option<usize>| s.map_or(String::new(), |v| v.to_string());
    for r in rows {
        table.push_str(&format!(
            "{},{},{:e},{:e},{:e},{:e},{:e},{},{},{:e},{:e},{:e},{:e}\n",
            r.x,
            r.n_params,
            r.lambda,
            r.kappa,
            r.lambda_preconditioned,
            r.kappa_preconditioned,
            r.kappa_preconditioned_lambda1,
            opt(r.steps_to_tol),
            opt(r.steps_to_tol_preconditioned),
            r.final_loss,
            r.final_loss_preconditioned,
            r.rel_l2,
            r.rel_l2_preconditioned
        ));
    }
    write_atomic(&dir.join("kappa.csv"), table.as_bytes())?;
    let mut curves = String::from("step");
    for r in rows {
        let x = r.x;
        curves.push_str(&format!(",loss_{key}{x},loss_preconditioned_{key}{x}"));
    }
    curves.push('\n');
    let steps = rows.first().map_or(0, |r| r.losses.len());
    for s in 0..steps {
        curves.push_str(&s.to_string());
        for r in rows {
            curves.push_str(&format!(
                ",{:e},{:e}",
                r.losses[s], r.losses_preconditioned[s]
            ));
        }
        curves.push('\n');
    }
    write_atomic(&dir.join("loss.csv"), curves.as_bytes())
}

fn sweep(
    dir: &Path,
    key: &str,
    xs: &[f64],
    setup: impl Fn(f64) -> LinearSetup,
    steps: usize,
) -> Result<Vec<SweepRow>, String> {
    let rows = xs
        .iter()
        .map(|&x| {
            let row = paper::sweep_row(x, &setup(x), steps)?;
            eprintln!(
                "  {key} = {x}: κ = {:.3e}, κ_P = {:.3}, rel. L2 {:.2e} (P: {:.2e})",
                row.kappa, row.kappa_preconditioned, row.rel_l2, row.rel_l2_preconditioned
            );
            Ok(row)
        })
        .collect::<Result<Vec<_>, String>>()?;
    write_sweep(dir, key, &rows)?;
    let label = if key == "K" {
        "K (Fourier modes)"
    } else {
        "β"
    };
    let curve = |name: &str, f: &dyn Fn(&SweepRow) -> f64| Series {
        name: name.into(),
        points: rows.iter().map(|r| (r.x, f(r))).collect(),
    };
    figure(
        &dir.join("kappa.png"),
        &Axes {
            title: "condition number of A",
            x: label,
            y: "κ",
            log_x: false,
            log_y: true,
        },
        &[
            curve("without P", &|r| r.kappa),
            curve("with P", &|r| r.kappa_preconditioned),
            curve("with P, λ = 1", &|r| r.kappa_preconditioned_lambda1),
        ],
    );
    let picked = [rows.first(), rows.get(rows.len() / 2), rows.last()];
    let mut losses = Vec::new();
    for r in picked.into_iter().flatten() {
        let x = r.x;
        let pts = |l: &[f64]| l.iter().enumerate().map(|(i, v)| (i as f64, *v)).collect();
        losses.push(Series {
            name: format!("{key} = {x}, without P"),
            points: pts(&r.losses),
        });
        losses.push(Series {
            name: format!("{key} = {x}, with P"),
            points: pts(&r.losses_preconditioned),
        });
    }
    figure(
        &dir.join("loss.png"),
        &Axes {
            title: "gradient descent, η = 1/λ_max",
            x: "step",
            y: "loss",
            log_x: false,
            log_y: true,
        },
        &losses,
    );
    Ok(rows)
}

/// Draw a figure; a failure (e.g. no font) is reported, not fatal: the tables are written.
fn figure(path: &Path, axes: &Axes<'_>, series: &[Series]) {
    match line_plot(path, axes, series) {
        Ok(()) => eprintln!("  figure {}", path.display()),
        Err(e) => eprintln!("  warning: no figure: {e}"),
    }
}

/// E1 (Poisson) or E5 (Helmholtz): the sweep over `K = 5, 15, …, 95` modes.
fn sweep_modes(
    name: &str,
    dir: &Path,
    setup: impl Fn(usize) -> LinearSetup,
) -> Result<serde_json::Value, String> {
    let ks: Vec<f64> = (5..=95).step_by(10).map(f64::from).collect();
    let rows = sweep(dir, "K", &ks, |k| setup(k as usize), GD_STEPS)?;
    let rows = named_rows(&rows, |r| json!({ "K": r.x as usize }))?;
    Ok(json!({ "experiment": name, "gd_steps": GD_STEPS, "rows": rows }))
}

/// The rows as JSON objects, each with its swept parameter (`extra`) first.
fn named_rows(
    rows: &[SweepRow],
    extra: impl Fn(&SweepRow) -> serde_json::Value,
) -> Result<Vec<serde_json::Value>, String> {
    rows.iter()
        .map(|r| {
            let mut v = extra(r);
            let fields = serde_json::to_value(r).map_err(|e| e.to_string())?;
            if let (Some(v), serde_json::Value::Object(fields)) = (v.as_object_mut(), fields) {
                v.extend(fields);
            }
            Ok(v)
        })
        .collect()
}

/// Gradient-descent steps of the sweeps.
const GD_STEPS: usize = 200;

/// E2: the sweep over `β = 3, 6, …, 30`.
fn e2(dir: &Path, device: &Device) -> Result<serde_json::Value, String> {
    let betas: Vec<f64> = (3..=30).step_by(3).map(f64::from).collect();
    let rows = sweep(
        dir,
        "beta",
        &betas,
        |b| paper::e2_setup(b, device),
        GD_STEPS,
    )?;
    let rows = named_rows(&rows, |r| json!({ "beta": r.x }))?;
    Ok(json!({ "experiment": "E2", "gd_steps": GD_STEPS, "rows": rows }))
}

/// E3: the three spectra, as a CSV and a figure.
fn e3(dir: &Path, device: &Device) -> Result<serde_json::Value, String> {
    let models = paper::e3(device)?;
    let mut csv = String::from("model,index,eigenvalue,normalized\n");
    for m in &models {
        eprintln!(
            "  {}: {} params, κ = {:.3e}, {} zero eigenvalues",
            m.model, m.n_params, m.spectrum.kappa, m.spectrum.n_zero
        );
        for (i, v) in m.spectrum.eigenvalues.iter().enumerate() {
            csv.push_str(&format!(
                "{},{i},{v:e},{:e}\n",
                m.model,
                v / m.spectrum.lambda_max
            ));
        }
    }
    write_atomic(&dir.join("spectra.csv"), csv.as_bytes())?;
    let series: Vec<Series> = models
        .iter()
        .map(|m| Series {
            name: format!("{} (κ = {:.1e})", m.model, m.spectrum.kappa),
            points: m
                .spectrum
                .eigenvalues
                .iter()
                .rev()
                .enumerate()
                .map(|(i, v)| ((i + 1) as f64, v / m.spectrum.lambda_max))
                .collect(),
        })
        .collect();
    figure(
        &dir.join("spectra.png"),
        &Axes {
            title: "eigenvalues of A / λ_max, descending",
            x: "index",
            y: "λ_i / λ_max",
            log_x: true,
            log_y: true,
        },
        &series,
    );
    Ok(json!({
        "experiment": "E3",
        "models": models.iter().map(|m| json!({
            "model": m.model,
            "n_params": m.n_params,
            "lambda": m.lambda,
            "kappa": m.spectrum.kappa,
            "lambda_min": m.spectrum.lambda_min,
            "lambda_max": m.spectrum.lambda_max,
            "n_zero": m.spectrum.n_zero,
        })).collect::<Vec<_>>(),
    }))
}

/// E4: κ against λ for `K = 1..10`, as a CSV and a figure.
fn e4(dir: &Path, device: &Device) -> Result<serde_json::Value, String> {
    let rows = paper::e4_rows(10, 4, device)?;
    let mut csv = String::from("K,lambda,kappa,kappa_preconditioned\n");
    for r in &rows {
        csv.push_str(&format!(
            "{},{:e},{:e},{:e}\n",
            r.k, r.lambda, r.kappa, r.kappa_preconditioned
        ));
    }
    write_atomic(&dir.join("kappa_vs_lambda.csv"), csv.as_bytes())?;
    let mut series = Vec::new();
    for k in [2, 5, 10] {
        let pick = |f: &dyn Fn(&paper::LambdaRow) -> f64| -> Vec<(f64, f64)> {
            rows.iter()
                .filter(|r| r.k == k)
                .map(|r| (r.lambda, f(r)))
                .collect()
        };
        series.push(Series {
            name: format!("K = {k}, without P"),
            points: pick(&|r| r.kappa),
        });
        series.push(Series {
            name: format!("K = {k}, with P"),
            points: pick(&|r| r.kappa_preconditioned),
        });
    }
    figure(
        &dir.join("kappa_vs_lambda.png"),
        &Axes {
            title: "κ(A) against the boundary weight λ",
            x: "λ",
            y: "κ",
            log_x: true,
            log_y: true,
        },
        &series,
    );
    Ok(json!({ "experiment": "E4", "rows": rows }))
}

/// Run one experiment into `out/NAME/`, with its wall time in `summary.json`.
fn run_one(experiment: Experiment, out: &Path, device: &Device) -> Result<(), String> {
    let name = format!("{experiment:?}");
    let dir = out.join(&name);
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let start = Instant::now();
    eprintln!("{name}:");
    let mut summary = match experiment {
        Experiment::E1 => sweep_modes("E1", &dir, |k| paper::e1_setup(k, device))?,
        Experiment::E2 => e2(&dir, device)?,
        Experiment::E3 => e3(&dir, device)?,
        Experiment::E4 => e4(&dir, device)?,
        Experiment::E5 => sweep_modes("E5", &dir, |k| paper::e5_setup(k, device))?,
        Experiment::All => unreachable!("`all` is expanded by `run`"),
    };
    summary["wall_s"] = json!(start.elapsed().as_secs_f64());
    write_json(&dir.join("summary.json"), &summary)?;
    eprintln!(
        "  -> {} ({:.1} s)",
        dir.display(),
        start.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Run `pinn reproduce`.
pub fn run(which: Experiment, out: &Path) -> Result<(), String> {
    use Experiment::{All, E1, E2, E3, E4, E5};
    let experiments = match which {
        All => vec![E1, E2, E3, E4, E5],
        one => vec![one],
    };
    let device = autodiff_device(Backend::Flex, Dtype::F64)?;
    for experiment in experiments {
        run_one(experiment, out, &device)?;
    }
    Ok(())
}
