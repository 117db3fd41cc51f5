//! A custom PDE through the library: the steady reaction–diffusion equation
//!
//! `−u'' + u³ = f` on `[0, 1]`, `u(0) = u(1) = 0`, with `f` chosen so that `u* = sin(πx)`.
//!
//! `cargo run --release --example custom_residual`

/// mimalloc: every tensor op allocates; glibc malloc maps and unmaps large buffers each time.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::f64::consts::PI;
use std::sync::Arc;

use burn::Tensor;
use pinn::loss::{Condition, Domain, PointsConfig, Problem, Residual, Setup};
use pinn::model::backend::{Backend, Dtype, autodiff_device};
use pinn::model::{Jet, JetSpec, ModelConfig, SecondOrder};
use pinn::optim::{Stage, TrainSettings, train};

/// `N[u] = −u'' + u³`.
struct ReactionDiffusion;

impl Residual for ReactionDiffusion {
    fn spec(&self) -> JetSpec {
        // u and u_xx (the second-order stream ∂_x²).
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

fn main() -> Result<(), String> {
    let device = autodiff_device(Backend::Flex, Dtype::F64)?;
    let domain = Domain::interval(0.0, 1.0);
    let boundary = Condition::value("boundary", domain.spatial_faces(), Arc::new(|_| 0.0));
    let problem = Problem::new("reaction_diffusion", ReactionDiffusion, domain)
        .with_condition(boundary)
        .with_exact(|x| (PI * x[0]).sin());
    let setup = Setup::new(problem)
        .points(PointsConfig {
            interior: 256,
            ..PointsConfig::default()
        })
        .model(ModelConfig {
            width: 20,
            depth: 2,
            ..ModelConfig::default()
        })
        .eval_grid(512)
        .build(&device)?;
    let schedule = TrainSettings::new(vec![
        Stage::adam_decaying(300, 1e-2, 1e-3),
        Stage::lbfgs(500),
    ]);
    let out = train(
        setup.model,
        &setup.loss,
        &schedule,
        setup.l2.as_ref(),
        &mut (),
    )?;
    println!(
        "{}: {} steps, loss {:.3e}, rel. L2 error {:.3e} ({})",
        setup.problem.name,
        out.steps,
        out.loss,
        out.rel_l2.unwrap_or(f64::NAN),
        out.termination
    );
    Ok(())
}
