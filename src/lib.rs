//! # pinn
//!
//! Physics-informed neural networks on [burn](https://burn.dev), built around operator
//! preconditioning. This facade re-exports the library crates:
//!
//! - [`model`]: Taylor-mode [`model::Jet`]s, MLPs, (preconditioned) Fourier features and
//!   hard-constraint ansätze;
//! - [`loss`]: domains, samplers, the [`loss::Residual`] trait, the shipped PDEs, the PINN
//!   loss and [`loss::Setup`], which makes a problem trainable;
//! - [`optim`]: the training loop ([`optim::train`]) over stages of Adam, gradient descent,
//!   L-BFGS and Gauss–Newton; Jacobians, the spectrum of `A` and κ-optimal weights;
//! - [`paper`]: the experiments of De Ryck et al. (ICLR 2024).
//!
//! `examples/custom_residual.rs` defines a new PDE against this API in a few lines.

pub use pinn_loss as loss;
pub use pinn_model as model;
pub use pinn_optim as optim;
pub use pinn_paper as paper;
