//! An estimate of a run's peak memory, made from the config before anything is allocated, so
//! that a run that cannot fit is refused with the term that dominates and a setting that fits.
//! Sizes are computed in `f64`: no integer overflow, however large the numbers in a config.
//!
//! The terms (bytes; `b` bytes per float of the run's dtype, `N` residual rows — `k` per
//! interior point for a system of `k` equations, one per boundary point —, `S` jet
//! streams `1 + d_tracked + #second-order`, `w` the widest layer, `L` its layers, `n` the
//! parameters):
//! - activations: `6 · N · S · w · L · b` (each layer keeps the jet of its pre-activation, the
//!   activation's derivatives and the autodiff graph's copies, about six arrays);
//! - dense Gauss–Newton: the Jacobian `N · n · 8` and `A` with its factor `2 · n² · 8`;
//! - optimizer state: `n · 8 · (6 + 2m)` (parameters, gradients, Adam moments, L-BFGS's `m`
//!   pairs);
//! - evaluation grid: `G^d · (d + 1 + 2w) · 8`.

use pinn_model::FeaturesConfig;
use pinn_optim::{GaussNewtonSolver, Stage};

use crate::config::Config;

/// One term of the estimate.
#[derive(Clone, Debug, PartialEq)]
pub struct MemoryTerm {
    /// What it is.
    pub what: &'static str,
    /// Bytes.
    pub bytes: f64,
    /// What to change to shrink it.
    pub fix: String,
}

/// The estimate's terms.
#[derive(Clone, Debug, PartialEq)]
pub struct MemoryEstimate {
    /// Every term.
    pub terms: Vec<MemoryTerm>,
}

impl MemoryEstimate {
    /// The sum of the terms, bytes.
    pub fn total(&self) -> f64 {
        self.terms.iter().map(|t| t.bytes).sum()
    }

    /// The largest term.
    pub fn dominant(&self) -> &MemoryTerm {
        self.terms
            .iter()
            .max_by(|a, b| a.bytes.total_cmp(&b.bytes))
            .expect("an estimate has terms")
    }

    /// `Ok` when the total fits in `available` bytes; otherwise one line naming the
    /// dominant term and its fix.
    pub fn fits(&self, available: f64) -> Result<(), String> {
        let total = self.total();
        if total <= available {
            return Ok(());
        }
        let d = self.dominant();
        Err(format!(
            "this run needs about {} but {} are available; most of it is {} ({}): {}",
            human(total),
            human(available),
            d.what,
            human(d.bytes),
            d.fix
        ))
    }
}

/// `12.3 GB`.
pub fn human(bytes: f64) -> String {
    let units = ["B", "kB", "MB", "GB", "TB", "PB"];
    let mut v = bytes;
    let mut u = 0;
    while v >= 1000.0 && u + 1 < units.len() {
        v /= 1000.0;
        u += 1;
    }
    if u + 1 == units.len() && v >= 1000.0 {
        format!("{bytes:.1e} B")
    } else {
        format!("{v:.1} {}", units[u])
    }
}

