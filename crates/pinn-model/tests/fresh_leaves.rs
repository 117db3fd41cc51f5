//! A model's parameters as fresh autodiff leaves: the same values and ids, the same gradients,
//! and a graph of their own (the parallel evaluator's per-thread copies rely on all three).

use burn::Tensor;
use burn::module::{Module, ModuleVisitor, Param, ParamId};
use burn::tensor::{Distribution, Gradients};
use pinn_model::backend::{Backend, Dtype, autodiff_device};
use pinn_model::init::Seeded;
use pinn_model::{Activation, Field, Mlp, params};

/// Each parameter's id and whether `grads` holds a gradient for it.
struct Reached<'a> {
    grads: &'a Gradients,
    out: Vec<(ParamId, bool)>,
}

impl ModuleVisitor for Reached<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let reached = param.val().grad(self.grads).is_some();
        self.out.push((param.id, reached));
    }
}

fn reached<M: Module>(model: &M, grads: &Gradients) -> Vec<(ParamId, bool)> {
    let mut v = Reached {
        grads,
        out: Vec::new(),
    };
    model.visit(&mut v);
    v.out
}

#[test]
fn fresh_leaves_keep_values_ids_and_gradients_in_a_graph_of_their_own() {
    let device = autodiff_device(Backend::Flex, Dtype::F64).unwrap();
    let model = Mlp::new(2, 8, 2, 1, Activation::Tanh, &mut Seeded::new(5), &device);
    let copy = params::fresh_leaves(model.clone());
    assert_eq!(params::flatten(&copy), params::flatten(&model));

    let x = Tensor::<2>::random([50, 2], Distribution::Uniform(-1.0, 1.0), &device);
    let loss = |m: &Mlp| Field::forward(m, x.clone()).square().sum().backward();
    let (g_model, g_copy) = (loss(&model), loss(&copy));
    assert_eq!(
        params::flatten_grads(&copy, &g_copy),
        params::flatten_grads(&model, &g_model)
    );

    // The copy's backward pass reaches the copy's leaves alone, under the original's ids.
    let (on_copy, on_model) = (reached(&copy, &g_copy), reached(&model, &g_copy));
    assert!(on_copy.iter().all(|&(_, r)| r), "{on_copy:?}");
    assert!(on_model.iter().all(|&(_, r)| !r), "{on_model:?}");
    let ids = |v: &[(ParamId, bool)]| v.iter().map(|p| p.0).collect::<Vec<_>>();
    assert_eq!(ids(&on_copy), ids(&on_model));
}
