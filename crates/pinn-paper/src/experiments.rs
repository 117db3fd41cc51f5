//! The experiments of De Ryck, Bonnet, Mishra & de Bézenac, "An operator preconditioning
//! perspective on training in physics-informed machine learning" (ICLR 2024), with the
//! settings of `paper-notes.md` §3, plus the relative L² error the paper omits.
//!
//! A failed eigensolve (a matrix that is not numerically positive semi-definite) is an error
//! everywhere here, never a silent `κ = ∞`.
//!
//! - E1: Poisson `−u'' = f` on `[−π, π]`, linear Fourier model, κ and GD with and without `P`.
//! - E4: κ as a function of the boundary weight λ, with and without `P`.
//! - E5: Helmholtz `u'' + ω²u = 0`, `ω = 4`, Cauchy data at the left end.
//!
//! Every matrix is assembled from the library's own [`FourierFeatures`] jets and
//! [`Residual`]s, so these experiments also exercise the model and loss code.

use std::f64::consts::PI;
use std::sync::Arc;

use burn::Tensor;
use burn::tensor::{Device, TensorData};
use pinn_loss::pde::{Advection, Poisson};
use pinn_loss::{Condition, Domain, PinnLoss, PointsConfig, Problem, RESIDUAL, Residual, Sampler};
use pinn_model::init::Seeded;
use pinn_model::{
    Activation, Dense, FourierFeatures, FourierMlp, Jet, JetSpec, LinearFourier, Mlp, Model,
    SecondOrder,
};
use pinn_optim::balance::{BOUNDARY_GROUP, kappa_optimal_multiplier};
use pinn_optim::default_threads;
use pinn_optim::jacobian::jacobian_blocks;
use pinn_optim::linear::{Block, Grams, LinearLeastSquares};
use pinn_optim::spectrum::Spectrum;
use serde::Serialize;

use crate::precondition::{ZeroModes, diagonal_preconditioner, feature_rows, operator_rows};

/// A 1D linear-Fourier experiment at one `K`: the least-squares problem, the preconditioner,
/// and what is needed for the relative L² error.
pub struct LinearSetup {
    /// The loss (boundary weight λ = 1).
    pub problem: LinearLeastSquares,
    /// The term whose weight λ is tuned (`boundary`, `initial`).
    pub weighted: &'static str,
    /// `P`, one entry per feature.
    pub p: Vec<f64>,
    /// Feature values on the evaluation grid, `u = V θ`.
    values: faer::Mat<f64>,
    /// The exact solution on that grid.
    exact: Vec<f64>,
}

impl LinearSetup {
    /// Relative L² error of `θ` on the grid.
    pub fn rel_l2(&self, theta: &[f64]) -> f64 {
        let (mut num, mut den) = (0.0, 0.0);
        for (r, u_star) in self.exact.iter().enumerate() {
            let u: f64 = (0..self.values.ncols())
                .map(|c| self.values[(r, c)] * theta[c])
                .sum();
            num += (u - u_star).powi(2);
            den += u_star * u_star;
        }
        (num / den).sqrt()
    }
}

fn column(xs: &[f64], device: &Device) -> Tensor<2> {
    pinn_loss::column(xs.to_vec(), device)
}

/// `n` equispaced points on `[−π, π]`, ends included.
fn grid(n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| -PI + 2.0 * PI * i as f64 / (n - 1) as f64)
        .collect()
}

/// The basis of the notes: `1/√(2π)`, `cos(kx)/√π`, `sin(kx)/√π`, `k = 1..K`.
fn basis(k: usize, device: &Device) -> FourierFeatures {
    FourierFeatures::periodic(&[2.0 * PI], k, true, device)
        .with_mode_scaling(1.0 / (2.0 * PI).sqrt(), &vec![1.0 / PI.sqrt(); k])
}

const POINTS: usize = 1000;

/// A 1D setup on E1's grid: the interior block of `residual`, the given boundary block, `P`,
/// and the exact solution for the rel. L² error.
fn setup_1d(
    features: &FourierFeatures,
    residual: &dyn Residual,
    boundary: Block,
    p: Vec<f64>,
    exact: impl Fn(f64) -> f64,
    device: &Device,
) -> LinearSetup {
    let grid = grid(POINTS);
    LinearSetup {
        problem: LinearLeastSquares {
            blocks: vec![interior_block(features, residual, device), boundary],
        },
        weighted: BOUNDARY_GROUP,
        p,
        values: feature_rows(features, &column(&grid, device), None),
        exact: grid.iter().map(|&x| exact(x)).collect(),
    }
}

