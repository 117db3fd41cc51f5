//! Models for physics-informed training: Taylor-mode [`Jet`]s (input derivatives through burn
//! tensor ops), MLPs, and Fourier-feature layers whose per-mode scaling is the hook for
//! operator preconditioning.
//!
//! ```no_run
//! use std::sync::Arc;
//! use burn::{Tensor, tensor::Device};
//! use pinn_model::{Activation, Field, Jet, JetSpec, Mlp, SecondOrder, init::Seeded};
//!
//! let device = Device::flex();
//! let mlp = Mlp::new(2, 32, 3, 1, Activation::Tanh, &mut Seeded::new(0), &device);
//! let spec = Arc::new(JetSpec::gradient(2).with_second(SecondOrder::laplacian(2)));
//! let x = Tensor::<2>::from_floats([[0.1, 0.2], [0.3, 0.4]], &device);
//! let u = mlp.forward_jet(Jet::input(x, spec));
//! let laplacian = u.second_dense(0); // Δu at each point
//! ```

mod activation;
pub mod backend;
mod coefficients;
mod constraint;
mod dense;
mod field;
mod fourier;
pub mod fused;
pub mod init;
mod jet;
mod mlp;
mod model;
pub mod params;
pub mod precision;
mod product;

pub use activation::Activation;
pub use coefficients::{Coefficient, Coefficients};
pub use constraint::{Ansatz, Constrained, JetMap, OutputMap, Periodic, Vanish};
pub use dense::Dense;
#[doc(hidden)]
pub use dense::{PerSampleRecord, Probe, ProbedStream};
pub use field::Field;
pub use fourier::FourierFeatures;
pub use jet::{Jet, JetSpec, SecondOrder, Stream};
pub use mlp::{FourierMlp, LinearFourier, Mlp};
pub use model::{FeaturesConfig, Model, ModelConfig};
