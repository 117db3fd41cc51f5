//! Weights `λ_b` of the boundary-type loss terms chosen from the problem instead of by hand.
//!
//! - [`Balance::KappaOptimal`]: one multiplier `λ` on every boundary-type term, minimising the
//!   condition number `κ(A(λ))` of the Gauss–Newton matrix at the initial parameters (golden
//!   section on `log₁₀ λ`; De Ryck et al., ICLR 2024, §3). Exact for linear models, whose `A`
//!   does not depend on `θ`; a heuristic at initialisation for networks.
//! - [`Balance::GradNorm`]: every `every` steps of a first-order stage, set
//!   `λ̂_b = ‖∇_θ L_r‖ / ‖∇_θ L_b‖` (`L_b` unweighted) so that every weighted term pulls as hard
//!   as the residual, and move `λ_b ← α λ_b + (1 − α) λ̂_b` (Wang, Teng & Perdikaris, *SIAM J.
//!   Sci. Comput.* 43, 2021, with gradient norms as in their later jaxpi code).

use std::ops::Range;

use crate::ResidualRows;
use pinn_model::Field;
use serde::{Deserialize, Serialize};

use crate::jacobian::{jacobian_blocks, residual_vector, vjp};
use crate::linear::LinearLeastSquares;

/// How the weights of the boundary-type terms are chosen (`[train.balance]`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
pub enum Balance {
    /// One multiplier minimising `κ(A)` at initialisation.
    KappaOptimal,
    /// Gradient-norm balancing during Adam and gradient-descent stages.
    GradNorm {
        /// Steps between updates.
        #[serde(default = "default_every")]
        every: usize,
        /// Memory `α` of the moving average.
        #[serde(default = "default_alpha")]
        alpha: f64,
    },
}

fn default_every() -> usize {
    100
}
fn default_alpha() -> f64 {
    0.9
}

/// The range of `log₁₀ λ` the κ-optimal multiplier is searched in: `λ ∈ [10⁻⁴, 10⁶]`.
pub const KAPPA_SEARCH: (f64, f64) = (-4.0, 6.0);

/// The name under which [`merge_boundary_terms`] gathers every boundary-type term.
pub const BOUNDARY_GROUP: &str = "boundary";

impl Balance {
    /// With gradient-norm balancing, its memory `α` when an update is due at step `k`
    /// (0-based) of a first-order stage: every `every` steps, not at the first.
    pub fn grad_norm_due(&self, k: usize) -> Option<f64> {
        match self {
            Self::GradNorm { every, alpha } if k > 0 && k.is_multiple_of(*every) => Some(*alpha),
            _ => None,
        }
    }

    /// Check the numbers; the error names the field.
    pub fn validate(&self) -> Result<(), String> {
        match self {
            Self::KappaOptimal => Ok(()),
            Self::GradNorm { every, alpha } => {
                if *every == 0 {
                    return Err("train.balance.every must be at least 1 (e.g. every = 100)".into());
                }
                if !(0.0..1.0).contains(alpha) {
                    return Err(format!(
                        "train.balance.alpha must be in [0, 1) (got {alpha}); e.g. alpha = 0.9"
                    ));
                }
                Ok(())
            }
        }
    }
}

/// The κ-optimal multiplier `λ*` of all boundary-type terms and `κ(A(λ*))`, searched over
/// [`KAPPA_SEARCH`]; `None` when the loss has no boundary-type term.
pub fn kappa_optimal<M: Field + Sync>(
    loss: &dyn ResidualRows<M>,
    model: &M,
    threads: usize,
) -> Option<(f64, f64)> {
    if loss.weights().is_empty() {
        return None;
    }
    let blocks = merge_boundary_terms(loss, jacobian_blocks(loss, model, threads));
    Some(kappa_optimal_multiplier(&blocks))
}

/// `(λ*, κ(A(λ*)))` for blocks whose boundary-type terms are merged into [`BOUNDARY_GROUP`].
pub fn kappa_optimal_multiplier(blocks: &LinearLeastSquares) -> (f64, f64) {
    let (lo, hi) = KAPPA_SEARCH;
    blocks.kappa_optimal_lambda(BOUNDARY_GROUP, lo, hi)
}

