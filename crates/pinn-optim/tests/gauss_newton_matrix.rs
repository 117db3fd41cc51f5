//! In f64: the Gauss–Newton matrix assembled from per-row backward passes equals half the
//! Hessian of the loss for a linear model (checked by finite differences of the gradient),
//! and its least-squares loss is the PINN loss.

use pinn_loss::pde::Poisson;
use pinn_loss::{PinnLoss, PointsConfig, Sampler};
use pinn_model::backend::{Backend, Dtype, autodiff_device};
use pinn_model::{FeaturesConfig, Model, ModelConfig, params};
use pinn_optim::jacobian::jacobian_blocks;
use pinn_optim::{
    DenseSystem, GaussNewtonConfig, GaussNewtonSolver, GaussNewtonSystem, MatrixFreeSystem,
    RowSpaceSystem, Stage,
};

#[test]
fn gauss_newton_matrix_is_half_the_hessian_for_a_linear_model() {
    let device = autodiff_device(Backend::Flex, Dtype::F64).unwrap();
    let mut problem = Poisson::new(1).problem("poisson1d");
    problem.set_weight("boundary", 3.0).unwrap();
    let points = PointsConfig {
        interior: 40,
        boundary: 2,
        sampler: Sampler::Halton,
    };
    let loss = PinnLoss::new(&problem, &points, 0, &device).unwrap();
    let cfg = ModelConfig {
        depth: 0,
        features: Some(FeaturesConfig::Periodic {
            max_mode: 3,
            precondition: false,
        }),
        ..ModelConfig::default()
    };
    let model = cfg.init(&[0.0], &[1.0], 1, &device).unwrap();
    let ls = jacobian_blocks(&loss, &model, 2);
    let theta = params::flatten(&model);
    let l_pinn: f64 = loss.terms(&model).total().into_scalar();
    assert!(
        (ls.loss(&theta) - l_pinn).abs() < 1e-12 * l_pinn.max(1.0),
        "{} vs {l_pinn}",
        ls.loss(&theta)
    );
    let a = ls.matrix();
    let grad = |t: &[f64]| {
        let m = params::unflatten(model.clone(), t);
        params::flatten_grads(&m, &loss.terms(&m).total().backward())
    };
    let h = 1e-5;
    let n = theta.len();
    let mut worst: f64 = 0.0;
    let scale = (0..n).fold(0.0_f64, |m, i| m.max(a[(i, i)].abs()));
    for j in 0..n {
        let (mut p, mut q) = (theta.clone(), theta.clone());
        p[j] += h;
        q[j] -= h;
        let (gp, gq) = (grad(&p), grad(&q));
        for i in 0..n {
            let hess = (gp[i] - gq[i]) / (2.0 * h);
            worst = worst.max((hess - 2.0 * a[(i, j)]).abs() / scale);
        }
    }
    println!("max |H − 2A| / max|A_ii| = {worst:e} over {n} parameters");
    assert!(worst < 1e-7, "{worst:e}");
}

/// Adam warm-up, then Gauss–Newton with `solver`, on 1D Poisson with a 1→20×2→1 MLP.
fn poisson1d_gauss_newton(gauss_newton: Stage) -> f64 {
    use pinn_loss::L2Error;
    use pinn_optim::{TrainSettings, train};
    let device = autodiff_device(Backend::Flex, Dtype::F64).unwrap();
    let mut problem = Poisson::new(1).problem("poisson1d");
    problem.set_weight("boundary", 10.0).unwrap();
    let points = PointsConfig {
        interior: 128,
        boundary: 2,
        sampler: Sampler::Grid,
    };
    let loss = PinnLoss::new(&problem, &points, 0, &device).unwrap();
    let cfg = ModelConfig {
        width: 20,
        depth: 2,
        ..ModelConfig::default()
    };
    let model = cfg.init(&[0.0], &[1.0], 0, &device).unwrap();
    let l2 = L2Error::on_grid(&problem, 512, &device).unwrap();
    let mut settings =
        TrainSettings::new(vec![Stage::adam_decaying(200, 1e-2, 1e-3), gauss_newton]);
    settings.eval_every = 50;
    let out = train(model, &loss, &settings, Some(&l2), &mut ()).unwrap();
    let rel = out.rel_l2.unwrap();
    println!(
        "poisson1d, Adam 200 + Gauss–Newton: rel. L2 {rel:.3e}, loss {:.3e} after {} steps ({:?})",
        out.loss, out.steps, out.termination
    );
    rel
}