fn interior_block(features: &FourierFeatures, residual: &dyn Residual, device: &Device) -> Block {
    let xs = grid(POINTS);
    let jacobian = operator_rows(features, residual, &column(&xs, device));
    Block {
        name: RESIDUAL.into(),
        jacobian,
        target: xs.iter().map(|&x| residual.source(&[x])).collect(),
        weight: 2.0 * PI / POINTS as f64,
    }
}

/// E1's problem at `K`: `−u'' = 16 sin 4x`, `u(±π) = 0`, exact `u = sin 4x`; interior term
/// `dx Σ (Dφ·θ − f)²` over 1000 points, boundary term the plain sum over the two ends.
/// `P = diag(1/k²)`, 20 on the constant mode.
pub fn e1_setup(k: usize, device: &Device) -> LinearSetup {
    let residual = Poisson::with_modes(1, vec![(1.0, 4.0 / PI)]);
    let features = basis(k, device);
    let ends = column(&[-PI, PI], device);
    let boundary = Block {
        name: BOUNDARY_GROUP.into(),
        jacobian: feature_rows(&features, &ends, None),
        target: vec![0.0, 0.0],
        weight: 1.0,
    };
    let zero = ZeroModes {
        constant: 20.0,
        resonant: 1.0,
    };
    let p = diagonal_preconditioner(&features, &residual, zero).expect("Poisson has a symbol");
    setup_1d(
        &features,
        &residual,
        boundary,
        p,
        |x| (4.0 * x).sin(),
        device,
    )
}

/// `u'' + ω²u = 0` in 1D; symbol `ω² − |k|²`.
struct Helmholtz1d {
    omega: f64,
}

impl Residual for Helmholtz1d {
    fn spec(&self) -> JetSpec {
        JetSpec::values(1).with_second(SecondOrder::pure(0))
    }
    fn operator(&self, _x: &Tensor<2>, u: &Jet) -> Tensor<2> {
        u.second_dense(0) + u.value().clone().mul_scalar(self.omega * self.omega)
    }
    fn symbol(&self, k: &[f64]) -> Option<f64> {
        Some(self.omega * self.omega - k[0] * k[0])
    }
}

/// E5's problem at `K`: `u'' + 16u = 0` on `[−π, π]`, `u(−π) = 1`, `u'(−π) = 0`, exact
/// `u = cos 4x`. `P = diag(1/|k² − ω²|)`, `1/ω²` on the constant mode, and on the resonant
/// modes `k = ω` the scale [`E5_RESONANT_SCALE`] divided by the boundary operator's symbol.
pub fn e5_setup(k: usize, device: &Device) -> LinearSetup {
    e5_setup_with(k, E5_RESONANT_SCALE, device)
}

/// The scale of the resonant modes `k = ω` in E5's `P` (see [`e5_setup`]).
pub const E5_RESONANT_SCALE: f64 = 10.0;

/// [`e5_setup`] with a given scale on the resonant modes.
pub fn e5_setup_with(k: usize, resonant: f64, device: &Device) -> LinearSetup {
    let omega = 4.0;
    let residual = Helmholtz1d { omega };
    let features = basis(k, device);
    let left = column(&[-PI], device);
    let value = feature_rows(&features, &left, None);
    let slope = feature_rows(&features, &left, Some(0));
    let n = features.num_features();
    let boundary = Block {
        name: BOUNDARY_GROUP.into(),
        jacobian: faer::Mat::from_fn(
            2,
            n,
            |r, c| if r == 0 { value[(0, c)] } else { slope[(0, c)] },
        ),
        target: vec![1.0, 0.0],
        weight: 1.0,
    };
    let zero = ZeroModes {
        constant: 1.0 / (omega * omega),
        resonant,
    };
    let mut p =
        diagonal_preconditioner(&features, &residual, zero).expect("Helmholtz has a symbol");
    // The resonant modes cos ωx, sin ωx span the kernel of D: only the boundary operator
    // (u(−π), u'(−π)) sees them, with symbol 1 on cos ωx and ω on sin ωx. Scaling sin ωx by
    // 1/ω as well balances the two; with one scale for both, κ(PAP) ≥ ω² = 16 for every λ.
    if let Some(m) = features
        .modes()
        .iter()
        .position(|w| (w[0] - omega).abs() < 1e-12)
    {
        let sin_index = usize::from(features.has_constant()) + features.modes().len() + m;
        p[sin_index] /= omega;
    }
    setup_1d(
        &features,
        &residual,
        boundary,
        p,
        |x| (omega * x).cos(),
        device,
    )
}

