//! Residual-based adaptive collocation (RAD), in f64: the redrawn points gather where the
//! residual is large, are a function of the model and the step alone, and keep the loss's
//! other terms.

use pinn_loss::pde::PdeConfig;
use pinn_loss::{PointsConfig, Sampler, Setup, Trainable};
use pinn_model::ModelConfig;
use pinn_model::backend::{Backend, Dtype, autodiff_device};
use pinn_optim::Resample;

#[test]
fn redrawn_points_follow_the_residual() {
    let device = autodiff_device(Backend::Flex, Dtype::F64).unwrap();
    let Trainable { loss, model, .. } = Setup::new(PdeConfig::Poisson2d {}.problem().unwrap())
        .points(PointsConfig {
            interior: 200,
            boundary: 40,
            sampler: Sampler::Halton,
        })
        .model(ModelConfig {
            width: 8,
            depth: 2,
            ..ModelConfig::default()
        })
        .build(&device)
        .unwrap();
    let rad = Resample {
        every: 10,
        candidates: 10,
        k: 1.0,
        c: 1.0,
    };
    let points = rad.draw(&loss, &model, 200, 10).unwrap();
    assert_eq!(points.len(), 200);
    assert_eq!(
        points,
        rad.draw(&loss, &model, 200, 10).unwrap(),
        "deterministic"
    );
    assert_ne!(
        points,
        rad.draw(&loss, &model, 200, 20).unwrap(),
        "seeded by the step"
    );
    // The untrained model's residual −Δu − f is dominated by f = 2π² sin πx sin πy: the
    // mean squared residual at the drawn points exceeds the uniform mean.
    let mean = |xs: &[Vec<f64>]| {
        let r = loss.residual_squares(&model, xs).unwrap();
        r.iter().sum::<f64>() / r.len() as f64
    };
    let uniform =
        pinn_loss::sampling::interior(&loss.problem().domain, Sampler::Uniform, 2000, 3).unwrap();
    let (drawn, everywhere) = (mean(&points), mean(&uniform));
    // Without the uniform share (c = 0) and with k = 2 the points follow r² itself.
    let sharp = Resample {
        k: 2.0,
        c: 0.0,
        ..rad.clone()
    };
    let focused = mean(&sharp.draw(&loss, &model, 200, 10).unwrap());
    println!(
        "mean r²: uniformly {everywhere:.3e}, RAD k = 1, c = 1 {drawn:.3e}, k = 2, c = 0 \
         {focused:.3e}"
    );
    assert!(drawn > 1.1 * everywhere, "{drawn} vs {everywhere}");
    assert!(focused > 1.2 * drawn, "{focused} vs {drawn}");
    // The new loss keeps the boundary term and the interior count.
    let moved = loss.with_interior(&points).unwrap();
    assert_eq!(moved.term_names(), loss.term_names());
    assert_eq!(moved.term_rows(), loss.term_rows());
    assert!(rad.validate().is_ok());
    let bad = Resample { every: 0, ..rad };
    assert!(bad.validate().unwrap_err().contains("train.resample.every"));
}
