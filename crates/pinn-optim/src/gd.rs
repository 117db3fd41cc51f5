//! Plain gradient descent `θ ← θ − η ∇L(θ)`: the dynamics the operator view analyses
//! (De Ryck et al., ICLR 2024, §2); with preconditioned features it is preconditioned
//! gradient descent.

use pinn_model::{Field, params};
use serde::{Deserialize, Serialize};

use crate::evaluator::{Evaluator, Terms};
use crate::phases::Phases;
use crate::stage::{StageConfig, positive};
use crate::state::StepperState;
use crate::stepper::{Step, Stepper};

/// `[[train.stages]] optimizer = "gd"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GdConfig {
    /// Steps in this stage.
    pub steps: usize,
    /// The step `η`.
    pub lr: f64,
}

impl StageConfig for GdConfig {
    fn name(&self) -> &'static str {
        "gd"
    }
    fn steps(&self) -> usize {
        self.steps
    }
    fn set_steps(&mut self, steps: usize) {
        self.steps = steps;
    }
    fn validate(&self, at: &str) -> Result<(), String> {
        positive(at, "lr", self.lr, "1e-3")
    }
    fn stepper<M: Field + Sync>(&self) -> Box<dyn Stepper<M>> {
        Box::new(GradientDescent {
            lr: self.lr,
            theta: Vec::new(),
            grad: Vec::new(),
        })
    }
}

/// A gradient-descent stage in progress: `θ` in f64 (kept across steps, so an f32 model
/// accumulates its updates in f64) and `∇L(θ)`.
struct GradientDescent {
    lr: f64,
    theta: Vec<f64>,
    grad: Vec<f64>,
}

impl<M: Field + Sync> Stepper<M> for GradientDescent {
    fn first_order(&self) -> bool {
        true
    }

    fn start(&mut self, eval: &Evaluator<M>, model: &M) -> Terms {
        if self.theta.is_empty() {
            self.theta = params::flatten(model);
        }
        let (terms, grad) = eval.value_grad(model);
        self.grad = grad;
        terms
    }

    fn step(&mut self, eval: &Evaluator<M>, model: &M) -> Step<M> {
        let next: Vec<f64> = self
            .theta
            .iter()
            .zip(&self.grad)
            .map(|(t, g)| t - self.lr * g)
            .collect();
        let model = params::unflatten(model.clone(), &next);
        let (terms, grad) = eval.value_grad(&model);
        (self.theta, self.grad) = (next, grad);
        Step {
            model,
            terms,
            end: None,
            phases: Phases::default(),
        }
    }

    /// `θ` in f64 (an f32 model rounds it).
    fn save(&self) -> Result<StepperState, String> {
        let mut state = StepperState::default();
        state.vectors.insert("theta".into(), self.theta.clone());
        Ok(state)
    }

    fn restore(&mut self, state: StepperState, _model: &M) -> Result<(), String> {
        self.theta = state.vector("theta")?.to_vec();
        Ok(())
    }
}
