//! A model's parameters as one flat `f64` vector, in the module's visiting order, for
//! optimizers that work on `θ ∈ ℝ^n` (L-BFGS, Gauss–Newton) and for checkpoints.

use burn::Tensor;
use burn::module::{Module, ModuleMapper, ModuleVisitor, Param};
use burn::tensor::{Gradients, TensorData};

struct Flatten<'a> {
    out: &'a mut Vec<f64>,
}

impl ModuleVisitor for Flatten<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let v = param.val().into_data_as::<f64>();
        self.out.extend(v.iter::<f64>());
    }
}

struct FlattenGrad<'a> {
    grads: &'a Gradients,
    out: &'a mut Vec<f64>,
}

impl ModuleVisitor for FlattenGrad<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let p = param.val();
        match p.grad(self.grads) {
            Some(g) => self.out.extend(g.into_data_as::<f64>().iter::<f64>()),
            // A parameter the loss does not reach (e.g. an output bias under a pure-Laplacian
            // loss) has gradient zero.
            None => self
                .out
                .extend(std::iter::repeat_n(0.0, p.shape().num_elements())),
        }
    }
}

struct Unflatten<'a> {
    src: &'a [f64],
    offset: usize,
}

impl ModuleMapper for Unflatten<'_> {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        param.map(|t| {
            let shape = t.shape();
            let n = shape.num_elements();
            let values = self.src[self.offset..self.offset + n].to_vec();
            self.offset += n;
            let tracked = t.is_require_grad();
            let fresh = Tensor::from_data(TensorData::new(values, shape), &t.device());
            if tracked { fresh.require_grad() } else { fresh }
        })
    }
}

/// `θ` as a flat vector.
pub fn flatten<M: Module>(model: &M) -> Vec<f64> {
    let mut out = Vec::with_capacity(model.num_params());
    model.visit(&mut Flatten { out: &mut out });
    out
}

/// `∇_θ L` as a flat vector aligned with [`flatten`]; parameters without a gradient get zeros.
pub fn flatten_grads<M: Module>(model: &M, grads: &Gradients) -> Vec<f64> {
    let mut out = Vec::with_capacity(model.num_params());
    model.visit(&mut FlattenGrad {
        grads,
        out: &mut out,
    });
    out
}

/// The model with parameters `θ` (fresh autodiff leaves; ids are kept).
///
/// Panics when `theta` does not have [`Module::num_params`] entries.
#[track_caller]
pub fn unflatten<M: Module>(model: M, theta: &[f64]) -> M {
    assert_eq!(theta.len(), model.num_params(), "parameter vector length");
    model.map(&mut Unflatten {
        src: theta,
        offset: 0,
    })
}
