//! The [`Residual`] trait: what a PDE is to the trainer, and what a user implements for a
//! custom one.

use burn::Tensor;
use pinn_model::{Jet, JetSpec};

/// A PDE `N[u](x) = f(x)` in the interior of a domain, written from the jet of `u`.
///
/// ```
/// use burn::Tensor;
/// use pinn_loss::Residual;
/// use pinn_model::{Jet, JetSpec, SecondOrder};
///
/// /// Steady reaction–diffusion `−u'' + u³ = f` on an interval.
/// struct ReactionDiffusion;
///
/// impl Residual for ReactionDiffusion {
///     fn spec(&self) -> JetSpec {
///         JetSpec::values(1).with_second(SecondOrder::pure(0))
///     }
///     fn operator(&self, _x: &Tensor<2>, u: &Jet) -> Tensor<2> {
///         u.value().clone().powi_scalar(3) - u.second_dense(0)
///     }
///     fn source(&self, x: &[f64]) -> f64 {
///         let s = x[0].sin();
///         s + s.powi(3)
///     }
/// }
/// ```
pub trait Residual: Send + Sync {
    /// The derivatives `N` needs (coordinates for first derivatives, second-order streams).
    fn spec(&self) -> JetSpec;

    /// `N[u]` at the points `x` (`[N, d]`), from the jet of `u` (`[N, 1]`); returns `[N, 1]`.
    fn operator(&self, x: &Tensor<2>, u: &Jet) -> Tensor<2>;

    /// The right-hand side `f(x)` (zero by default), evaluated once per collocation point.
    fn source(&self, _x: &[f64]) -> f64 {
        0.0
    }

    /// The symbol of a linear constant-coefficient `N` on the Fourier mode `exp(i ω·x)`, if it
    /// has one: the basis of diagonal preconditioners.
    fn symbol(&self, _omega: &[f64]) -> Option<f64> {
        None
    }
}
