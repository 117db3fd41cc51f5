//! The experiments of De Ryck, Bonnet, Mishra & de Bézenac, "An operator preconditioning
//! perspective on training in physics-informed machine learning" (ICLR 2024), in float64, on
//! the library's own Fourier-feature jets, residuals and Gauss–Newton machinery:
//!
//! - [`precondition`]: the diagonal preconditioner `P = diag(1/|d(ω)|)` from a PDE's symbol,
//!   and the rows of `A` for linear Fourier models;
//! - [`experiments`]: E1–E5, one function each, with the settings of `paper-notes.md` §3
//!   (beside this crate's manifest).

pub mod experiments;
pub mod precondition;
