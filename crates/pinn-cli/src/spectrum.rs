//! `pinn spectrum CONFIG`: the spectrum of the Gauss–Newton matrix `A = J̃ᵀJ̃` of a config's
//! problem and model at initialisation, and what it means for training speed.

use std::path::{Path, PathBuf};

use pinn_model::backend::{Backend, Dtype, autodiff_device};
use pinn_optim::default_threads;
use pinn_optim::diagnosis::{BoundaryMultiplier, gauss_newton_spectrum};
use serde_json::json;

use pinn_run::Config;
use pinn_run::files::write_atomic;

/// `--lambda`: the multiplier of every boundary-type weight.
#[derive(Clone, Copy, Debug)]
pub enum Lambda {
    /// The config's weights as they are.
    Config,
    /// The κ-optimal multiplier (golden section on log λ, `pinn_optim::balance::KAPPA_SEARCH`).
    Auto,
    /// A given multiplier.
    Value(f64),
}

impl std::str::FromStr for Lambda {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "auto" => Ok(Self::Auto),
            v => v
                .parse::<f64>()
                .ok()
                .filter(|x| *x >= 0.0 && x.is_finite())
                .map(Self::Value)
                .ok_or_else(|| format!("--lambda must be `auto` or a number ≥ 0, got `{v}`")),
        }
    }
}

/// Run `pinn spectrum`.
pub fn run(config_path: &Path, lambda: Lambda, out: Option<PathBuf>) -> Result<(), String> {
    let config = Config::load(config_path)?;
    crate::memory::check(&config)?;
    let name = config.name.clone().unwrap_or_else(|| "run".into());
    let dir = out.unwrap_or_else(|| Path::new("runs").join(&name).join("spectrum"));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    // The spectrum is f64 linear algebra on the CPU whatever the training backend.
    let device = autodiff_device(Backend::Flex, Dtype::F64)?;
    let setup = config.build(&device)?;
    let multiplier = match lambda {
        Lambda::Config => BoundaryMultiplier::Fixed(1.0),
        Lambda::Value(v) => BoundaryMultiplier::Fixed(v),
        Lambda::Auto => BoundaryMultiplier::KappaOptimal,
    };
    let report = gauss_newton_spectrum(&setup.loss, &setup.model, multiplier, default_threads())?;
    let (spectrum, lambda, n_params) = (&report.spectrum, report.lambda, report.n_params);
    let summary = json!({
        "problem": setup.problem.name,
        "kappa": spectrum.kappa,
        "lambda_min": spectrum.lambda_min,
        "lambda_max": spectrum.lambda_max,
        "lambda": lambda,
        "n_zero": spectrum.n_zero,
        "n_params": n_params,
        "n_rows": report.n_rows,
        "loss_at_init": report.loss,
    });
    write_atomic(
        &dir.join("spectrum.json"),
        serde_json::to_string_pretty(&summary)
            .map_err(|e| e.to_string())?
            .as_bytes(),
    )?;
    let mut csv = String::from("index,eigenvalue,normalized\n");
    for (i, v) in spectrum.eigenvalues.iter().enumerate() {
        csv.push_str(&format!("{i},{v:e},{:e}\n", v / spectrum.lambda_max));
    }
    write_atomic(&dir.join("eigenvalues.csv"), csv.as_bytes())?;
    let nonzero = n_params - spectrum.n_zero;
    println!(
        "{}: κ(A) = {:.3e} over {nonzero} non-zero eigenvalues of {n_params} (λ_max {:.3e}, λ_min {:.3e}, boundary weight ×{lambda:.3e})",
        setup.problem.name, spectrum.kappa, spectrum.lambda_max, spectrum.lambda_min
    );
    println!(
        "gradient descent with η = 1/λ_max = {:.3e} needs about κ·ln(1/ε) ≈ {:.1e} steps to reduce the error by ε = 1e-6 in the slowest direction; {} directions ({}) do not move at all.",
        1.0 / spectrum.lambda_max,
        spectrum.kappa * 1e6_f64.ln(),
        spectrum.n_zero,
        if spectrum.n_zero > 0 {
            "zero eigenvalues"
        } else {
            "none"
        }
    );
    println!("-> {}", dir.display());
    Ok(())
}
