//! `pinn bench accuracy`: train each benchmark problem with the method its config in
//! `configs/accuracy/` names, and write one JSON line per problem to `DIR/accuracy.jsonl`.

use std::path::Path;

use pinn_optim::Stage;
use serde_json::json;

use crate::train::{self, Exit, Overrides};
use pinn_run::Config;
use pinn_run::files::write_atomic;

/// A benchmark problem: its config (compiled in, so the binary runs anywhere) and target.
struct Case {
    problem: &'static str,
    config: &'static str,
    target: f64,
}

const CASES: [Case; 5] = [
    Case {
        problem: "poisson2d",
        config: include_str!("../../../configs/accuracy/poisson2d.toml"),
        target: 1e-6,
    },
    Case {
        problem: "poisson2d_multiscale",
        config: include_str!("../../../configs/accuracy/poisson2d_multiscale.toml"),
        target: 1e-4,
    },
    Case {
        problem: "helmholtz2d",
        config: include_str!("../../../configs/accuracy/helmholtz2d.toml"),
        target: 1e-5,
    },
    Case {
        problem: "advection",
        config: include_str!("../../../configs/accuracy/advection.toml"),
        target: 1e-4,
    },
    Case {
        problem: "heat1d",
        config: include_str!("../../../configs/accuracy/heat1d.toml"),
        target: 1e-6,
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
    if let Some(name) = only
        && !CASES.iter().any(|c| c.problem == name)
    {
        let names: Vec<&str> = CASES.iter().map(|c| c.problem).collect();
        return Err(format!(
            "--only {name}: no such benchmark problem; choose one of {}",
            names.join(", ")
        ));
    }
    std::fs::create_dir_all(out)
        .map_err(|e| format!("cannot create output directory {}: {e}", out.display()))?;
    let mut lines = String::new();
    let mut table = Vec::new();
    for case in CASES.iter().filter(|c| only.is_none_or(|n| n == c.problem)) {
        let mut config = Config::parse(
            case.config,
            &format!("configs/accuracy/{}.toml", case.problem),
            Some(case.problem.to_string()),
        )?;
        if quick {
            config.set_total_steps(QUICK_STEPS);
        }
        eprintln!("bench accuracy: {} …", case.problem);
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
        let line = json!({
            "problem": case.problem,
            "method": method(&config, summary.n_params),
            "dtype": summary.dtype,
            "steps": summary.steps,
            "rel_l2": rel_l2,
            "wall_s": summary.wall_s,
            "target": case.target,
            "met": rel_l2 <= case.target,
            "quick": quick,
            "termination": summary.termination,
            "non_finite": matches!(end, Exit::NonFinite),
        });
        lines.push_str(&line.to_string());
        lines.push('\n');
        // Rewritten after every problem: a long run that is stopped keeps what it measured.
        write_atomic(&out.join("accuracy.jsonl"), lines.as_bytes())?;
        table.push((case, rel_l2, summary.wall_s));
    }
    println!(
        "{:<22} {:>10} {:>8} {:>9}  met",
        "problem", "rel. L2", "target", "wall s"
    );
    for (case, rel, wall) in table {
        println!(
            "{:<22} {:>10.2e} {:>8.0e} {:>9.1}  {}",
            case.problem,
            rel,
            case.target,
            wall,
            if rel <= case.target { "yes" } else { "NO" }
        );
    }
    println!("-> {}", out.join("accuracy.jsonl").display());
    Ok(())
}
