//! PDE residuals and PINN losses on burn.
//!
//! A [`Problem`] is a [`Residual`] (the interior operator, written from the jet of `u`) on a
//! [`Domain`] with weighted [`Condition`]s; a [`PinnLoss`] samples its collocation points and
//! evaluates the loss terms for any [`pinn_model::Field`]. The shipped PDEs are in [`pde`].

mod condition;
mod domain;
mod loss;
pub mod pde;
mod problem;
mod residual;
pub mod sampling;

pub use condition::{Condition, Constraint, Data};
pub use domain::{Domain, Face};
pub use loss::{L2Error, LossTerms, PinnLoss, PointsConfig, points_tensor};
pub use pde::PdeConfig;
pub use problem::{Exact, Problem};
pub use residual::Residual;
pub use sampling::Sampler;
