//! Training PINNs: a loop ([`train`]) that runs a schedule of optimizer stages — Adam,
//! gradient descent, L-BFGS with a strong-Wolfe line search, Gauss–Newton with
//! Levenberg–Marquardt damping (dense Cholesky or matrix-free CG) — each behind the
//! [`Stepper`] trait in its own module; the Jacobian of the weighted residual and its
//! products; the spectrum of the Gauss–Newton matrix and κ-optimal or gradient-norm loss
//! weights.

pub mod adam;
pub mod adaptive;
pub mod balance;
pub mod cg;
pub mod diagnosis;
mod evaluator;
pub mod gauss_newton;
pub mod gd;
pub mod jacobian;
pub mod lbfgs;
pub mod line_search;
pub mod linear;
mod objective;
mod observer;
mod parallel;
pub mod phases;
mod rows;
mod schedule;
pub mod spectrum;
mod stage;
mod state;
mod stepper;
mod termination;
mod train;

pub use adam::AdamConfig;
pub use adaptive::Resample;
pub use balance::Balance;
pub use evaluator::{Evaluator, Terms};
pub use gauss_newton::{
    DenseSystem, GaussNewton, GaussNewtonConfig, GaussNewtonSolver, GaussNewtonStatus,
    GaussNewtonSystem, MatrixFreeSystem, RowSpaceSystem,
};
pub use gd::GdConfig;
pub use lbfgs::{Lbfgs, LbfgsConfig, LbfgsStatus};
pub use objective::Objective;
pub use observer::{Observer, Outcome, Progress};
pub use phases::{Phase, Phases};
pub use pinn_model::backend::default_threads;
pub use rows::ResidualRows;
pub use schedule::{Target, TrainSettings};
pub use stage::{Stage, StageConfig};
pub use state::{StepperState, TrainState};
pub use stepper::{Step, Stepper};
pub use termination::Termination;
pub use train::{resume, train};