/// E2's problem at speed `β`: `u_t + 2πβ u_x = 0`, `x ∈ [0, 2π]` periodic, `t ∈ [0, 1]`,
/// `u(x, 0) = sin x`, exact `u = sin(x − 2πβt)`, on the modes `cos/sin(kx + 2πmt)`,
/// `|k| ≤ 5`, `0 ≤ m ≤ 30` (one of each ± pair, plus the constant), trained on a 256 × 100
/// grid. Interior and initial terms are means. `P = diag(1/|2π(m + βk)|)`, 1 where the symbol
/// vanishes (the resonant modes, the exact solution's among them): [`E2_ZERO_MODES`].
pub fn e2_setup(beta: f64, device: &Device) -> LinearSetup {
    e2_setup_with(beta, E2_ZERO_MODES, device)
}

/// E2's scales where the advection symbol vanishes. At β = 3 a scan of the resonant scale gave
/// κ(PAP) = 2.57 at 1, 1.83 at 1.5 and 2.34 at 2 (constant scale 1); 1.5 is used.
pub const E2_ZERO_MODES: ZeroModes = ZeroModes {
    constant: 1.0,
    resonant: 1.5,
};

/// [`e2_setup`] with given scales on the constant and resonant modes.
pub fn e2_setup_with(beta: f64, zero: ZeroModes, device: &Device) -> LinearSetup {
    let (kx, kt) = (5_i64, 30_i64);
    let mut modes = Vec::new();
    for m in 0..=kt {
        for k in -kx..=kx {
            if m > 0 || k > 0 {
                modes.push(vec![k as f64, 2.0 * PI * m as f64]);
            }
        }
    }
    let features = FourierFeatures::new(modes, 2, true, device);
    let residual = Advection {
        beta: 2.0 * PI * beta,
    };
    let (nx, nt) = (256, 100);
    let xs: Vec<f64> = (0..nx).map(|i| 2.0 * PI * i as f64 / nx as f64).collect();
    let ts: Vec<f64> = (0..nt).map(|j| j as f64 / (nt - 1) as f64).collect();
    let interior: Vec<f64> = ts
        .iter()
        .flat_map(|&t| xs.iter().flat_map(move |&x| [x, t]))
        .collect();
    let points = Tensor::from_data(TensorData::new(interior.clone(), [nx * nt, 2]), device);
    let initial: Vec<f64> = xs.iter().flat_map(|&x| [x, 0.0]).collect();
    let initial = Tensor::from_data(TensorData::new(initial, [nx, 2]), device);
    let p = diagonal_preconditioner(&features, &residual, zero).expect("advection has a symbol");
    let exact: Vec<f64> = interior
        .chunks(2)
        .map(|xt| (xt[0] - 2.0 * PI * beta * xt[1]).sin())
        .collect();
    LinearSetup {
        problem: LinearLeastSquares {
            blocks: vec![
                Block {
                    name: RESIDUAL.into(),
                    jacobian: operator_rows(&features, &residual, &points),
                    target: vec![0.0; nx * nt],
                    weight: 1.0 / (nx * nt) as f64,
                },
                Block {
                    name: "initial".into(),
                    jacobian: feature_rows(&features, &initial, None),
                    target: xs.iter().map(|x| x.sin()).collect(),
                    weight: 1.0 / nx as f64,
                },
            ],
        },
        weighted: "initial",
        p,
        values: feature_rows(&features, &points, None),
        exact,
    }
}

/// The range of `log₁₀ λ` the sweeps search the κ-optimal boundary weight in (wider than the
/// trainer's [`pinn_optim::balance::KAPPA_SEARCH`]: E1's optimum at `K = 95` lies above 10⁶).
pub const SWEEP_LOG_LAMBDA: (f64, f64) = (-4.0, 8.0);

