//! Neumann and Robin conditions, in f64: the flux term against central differences of the
//! model (sign of the outward normal included), and Gauss–Newton training to the exact
//! solutions of `poisson1d_neumann` (`sin(πx/2)`) and `poisson1d_robin` (`cos x`), with the
//! flux condition as a loss term under soft and under hard constraints.

use std::sync::Arc;

use burn::Tensor;
use pinn_loss::pde::PdeConfig;
use pinn_loss::{Condition, Face, PinnLoss, PointsConfig, Sampler, Setup, Trainable};
use pinn_model::backend::{Backend, Dtype, autodiff_device};
use pinn_model::{Field, ModelConfig};
use pinn_optim::{Stage, TrainSettings, train};

fn scalar(t: Tensor<1>) -> f64 {
    t.into_data_as::<f64>().iter::<f64>().next().unwrap()
}

#[test]
fn the_flux_term_matches_central_differences_with_the_outward_normal() {
    let device = autodiff_device(Backend::Flex, Dtype::F64).unwrap();
    let model = ModelConfig {
        width: 8,
        depth: 2,
        ..ModelConfig::default()
    }
    .init(&[0.0], &[1.0], 3, &device)
    .unwrap();
    let u = |x: f64| {
        let t = Tensor::<2>::from_data(burn::tensor::TensorData::new(vec![x], [1, 1]), &device);
        model
            .forward(t)
            .into_data_as::<f64>()
            .iter::<f64>()
            .next()
            .unwrap()
    };
    let h = 1e-5;
    let du = |x: f64| (u(x + h) - u(x - h)) / (2.0 * h);
    for (upper, x, normal) in [(true, 1.0, 1.0), (false, 0.0, -1.0)] {
        let mut problem = PdeConfig::Poisson1d {}.problem().unwrap();
        let face = Face { axis: 0, upper };
        problem.conditions = vec![Condition::robin(
            "flux",
            vec![face],
            2.0,
            3.0,
            Arc::new(|_| 0.5),
        )];
        let points = PointsConfig {
            interior: 4,
            boundary: 1,
            sampler: Sampler::Grid,
        };
        let loss = PinnLoss::new(&problem, &points, 0, &device).unwrap();
        let terms = loss.terms(&model).terms;
        let flux = scalar(terms[1].1.clone());
        let expected = (2.0 * u(x) + 3.0 * normal * du(x) - 0.5).powi(2);
        println!("face x = {x}: term {flux:.12e}, central differences {expected:.12e}");
        assert!(
            (flux - expected).abs() <= 1e-8 * expected.max(1.0),
            "{flux} vs {expected}"
        );
    }
}

fn trained(pde: PdeConfig, hard: bool) -> f64 {
    let device = autodiff_device(Backend::Flex, Dtype::F64).unwrap();
    let Trainable {
        loss, model, l2, ..
    } = Setup::new(pde.problem().unwrap())
        .points(PointsConfig {
            interior: 64,
            boundary: 8,
            sampler: Sampler::Grid,
        })
        .model(ModelConfig {
            width: 12,
            depth: 2,
            hard_constraints: hard,
            ..ModelConfig::default()
        })
        .build(&device)
        .unwrap();
    assert!(
        loss.term_names()
            .iter()
            .any(|n| n == "neumann" || n == "robin"),
        "the flux condition stays a loss term: {:?}",
        loss.term_names()
    );
    let settings = TrainSettings {
        threads: 1,
        ..TrainSettings::new(vec![Stage::gauss_newton(60)])
    };
    let outcome = train(model, &loss, &settings, l2.as_ref(), &mut ()).unwrap();
    outcome.rel_l2.unwrap()
}

#[test]
fn gauss_newton_reaches_the_exact_solutions_of_neumann_and_robin_problems() {
    for (pde, name) in [
        (PdeConfig::Poisson1dNeumann {}, "neumann"),
        (PdeConfig::Poisson1dRobin {}, "robin"),
    ] {
        for hard in [false, true] {
            let rel = trained(pde.clone(), hard);
            println!("{name}, hard constraints {hard}: rel. L2 {rel:.2e}");
            assert!(rel < 1e-5, "{name} (hard {hard}): {rel}");
        }
    }
}
