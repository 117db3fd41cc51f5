//! Systems of PDEs, in f64: steady Navier–Stokes in `(u, v, p)` trained by Gauss–Newton to the
//! Kovasznay flow (three equations, each its own loss term; the velocity and the outlet
//! pressure built into the model field by field), and the errors a system's user can make.

use std::sync::Arc;

use pinn_loss::pde::{Kovasznay, NavierStokes};
use pinn_loss::{
    Condition, Domain, PinnLoss, PointsConfig, Problem, Sampler, Setup, Trainable, points_tensor,
    sampling,
};
use pinn_model::ModelConfig;
use pinn_model::backend::{Backend, Dtype, autodiff_device};
use pinn_optim::{Stage, TrainSettings, train};

fn points(interior: usize) -> PointsConfig {
    PointsConfig {
        interior,
        boundary: 120,
        sampler: Sampler::Halton,
    }
}

#[test]
fn gauss_newton_trains_navier_stokes_to_the_kovasznay_flow() {
    let device = autodiff_device(Backend::Flex, Dtype::F64).unwrap();
    let flow = Kovasznay { re: 20.0 };
    let Trainable {
        problem,
        loss,
        model,
        l2,
    } = Setup::new(flow.problem("kovasznay"))
        .points(points(600))
        .model(ModelConfig {
            width: 20,
            depth: 3,
            hard_constraints: true,
            ..ModelConfig::default()
        })
        .build(&device)
        .unwrap();
    assert_eq!(
        loss.term_names(),
        ["momentum_x", "momentum_y", "continuity"],
        "the conditions are built into the model; each equation is a term"
    );
    // The lift is built from the walls' data alone: inside, it is not the flow itself.
    let inside = sampling::interior(&problem.domain, Sampler::Halton, 64, 3).unwrap();
    let lift = problem.lift.as_ref().unwrap();
    let x = points_tensor(&inside, 2, &device);
    let spec = Arc::new(pinn_model::JetSpec::values(2));
    let lifted = lift(&pinn_model::Jet::input(x, spec)).into_value();
    let gap = lifted
        .into_data_as::<f64>()
        .iter::<f64>()
        .zip(inside.iter().flat_map(|p| flow.exact(p)))
        .fold(0.0_f64, |m, (a, b)| m.max((a - b).abs()));
    assert!(gap > 1e-2, "the lift equals the exact flow inside: {gap:e}");

    let l2 = l2.unwrap();
    let settings = TrainSettings::new(vec![Stage::gauss_newton(200)]);
    let outcome = train(model, &loss, &settings, Some(&l2), &mut ()).unwrap();
    let rel = outcome.rel_l2.unwrap();
    let per_field = l2.per_field(&outcome.model);
    println!(
        "Kovasznay, Re = 20: rel. L2 {rel:.2e} (u, v, p: {per_field:?}), loss {:.2e}",
        outcome.loss
    );
    assert!(rel <= 1e-5, "{rel:e}");
    assert!(per_field.iter().all(|e| *e <= 3e-5), "{per_field:?}");
}

/// Navier–Stokes on the unit square with one condition, under soft constraints.
fn flow_with(condition: Condition) -> Problem {
    Problem::new(
        "flow",
        NavierStokes::steady(0.01),
        Domain::rectangle((0.0, 1.0), (0.0, 1.0)),
    )
    .with_condition(condition)
}

#[test]
fn a_system_refuses_unknown_fields_short_lifts_and_scalar_models() {
    let device = autodiff_device(Backend::Flex, Dtype::F64).unwrap();
    let walls = Domain::rectangle((0.0, 1.0), (0.0, 1.0)).spatial_faces();
    let zero = Arc::new(|_: &[f64]| 0.0);

    let bad = flow_with(Condition::value("lid", walls.clone(), zero.clone()).on_field("w"));
    let err = PinnLoss::new(&bad, &points(16), 0, &device).err().unwrap();
    println!("{err}");
    assert!(err.contains("`lid`") && err.contains("`w`") && err.contains("u, v, p"));

    // A scalar lift would broadcast to every field; hard constraints refuse it.
    let short = flow_with(Condition::value("lid", walls, zero).on_field("u"))
        .with_lift(|x| x.clone().narrow(0, 1).scale(0.0));
    let hard = ModelConfig {
        width: 4,
        depth: 1,
        hard_constraints: true,
        ..ModelConfig::default()
    };
    let err = Setup::new(short).model(hard).build(&device).err().unwrap();
    println!("{err}");
    assert!(err.contains("1 columns") && err.contains("u, v, p"));

    // A model with one output for a three-field problem is refused before training.
    let problem = Kovasznay { re: 20.0 }.problem("kovasznay");
    let loss = PinnLoss::new(&problem, &points(16), 0, &device).unwrap();
    let scalar = ModelConfig::default()
        .init(problem.domain.lo(), problem.domain.hi(), 0, &device)
        .unwrap();
    let err = loss.check(&scalar).err().unwrap();
    println!("{err}");
    assert!(err.contains("1 outputs") && err.contains("3 fields"));
    let settings = TrainSettings::new(vec![Stage::gauss_newton(1)]);
    assert!(train(scalar, &loss, &settings, None, &mut ()).is_err());
}
