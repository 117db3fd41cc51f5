//! Why training stopped, as a value (argmin's `TerminationReason`).

use std::fmt;

/// Why training stopped.
#[derive(Clone, Debug, PartialEq)]
pub enum Termination {
    /// Every stage ran its steps.
    MaxSteps,
    /// The last stage's optimizer converged (gradient or change below tolerance).
    Converged,
    /// The L-BFGS line search found no acceptable step (usually the round-off floor).
    LineSearchFailed,
    /// Gauss–Newton found no damping that decreases the loss (the round-off floor).
    Stalled,
    /// The wall-clock budget (`train.time_limit`) ran out.
    TimeLimit,
    /// A target of `train.target` was reached.
    TargetReached,
    /// A loss term became NaN or ±∞ at `step`; the model is the one of step `step − 1`.
    NonFinite {
        /// The first non-finite term.
        term: String,
        /// The step at which it was seen.
        step: usize,
    },
}

/// `max_steps`, `converged`, `line_search_failed`, `stalled`, `time_limit`, `target_reached` or `non_finite:TERM@STEP`, as in
/// a run's `summary.json`.
impl fmt::Display for Termination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MaxSteps => f.write_str("max_steps"),
            Self::Converged => f.write_str("converged"),
            Self::LineSearchFailed => f.write_str("line_search_failed"),
            Self::Stalled => f.write_str("stalled"),
            Self::TimeLimit => f.write_str("time_limit"),
            Self::TargetReached => f.write_str("target_reached"),
            Self::NonFinite { term, step } => write!(f, "non_finite:{term}@{step}"),
        }
    }
}