#[test]
fn gauss_newton_trains_poisson1d_to_1e_5() {
    let rel = poisson1d_gauss_newton(Stage::gauss_newton(200));
    assert!(rel <= 1e-5, "rel. L2 {rel:e}");
}

#[test]
fn matrix_free_gauss_newton_trains_poisson1d_to_1e_5() {
    let stage = Stage::GaussNewton(GaussNewtonConfig {
        cg_iterations: 50,
        cg_tolerance: 1e-6,
        ..GaussNewtonConfig::new(100, GaussNewtonSolver::Cg)
    });
    let rel = poisson1d_gauss_newton(stage);
    assert!(rel <= 1e-5, "rel. L2 {rel:e}");
}

#[test]
fn matrix_free_step_matches_the_dense_step() {
    let (loss, model) = poisson2d_8x2(60, 20, 1.0);
    let theta = params::flatten(&model);
    let blocks = jacobian_blocks(&loss, &model, 2);
    let mut dense = DenseSystem::new(&blocks, &theta);
    let config = GaussNewtonConfig {
        cg_iterations: 2000,
        cg_tolerance: 1e-13,
        ..GaussNewtonConfig::new(1, GaussNewtonSolver::Cg)
    };
    let mut free = MatrixFreeSystem::new(&loss, &model, 2, &config);
    assert!((dense.loss() - free.loss()).abs() <= 1e-12 * dense.loss());
    let g_err = max_abs_diff(dense.half_gradient(), free.half_gradient());
    assert!(g_err <= 1e-12 * max_abs(dense.half_gradient()));
    let mu = 1e-3 * dense.damping_scale();
    let d_dense = dense.solve(mu).unwrap();
    let d_free = free.solve(mu).unwrap();
    let (norm, diff) = (norm2(&d_dense), distance(&d_dense, &d_free));
    println!(
        "‖δ_cg − δ_cholesky‖/‖δ‖ = {:.2e} after {} products with A ({} parameters)",
        diff / norm,
        free.products,
        theta.len()
    );
    assert!(diff <= 1e-8 * norm, "{:e}", diff / norm);
    let (c1, c2) = (dense.curvature(&d_dense), free.curvature(&d_dense));
    assert!((c1 - c2).abs() <= 1e-10 * c1, "{c1} vs {c2}");
}

#[test]
fn sharded_evaluation_matches_one_thread_for_any_thread_count() {
    use pinn_optim::Evaluator;
    let (loss, model) = poisson2d_8x2(200, 40, 1.0);
    let (terms1, g1) = Evaluator::new(&loss, 1).value_grad(&model);
    // Three or more threads on shared parameter leaves used to deadlock burn's autodiff.
    // Shards of at most 4 points: several to a thread; with 8 threads, 56 shards for the 40
    // boundary points, so that some hold none.
    let evaluators = [2, 3, 5, 8]
        .into_iter()
        .flat_map(|threads| [None, Some(4)].map(|points| (threads, points)));
    for (threads, points) in evaluators {
        let eval = Evaluator::new(&loss, threads).with_shard_points(points);
        let (terms, g) = eval.value_grad(&model);
        assert_eq!(terms.len(), terms1.len());
        for ((n, a), (_, b)) in terms.iter().zip(&terms1) {
            assert!(
                (a - b).abs() <= 1e-12 * b.abs(),
                "{threads} threads, shards of {points:?}, {n}: {a} vs {b}"
            );
        }
        let scale = g1.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        let err = g
            .iter()
            .zip(&g1)
            .fold(0.0_f64, |m, (a, b)| m.max((a - b).abs()))
            / scale;
        assert!(
            err < 1e-12,
            "{threads} threads, shards of {points:?}: gradient differs by {err:e}"
        );
        let blocks = jacobian_blocks(&loss, &model, threads);
        assert_eq!(
            blocks
                .blocks
                .iter()
                .map(|b| b.jacobian.nrows())
                .sum::<usize>(),
            loss.num_rows()
        );
    }
}

