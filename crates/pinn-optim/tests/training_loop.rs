//! The training loop's contract with observers and stages: a stage the model cannot run, or
//! a residual with several columns, is refused before the first step, and an observer sees
//! every stage start, every step and the outcome.

use burn::Tensor;
use burn::module::{Module, Param};
use pinn_loss::pde::Poisson;
use pinn_loss::{PinnLoss, PointsConfig, Problem, Residual, Sampler};
use pinn_model::backend::{Backend, Dtype, autodiff_device};
use pinn_model::init::Seeded;
use pinn_model::{Activation, Field, Jet, JetSpec, Mlp, SecondOrder};
use pinn_optim::{
    GaussNewtonConfig, GaussNewtonSolver, Observer, Outcome, Progress, Stage, TrainSettings, train,
};

/// An MLP times a trained scalar `s`: a parameter outside every `Dense` layer, so the
/// matrix-free Gauss–Newton products (which probe `Dense` layers) cannot run on it.
#[derive(Module, Debug)]
struct Scaled {
    mlp: Mlp,
    s: Param<Tensor<2>>,
}

impl Field for Scaled {
    fn input_dim(&self) -> usize {
        self.mlp.input_dim()
    }
    fn forward_jet(&self, x: Jet) -> Jet {
        self.mlp.forward(x).scale_columns(&self.s.val())
    }
}

/// Records what it is shown.
#[derive(Default)]
struct Log {
    stages: Vec<String>,
    steps: Vec<(usize, String)>,
    losses: Vec<f64>,
    finals: usize,
}

impl<M> Observer<M> for Log {
    fn observe_stage(&mut self, index: usize, stage: &Stage) {
        self.stages.push(format!("{index}:{}", stage.name()));
    }
    fn observe(&mut self, p: &Progress<'_>, _: &M) {
        assert!(p.loss.is_finite());
        self.steps.push((p.step, p.optimizer.to_string()));
        self.losses.push(p.loss);
    }
    fn observe_final(&mut self, outcome: &Outcome<M>) -> Result<(), String> {
        assert_eq!(outcome.steps, self.steps.len());
        self.finals += 1;
        Ok(())
    }
}

fn setup() -> (PinnLoss, Scaled) {
    let device = autodiff_device(Backend::Flex, Dtype::F64).unwrap();
    let points = PointsConfig {
        interior: 32,
        boundary: 2,
        sampler: Sampler::Grid,
    };
    let loss = PinnLoss::new(&Poisson::new(1).problem("p"), &points, 0, &device).unwrap();
    let mlp = Mlp::new(1, 6, 1, 1, Activation::Tanh, &mut Seeded::new(0), &device);
    let s = Param::from_tensor(Tensor::ones([1, 1], &device));
    (loss, Scaled { mlp, s })
}

#[test]
fn a_stage_the_model_cannot_run_is_refused_before_the_first_step() {
    let (loss, model) = setup();
    let mut settings = TrainSettings::new(vec![
        Stage::adam(3, 1e-3),
        Stage::gauss_newton_with(3, GaussNewtonSolver::Cg),
    ]);
    settings.threads = 1;
    let mut log = Log::default();
    let err = train(model, &loss, &settings, None, &mut log).unwrap_err();
    assert!(
        err.contains("train.stages[1]") && err.contains("cholesky"),
        "{err}"
    );
    assert!(log.stages.is_empty() && log.steps.is_empty() && log.finals == 0);
}

#[test]
fn observers_see_stages_steps_and_the_outcome() {
    let (loss, model) = setup();
    let mut settings = TrainSettings::new(vec![
        Stage::adam(3, 1e-3),
        Stage::lbfgs(2),
        Stage::gauss_newton(2),
    ]);
    settings.threads = 1;
    let mut log = Log::default();
    let out = train(model, &loss, &settings, None, &mut log).unwrap();
    assert_eq!(log.stages, ["0:adam", "1:lbfgs", "2:gauss_newton"]);
    let steps: Vec<usize> = log.steps.iter().map(|(s, _)| *s).collect();
    assert_eq!(steps, [1, 2, 3, 4, 5, 6, 7]);
    assert_eq!(log.steps[3].1, "lbfgs");
    assert_eq!(log.finals, 1);
    assert_eq!(out.steps, 7);
    assert_eq!(out.termination.to_string(), "max_steps");
    // A Gauss–Newton step reports the terms its accepted trial computed: those of a fresh
    // evaluation of the model it returns, bit for bit.
    assert_eq!(log.losses.last().copied(), Some(out.loss));
    // Where the time went: the phases of L-BFGS and Gauss–Newton (Adam's do not end by
    // waiting for a GPU and are not timed), each counted as often as it ran: a system per
    // Gauss–Newton step, a solve and a curvature product per damping tried, the step grid's
    // losses per direction.
    let phases: Vec<(&str, usize)> = (out.phases.iter())
        .map(|p| (p.name.as_str(), p.count))
        .collect();
    let names: Vec<&str> = phases.iter().map(|p| p.0).collect();
    assert_eq!(
        names,
        [
            "lbfgs.line_search",
            "lbfgs.terms",
            "gauss_newton.jacobian",
            "gauss_newton.matrix",
            "gauss_newton.solve",
            "gauss_newton.trials",
        ]
    );
    let grid = GaussNewtonConfig::new(2, GaussNewtonSolver::Cholesky)
        .step_sizes
        .len();
    let (solves, trials) = (phases[4].1, phases[5].1);
    assert!(phases[0].1 >= 2 && phases[1].1 == 2, "{phases:?}");
    assert!(phases[2].1 == 2 && phases[3].1 == 2, "{phases:?}");
    assert!(solves >= 4 && solves % 2 == 0, "{phases:?}");
    assert!(trials == grid * solves / 2, "{phases:?}");
    for p in out.phases.iter() {
        assert!(p.first <= p.total && !p.total.is_zero(), "{p:?}");
    }
}

/// `[−u'', u, u²]`: three equations in one residual, which the loss cannot weigh row by row.
struct ThreeColumns;

impl Residual for ThreeColumns {
    fn spec(&self) -> JetSpec {
        JetSpec::values(1).with_second(SecondOrder::pure(0))
    }
    fn operator(&self, _x: &Tensor<2>, u: &Jet) -> Tensor<2> {
        let v = u.value().clone();
        Tensor::cat(vec![u.second_dense(0).neg(), v.clone(), v.square()], 1)
    }
}

#[test]
fn a_residual_with_several_columns_is_an_error_not_a_panic() {
    let device = autodiff_device(Backend::Flex, Dtype::F64).unwrap();
    let problem = Problem::new("three", ThreeColumns, pinn_loss::Domain::interval(0.0, 1.0));
    let points = PointsConfig {
        interior: 8,
        boundary: 1,
        sampler: Sampler::Grid,
    };
    let loss = PinnLoss::new(&problem, &points, 0, &device).unwrap();
    let mlp = Mlp::new(1, 4, 1, 1, Activation::Tanh, &mut Seeded::new(0), &device);
    let settings = TrainSettings::new(vec![Stage::gauss_newton(2)]);
    let mut log = Log::default();
    let err = train(mlp, &loss, &settings, None, &mut log).unwrap_err();
    assert!(err.contains("[1, 3]") && err.contains("[N, 1]"), "{err}");
    assert!(log.steps.is_empty());
}
