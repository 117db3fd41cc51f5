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

struct FreshLeaves;

impl ModuleMapper for FreshLeaves {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        // burn's autodiff `detach` keeps `require_grad`.
        param.map(Tensor::detach)
    }
}

/// The model with its parameters as fresh autodiff leaves (ids kept): the same values, shared
/// rather than copied, in a graph of its own — what [`unflatten`] with [`flatten`]'s `θ` gives
/// without the round trip through the host. Not `Module::fork`: on the same device it records a
/// `to_device` op on each original leaf first, joining the original's graph — what the parallel
/// evaluator's copies, made on other threads while the original is in use, must not do.
pub fn fresh_leaves<M: Module>(model: M) -> M {
    model.map(&mut FreshLeaves)
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

/// One parameter tensor of a model: its module path (`layers.0.weight`), shape, burn
/// [`ParamId`](burn::module::ParamId) and values, in the module's visiting order. What a
/// checkpoint stores, so that a model is only ever loaded into one of the same structure.
#[derive(Clone, Debug, PartialEq)]
pub struct NamedParam {
    /// The module path, components joined by `.`.
    pub name: String,
    /// The tensor's shape.
    pub shape: Vec<usize>,
    /// burn's parameter id (optimizer states are keyed by it).
    pub id: u64,
    /// The values, row-major, as `f64`.
    pub values: Vec<f64>,
}

struct Named<'a> {
    path: Vec<String>,
    out: &'a mut Vec<NamedParam>,
}

impl ModuleVisitor for Named<'_> {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let t = param.val();
        self.out.push(NamedParam {
            name: self.path.join("."),
            shape: t.shape().to_vec(),
            id: param.id.val(),
            values: t.into_data_as::<f64>().iter::<f64>().collect(),
        });
    }
}

/// The parameters of `model` with their paths, shapes and ids.
pub fn named<M: Module>(model: &M) -> Vec<NamedParam> {
    let mut out = Vec::new();
    model.visit(&mut Named {
        path: Vec::new(),
        out: &mut out,
    });
    out
}

struct Restore<'a> {
    src: std::slice::Iter<'a, NamedParam>,
}

impl ModuleMapper for Restore<'_> {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let saved = self.src.next().expect("the structure was checked");
        let t = param.val();
        let tracked = t.is_require_grad();
        let fresh = Tensor::from_data(
            TensorData::new(saved.values.clone(), t.shape()),
            &t.device(),
        );
        let fresh = if tracked { fresh.require_grad() } else { fresh };
        Param::initialized(burn::module::ParamId::from(saved.id), fresh)
    }
}

/// `model` with the parameters (values and ids) of `saved`, which must have the same paths and
/// shapes in the same order; otherwise an error names the first difference. A model of another
/// structure is refused even when its parameter count is the same.
pub fn load_named<M: Module>(model: M, saved: &[NamedParam]) -> Result<M, String> {
    let own = named(&model);
    if own.len() != saved.len() {
        return Err(format!(
            "the saved model has {} parameter tensors, this model {}",
            saved.len(),
            own.len()
        ));
    }
    for (o, s) in own.iter().zip(saved) {
        if o.name != s.name || o.shape != s.shape {
            return Err(format!(
                "saved parameter `{}` has shape {:?}, this model's `{}` has {:?}",
                s.name, s.shape, o.name, o.shape
            ));
        }
        if s.values.len() != o.values.len() {
            return Err(format!(
                "saved parameter `{}` has {} values for shape {:?}",
                s.name,
                s.values.len(),
                s.shape
            ));
        }
    }
    Ok(model.map(&mut Restore { src: saved.iter() }))
}