#[test]
fn device_assembly_matches_the_host_assembly() {
    // `A`, `g` and `L` formed by tensor products chunk by chunk (the GPU path) equal those
    // formed on the host from `J̃`, for chunks that split the terms' rows unevenly.
    let (loss, model) = poisson2d_8x2(70, 24, 1.0);
    let theta = params::flatten(&model);
    let mut host = DenseSystem::new(&jacobian_blocks(&loss, &model, 2), &theta);
    let n = theta.len();
    let scale = host.damping_scale();
    let probe: Vec<f64> = (0..n).map(|i| ((i * 7 % 11) as f64 - 5.0) / 5.0).collect();
    for rows in [16, 64, 1000] {
        let mut device_system = DenseSystem::on_device(&loss, &model, rows).unwrap();
        assert!(
            (device_system.loss() - host.loss()).abs() <= 1e-13 * host.loss(),
            "rows {rows}: loss {} vs {}",
            device_system.loss(),
            host.loss()
        );
        let g_err = max_abs_diff(host.half_gradient(), device_system.half_gradient());
        assert!(
            g_err <= 1e-13 * max_abs(host.half_gradient()),
            "rows {rows}: g differs by {g_err:e}"
        );
        assert!((device_system.damping_scale() - scale).abs() <= 1e-13 * scale);
        let (c1, c2) = (host.curvature(&probe), device_system.curvature(&probe));
        assert!(
            (c1 - c2).abs() <= 1e-12 * c1,
            "rows {rows}: pᵀAp {c1} vs {c2}"
        );
    }
}

#[test]
fn row_space_step_matches_the_dense_step_with_fewer_rows_than_parameters() {
    // 42 weighted rows, 105 parameters: δ = −J̃ᵀ(J̃J̃ᵀ + μI)⁻¹r̃ equals −(J̃ᵀJ̃ + μI)⁻¹J̃ᵀr̃.
    let (loss, model) = poisson2d_8x2(30, 12, 3.0);
    let theta = params::flatten(&model);
    let blocks = jacobian_blocks(&loss, &model, 2);
    assert!(
        blocks.rows() < blocks.dim(),
        "{} rows, {} parameters",
        blocks.rows(),
        blocks.dim()
    );
    let mut dense = DenseSystem::new(&blocks, &theta);
    let mut rows = RowSpaceSystem::new(&blocks, &theta);
    assert!((dense.loss() - rows.loss()).abs() <= 1e-13 * dense.loss());
    let g_err = max_abs_diff(dense.half_gradient(), rows.half_gradient());
    assert!(
        g_err <= 1e-13 * max_abs(dense.half_gradient()),
        "g differs by {g_err:e}"
    );
    let scale = dense.damping_scale();
    assert!((rows.damping_scale() - scale).abs() <= 1e-13 * scale);
    for mu in [1e-6 * scale, 1e-3 * scale, scale] {
        let (d1, d2) = (dense.solve(mu).unwrap(), rows.solve(mu).unwrap());
        let (norm, diff) = (norm2(&d1), distance(&d1, &d2));
        assert!(
            diff <= 1e-8 * norm,
            "μ = {mu:e}: ‖δ_rows − δ_dense‖/‖δ‖ = {:e}",
            diff / norm
        );
        let (c1, c2) = (dense.curvature(&d1), rows.curvature(&d1));
        assert!(
            (c1 - c2).abs() <= 1e-10 * c1,
            "μ = {mu:e}: δᵀAδ {c1} vs {c2}"
        );
    }
}

/// 2D Poisson on `interior` + `boundary` Halton points (the boundary term weighted by
/// `boundary_weight`) and an MLP 2→8×2→1, in f64.
fn poisson2d_8x2(interior: usize, boundary: usize, boundary_weight: f64) -> (PinnLoss, Model) {
    let device = autodiff_device(Backend::Flex, Dtype::F64).unwrap();
    let mut problem = Poisson::new(2).problem("poisson2d");
    problem.set_weight("boundary", boundary_weight).unwrap();
    let points = PointsConfig {
        interior,
        boundary,
        sampler: Sampler::Halton,
    };
    let loss = PinnLoss::new(&problem, &points, 0, &device).unwrap();
    let model = ModelConfig {
        width: 8,
        depth: 2,
        ..ModelConfig::default()
    }
    .init(&[0.0, 0.0], &[1.0, 1.0], 0, &device)
    .unwrap();
    (loss, model)
}

/// `max_i |a_i|`.
fn max_abs(a: &[f64]) -> f64 {
    a.iter().fold(0.0_f64, |m, v| m.max(v.abs()))
}

/// `max_i |a_i − b_i|`.
fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .fold(0.0_f64, |m, (x, y)| m.max((x - y).abs()))
}

/// `‖a‖₂`.
fn norm2(a: &[f64]) -> f64 {
    a.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// `‖a − b‖₂`.
fn distance(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).powi(2))
        .sum::<f64>()
        .sqrt()
}
