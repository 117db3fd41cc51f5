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
use pinn::loss::{Condition, Domain, L2Error, PinnLoss, PointsConfig, Problem, Residual};
use pinn::model::backend::{Backend, Dtype, autodiff_device};
use pinn::model::{Jet, JetSpec, ModelConfig, SecondOrder};
use pinn::optim::{Stage, TrainSettings, default_threads, train};

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

/// The problem: residual, domain, boundary condition and exact solution.
pub fn problem() -> Problem {
    let domain = Domain::interval(0.0, 1.0);
    let faces = domain.spatial_faces();
    Problem::new("reaction_diffusion", ReactionDiffusion, domain)
        .with_condition(Condition::value("boundary", faces, Arc::new(|_| 0.0)))
        .with_exact(|x| (PI * x[0]).sin())
}

fn main() -> Result<(), String> {
    let device = autodiff_device(Backend::Flex, Dtype::F64)?;
    let problem = problem();
    let points = PointsConfig {
        interior: 256,
        ..PointsConfig::default()
    };
    let loss = PinnLoss::new(&problem, &points, 0, &device)?;
    let model = ModelConfig {
        width: 20,
        depth: 2,
        ..ModelConfig::default()
    }
    .init(problem.domain.lo(), problem.domain.hi(), 0, &device)?;
    let l2 = L2Error::on_grid(&problem, 512, &device);
    let settings = TrainSettings {
        stages: vec![
            Stage::Adam {
                steps: 300,
                lr: 1e-2,
                lr_final: Some(1e-3),
            },
            Stage::Lbfgs {
                steps: 500,
                history: 50,
                tolerance_grad: 1e-12,
                tolerance_change: 1e-15,
            },
        ],
        eval_every: 100,
        threads: default_threads(),
        balance: None,
    };
    let out = train(model, &loss, &settings, l2.as_ref(), &mut ());
    println!(
        "{}: {} steps, loss {:.3e}, rel. L2 error {:.3e} ({:?})",
        problem.name,
        out.steps,
        out.loss,
        out.rel_l2.unwrap_or(f64::NAN),
        out.termination
    );
    Ok(())
}
