//! Diagonal operator preconditioners for Fourier features, and the Gauss–Newton rows of
//! linear Fourier models computed through the model's own jets.
//!
//! For a linear constant-coefficient operator `D` with symbol `d(ω)` (`D e^{iω·x} = d(ω)
//! e^{iω·x}`), the reparametrisation `θ = Pθ'` with `P = diag(1/|d(ω_k)|)` makes
//! `P A P ≈ 𝒜^{-1}`-scaled, i.e. well conditioned (De Ryck et al., ICLR 2024, §4). The same
//! `P` can act on the parameters, on the gradients (`g ← P Pᵀ g`) or on the features
//! ([`pinn_model::FourierFeatures::with_mode_scaling`]).

use std::sync::Arc;

use burn::Tensor;
use faer::Mat;
use pinn_loss::Residual;
use pinn_model::{FourierFeatures, Jet, JetSpec};

/// Scales for the modes where `1/|symbol|` is undefined.
#[derive(Clone, Copy, Debug)]
pub struct ZeroModes {
    /// Scale of the constant feature (its symbol is `d(0)`, often 0).
    pub constant: f64,
    /// Scale of a resonant mode, where `d(ω)` vanishes
    /// ([`FourierFeatures::symbol_magnitudes`]).
    pub resonant: f64,
}

/// `p_k = 1/|d(ω_k)|` per feature, in the feature order `[1, cos ω_1·x …, sin ω_1·x …]`.
///
/// Errors when the residual has no symbol (a nonlinear or variable-coefficient operator).
pub fn diagonal_preconditioner(
    features: &FourierFeatures,
    residual: &dyn Residual,
    zero: ZeroModes,
) -> Result<Vec<f64>, String> {
    let per_mode: Vec<f64> = features
        .symbol_magnitudes(&|w| residual.symbol(w))
        .ok_or("this residual has no Fourier symbol: a diagonal preconditioner needs a linear constant-coefficient operator")?
        .into_iter()
        .map(|s| s.map_or(zero.resonant, |s| 1.0 / s))
        .collect();
    let mut p = Vec::with_capacity(features.num_features());
    if features.has_constant() {
        p.push(zero.constant);
    }
    p.extend_from_slice(&per_mode);
    p.extend_from_slice(&per_mode);
    Ok(p)
}

fn to_mat(t: Tensor<2>) -> Mat<f64> {
    let [rows, cols] = t.dims();
    let v: Vec<f64> = t.into_data_as::<f64>().iter::<f64>().collect();
    Mat::from_fn(rows, cols, |r, c| v[r * cols + c])
}

/// `J_ik = D[φ_k](x_i)` for a linear operator: the residual applied to every feature at once
/// (the features' jet is `[N, F]`; a linear operator acts column by column).
pub fn operator_rows(
    features: &FourierFeatures,
    residual: &dyn Residual,
    x: &Tensor<2>,
) -> Mat<f64> {
    let spec = Arc::new(residual.spec());
    let phi = features.forward(Jet::input(x.clone(), spec));
    to_mat(residual.operator(x, &phi))
}

/// `φ_k(x_i)`, or with `derivative = Some(i)` the derivative `∂_i φ_k(x_i)`.
pub fn feature_rows(
    features: &FourierFeatures,
    x: &Tensor<2>,
    derivative: Option<usize>,
) -> Mat<f64> {
    let [_, d] = x.dims();
    let spec = match derivative {
        Some(i) => JetSpec::values(d).with_first(i),
        None => JetSpec::values(d),
    };
    let phi = features.forward(Jet::input(x.clone(), Arc::new(spec)));
    match derivative {
        Some(i) => to_mat(phi.first_dense(i)),
        None => to_mat(phi.into_value()),
    }
}
