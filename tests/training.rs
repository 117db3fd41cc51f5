//! End-to-end training through the public API, in f32 on flex: the reference 2D Poisson
//! problem, a custom residual, and the stop on a non-finite loss.

use std::f64::consts::PI;
use std::sync::{Arc, OnceLock};

use burn::Tensor;
use burn::tensor::Device;
use pinn::loss::pde::Poisson;
use pinn::loss::{
    Condition, Domain, L2Error, PinnLoss, PointsConfig, Problem, Residual, Sampler, Setup,
};
use pinn::model::backend::{Backend, Dtype, autodiff_device};
use pinn::model::{Activation, Jet, JetSpec, ModelConfig, SecondOrder};
use pinn::optim::{Stage, Termination, TrainSettings, train};

fn device() -> Device {
    static DEV: OnceLock<Device> = OnceLock::new();
    DEV.get_or_init(|| autodiff_device(Backend::Flex, Dtype::F32).expect("flex f32"))
        .clone()
}

fn schedule(adam: usize, lbfgs: usize) -> TrainSettings {
    TrainSettings::new(vec![
        Stage::adam_decaying(adam, 5e-3, 1e-3),
        Stage::lbfgs(lbfgs),
    ])
}

/// The path `pinn train` takes: a problem with weights, then [`Setup`].
#[test]
fn poisson2d_trains_to_one_percent() {
    let mut problem = Poisson::new(2).problem("poisson2d");
    problem.set_weight("boundary", 10.0).unwrap();
    let setup = Setup::new(problem)
        .points(PointsConfig {
            interior: 1024,
            boundary: 256,
            sampler: Sampler::Halton,
        })
        .model(ModelConfig {
            width: 32,
            depth: 3,
            activation: Activation::Tanh,
            features: None,
            hard_constraints: false,
        })
        .build(&device())
        .unwrap();
    let l2 = setup.l2.unwrap();
    let before = l2.relative(&setup.model);
    let out = train(
        setup.model,
        &setup.loss,
        &schedule(500, 300),
        Some(&l2),
        &mut (),
    )
    .unwrap();
    let rel = out.rel_l2.unwrap();
    println!(
        "poisson2d f32: rel. L2 {before:.3e} -> {rel:.3e} in {} steps",
        out.steps
    );
    assert!(
        rel <= 1e-2,
        "rel. L2 error {rel:e} > 1e-2 ({})",
        out.termination
    );
}

/// `−u'' + u³ = f` on [0, 1], exact `u = sin πx`: a residual written by a user.
struct ReactionDiffusion;

impl Residual for ReactionDiffusion {
    fn spec(&self) -> JetSpec {
        JetSpec::values(1).with_second(SecondOrder::pure(0))
    }
    fn operator(&self, _x: &Tensor<2>, u: &Jet) -> Tensor<2> {
        u.value().clone().powi_scalar(3) - u.second_dense(0)
    }
    fn source(&self, x: &[f64]) -> f64 {
        let s = (PI * x[0]).sin();
        PI * PI * s + s.powi(3)
    }
}

#[test]
fn custom_residual_trains_through_the_public_api() {
    let domain = Domain::interval(0.0, 1.0);
    let faces = domain.spatial_faces();
    let problem = Problem::new("rd", ReactionDiffusion, domain)
        .with_condition(Condition::value("boundary", faces, Arc::new(|_| 0.0)))
        .with_exact(|x| (PI * x[0]).sin());
    let points = PointsConfig {
        interior: 128,
        boundary: 2,
        sampler: Sampler::Grid,
    };
    let loss = PinnLoss::new(&problem, &points, 0, &device()).unwrap();
    let model = ModelConfig {
        width: 16,
        depth: 2,
        ..ModelConfig::default()
    }
    .init(&[0.0], &[1.0], 1, &device())
    .unwrap();
    let l2 = L2Error::on_grid(&problem, 200, &device()).unwrap();
    let out = train(model, &loss, &schedule(300, 200), Some(&l2), &mut ()).unwrap();
    let rel = out.rel_l2.unwrap();
    println!(
        "custom residual f32: rel. L2 {rel:.3e} in {} steps",
        out.steps
    );
    assert!(rel <= 1e-2, "rel. L2 error {rel:e}");
}

/// `N[u] = exp(60u) − 1e15`: Adam steps of size 1 drive `exp(60u)` to overflow in f32.
struct Overflowing;

impl Residual for Overflowing {
    fn spec(&self) -> JetSpec {
        JetSpec::values(1)
    }
    fn operator(&self, _x: &Tensor<2>, u: &Jet) -> Tensor<2> {
        u.value().clone().mul_scalar(60.0).exp()
    }
    fn source(&self, _x: &[f64]) -> f64 {
        1e15
    }
}

#[test]
fn non_finite_loss_stops_with_the_term_and_keeps_the_last_good_model() {
    let problem = Problem::new("overflow", Overflowing, Domain::interval(0.0, 1.0));
    let points = PointsConfig {
        interior: 16,
        boundary: 1,
        sampler: Sampler::Grid,
    };
    let loss = PinnLoss::new(&problem, &points, 0, &device()).unwrap();
    let model = ModelConfig {
        width: 4,
        depth: 1,
        ..ModelConfig::default()
    }
    .init(&[0.0], &[1.0], 0, &device())
    .unwrap();
    let settings = TrainSettings {
        eval_every: 1,
        threads: 1,
        ..TrainSettings::new(vec![Stage::adam(50, 1.0)])
    };
    let out = train(model, &loss, &settings, None, &mut ()).unwrap();
    match &out.termination {
        Termination::NonFinite { term, step } => {
            assert_eq!(term, "residual");
            assert!(*step > 1, "the first loss was finite");
        }
        other => panic!("expected a non-finite stop, got {other:?}"),
    }
    assert!(
        out.loss.is_finite(),
        "the returned model is the last good one"
    );
}
