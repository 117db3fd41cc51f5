//! A system of PDEs through the library: `−u'' + v = f₁`, `−v'' − u = f₂` on `[0, 1]` with
//! `u = v = 0` at both ends, `f` chosen so that `u* = sin πx`, `v* = sin 2πx`.
//!
//! `cargo run --release --example custom_system`

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::f64::consts::PI;
use std::sync::Arc;

use burn::Tensor;
use pinn::loss::{Condition, Domain, PointsConfig, Problem, Residual, Setup};
use pinn::model::backend::{Backend, Dtype, autodiff_device};
use pinn::model::{Jet, JetSpec, ModelConfig, SecondOrder};
use pinn::optim::{Stage, TrainSettings, train};

/// Two fields, two equations: the operator returns one column per equation.
struct Coupled;

impl Residual for Coupled {
    fn spec(&self) -> JetSpec {
        JetSpec::values(1).with_second(SecondOrder::pure(0))
    }
    fn fields(&self) -> Vec<String> {
        vec!["u".into(), "v".into()]
    }
    fn equations(&self) -> Vec<String> {
        vec!["eq_u".into(), "eq_v".into()]
    }
    fn operator(&self, _x: &Tensor<2>, w: &Jet) -> Tensor<2> {
        let (u, v) = (w.clone().narrow(0, 1), w.clone().narrow(1, 1));
        let eq_u = v.value().clone() - u.second_dense(0);
        let eq_v = v.second_dense(0).neg() - u.value().clone();
        Tensor::cat(vec![eq_u, eq_v], 1)
    }
    fn sources(&self, x: &[f64]) -> Vec<f64> {
        let (s1, s2) = ((PI * x[0]).sin(), (2.0 * PI * x[0]).sin());
        vec![PI * PI * s1 + s2, 4.0 * PI * PI * s2 - s1]
    }
}

fn main() -> Result<(), String> {
    let device = autodiff_device(Backend::Flex, Dtype::F64)?;
    let domain = Domain::interval(0.0, 1.0);
    let (ends, zero) = (domain.spatial_faces(), Arc::new(|_: &[f64]| 0.0));
    let problem = Problem::new("coupled", Coupled, domain)
        .with_condition(Condition::value("u_ends", ends.clone(), zero.clone()).on_field("u"))
        .with_condition(Condition::value("v_ends", ends, zero).on_field("v"))
        .with_exact_fields(|x| vec![(PI * x[0]).sin(), (2.0 * PI * x[0]).sin()])
        .with_zero_lift(); // hard constraints: u = x(1 − x)·N_u, v = x(1 − x)·N_v
    let points = PointsConfig {
        interior: 128,
        boundary: 2,
        ..PointsConfig::default()
    };
    let model = ModelConfig {
        width: 16,
        depth: 2,
        hard_constraints: true,
        ..ModelConfig::default()
    };
    let setup = Setup::new(problem)
        .points(points)
        .model(model)
        .build(&device)?;
    let l2 = setup.l2.as_ref().expect("an exact solution");
    let schedule = TrainSettings::new(vec![Stage::gauss_newton(100)]);
    let out = train(setup.model, &setup.loss, &schedule, Some(l2), &mut ())?;
    let (u, v) = (l2.per_field(&out.model)[0], l2.per_field(&out.model)[1]);
    println!(
        "rel. L2 {:.2e} (u {u:.2e}, v {v:.2e})",
        out.rel_l2.unwrap_or(f64::NAN)
    );
    Ok(())
}
