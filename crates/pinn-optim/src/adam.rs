//! Adam (Kingma & Ba, ICLR 2015), burn's implementation with `ε = 10⁻⁸`, and a geometric
//! learning-rate decay over the stage: `η_k = η₀ (η_final/η₀)^{k/K}` at step `k` of `K`.

use burn::optim::{
    AdamConfig as BurnAdamConfig, GradientsParams, ModuleOptimizer, OptimizerRecord,
};
use burn::tensor::Bytes;
use pinn_model::Field;
use serde::{Deserialize, Serialize};

use crate::evaluator::{Evaluator, Terms};
use crate::phases::Phases;
use crate::stage::{StageConfig, positive};
use crate::state::StepperState;
use crate::stepper::{Step, Stepper};

/// `[[train.stages]] optimizer = "adam"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdamConfig {
    /// Steps in this stage.
    pub steps: usize,
    /// Initial learning rate `η₀`.
    #[serde(default = "default_lr")]
    pub lr: f64,
    /// Final learning rate (default: `lr`, constant).
    #[serde(default)]
    pub lr_final: Option<f64>,
}

fn default_lr() -> f64 {
    1e-3
}

impl AdamConfig {
    /// `steps` steps at the constant learning rate `lr`.
    pub fn new(steps: usize, lr: f64) -> Self {
        Self {
            steps,
            lr,
            lr_final: None,
        }
    }

    /// The learning rate decays geometrically to `lr_final` over the stage.
    pub fn decaying_to(mut self, lr_final: f64) -> Self {
        self.lr_final = Some(lr_final);
        self
    }
}

impl StageConfig for AdamConfig {
    fn name(&self) -> &'static str {
        "adam"
    }
    fn steps(&self) -> usize {
        self.steps
    }
    fn set_steps(&mut self, steps: usize) {
        self.steps = steps;
    }
    fn validate(&self, at: &str) -> Result<(), String> {
        positive(at, "lr", self.lr, "1e-3")?;
        match self.lr_final {
            Some(f) => positive(at, "lr_final", f, "1e-4"),
            None => Ok(()),
        }
    }
    fn stepper<M: Field + Sync>(&self) -> Box<dyn Stepper<M>> {
        Box::new(Adam {
            optim: BurnAdamConfig::new().with_epsilon(1e-8).init(),
            lr: self.lr,
            ratio: self.lr_final.unwrap_or(self.lr) / self.lr,
            steps: self.steps,
            k: 0,
            grads: None,
        })
    }
}

/// An Adam stage in progress: burn's optimizer state, the step count `k` within the stage
/// and the gradient at the current iterate.
struct Adam {
    optim: ModuleOptimizer,
    lr: f64,
    ratio: f64,
    steps: usize,
    k: usize,
    grads: Option<GradientsParams>,
}

impl<M: Field + Sync> Stepper<M> for Adam {
    fn first_order(&self) -> bool {
        true
    }

    fn start(&mut self, eval: &Evaluator<M>, model: &M) -> Terms {
        let (terms, grads) = eval.terms_and_grads(model);
        self.grads = Some(grads);
        terms
    }

    fn step(&mut self, eval: &Evaluator<M>, model: &M) -> Step<M> {
        let lr = self.lr * self.ratio.powf(self.k as f64 / self.steps.max(1) as f64);
        let grads = self
            .grads
            .take()
            .expect("start or the last step set the gradient");
        let model = self.optim.step(lr, model.clone(), grads);
        self.k += 1;
        let terms = self.start(eval, &model);
        Step {
            model,
            terms,
            end: None,
            phases: Phases::default(),
        }
    }

    /// `k` and burn's record of the moments and their step count (keyed by parameter id).
    fn save(&self) -> Result<StepperState, String> {
        let record = self
            .optim
            .to_record()
            .into_bytes()
            .map_err(|e| format!("cannot serialise the Adam moments: {e:?}"))?;
        let mut state = StepperState::default();
        state.scalars.insert("k".into(), self.k as f64);
        state.bytes.insert("moments".into(), record.to_vec());
        Ok(state)
    }

    fn restore(&mut self, state: StepperState, _model: &M) -> Result<(), String> {
        let bytes = Bytes::from_bytes_vec(state.byte_string("moments")?.to_vec());
        let record = OptimizerRecord::from_bytes(bytes)
            .map_err(|e| format!("the saved Adam moments are unreadable: {e:?}"))?;
        self.optim = self.optim.clone().load_record(record);
        self.k = state.count("k")?;
        Ok(())
    }
}