/// The estimate for `config`, whose sizes may be absurd (they are read as `f64`). `budget` is
/// the memory available, used to say what fits.
pub fn estimate(config: &Config, budget: f64) -> Result<MemoryEstimate, String> {
    let problem = config.problem()?;
    let d = problem.domain.dim() as f64;
    let spec = problem.residual.spec();
    let tracked = (0..spec.dim()).filter(|&i| spec.is_tracked(i)).count() as f64;
    let streams = 1.0 + tracked + spec.second_order().len() as f64;
    let b = match config.dtype {
        pinn_model::backend::Dtype::F32 => 4.0,
        pinn_model::backend::Dtype::F64 => 8.0,
    };
    let m = &config.model;
    let width = m.width as f64;
    let depth = m.depth as f64;
    let features = match &m.features {
        None => d,
        Some(FeaturesConfig::Periodic { max_mode, .. }) => {
            2.0 * (2.0 * *max_mode as f64 + 1.0).powf(d)
        }
        Some(FeaturesConfig::Random { count, .. }) => 2.0 * *count as f64,
        Some(FeaturesConfig::Axes { max_modes }) => {
            d + 2.0 * max_modes.iter().sum::<usize>() as f64
        }
    };
    // A system: `m` outputs (one per field), `k` residual rows per interior point.
    let (m_out, k_eq) = config.pde.problem().map_or((1.0, 1.0), |p| {
        let r = &p.residual;
        (r.fields().len() as f64, r.equations().len() as f64)
    });
    let n_params = if depth == 0.0 {
        (features + 1.0) * m_out
    } else {
        features * width + width + (depth - 1.0) * (width * width + width) + (width + 1.0) * m_out
    };
    let faces = 2.0 * d + 2.0;
    let rows = k_eq * config.points.interior as f64 + config.points.boundary as f64 * faces;
    let widest = width.max(features);
    let per_row = 6.0 * streams * widest * (depth + 1.0) * b;
    let features_fix = match &m.features {
        Some(FeaturesConfig::Periodic { .. }) => "lower model.features.max_mode or model.width",
        Some(FeaturesConfig::Random { .. }) => "lower model.features.count or model.width",
        Some(FeaturesConfig::Axes { .. }) => "lower model.features.max_modes or model.width",
        None => "lower model.width or model.depth",
    };
    let fitting_rows = (0.5 * budget / per_row).floor();
    let activation_fix = if fitting_rows < 1000.0 {
        format!("{features_fix} (each layer is {widest:.0} wide)")
    } else {
        format!("lower points.interior to at most {fitting_rows:.0} or model.width")
    };
    let mut terms = vec![MemoryTerm {
        what: "the activations of the collocation points",
        bytes: rows * per_row,
        fix: activation_fix,
    }];
    let history = config
        .train
        .stages
        .iter()
        .map(|s| match s {
            Stage::Lbfgs(c) => c.history as f64,
            _ => 0.0,
        })
        .fold(0.0, f64::max);
    terms.push(MemoryTerm {
        what: "the parameters and the optimizer state",
        bytes: n_params * 8.0 * (6.0 + 2.0 * history),
        fix: features_fix.to_string(),
    });
    let dense_gn = config
        .train
        .stages
        .iter()
        .any(|s| matches!(s, Stage::GaussNewton(c) if c.solver == GaussNewtonSolver::Cholesky));
    if dense_gn {
        terms.push(MemoryTerm {
            what: "the dense Gauss–Newton Jacobian and matrix",
            bytes: rows * n_params * 8.0 + 2.0 * n_params * n_params * 8.0,
            fix: format!(
                "use solver = \"cg\" (matrix-free) in the gauss_newton stage, or lower \
                 points.interior, or fewer parameters ({features_fix})"
            ),
        });
    }
    let grid = config.train.eval_grid as f64;
    terms.push(MemoryTerm {
        what: "the evaluation grid",
        bytes: grid.powf(d) * (d + 1.0 + 2.0 * widest) * 8.0,
        fix: format!(
            "lower train.eval_grid to at most {:.0}",
            (0.25 * budget / ((d + 1.0 + 2.0 * widest) * 8.0))
                .powf(1.0 / d)
                .floor()
                .max(2.0)
        ),
    });
    Ok(MemoryEstimate { terms })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(extra: &str) -> Config {
        let text = format!(
            "[pde]\nname = \"poisson2d\"\n{extra}\n[[train.stages]]\noptimizer = \"gauss_newton\"\nsteps = 1\n"
        );
        Config::parse(&text, "test", None).unwrap()
    }

    #[test]
    fn a_small_run_fits_and_a_huge_one_names_its_term() {
        // The defaults (4096 points, 64×4, dense Gauss–Newton): about 3.3 GB, mostly `A`.
        let small = estimate(&config(""), 1e10).unwrap();
        assert!(small.fits(1e10).is_ok(), "{:?}", small);
        assert!((3e9..4e9).contains(&small.total()), "{:?}", small);
        let huge = estimate(&config("[points]\ninterior = 1000000000000"), 1e10).unwrap();
        let e = huge.fits(1e10).unwrap_err();
        // With 12 673 parameters the Jacobian's rows dominate the activations.
        assert!(e.contains("Gauss–Newton Jacobian"), "{e}");
        assert!(e.contains("points.interior"), "{e}");
        let wide = estimate(&config("[model]\nwidth = 1000000"), 1e10).unwrap();
        let e = wide.fits(1e10).unwrap_err();
        assert!(e.contains("Gauss–Newton"), "{e}");
    }

    #[test]
    fn sizes_do_not_overflow() {
        let grid = estimate(&config("[train]\neval_grid = 4194304"), 1e10);
        // poisson2d is 2-D: 2^44 points.
        let e = grid.unwrap().fits(1e10).unwrap_err();
        assert!(e.contains("evaluation grid"), "{e}");
        assert!(human(1e30).contains("e30"), "{}", human(1e30));
    }
}
