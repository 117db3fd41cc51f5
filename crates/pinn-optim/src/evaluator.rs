//! Loss and gradient evaluation, data-parallel over threads.
//!
//! burn's CPU backends run each tensor op on one core. The loss is a sum over collocation
//! points, so the points are split into shards ([`ResidualRows::shards`]) whose forward and
//! backward passes run on separate threads ([`crate::parallel`]); their gradients add up to
//! the full gradient.

use std::collections::HashMap;

use burn::Tensor;
use burn::module::{Module, ModuleVisitor, Param, ParamId};
use burn::optim::GradientsParams;
use pinn_model::{Field, params};
use rayon::prelude::*;

use crate::ResidualRows;
use crate::parallel::for_each_job;

/// The loss of a problem, whole (for Jacobians) and split into shards for `threads` workers
/// (for the loss and its gradient).
pub struct Evaluator<M> {
    loss: Box<dyn ResidualRows<M>>,
    shards: Vec<Box<dyn ResidualRows<M>>>,
    threads: usize,
    gram_on_device: bool,
}

/// Loss terms `(name, value)` on the host, in the order of the full loss.
pub type Terms = Vec<(String, f64)>;

/// `Σ_t L_t`.
pub fn total(terms: &[(String, f64)]) -> f64 {
    terms.iter().map(|(_, v)| v).sum()
}

/// The first term whose value is NaN or ±∞.
pub fn first_non_finite(terms: &[(String, f64)]) -> Option<String> {
    terms
        .iter()
        .find(|(_, v)| !v.is_finite())
        .map(|(n, _)| n.clone())
}

impl<M: Field + Sync> Evaluator<M> {
    /// Split `loss` over `threads` workers (1: no threads).
    pub fn new(loss: &dyn ResidualRows<M>, threads: usize) -> Self {
        let threads = threads.max(1);
        Self {
            loss: loss.boxed(),
            shards: loss.shards(threads),
            threads,
            gram_on_device: false,
        }
    }

    /// Shards of at most `points` interior points (about; `None`: one shard per thread), the
    /// same number dealt to each thread: small shards keep a layer's streams in the cache
    /// ([`pinn_model::backend::Backend::shard_points`]).
    pub fn with_shard_points(mut self, points: Option<usize>) -> Self {
        if let Some(points) = points {
            let interior = self.loss.term_rows().first().copied().unwrap_or(0);
            let per_thread = interior.div_ceil(points.max(1) * self.threads).max(1);
            self.shards = self.loss.shards(self.threads * per_thread);
        }
        self
    }

    /// Assemble the Gauss–Newton matrix on the model's device (GPU backends) instead of
    /// reading `J̃` back to the host ([`crate::jacobian::gram_on_device`]).
    pub fn with_gram_on_device(mut self, on_device: bool) -> Self {
        self.gram_on_device = on_device;
        self
    }

    /// Whether the Gauss–Newton matrix is assembled on the model's device.
    pub fn gram_on_device(&self) -> bool {
        self.gram_on_device
    }

    /// The whole loss.
    pub fn loss(&self) -> &dyn ResidualRows<M> {
        self.loss.as_ref()
    }

    /// Worker threads.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Run `f(shard, model)` on every shard, dealt to the threads when there are several.
    fn map<T: Send>(&self, model: &M, f: impl Fn(&dyn ResidualRows<M>, &M) -> T + Sync) -> Vec<T> {
        for_each_job(model, &self.shards, self.threads, |m, shard| {
            f(shard.as_ref(), m)
        })
    }

    /// The loss terms of `model` (no gradient).
    ///
    /// The parameters are detached first ([`Module::no_grad`]): forward passes of tracked
    /// parameters that no backward pass consumes slowed every later op of burn 0.22's
    /// autodiff (4096 points on 2 threads: 60–100 ms a pass instead of 14 ms).
    pub fn terms(&self, model: &M) -> Terms {
        let model = &model.clone().no_grad();
        let parts = self.map(model, |shard, m| {
            let t = shard.terms(m);
            host_terms(&t.terms)
        });
        merge_terms(parts)
    }