/// Multiply every boundary-type weight of `loss` by the κ-optimal `λ*` at `model` (nothing
/// when the loss has no boundary-type term).
pub fn scale_to_kappa_optimal<M: Field + Sync>(
    loss: &mut dyn ResidualRows<M>,
    model: &M,
    threads: usize,
) {
    if let Some((lambda, _)) = kappa_optimal(loss, model, threads) {
        for (name, w) in loss.weights() {
            loss.set_weight(&name, w * lambda);
        }
    }
}

/// The blocks of `loss` with every boundary-type term renamed [`BOUNDARY_GROUP`] (the
/// equations keep their names), so that one multiplier `λ` weighs them all
/// (`with_lambda(BOUNDARY_GROUP, λ)`).
pub fn merge_boundary_terms<M>(
    loss: &dyn ResidualRows<M>,
    mut blocks: LinearLeastSquares,
) -> LinearLeastSquares {
    let equations = &loss.term_names()[..loss.num_equations()];
    for b in blocks
        .blocks
        .iter_mut()
        .filter(|b| !equations.contains(&b.name))
    {
        b.name = BOUNDARY_GROUP.into();
    }
    blocks
}

/// `‖∇_θ L_t‖` of every term `t` as weighted in `loss`, in [`ResidualRows::term_names`] order:
/// `∇L_t = 2 J̃_tᵀ r̃_t` from one backward pass per term.
pub fn term_gradient_norms<M: Field + Sync>(
    loss: &dyn ResidualRows<M>,
    model: &M,
    threads: usize,
) -> Vec<f64> {
    let r = residual_vector(loss, model, threads);
    norms_at(loss, model, &r, threads)
}

/// [`term_gradient_norms`] given `r̃` at `model`.
fn norms_at<M: Field + Sync>(
    loss: &dyn ResidualRows<M>,
    model: &M,
    r: &[f64],
    threads: usize,
) -> Vec<f64> {
    let mut start = 0;
    loss.term_rows()
        .into_iter()
        .map(|rows| {
            start += rows;
            gradient_norm(loss, model, r, start - rows..start, threads)
        })
        .collect()
}

/// `‖∇_θ Σ_{i ∈ rows} r̃_i²‖ = ‖2 J̃ᵀ w‖` with `w = r̃` on `rows`, 0 elsewhere.
fn gradient_norm<M: Field + Sync>(
    loss: &dyn ResidualRows<M>,
    model: &M,
    r: &[f64],
    rows: Range<usize>,
    threads: usize,
) -> f64 {
    let w: Vec<f64> = (0..r.len())
        .map(|i| if rows.contains(&i) { 2.0 * r[i] } else { 0.0 })
        .collect();
    let g = vjp(loss, model, &w, threads);
    g.iter().map(|x| x * x).sum::<f64>().sqrt()
}

/// One gradient-norm balancing update of the weights in `loss`; returns the new weights.
pub fn rebalance<M: Field + Sync>(
    loss: &mut dyn ResidualRows<M>,
    model: &M,
    threads: usize,
    alpha: f64,
) -> Vec<(String, f64)> {
    let names = loss.term_names();
    let r = residual_vector(loss, model, threads);
    let norms = norms_at(loss, model, &r, threads);
    let norm_of = |term: &str| {
        names
            .iter()
            .zip(&norms)
            .find_map(|(n, v)| (n == term).then_some(*v))
            .unwrap_or(0.0)
    };
    // The reference: the residual's equations together (one term for a scalar PDE).
    let equations = loss.num_equations();
    let residual = if equations == 1 {
        norms[0]
    } else {
        let rows = loss.term_rows()[..equations].iter().sum();
        gradient_norm(loss, model, &r, 0..rows, threads)
    };
    for (name, weight) in loss.weights() {
        let norm = norm_of(&name);
        // ‖∇L_b‖ unweighted is ‖∇(λ_b L_b)‖ / λ_b.
        let unweighted = norm / weight.max(f64::MIN_POSITIVE);
        if unweighted > 0.0 && residual > 0.0 {
            let target = residual / unweighted;
            loss.set_weight(&name, alpha * weight + (1.0 - alpha) * target);
        }
    }
    loss.weights()
}
