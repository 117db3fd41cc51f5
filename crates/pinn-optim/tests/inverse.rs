//! An inverse problem, in f64: the diffusivity `ν` of the heat equation `u_t = ν u_xx`,
//! declared as an unknown coefficient of the residual (`HeatInverse`), recovered by Gauss–Newton from noisy
//! observations of `u`; its Jacobian column from the per-sample probes equals the one from a
//! backward pass per row.

use burn::module::Module;
use pinn_loss::pde::HeatInverse;
use pinn_loss::{Condition, PointsConfig, Problem, Sampler, Setup, Trainable, sampling};
use pinn_model::backend::{Backend, Dtype, autodiff_device};
use pinn_model::init::Seeded;
use pinn_model::{Coefficient, ModelConfig, params};
use pinn_optim::jacobian::{jacobian_blocks, supports_probes};
use pinn_optim::{Stage, TrainSettings, train};

/// The diffusivity the data come from.
const NU: f64 = 0.1;

/// The heat problem with `ν` unknown (guess 0.05, bounded to `(0.001, 1)`), and `n`
/// observations of `u` at `ν = 0.1` with Gaussian noise of 1% of their root mean square.
fn inverse_problem(n: usize) -> Problem {
    let nu = Coefficient {
        initial: 0.05,
        bounds: Some((1e-3, 1.0)),
    };
    let problem = HeatInverse { nu }.problem("heat_inverse", NU);
    let exact = problem.exact.clone().unwrap();
    let points = sampling::interior(&problem.domain, Sampler::Halton, n, 11).unwrap();
    let clean: Vec<f64> = points.iter().map(|p| exact(p)[0]).collect();
    let rms = (clean.iter().map(|u| u * u).sum::<f64>() / n as f64).sqrt();
    let mut rng = Seeded::new(5);
    let noisy = clean
        .iter()
        .map(|u| u + 0.01 * rms * rng.normal())
        .collect();
    problem.with_condition(Condition::points("data", points, noisy))
}

fn setup(n: usize, interior: usize, width: usize) -> Trainable {
    let device = autodiff_device(Backend::Flex, Dtype::F64).unwrap();
    Setup::new(inverse_problem(n))
        .points(PointsConfig {
            interior,
            boundary: 64,
            sampler: Sampler::Halton,
        })
        .model(ModelConfig {
            width,
            depth: 2,
            hard_constraints: true,
            ..ModelConfig::default()
        })
        .build(&device)
        .unwrap()
}

#[test]
fn the_unknown_diffusivity_has_its_own_jacobian_column() {
    let Trainable { loss, model, .. } = setup(8, 12, 4);
    assert!(supports_probes(&model), "ν lives in a Dense layer");
    let n = model.num_params();
    let blocks = jacobian_blocks(&loss, &model, 2);
    let mut worst: f64 = 0.0;
    let mut nu_column: f64 = 0.0;
    let mut row = 0;
    for b in &blocks.blocks {
        for r in 0..b.jacobian.nrows() {
            let (_, value) = loss.weighted_rows(&model, row, 1);
            let reference = params::flatten_grads(&model, &value.sum().backward());
            for (c, want) in reference.iter().enumerate() {
                worst = worst.max((b.jacobian[(r, c)] - want).abs());
            }
            nu_column = nu_column.max(reference[n - 1].abs());
            row += 1;
        }
    }
    println!("{row} rows × {n}: max |J_probe − J_rows| = {worst:e}, max |∂r̃/∂w_ν| {nu_column:e}");
    assert!(worst <= 1e-13, "{worst:e}");
    assert!(nu_column > 1e-3, "the residual depends on ν");
}

#[test]
fn gauss_newton_recovers_the_diffusivity_from_noisy_data() {
    let Trainable {
        loss, model, l2, ..
    } = setup(200, 400, 16);
    let start = model.coefficients.as_ref().unwrap().values()[0];
    assert!((start - 0.05).abs() < 1e-15, "{start}");
    let settings = TrainSettings::new(vec![Stage::gauss_newton(80)]);
    let outcome = train(model, &loss, &settings, l2.as_ref(), &mut ()).unwrap();
    let nu = outcome.model.coefficients.as_ref().unwrap().values()[0];
    let error = (nu - NU).abs() / NU;
    println!(
        "ν = {nu:.6} (true {NU}, start 0.05): {:.3}% off; rel. L2 of u {:.2e}",
        100.0 * error,
        outcome.rel_l2.unwrap()
    );
    assert!(error <= 0.01, "ν = {nu}");
    assert!(outcome.rel_l2.unwrap() <= 1e-2);
}
