//! A system of PDEs through the library: `−u'' + v = f₁`, `−v'' − u = f₂` on `[0, 1]` with
//! `u = v = 0` at both ends, `f` chosen so that `u* = sin πx`, `v* = sin 2πx`.
//!
//! `cargo run --release --example custom_system`

use std::f64::consts::PI;
use std::sync::Arc;

use burn::Tensor;
use pinn::loss::{Condition, Domain, Problem, Residual, Setup};
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
        Tensor::cat(vec![eq_u, v.second_dense(0).neg() - u.value().clone()], 1)
    }
    fn sources(&self, x: &[f64]) -> Vec<f64> {
        let (s1, s2) = ((PI * x[0]).sin(), (2.0 * PI * x[0]).sin());
        vec![PI * PI * s1 + s2, 4.0 * PI * PI * s2 - s1]
    }
}

fn main() -> Result<(), String> {
    let device = autodiff_device(Backend::Flex, Dtype::F64)?;
    let ends = Domain::interval(0.0, 1.0).spatial_faces();
    // Hard constraints: u = x(1 − x)·N_u, v = x(1 − x)·N_v.
    let mut problem = Problem::new("coupled", Coupled, Domain::interval(0.0, 1.0))
        .with_exact_fields(|x| vec![(PI * x[0]).sin(), (2.0 * PI * x[0]).sin()])
        .with_zero_lift();
    for f in ["u", "v"] {
        let zero = Condition::value(f, ends.clone(), Arc::new(|_| 0.0));
        problem = problem.with_condition(zero.on_field(f));
    }
    let mut model = ModelConfig::default();
    (model.width, model.depth, model.hard_constraints) = (16, 2, true);
    let setup = Setup::new(problem).model(model).build(&device)?;
    let l2 = setup.l2.as_ref().expect("an exact solution");
    let gauss_newton = TrainSettings::new(vec![Stage::gauss_newton(100)]);
    let out = train(setup.model, &setup.loss, &gauss_newton, Some(l2), &mut ())?;
    let e = l2.per_field(&out.model);
    println!("rel. L2: u {:.2e}, v {:.2e}", e[0], e[1]);
    Ok(())
}
