//! `pinn bench accuracy` and `pinn bench pinnacle`: train each benchmark problem with the
//! method its config (`configs/accuracy/`, `configs/pinnacle/`) names, and write one JSON line
//! per problem to `DIR/accuracy.jsonl` or `DIR/pinnacle.jsonl`.

use std::path::Path;

use pinn_optim::Stage;
use serde_json::json;

use crate::train::{self, Exit, Overrides};
use pinn_run::Config;
use pinn_run::files::write_atomic;

/// A benchmark problem: its config (compiled in, so the binary runs anywhere), its target
/// and, for PINNacle, the best published error.
struct Case {
    problem: &'static str,
    config: &'static str,
    target: f64,
    published_best: Option<f64>,
}

const ACCURACY: [Case; 5] = [
    Case {
        problem: "poisson2d",
        config: include_str!("../../../configs/accuracy/poisson2d.toml"),
        target: 1e-6,
        published_best: None,
    },
    Case {
        problem: "poisson2d_multiscale",
        config: include_str!("../../../configs/accuracy/poisson2d_multiscale.toml"),
        target: 1e-4,
        published_best: None,
    },
    Case {
        problem: "helmholtz2d",
        config: include_str!("../../../configs/accuracy/helmholtz2d.toml"),
        target: 1e-5,
        published_best: None,
    },
    Case {
        problem: "advection",
        config: include_str!("../../../configs/accuracy/advection.toml"),
        target: 1e-4,
        published_best: None,
    },
    Case {
        problem: "heat1d",
        config: include_str!("../../../configs/accuracy/heat1d.toml"),
        target: 1e-6,
        published_best: None,
    },
];

/// The PINNacle problems of `../shared/pinnacle/` with the targets of issue 9 and the best
/// published errors (Hao et al., NeurIPS 2024).
const PINNACLE: [Case; 6] = [
    Case {
        problem: "burgers1d",
        config: include_str!("../../../configs/pinnacle/burgers1d.toml"),
        target: 1e-3,
        published_best: Some(1.45e-2),
    },
    Case {
        problem: "poisson2d_classic",
        config: include_str!("../../../configs/pinnacle/poisson2d_classic.toml"),
        target: 1e-3,
        published_best: Some(1.23e-2),
    },
    Case {
        problem: "ns2d_lid_driven",
        config: include_str!("../../../configs/pinnacle/ns2d_lid_driven.toml"),
        target: 1e-3,
        published_best: Some(3.60e-2),
    },
    Case {
        problem: "heat2d_multiscale",
        config: include_str!("../../../configs/pinnacle/heat2d_multiscale.toml"),
        target: 1e-3,
        published_best: Some(6.21e-2),
    },
    Case {
        problem: "wave1d",
        config: include_str!("../../../configs/pinnacle/wave1d.toml"),
        target: 1e-4,
        published_best: Some(9.79e-2),
    },
    Case {
        problem: "poisson_nd5",
        config: include_str!("../../../configs/pinnacle/poisson_nd5.toml"),
        target: 1e-5,
        published_best: Some(4.67e-4),
    },
];

/// Steps per problem with `--quick` (a smoke test of the pipeline, not of the targets).
const QUICK_STEPS: usize = 5;

/// A short description of the method a config uses, e.g.
/// `gauss_newton(cholesky) + hard constraints, MLP 2→32×2→1 tanh`.
fn method(config: &Config, n_params: usize) -> String {
    let stages: Vec<String> = config
        .train
        .stages
        .iter()
        .map(|s| match s {
            Stage::GaussNewton(gn) => format!("gauss_newton({:?})", gn.solver).to_lowercase(),
            _ => s.name().to_string(),
        })
        .collect();
    let m = &config.model;
    let features = match &m.features {
        Some(f) => format!(" + {f:?}"),
        None => String::new(),
    };
    let constraints = if m.hard_constraints {
        "hard constraints"
    } else {
        "soft constraints"
    };
    format!(
        "{} + {constraints}, MLP width {} depth {} {:?}{features}, {n_params} parameters",
        stages.join(" → "),
        m.width,
        m.depth,
        m.activation
    )
    .to_lowercase()
}

/// Run the accuracy benchmark (`only`: one problem by name).
pub fn accuracy(out: &Path, quick: bool, only: Option<&str>) -> Result<(), String> {
    run("accuracy", &ACCURACY, out, quick, only, None)
}

/// Run the PINNacle benchmark (`only`: one problem by name). The error is the relative L²
/// error against the exact solution on the config's evaluation grid, or against PINNacle's
/// reference file (`[reference]`, read from `data`) over all its nodes and fields.
pub fn pinnacle(out: &Path, quick: bool, only: Option<&str>, data: &Path) -> Result<(), String> {
    run("pinnacle", &PINNACLE, out, quick, only, Some(data))
}

