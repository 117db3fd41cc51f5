//! A trained run loaded back from its checkpoint: the model with the whole description its
//! config gives (features, ansatz, lift, width), evaluated at new points.

use std::path::Path;
use std::sync::Arc;

use burn::Tensor;
use burn::tensor::Device;
use pinn_loss::Problem;
use pinn_loss::points_tensor;
use pinn_model::{Constrained, Field, Jet, JetSpec, Model, params};

use crate::checkpoint::Checkpoint;
use crate::config::Config;

/// A model read back from a run directory, with its config and problem.
pub struct TrainedRun {
    /// The config the run trained (from the checkpoint itself).
    pub config: Config,
    /// Its problem (domain, exact solution when known).
    pub problem: Problem,
    /// The trained model.
    pub model: Constrained<Model>,
    /// Steps trained when the checkpoint was taken.
    pub step: usize,
}

impl TrainedRun {
    /// Load `dir/checkpoint.safetensors` onto `device`.
    pub fn load(dir: &Path, device: &Device) -> Result<Self, String> {
        Self::from_checkpoint(&Checkpoint::read(dir)?, device)
    }

    /// The model of `checkpoint`, built from the config it carries and refused when the saved
    /// parameters do not fit that model tensor by tensor.
    pub fn from_checkpoint(checkpoint: &Checkpoint, device: &Device) -> Result<Self, String> {
        let config = Config::parse(&checkpoint.config, "the checkpoint's config", None)?;
        let model = config.model_at_init(device)?;
        let model = params::load_named(model, &checkpoint.params)?;
        Ok(Self {
            problem: config.problem()?,
            config,
            model,
            step: checkpoint.step,
        })
    }

    /// The input dimension `d`.
    pub fn dim(&self) -> usize {
        self.problem.domain.dim()
    }

    /// The names of the fields of `u` (the columns of [`TrainedRun::evaluate`]).
    pub fn fields(&self) -> Vec<String> {
        self.problem.residual.fields()
    }

    /// `u` at the rows of `points` (`[N, d] → [N, m]`, one column per field).
    pub fn evaluate(&self, points: Tensor<2>) -> Tensor<2> {
        self.model.forward(points).narrow(1, 0, self.fields().len())
    }

    /// `u` and its gradient at the rows of `points`: `[N, m]` and `[N, m·d]`, the columns of
    /// the gradient `∂u_c/∂x_i` field by field (`c`), coordinate by coordinate (`i`).
    pub fn evaluate_with_gradient(&self, points: Tensor<2>) -> (Tensor<2>, Tensor<2>) {
        let d = self.dim();
        let m = self.fields().len();
        let jet = self
            .model
            .forward_jet(Jet::input(points, Arc::new(JetSpec::gradient(d))));
        let grad = Tensor::cat(
            (0..m)
                .flat_map(|c| (0..d).map(move |i| (c, i)))
                .map(|(c, i)| jet.first_dense(i).narrow(1, c, 1))
                .collect(),
            1,
        );
        (jet.into_value().narrow(1, 0, m), grad)
    }

    /// `u` at `points` given as rows of coordinates, row-major `[N, m]`.
    pub fn values_at(&self, points: &[Vec<f64>], device: &Device) -> Vec<f64> {
        let x = points_tensor(points, self.dim(), device);
        self.evaluate(x)
            .into_data_as::<f64>()
            .iter::<f64>()
            .collect()
    }

    /// The exact solution at `points`, row-major `[N, m]`, when the problem has one.
    pub fn exact_at(&self, points: &[Vec<f64>]) -> Option<Vec<f64>> {
        let exact = self.problem.exact.as_ref()?;
        Some(points.iter().flat_map(|x| exact(x)).collect())
    }
}
