//! Why training is slow, measured: the spectrum of a PINN's Gauss–Newton matrix
//! `A = J̃ᵀJ̃` at a model, with one multiplier `λ` on every boundary-type weight (what
//! `pinn spectrum` reports). Gradient descent with `η = 1/λ_max` needs about `κ(A) ln(1/ε)`
//! steps to reduce the slowest error component by `ε` (De Ryck et al., ICLR 2024, Thm. 2.3).

use crate::ResidualRows;
use pinn_model::Field;

use crate::balance::{BOUNDARY_GROUP, kappa_optimal_multiplier, merge_boundary_terms};
use crate::evaluator::{Evaluator, total};
use crate::jacobian::jacobian_blocks;
use crate::spectrum::Spectrum;

/// The multiplier `λ` of every boundary-type weight.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum BoundaryMultiplier {
    /// This value (1: the weights as configured).
    Fixed(f64),
    /// The κ-optimal one ([`crate::balance::KAPPA_SEARCH`]).
    KappaOptimal,
}

/// The spectrum of `A` at a model, and what it was computed from.
#[derive(Clone, Debug)]
pub struct SpectrumReport {
    /// Eigenvalues, κ and the zero count of `A(λ)`.
    pub spectrum: Spectrum,
    /// The multiplier `λ` used.
    pub lambda: f64,
    /// Parameters (the size of `A`).
    pub n_params: usize,
    /// Rows of the weighted residual vector `r̃`.
    pub n_rows: usize,
    /// The loss at the model.
    pub loss: f64,
}

/// The spectrum of `A(λ)` for `loss` at `model` (dense: `n_params²` memory and an `O(n³)`
/// eigensolve). Errors when `A` is not numerically positive semi-definite.
pub fn gauss_newton_spectrum<M: Field + Sync>(
    loss: &dyn ResidualRows<M>,
    model: &M,
    multiplier: BoundaryMultiplier,
    threads: usize,
) -> Result<SpectrumReport, String> {
    let blocks = merge_boundary_terms(loss, jacobian_blocks(loss, model, threads));
    let lambda = match multiplier {
        BoundaryMultiplier::Fixed(v) => v,
        BoundaryMultiplier::KappaOptimal => kappa_optimal_multiplier(&blocks).0,
    };
    let spectrum = Spectrum::of(&blocks.with_lambda(BOUNDARY_GROUP, lambda).matrix())?;
    Ok(SpectrumReport {
        spectrum,
        lambda,
        n_params: blocks.dim(),
        n_rows: loss.num_rows(),
        loss: total(&Evaluator::new(loss, 1).terms(model)),
    })
}