/// Train `cases` into `out/PROBLEM/` and write `out/KIND.jsonl`, one line per problem;
/// reference files are read from `data`.
fn run(
    kind: &str,
    cases: &[Case],
    out: &Path,
    quick: bool,
    only: Option<&str>,
    data: Option<&Path>,
) -> Result<(), String> {
    if let Some(name) = only
        && !cases.iter().any(|c| c.problem == name)
    {
        let names: Vec<&str> = cases.iter().map(|c| c.problem).collect();
        return Err(format!(
            "--only {name}: no such {kind} problem; choose one of {}",
            names.join(", ")
        ));
    }
    std::fs::create_dir_all(out)
        .map_err(|e| format!("cannot create output directory {}: {e}", out.display()))?;
    let file = out.join(format!("{kind}.jsonl"));
    let mut lines = String::new();
    let mut table = Vec::new();
    for case in cases.iter().filter(|c| only.is_none_or(|n| n == c.problem)) {
        let config = case_config(kind, case, case.config, data);
        let line = match config {
            Ok(config) => {
                let (line, rel_l2, wall_s) = train_case(kind, case, config, out, quick)?;
                table.push((case, Some((rel_l2, wall_s))));
                line
            }
            Err(needs) => {
                table.push((case, None));
                json!({
                    "problem": case.problem,
                    "rel_l2": null,
                    "target": case.target,
                    "published_best": case.published_best,
                    "met": false,
                    "not_run": needs,
                })
            }
        };
        lines.push_str(&line.to_string());
        lines.push('\n');
        // Rewritten after every problem: a long run that is stopped keeps what it measured.
        write_atomic(&file, lines.as_bytes())?;
    }
    println!(
        "{:<22} {:>10} {:>8} {:>10} {:>9}  met",
        "problem", "rel. L2", "target", "published", "wall s"
    );
    for (case, result) in table {
        let published = case
            .published_best
            .map_or("—".to_string(), |p| format!("{p:.2e}"));
        match result {
            Some((rel, wall)) => println!(
                "{:<22} {:>10.2e} {:>8.0e} {:>10} {:>9.1}  {}",
                case.problem,
                rel,
                case.target,
                published,
                wall,
                if rel <= case.target { "yes" } else { "NO" }
            ),
            None => println!(
                "{:<22} {:>10} {:>8.0e} {:>10} {:>9}  not run",
                case.problem, "—", case.target, published, "—"
            ),
        }
    }
    println!("-> {}", file.display());
    Ok(())
}

/// The config of a case, its reference file looked up in `data`; an error says why the case
/// cannot run (a reference file that is not there).
fn case_config(kind: &str, case: &Case, text: &str, data: Option<&Path>) -> Result<Config, String> {
    let mut config = Config::parse(
        text,
        &format!("configs/{kind}/{}.toml", case.problem),
        Some(case.problem.to_string()),
    )
    .map_err(|e| format!("the compiled-in config does not parse: {e}"))?;
    if let (Some(reference), Some(data)) = (config.reference.as_mut(), data) {
        let name = Path::new(&reference.file)
            .file_name()
            .unwrap_or_default()
            .to_owned();
        let path = data.join(name);
        if !path.is_file() {
            return Err(format!(
                "the reference file {} is not there; pass --data DIR with PINNacle's data",
                path.display()
            ));
        }
        reference.file = path.to_string_lossy().into_owned();
    }
    Ok(config)
}

/// Train one case; its JSON line, the relative L² error its target is judged on, and wall time.
fn train_case(
    kind: &str,
    case: &Case,
    mut config: Config,
    out: &Path,
    quick: bool,
) -> Result<(serde_json::Value, f64, f64), String> {
    if quick {
        config.set_total_steps(QUICK_STEPS);
    }
    eprintln!("bench {kind}: {} …", case.problem);
    let (end, summary) = train::execute(
        config.clone(),
        Overrides {
            out: Some(out.join(case.problem)),
            quiet: true,
            force: true,
            ..Overrides::default()
        },
    )?;
    let rel_l2 = summary.rel_l2.unwrap_or(f64::NAN);
    // Against a reference file and an exact solution both, the target is on the exact one
    // (PINNacle's COMSOL files carry their own discretisation error).
    let judged = summary.rel_l2_exact.unwrap_or(rel_l2);
    let line = json!({
        "problem": case.problem,
        "method": method(&config, summary.n_params),
        "dtype": summary.dtype,
        "steps": summary.steps,
        "rel_l2": rel_l2,
        "rel_l2_per_field": summary.rel_l2_per_field,
        "rel_l2_exact": summary.rel_l2_exact,
        "wall_s": summary.wall_s,
        "n_params": summary.n_params,
        "target": case.target,
        "published_best": case.published_best,
        "met": judged <= case.target,
        "quick": quick,
        "termination": summary.termination,
        "non_finite": matches!(end, Exit::NonFinite),
        "phases": summary.phases,
    });
    Ok((line, judged, summary.wall_s))
}
