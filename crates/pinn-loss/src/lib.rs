//! PDE residuals and PINN losses on burn.
//!
//! A [`Problem`] is a [`Residual`] (the interior operator, written from the jet of `u`) on a
//! [`Domain`] with weighted [`Condition`]s; a [`PinnLoss`] samples its collocation points and
//! evaluates the loss terms for any [`pinn_model::Field`]; a [`Setup`] makes a problem
//! trainable (loss, model, error metric). The shipped PDEs are in [`pde`].

mod condition;
mod domain;
pub mod expr;
pub mod geometry;
pub mod lift;
mod loss;
pub mod pde;
mod problem;
pub mod real;
mod residual;
pub mod sampling;
mod setup;

pub use condition::{Boundary, BoundaryData, Condition, Constraint};
pub use domain::{Domain, Face};
pub use geometry::Region;
pub use loss::{L2Error, LossTerms, PinnLoss, PointsConfig, RESIDUAL, column, points_tensor};
pub use pde::PdeConfig;
pub use problem::{Exact, Problem};
pub use residual::{Residual, Unknown};
pub use sampling::Sampler;
pub use setup::{Setup, Trainable};