/// One row of a κ sweep (E1, E2, E5).
#[derive(Clone, Debug, Serialize)]
pub struct SweepRow {
    /// The swept parameter (`K` modes for E1 and E5, the speed `β` for E2); the caller names
    /// it in its tables.
    #[serde(skip)]
    pub x: f64,
    /// Parameters `2K + 1`.
    pub n_params: usize,
    /// κ-optimal λ without `P`.
    pub lambda: f64,
    /// κ(A) at that λ.
    pub kappa: f64,
    /// κ-optimal λ with `P`.
    pub lambda_preconditioned: f64,
    /// κ(PAP) at that λ.
    pub kappa_preconditioned: f64,
    /// κ(PAP) at λ = 1 (λ matters).
    pub kappa_preconditioned_lambda1: f64,
    /// First GD step with loss ≤ 1e-10 (`null`: not within the budget).
    #[serde(rename = "steps_to_1e-10")]
    pub steps_to_tol: Option<usize>,
    /// The same with `P`.
    #[serde(rename = "steps_to_1e-10_preconditioned")]
    pub steps_to_tol_preconditioned: Option<usize>,
    /// Loss after the last GD step.
    pub final_loss: f64,
    /// The same with `P`.
    pub final_loss_preconditioned: f64,
    /// Relative L² error after GD.
    pub rel_l2: f64,
    /// The same with `P`.
    pub rel_l2_preconditioned: f64,
    /// Loss per GD step (k = 0..=steps).
    #[serde(skip)]
    pub losses: Vec<f64>,
    /// The same with `P`.
    #[serde(skip)]
    pub losses_preconditioned: Vec<f64>,
}

/// κ-optimal λ, then plain GD from θ = 0 with `η = 1/λ_max(A)`, with and without `P`; `x` is
/// the swept parameter the setup was built for.
pub fn sweep_row(x: f64, setup: &LinearSetup, steps: usize) -> Result<SweepRow, String> {
    let base = &setup.problem;
    let pre = base.preconditioned(&setup.p);
    let term = setup.weighted;
    // Every A(λ) below comes from the Gram matrices, formed once.
    let grams = base.grams();
    let grams_p = grams.preconditioned(&setup.p);
    let (lo, hi) = SWEEP_LOG_LAMBDA;
    let (lambda, kappa) = grams.kappa_optimal_lambda(term, lo, hi);
    let (lambda_p, kappa_p) = grams_p.kappa_optimal_lambda(term, lo, hi);
    let kappa_p1 = Spectrum::of(&grams_p.matrix(term, 1.0))?.kappa;
    let run = |problem: &LinearLeastSquares, grams: &Grams, lambda: f64| {
        let eta = 1.0 / Spectrum::of(&grams.matrix(term, lambda))?.lambda_max;
        let problem = problem.with_lambda(term, lambda);
        Ok::<_, String>(problem.gradient_descent(&vec![0.0; problem.dim()], eta, steps))
    };
    let (losses, theta) = run(base, &grams, lambda)?;
    let (losses_p, theta_p) = run(&pre, &grams_p, lambda_p)?;
    let theta_p: Vec<f64> = theta_p.iter().zip(&setup.p).map(|(t, p)| t * p).collect();
    let first_below = |l: &[f64]| l.iter().position(|&v| v <= 1e-10);
    Ok(SweepRow {
        x,
        n_params: base.dim(),
        lambda,
        kappa,
        lambda_preconditioned: lambda_p,
        kappa_preconditioned: kappa_p,
        kappa_preconditioned_lambda1: kappa_p1,
        steps_to_tol: first_below(&losses),
        steps_to_tol_preconditioned: first_below(&losses_p),
        final_loss: *losses.last().expect("losses"),
        final_loss_preconditioned: *losses_p.last().expect("losses"),
        rel_l2: setup.rel_l2(&theta),
        rel_l2_preconditioned: setup.rel_l2(&theta_p),
        losses,
        losses_preconditioned: losses_p,
    })
}

