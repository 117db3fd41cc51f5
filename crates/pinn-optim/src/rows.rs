//! [`ResidualRows`]: what every optimizer needs from a loss, so that a loss the library does
//! not ship trains like [`PinnLoss`] — with Adam, L-BFGS, Gauss–Newton (dense, row-space or
//! matrix-free) and the spectrum of `A = J̃ᵀJ̃`.
//!
//! The loss is `L(θ) = ‖r̃(θ)‖²`, the squared norm of a weighted residual vector whose rows come
//! in named terms. The optimizers ask for the terms' values (`L` and its gradient by one
//! backward pass) and for any run of rows `r̃_{start..start+len}` as a tensor still on the
//! autodiff graph: the Jacobian `J̃`, `J̃v` and `J̃ᵀw` come from those rows through the model's
//! probes ([`crate::jacobian`]), with no further help from the loss.

use burn::Tensor;
use pinn_loss::{LossTerms, PinnLoss};
use pinn_model::Field;

use crate::adaptive::Resample;

/// A loss `L = ‖r̃‖²` given by its weighted residual rows, for models of type `M`.
///
/// A custom loss implements the four required methods (and [`ResidualRows::boxed`], a clone
/// in a box); weights, shards, checks and adaptive collocation have defaults that opt out.
pub trait ResidualRows<M>: Send + Sync {
    /// The names of the terms, in row order.
    fn term_names(&self) -> Vec<String>;

    /// The number of rows of each term.
    fn term_rows(&self) -> Vec<usize>;

    /// Rows `start..start + len` of `r̃` at `model` (`[len', 1]`, `len' ≤ len`: a run never
    /// straddles two terms, it is cut short), on the autodiff graph, with the index of their
    /// term. `Σ_i r̃_i²` over every row is the loss.
    fn weighted_rows(&self, model: &M, start: usize, len: usize) -> (usize, Tensor<2>);

    /// Every term `(name, Σ_{i ∈ term} r̃_i²)` as `[1]` tensors on the autodiff graph.
    fn terms(&self, model: &M) -> LossTerms;

    /// A clone in a box.
    fn boxed(&self) -> Box<dyn ResidualRows<M>>;

    /// Whether each row of term `term` depends on the model at its own point only — row `i`
    /// of a run of rows on the `i`-th point the model sees — so that per-sample and tangent
    /// probes give its Jacobian from one backward pass per run (true by default). A term
    /// whose rows couple points (an integral, a mean) says false: its rows then take one
    /// backward pass each.
    fn pointwise(&self, _term: usize) -> bool {
        true
    }

    /// The number of rows of `r̃`.
    fn num_rows(&self) -> usize {
        self.term_rows().iter().sum()
    }

    /// How many of the first terms are equations of the residual (the reference group of
    /// the weight balancing); the others are boundary-type terms.
    fn num_equations(&self) -> usize {
        1
    }

    /// The adjustable weights of the boundary-type terms, by name (none by default).
    fn weights(&self) -> Vec<(String, f64)> {
        Vec::new()
    }

    /// Set the weight of the term `name`; `false` when there is none (by default).
    fn set_weight(&mut self, _name: &str, _weight: f64) -> bool {
        false
    }

    /// Split into parts whose losses add up to this loss term by term (each part has every
    /// term, in the same order), evaluated on separate threads (by default one part: the loss
    /// itself).
    fn shards(&self, _n: usize) -> Vec<Box<dyn ResidualRows<M>>> {
        vec![self.boxed()]
    }

    /// Refuse a model this loss cannot evaluate, before the first step.
    fn check(&self, _model: &M) -> Result<(), String> {
        Ok(())
    }

    /// The same loss on interior points redrawn by `rule` at `step` (adaptive collocation),
    /// with the points; an error for a loss without interior points (by default).
    #[allow(clippy::type_complexity)]
    fn redrawn(
        &self,
        _model: &M,
        _rule: &Resample,
        _step: usize,
    ) -> Result<(Box<dyn ResidualRows<M>>, Vec<Vec<f64>>), String> {
        Err("this loss has no interior points to redraw; remove train.resample".into())
    }

    /// The same loss on the interior points `points` (a resumed adaptive run).
    fn on_interior(&self, _points: &[Vec<f64>]) -> Result<Box<dyn ResidualRows<M>>, String> {
        Err("this loss has no interior points to restore".into())
    }
}

impl<M: Field + Sync + 'static> ResidualRows<M> for PinnLoss {
    fn term_names(&self) -> Vec<String> {
        PinnLoss::term_names(self)
    }

    fn term_rows(&self) -> Vec<usize> {
        PinnLoss::term_rows(self)
    }

    fn weighted_rows(&self, model: &M, start: usize, len: usize) -> (usize, Tensor<2>) {
        PinnLoss::weighted_rows(self, model, start, len)
    }

    fn terms(&self, model: &M) -> LossTerms {
        PinnLoss::terms(self, model)
    }

    fn boxed(&self) -> Box<dyn ResidualRows<M>> {
        Box::new(self.clone())
    }

    fn num_equations(&self) -> usize {
        PinnLoss::num_equations(self)
    }

    fn weights(&self) -> Vec<(String, f64)> {
        PinnLoss::weights(self)
    }

    fn set_weight(&mut self, name: &str, weight: f64) -> bool {
        PinnLoss::set_weight(self, name, weight)
    }

    fn shards(&self, n: usize) -> Vec<Box<dyn ResidualRows<M>>> {
        PinnLoss::shards(self, n)
            .into_iter()
            .map(|s| Box::new(s) as Box<dyn ResidualRows<M>>)
            .collect()
    }

    fn check(&self, model: &M) -> Result<(), String> {
        PinnLoss::check(self, model)
    }

    fn redrawn(
        &self,
        model: &M,
        rule: &Resample,
        step: usize,
    ) -> Result<(Box<dyn ResidualRows<M>>, Vec<Vec<f64>>), String> {
        let n = PinnLoss::term_rows(self)[0];
        let points = rule.draw(self, model, n, step)?;
        Ok((Box::new(self.with_interior(&points)?), points))
    }

    fn on_interior(&self, points: &[Vec<f64>]) -> Result<Box<dyn ResidualRows<M>>, String> {
        Ok(Box::new(self.with_interior(points)?))
    }
}
