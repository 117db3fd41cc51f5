//! Optimizers for PINNs and the training loop: burn's Adam, L-BFGS with a strong-Wolfe line
//! search over the flat parameter vector, and schedules of stages (Adam → L-BFGS).

mod evaluator;
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

pub use evaluator::{Evaluator, Terms};
pub use lbfgs::{Lbfgs, LbfgsConfig, LbfgsStatus};
pub use objective::Objective;
pub use stage::Stage;
pub use train::{Observer, Outcome, Progress, Termination, TrainSettings, default_threads, train};
