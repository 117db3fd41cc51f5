//! The GPU backends in f32 against flex in f32: the same seeded model and points give the same
//! loss, and a few Adam steps lower it; the second-order machinery (hard-constraint ansatz,
//! per-sample Jacobian probes, parameter-tangent products, Gauss–Newton steps with `A` assembled
//! on the device) runs on the GPU and agrees. Compiled with `--features wgpu` and/or
//! `--features cuda`; runs the backends listed in `PINN_TEST_GPU` (e.g. `PINN_TEST_GPU=wgpu,cuda`;
//! the first step compiles kernels: minutes on lavapipe, seconds on a GPU).

#![cfg(any(feature = "wgpu", feature = "cuda"))]

use burn::optim::{AdamConfig, GradientsParams};
use pinn::loss::pde::Poisson;
use pinn::loss::{PinnLoss, PointsConfig, Sampler};
use pinn::model::backend::{Backend, Dtype, autodiff_device};
use pinn::model::{Field, ModelConfig};

/// The backends named in `PINN_TEST_GPU` (empty: the tests are skipped).
fn gpu_backends() -> Vec<Backend> {
    let list = std::env::var("PINN_TEST_GPU").unwrap_or_default();
    let backends: Vec<Backend> = list
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse()
                .expect("PINN_TEST_GPU lists backends, e.g. wgpu,cuda")
        })
        .collect();
    if backends.is_empty() {
        eprintln!("skipped: set PINN_TEST_GPU=wgpu (or cuda, or wgpu,cuda) to run the GPU tests");
    }
    backends
}

/// The losses of 5 Adam steps; `fused`: the hidden layers as fused kernels.
fn losses(backend: Backend, fused: bool) -> Vec<f64> {
    let device = autodiff_device(backend, Dtype::F32).unwrap();
    let problem = Poisson::new(2).problem("poisson2d");
    let points = PointsConfig {
        interior: 256,
        boundary: 64,
        sampler: Sampler::Halton,
    };
    let loss = PinnLoss::new(&problem, &points, 0, &device).unwrap();
    let cfg = ModelConfig {
        width: 16,
        depth: 2,
        ..ModelConfig::default()
    };
    let mut model = cfg.init(&[0.0, 0.0], &[1.0, 1.0], 0, &device).unwrap();
    if fused {
        model = model.map_layers(&mut |d| d.with_fused(true)).unwrap();
    }
    let mut optim = AdamConfig::new().init();
    let mut out = Vec::new();
    for _ in 0..5 {
        let total = loss.terms(&model).total();
        out.push(total.clone().into_scalar::<f64>());
        let grads = GradientsParams::from_grads(total.backward(), &model);
        model = optim.step(1e-2, model, grads);
    }
    out
}

#[test]
fn gpu_matches_flex_in_f32() {
    for backend in gpu_backends() {
        let cpu = losses(Backend::Flex, false);
        let gpu = losses(backend, false);
        let fused = losses(backend, true);
        println!("flex {cpu:?}\n{backend} {gpu:?}\n{backend}, fused layers {fused:?}");
        for ((a, b), c) in cpu.iter().zip(&gpu).zip(&fused) {
            assert!((a - b).abs() <= 1e-3 * a.abs(), "flex {a} vs {backend} {b}");
            assert!(
                (a - c).abs() <= 1e-3 * a.abs(),
                "flex {a} vs {backend}, fused {c}"
            );
        }
        assert!(gpu[4] < gpu[0], "Adam lowers the loss on {backend}");
    }
}

/// Heat equation under the hard-constraint ansatz: `J̃v` from tangent probes, the per-sample
/// Jacobian's `A v`, and the losses of 3 Gauss–Newton steps (dense, then matrix-free).
fn second_order(backend: Backend) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    use pinn::optim::jacobian::{jacobian_blocks, jvp};
    use pinn::optim::{GaussNewtonSolver, Stage, TrainSettings, train};
    let device = autodiff_device(backend, Dtype::F32).unwrap();
    let problem = pinn::loss::pde::PdeConfig::Heat1d {
        nu: 0.1,
        unknown_nu: None,
    }
    .problem()
    .unwrap();
    let points = PointsConfig {
        interior: 200,
        boundary: 1,
        sampler: Sampler::Halton,
    };
    let loss = PinnLoss::new(&problem.without_conditions(), &points, 0, &device).unwrap();
    let cfg = ModelConfig {
        width: 12,
        depth: 2,
        hard_constraints: true,
        ..ModelConfig::default()
    };
    let model = cfg
        .init_constrained(
            problem.ansatz().unwrap(),
            &[0.0, 0.0],
            &[1.0, 1.0],
            1,
            0,
            &device,
            &|_| None,
        )
        .unwrap();
    let n = burn::module::Module::num_params(&model);
    let v: Vec<f64> = (0..n).map(|i| ((i * 37) % 11) as f64 / 5.0 - 1.0).collect();
    let (_, jv) = jvp(&loss, &model, &v, 1).unwrap();
    let a = jacobian_blocks(&loss, &model, 1).matrix();
    let av: Vec<f64> = (0..n)
        .map(|i| (0..n).map(|j| a[(i, j)] * v[j]).sum())
        .collect();
    let mut losses = Vec::new();
    for solver in [GaussNewtonSolver::Cholesky, GaussNewtonSolver::Cg] {
        let mut settings = TrainSettings::new(vec![Stage::gauss_newton_with(3, solver)]);
        settings.threads = 1;
        settings.gram_on_device = backend.is_gpu();
        losses.push(
            train(model.clone(), &loss, &settings, None, &mut ())
                .unwrap()
                .loss,
        );
    }
    let initial: f64 = loss.terms(&model).total().into_scalar();
    losses.insert(0, initial);
    (jv, av, losses)
}

#[test]
fn second_order_training_runs_on_gpu() {
    for backend in gpu_backends() {
        second_order_agrees(backend);
    }
}

fn second_order_agrees(backend: Backend) {
    let (jv_cpu, av_cpu, l_cpu) = second_order(Backend::Flex);
    let (jv_gpu, av_gpu, l_gpu) = second_order(backend);
    let rel = |a: &[f64], b: &[f64]| {
        let scale = a.iter().fold(0.0_f64, |m, x| m.max(x.abs()));
        a.iter()
            .zip(b)
            .fold(0.0_f64, |m, (x, y)| m.max((x - y).abs()))
            / scale
    };
    println!(
        "J̃v {backend} vs flex: {:.2e}; A v: {:.2e}; losses (init, 3 GN Cholesky, 3 GN CG) flex {l_cpu:?} {backend} {l_gpu:?}",
        rel(&jv_cpu, &jv_gpu),
        rel(&av_cpu, &av_gpu)
    );
    assert!(rel(&jv_cpu, &jv_gpu) < 1e-4);
    assert!(rel(&av_cpu, &av_gpu) < 1e-4);
    assert!((l_cpu[0] - l_gpu[0]).abs() <= 1e-4 * l_cpu[0]);
    for l in [&l_cpu, &l_gpu] {
        assert!(
            l[1] < 0.1 * l[0] && l[2] < 0.1 * l[0],
            "Gauss–Newton lowers the loss: {l:?}"
        );
    }
}