/// One point of E4: κ at a given λ, with and without `P`.
#[derive(Clone, Debug, Serialize)]
pub struct LambdaRow {
    /// Number of modes.
    #[serde(rename = "K")]
    pub k: usize,
    /// The boundary weight.
    pub lambda: f64,
    /// κ(A(λ)).
    pub kappa: f64,
    /// κ(P A(λ) P).
    pub kappa_preconditioned: f64,
}

/// E4: κ(λ) on E1's problem for `K = 1..=k_max`, λ = 10^[−4, 6] (`per_decade` points each).
pub fn e4_rows(k_max: usize, per_decade: usize, device: &Device) -> Result<Vec<LambdaRow>, String> {
    let mut rows = Vec::new();
    for k in 1..=k_max {
        let setup = e1_setup(k, device);
        let pre = setup.problem.preconditioned(&setup.p);
        for i in 0..=10 * per_decade {
            let lambda = 10f64.powf(-4.0 + i as f64 / per_decade as f64);
            let kappa = |p: &LinearLeastSquares| {
                Spectrum::of(&p.with_lambda(BOUNDARY_GROUP, lambda).matrix()).map(|s| s.kappa)
            };
            rows.push(LambdaRow {
                k,
                lambda,
                kappa: kappa(&setup.problem)?,
                kappa_preconditioned: kappa(&pre)?,
            });
        }
    }
    Ok(rows)
}

/// E3's spectra of `A` (normalised by `λ_max`) for three models on E1's problem with `k = 4`,
/// `K = 12`: (a) the preconditioned linear Fourier model, (b) a plain tanh MLP 1→32×2→1,
/// (c) a GELU MLP 25→32×2→1 fed with preconditioned Fourier features (`1/k²`, 0.1 on the
/// constant). 256 interior points on `[−π, π]` and the two ends; λ is κ-optimal per model.
#[derive(Clone, Debug, Serialize)]
pub struct E3Model {
    /// `linear_fourier_preconditioned`, `mlp`, `mlp_preconditioned_features`.
    pub model: String,
    /// Parameters.
    pub n_params: usize,
    /// The κ-optimal boundary weight.
    pub lambda: f64,
    /// The spectrum at that λ.
    pub spectrum: Spectrum,
}

/// E3: the three spectra (see [`E3Model`]).
pub fn e3(device: &Device) -> Result<Vec<E3Model>, String> {
    let domain = Domain::interval(-PI, PI);
    let faces = domain.spatial_faces();
    let problem = Problem::new("e3", Poisson::with_modes(1, vec![(1.0, 4.0 / PI)]), domain)
        .with_condition(Condition::value(BOUNDARY_GROUP, faces, Arc::new(|_| 0.0)))
        .with_exact(|x| (4.0 * x[0]).sin());
    let points = PointsConfig {
        interior: 256,
        boundary: 2,
        sampler: Sampler::Grid,
    };
    let loss = PinnLoss::new(&problem, &points, 0, device)?;
    let k = 12;
    let inv_k2: Vec<f64> = (1..=k).map(|m| 1.0 / (m * m) as f64).collect();
    let features = |constant: f64| {
        FourierFeatures::periodic(&[2.0 * PI], k, true, device).with_mode_scaling(constant, &inv_k2)
    };
    let mut rng = Seeded::new(0);
    let linear = Model::LinearFourier(LinearFourier {
        features: features(20.0),
        head: Dense::new(2 * k + 1, 1, false, &mut rng, device),
    });
    let mlp = Model::Mlp(Mlp::new(1, 32, 2, 1, Activation::Tanh, &mut rng, device));
    let pff = Model::FourierMlp(FourierMlp {
        features: features(0.1),
        mlp: Mlp::new(2 * k + 1, 32, 2, 1, Activation::Gelu, &mut rng, device),
    });
    [
        ("linear_fourier_preconditioned", linear),
        ("mlp", mlp),
        ("mlp_preconditioned_features", pff),
    ]
    .into_iter()
    .map(|(name, model)| {
        let blocks = jacobian_blocks(&loss, &model, default_threads());
        let (lambda, _) = kappa_optimal_multiplier(&blocks);
        let spectrum = Spectrum::of(&blocks.with_lambda(BOUNDARY_GROUP, lambda).matrix())?;
        Ok(E3Model {
            model: name.into(),
            n_params: blocks.dim(),
            lambda,
            spectrum,
        })
    })
    .collect()
}
