//! The [`Residual`] trait: what a PDE is to the trainer, and what a user implements for a
//! custom one.

use burn::Tensor;
use pinn_model::{Coefficient, Jet, JetSpec};

/// An unknown scalar coefficient of a PDE (an inverse problem's `ν`), trained with the model
/// from data: its name (in `metrics.csv` and `summary.json`), initial guess and bounds.
#[derive(Clone, Debug, PartialEq)]
pub struct Unknown {
    /// The name.
    pub name: String,
    /// The initial guess and optional bounds.
    pub start: Coefficient,
}

/// A PDE `N[u](x) = f(x)` in the interior of a domain, written from the jet of `u`.
///
/// `u` may be a vector field `ℝ^d → ℝ^m` (its components are [`Residual::fields`]) and `N` a
/// system of `k` equations ([`Residual::equations`]): the operator then returns `[N, k]`, and
/// each equation is its own loss term. A scalar PDE keeps the defaults (`u`, one equation).
/// An inverse problem declares its unknown coefficients ([`Residual::unknowns`]): they follow
/// the fields as constant columns of the jet.
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

    /// `N[u]` at the points `x` (`[N, d]`), from the jet of `u` (`[N, m]`, one column per
    /// field; [`Jet::narrow`] picks one; then one constant column per unknown coefficient);
    /// returns `[N, k]`, one column per equation.
    fn operator(&self, x: &Tensor<2>, u: &Jet) -> Tensor<2>;

    /// The right-hand side `f(x)` of a single equation (zero by default), evaluated once per
    /// collocation point.
    fn source(&self, _x: &[f64]) -> f64 {
        0.0
    }

    /// The names of the components of `u`, in column order: `["u"]` for a scalar field,
    /// e.g. `["u", "v", "p"]` for a 2D flow. Conditions name the field they constrain.
    fn fields(&self) -> Vec<String> {
        vec!["u".into()]
    }

    /// The names of the equations, in the order of the operator's columns; each is a loss
    /// term of its own. One equation, named [`crate::RESIDUAL`], by default.
    fn equations(&self) -> Vec<String> {
        vec![crate::RESIDUAL.into()]
    }

    /// The unknown coefficients, trained with the model; none by default.
    fn unknowns(&self) -> Vec<Unknown> {
        Vec::new()
    }

    /// The right-hand sides `f_e(x)` of all equations at one point, in equation order;
    /// `[f(x)]` ([`Residual::source`]) by default. A system with sources implements this.
    fn sources(&self, x: &[f64]) -> Vec<f64> {
        vec![self.source(x)]
    }

    /// The symbol of a linear constant-coefficient `N` on the Fourier mode `exp(i ω·x)`, if it
    /// has one: the basis of diagonal preconditioners.
    fn symbol(&self, _omega: &[f64]) -> Option<f64> {
        None
    }
}
