//! # pinn
//!
//! Physics-informed neural networks on [burn](https://burn.dev), built around operator
//! preconditioning. This facade re-exports the three library crates:
//!
//! - [`model`]: Taylor-mode [`model::Jet`]s, MLPs and (preconditioned) Fourier features;
//! - [`loss`]: domains, samplers, the [`loss::Residual`] trait, shipped PDEs, the PINN loss;
//! - [`optim`]: Adam, L-BFGS and the training loop.
//!
//! `examples/custom_residual.rs` defines a new PDE against this API in a few lines.

pub use pinn_loss as loss;
pub use pinn_model as model;
pub use pinn_optim as optim;
