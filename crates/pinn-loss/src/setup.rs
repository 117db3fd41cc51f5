//! From a problem to something to train: the collocation loss, the model at initialisation
//! and the error metric, with the choice between soft and hard constraints made in one
//! place. The CLI, the examples and the tests all build through [`Setup`].

use std::sync::Arc;

use burn::tensor::Device;
use pinn_model::{Ansatz, Coefficients, Constrained, Jet, JetSpec, Model, ModelConfig};

use crate::{L2Error, PinnLoss, PointsConfig, Problem, points_tensor};

/// How to make a [`Problem`] trainable (DeepXDE's `data.PDE(...)` and `FNN(...)` in one).
///
/// ```no_run
/// # use pinn_loss::{Setup, PointsConfig, pde::Poisson};
/// # use pinn_model::ModelConfig;
/// # let device = burn::tensor::Device::flex();
/// let setup = Setup::new(Poisson::new(2).problem("poisson2d"))
///     .points(PointsConfig { interior: 1024, ..PointsConfig::default() })
///     .model(ModelConfig { width: 32, depth: 3, ..ModelConfig::default() })
///     .build(&device)?;
/// # Ok::<(), String>(())
/// ```
#[derive(Clone, Debug)]
pub struct Setup {
    problem: Problem,
    points: PointsConfig,
    model: ModelConfig,
    seed: u64,
    eval_grid: usize,
}

/// A problem ready for training (`pinn_optim::train`): its loss, its model and the relative
/// L² error when the exact solution is known.
pub struct Trainable {
    /// The problem as given (with its conditions, even when the ansatz satisfies them).
    pub problem: Problem,
    /// The collocation loss: the residual alone under hard constraints, every term otherwise.
    pub loss: PinnLoss,
    /// The model at initialisation (under the problem's ansatz with hard constraints, under
    /// the identity ansatz otherwise).
    pub model: Constrained<Model>,
    /// The relative L² error on a grid, when the problem has an exact solution.
    pub l2: Option<L2Error>,
}

impl Setup {
    /// The problem with the default points and model, seed 0 and a 64-per-axis error grid.
    pub fn new(problem: Problem) -> Self {
        Self {
            problem,
            points: PointsConfig::default(),
            model: ModelConfig::default(),
            seed: 0,
            eval_grid: 64,
        }
    }

    /// The collocation points.
    pub fn points(mut self, points: PointsConfig) -> Self {
        self.points = points;
        self
    }

    /// The model; `model.hard_constraints` chooses the ansatz over penalty terms.
    pub fn model(mut self, model: ModelConfig) -> Self {
        self.model = model;
        self
    }

    /// The seed of initialisation and sampling.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Points per axis of the grid the relative L² error is measured on.
    pub fn eval_grid(mut self, per_axis: usize) -> Self {
        self.eval_grid = per_axis;
        self
    }

    /// Sample the points, initialise the model and move both to `device`.
    ///
    /// With hard constraints the model is `u = g̃ + d · N(φ(x))` ([`Problem::ansatz`]) and
    /// the loss is the residual alone; otherwise every condition is a penalty term. Features
    /// with `precondition = true` are scaled by the residual's symbol. Errors name the field.
    pub fn build(&self, device: &Device) -> Result<Trainable, String> {
        let problem = &self.problem;
        let (model, trained) = self.model_and_trained_problem(device)?;
        let loss = PinnLoss::new(&trained, &self.points, self.seed, device)?;
        let l2 = L2Error::on_grid(problem, self.eval_grid, device);
        Ok(Trainable {
            problem: problem.clone(),
            loss,
            model,
            l2,
        })
    }

    /// The model at initialisation alone (no points are sampled), e.g. to load trained
    /// parameters into.
    pub fn model_at_init(&self, device: &Device) -> Result<Constrained<Model>, String> {
        self.model_and_trained_problem(device)
            .map(|(model, _)| model)
    }

    /// The model under the chosen ansatz, with the problem's unknown coefficients, and the
    /// problem whose conditions the loss penalises.
    fn model_and_trained_problem(
        &self,
        device: &Device,
    ) -> Result<(Constrained<Model>, Problem), String> {
        let problem = &self.problem;
        let (lo, hi) = (problem.domain.lo(), problem.domain.hi());
        let symbol = |w: &[f64]| problem.residual.symbol(w);
        let fields = problem.residual.fields().len();
        let (ansatz, trained) = if self.model.hard_constraints {
            let ansatz = problem
                .ansatz()
                .map_err(|e| format!("model.hard_constraints: {e}"))?;
            check_lift(problem, device)?;
            (ansatz, problem.without_conditions())
        } else {
            (Ansatz::none(problem.domain.dim()), problem.clone())
        };
        let ansatz = match &problem.transform {
            Some(t) => ansatz.with_transform(t.clone()),
            None => ansatz,
        };
        let model = self
            .model
            .init_constrained(ansatz, lo, hi, fields, self.seed, device, &symbol)?;
        let unknowns = problem.residual.unknowns();
        if unknowns.is_empty() {
            return Ok((model, trained));
        }
        let start: Vec<_> = unknowns.iter().map(|u| u.start).collect();
        let coefficients = Coefficients::new(&start, device).map_err(|e| {
            let names: Vec<&str> = unknowns.iter().map(|u| u.name.as_str()).collect();
            format!("`{}` (unknowns {}): {e}", problem.name, names.join(", "))
        })?;
        Ok((model.with_coefficients(coefficients), trained))
    }
}

/// The lift `g̃` must give one column per field (a single column would broadcast silently).
fn check_lift(problem: &Problem, device: &Device) -> Result<(), String> {
    let Some(lift) = &problem.lift else {
        return Ok(());
    };
    let d = problem.domain.dim();
    let x = points_tensor(&[problem.domain.lo().to_vec()], d, device);
    let columns = lift(&Jet::input(x, Arc::new(JetSpec::values(d))))
        .value()
        .dims()[1];
    let fields = problem.residual.fields();
    if columns == fields.len() {
        Ok(())
    } else {
        Err(format!(
            "model.hard_constraints: the lift g̃ of `{}` gives {columns} columns; it needs one \
             per field ({})",
            problem.name,
            fields.join(", ")
        ))
    }
}
