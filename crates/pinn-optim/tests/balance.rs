//! In f64: gradient-norm balancing equalises the weighted terms' gradient norms (α = 0), and
//! the κ-optimal weight lowers the condition number of the Gauss–Newton matrix.

use pinn_loss::pde::PdeConfig;
use pinn_loss::{PinnLoss, PointsConfig, Sampler};
use pinn_model::backend::{Backend, Dtype, autodiff_device};
use pinn_model::{FeaturesConfig, ModelConfig};
use pinn_optim::balance::{rebalance, term_gradient_norms};
use pinn_optim::jacobian::jacobian_blocks;
use pinn_optim::spectrum::Spectrum;
use pinn_optim::{Balance, Stage, TrainSettings, train};

fn points() -> PointsConfig {
    PointsConfig {
        interior: 64,
        boundary: 16,
        sampler: Sampler::Halton,
    }
}

#[test]
fn grad_norm_balancing_equalises_gradient_norms() {
    let device = autodiff_device(Backend::Flex, Dtype::F64).unwrap();
    let problem = PdeConfig::Heat1d {
        nu: 0.1,
        unknown_nu: None,
    }
    .problem()
    .unwrap();
    let mut loss = PinnLoss::new(&problem, &points(), 0, &device).unwrap();
    let cfg = ModelConfig {
        width: 10,
        depth: 2,
        ..ModelConfig::default()
    };
    let model = cfg.init(&[0.0, 0.0], &[1.0, 1.0], 0, &device).unwrap();
    let before = term_gradient_norms(&loss, &model, 2);
    let weights = rebalance(&mut loss, &model, 2, 0.0);
    let after = term_gradient_norms(&loss, &model, 2);
    println!("‖∇L_t‖ before {before:?}, after {after:?}, weights {weights:?}");
    assert_eq!(weights.len(), 2);
    for (t, norm) in after.iter().enumerate().skip(1) {
        assert!(
            (norm - after[0]).abs() <= 1e-10 * after[0],
            "term {t}: {norm} vs residual {}",
            after[0]
        );
    }
    // The residual term is not reweighted.
    assert!((after[0] - before[0]).abs() <= 1e-12 * before[0]);
}

#[test]
fn kappa_optimal_weight_lowers_the_condition_number() {
    let device = autodiff_device(Backend::Flex, Dtype::F64).unwrap();
    let problem = PdeConfig::Poisson1d {}.problem().unwrap();
    let loss = PinnLoss::new(&problem, &points(), 0, &device).unwrap();
    let cfg = ModelConfig {
        depth: 0,
        features: Some(FeaturesConfig::Periodic {
            max_mode: 6,
            precondition: false,
        }),
        ..ModelConfig::default()
    };
    let model = cfg.init(&[0.0], &[1.0], 1, &device).unwrap();
    let kappa = |loss: &PinnLoss| {
        Spectrum::of(&jacobian_blocks(loss, &model, 2).matrix())
            .unwrap()
            .kappa
    };
    let settings = TrainSettings {
        eval_every: 1,
        threads: 2,
        balance: Some(Balance::KappaOptimal),
        ..TrainSettings::new(vec![Stage::gd(1, 1e-9)])
    };
    let outcome = train(model.clone(), &loss, &settings, None, &mut ()).unwrap();
    let lambda = outcome.weights[0].1;
    let mut tuned = loss.clone();
    tuned.set_weight("boundary", lambda);
    let (k1, k_star) = (kappa(&loss), kappa(&tuned));
    println!("κ(A) at λ = 1: {k1:.3e}; at λ* = {lambda:.3e}: {k_star:.3e}");
    assert!(lambda != 1.0 && k_star < k1, "{k_star} vs {k1}");
}
