//! Optimizers for PINNs and the training loop: burn's Adam, L-BFGS with a strong-Wolfe line
//! search over the flat parameter vector, Gauss–Newton with Levenberg–Marquardt damping, and
//! schedules of stages (Adam → L-BFGS → Gauss–Newton); the spectrum of the Gauss–Newton matrix,
//! κ-optimal weights, diagonal Fourier preconditioners and the paper's experiments.

pub mod balance;
pub mod cg;
mod evaluator;
pub mod gauss_newton;
pub mod jacobian;
mod lbfgs;
pub mod line_search;
pub mod linear;
mod objective;
pub mod paper;
pub mod precondition;
pub mod spectrum;
mod stage;
mod train;

pub use balance::Balance;
pub use evaluator::{Evaluator, Terms};
pub use gauss_newton::{
    DenseSystem, GaussNewton, GaussNewtonConfig, GaussNewtonStatus, GaussNewtonSystem,
    MatrixFreeSystem, Solver,
};
pub use lbfgs::{Lbfgs, LbfgsConfig, LbfgsStatus};
pub use objective::Objective;
pub use stage::Stage;
pub use train::{Observer, Outcome, Progress, Termination, TrainSettings, default_threads, train};
