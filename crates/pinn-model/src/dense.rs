//! The affine layer `z = h W + b`.

use burn::Tensor;
use burn::module::{Module, Param};
use burn::tensor::Device;

use crate::{Jet, init::Seeded};

/// `z = h W + b` with `W: [in, out]`, `b: [1, out]`.
#[derive(Module, Debug)]
pub struct Dense {
    /// `W`, `[in, out]`.
    pub weight: Param<Tensor<2>>,
    /// `b`, `[1, out]` (absent for a purely linear layer).
    pub bias: Option<Param<Tensor<2>>>,
}

impl Dense {
    /// Xavier-uniform weights, zero bias.
    pub fn new(
        inputs: usize,
        outputs: usize,
        bias: bool,
        rng: &mut Seeded,
        device: &Device,
    ) -> Self {
        Self {
            weight: Param::from_tensor(rng.xavier(inputs, outputs, 1.0, device)),
            bias: bias.then(|| Param::from_tensor(Tensor::zeros([1, outputs], device))),
        }
    }

    /// A layer with the given weight and bias.
    pub fn from_tensors(weight: Tensor<2>, bias: Option<Tensor<2>>) -> Self {
        Self {
            weight: Param::from_tensor(weight),
            bias: bias.map(Param::from_tensor),
        }
    }

    /// `h W + b` on a jet: `∂z = ∂h W`.
    pub fn forward(&self, h: Jet) -> Jet {
        let b = self.bias.as_ref().map(|b| b.val());
        h.linear(&self.weight.val(), b.as_ref())
    }
}
