//! Runs of `pinn` on disk — the one library crate that touches files: the TOML [`Config`], the
//! run directory ([`run_dir`]: its files, written atomically, and the rules for reusing one),
//! [`Checkpoint`]s in safetensors that training resumes from, `summary.json`
//! ([`RunSummary`]), and [`TrainedRun`]: a finished run loaded back to evaluate its model at
//! new points or to [`export`] it on a grid (npy, csv, VTK).

pub mod checkpoint;
pub mod config;
pub mod export;
pub mod files;
pub mod memory;
pub mod observations;
pub mod reference;
pub mod run_dir;
pub mod summary;
pub mod table;
pub mod trained;

pub use checkpoint::Checkpoint;
pub use config::{Config, TrainConfig};
pub use summary::{PhaseTime, RunSummary};
pub use trained::TrainedRun;
