//! wgpu in f32 against flex in f32: the same seeded model and points give the same loss, and
//! a few Adam steps lower it. Compiled with `--features wgpu`; runs only when
//! `PINN_TEST_WGPU=1` (the first step compiles shaders: minutes on lavapipe, seconds on a GPU).

#![cfg(feature = "wgpu")]

use burn::optim::{AdamConfig, GradientsParams};
use pinn::loss::pde::Poisson;
use pinn::loss::{PinnLoss, PointsConfig, Sampler};
use pinn::model::ModelConfig;
use pinn::model::backend::{Backend, Dtype, autodiff_device};

fn losses(backend: Backend) -> Vec<f64> {
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
fn wgpu_matches_flex_in_f32() {
    if std::env::var("PINN_TEST_WGPU").as_deref() != Ok("1") {
        eprintln!("skipped: set PINN_TEST_WGPU=1 to run the wgpu test");
        return;
    }
    let cpu = losses(Backend::Flex);
    let gpu = losses(Backend::Wgpu);
    println!("flex {cpu:?}\nwgpu {gpu:?}");
    for (a, b) in cpu.iter().zip(&gpu) {
        assert!((a - b).abs() <= 1e-3 * a.abs(), "flex {a} vs wgpu {b}");
    }
    assert!(gpu[4] < gpu[0], "Adam lowers the loss on wgpu");
}