    /// The loss terms and `∇_θ L` as burn gradients (for burn's optimizers).
    pub fn terms_and_grads(&self, model: &M) -> (Terms, GradientsParams) {
        let parts = self.map(model, |shard, m| {
            let t = shard.terms(m);
            let values = host_terms(&t.terms);
            let grads = GradientsParams::from_grads(t.total().backward(), m);
            (values, grads)
        });
        let (terms, grads): (Vec<_>, Vec<_>) = parts.into_iter().unzip();
        (merge_terms(terms), sum_grads(model, grads))
    }

    /// `L(θ)` and `∇L(θ)` as flat vectors (for L-BFGS).
    pub fn value_grad(&self, model: &M) -> (Terms, Vec<f64>) {
        let parts = self.map(model, |shard, m| {
            let t = shard.terms(m);
            let values = host_terms(&t.terms);
            let grads = t.total().backward();
            (values, params::flatten_grads(m, &grads))
        });
        let (terms, grads): (Vec<_>, Vec<_>) = parts.into_iter().unzip();
        let mut g = vec![0.0; grads.first().map_or(0, Vec::len)];
        for part in grads {
            g.iter_mut().zip(part).for_each(|(a, b)| *a += b);
        }
        (merge_terms(terms), g)
    }
}

fn host_terms(terms: &[(String, Tensor<1>)]) -> Terms {
    let stacked = Tensor::cat(terms.iter().map(|(_, t)| t.clone().detach()).collect(), 0);
    let values = stacked.into_data_as::<f64>();
    terms
        .iter()
        .map(|(n, _)| n.clone())
        .zip(values.iter::<f64>())
        .collect()
}

/// Sum the shards' terms: every shard has every term, in the same order.
fn merge_terms(parts: Vec<Terms>) -> Terms {
    let mut parts = parts.into_iter();
    let mut total = parts.next().unwrap_or_default();
    for part in parts {
        debug_assert!(total.iter().map(|t| &t.0).eq(part.iter().map(|t| &t.0)));
        for (slot, (_, v)) in total.iter_mut().zip(part) {
            slot.1 += v;
        }
    }
    total
}

/// Takes every part's gradient of each parameter, flattened to a vector.
struct TakeGrads<'a> {
    parts: &'a mut [GradientsParams],
    taken: Vec<(ParamId, Vec<Tensor<1>>)>,
}

impl ModuleVisitor for TakeGrads<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let grads = self
            .parts
            .iter_mut()
            .filter_map(|g| g.remove::<D>(param.id))
            .map(|g| {
                let n = g.shape().num_elements();
                g.reshape([n])
            })
            .collect();
        self.taken.push((param.id, grads));
    }
}

/// Registers each parameter's summed gradient in its own shape.
struct PutGrads {
    sums: HashMap<ParamId, Tensor<1>>,
    out: GradientsParams,
}

impl ModuleVisitor for PutGrads {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if let Some(sum) = self.sums.remove(&param.id) {
            self.out
                .register::<D>(param.id, sum.reshape(param.val().shape()));
        }
    }
}

/// `Σ_k ∇L_k` parameter by parameter, the parameters on the pool's threads side by side (each
/// sum in the parts' order, whatever the threads).
fn sum_grads<M: Module>(model: &M, mut parts: Vec<GradientsParams>) -> GradientsParams {
    if parts.len() == 1 {
        return parts.pop().expect("one part");
    }
    let mut take = TakeGrads {
        parts: &mut parts,
        taken: Vec::new(),
    };
    model.visit(&mut take);
    let sums = take
        .taken
        .into_par_iter()
        .filter_map(|(id, grads)| Some((id, grads.into_iter().reduce(|a, b| a + b)?)))
        .collect();
    let mut put = PutGrads {
        sums,
        out: GradientsParams::new(),
    };
    model.visit(&mut put);
    put.out
}
