//! The shipped PDEs, each with an exact solution, and the `[pde]` table that selects one.

mod advection;
mod heat;
mod helmholtz;
mod poisson;

pub use advection::Advection;
pub use heat::Heat;
pub use helmholtz::Helmholtz;
pub use poisson::Poisson;

use serde::{Deserialize, Serialize};

use crate::Problem;

/// The `[pde]` table of a config: `name` selects the problem, the other keys its parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "name", rename_all = "snake_case", deny_unknown_fields)]
pub enum PdeConfig {
    /// `−u'' = π² sin(πx)` on `[0, 1]`.
    Poisson1d,
    /// `−Δu = 2π² sin(πx) sin(πy)` on `[0, 1]²`.
    Poisson2d,
    /// `−Δu = f`, `u* = sin πx sin πy + 0.1 sin 8πx sin 8πy` on `[0, 1]²`.
    Poisson2dMultiscale,
    /// `−Δu = 3π² Π sin(πx_i)` on `[0, 1]³`.
    Poisson3d,
    /// `Δu + k²u = q` on `[−1, 1]²`, `u* = sin(a₁πx) sin(a₂πy)`.
    Helmholtz2d {
        /// Wave number.
        #[serde(default = "one")]
        k: f64,
        /// x-frequency of the exact solution.
        #[serde(default = "one")]
        a1: f64,
        /// y-frequency of the exact solution.
        #[serde(default = "four")]
        a2: f64,
    },
    /// `u_t + β u_x = 0`, `x ∈ [0, 2π]` periodic, `u₀ = sin x`.
    Advection {
        /// Transport speed β.
        #[serde(default = "one")]
        beta: f64,
    },
    /// `u_t = ν u_xx` on `[0, 1]²`, `u* = exp(−νπ²t) sin πx`.
    Heat1d {
        /// Diffusivity ν.
        #[serde(default = "default_nu")]
        nu: f64,
    },
}

fn one() -> f64 {
    1.0
}
fn four() -> f64 {
    4.0
}
fn default_nu() -> f64 {
    0.1
}

impl PdeConfig {
    /// The problem this table describes; errors name the field.
    pub fn problem(&self) -> Result<Problem, String> {
        Ok(match *self {
            Self::Poisson1d => Poisson::new(1).problem("poisson1d"),
            Self::Poisson2d => Poisson::new(2).problem("poisson2d"),
            Self::Poisson2dMultiscale => {
                Poisson::with_modes(2, vec![(1.0, 1.0), (0.1, 8.0)]).problem("poisson2d_multiscale")
            }
            Self::Poisson3d => Poisson::new(3).problem("poisson3d"),
            Self::Helmholtz2d { k, a1, a2 } => {
                if !(k.is_finite() && a1.is_finite() && a2.is_finite()) {
                    return Err("pde.k, pde.a1 and pde.a2 must be finite numbers".into());
                }
                Helmholtz { k, a: (a1, a2) }.problem("helmholtz2d")
            }
            Self::Advection { beta } => {
                if !beta.is_finite() {
                    return Err("pde.beta must be a finite number".into());
                }
                Advection { beta }.problem("advection")
            }
            Self::Heat1d { nu } => {
                if !(nu > 0.0 && nu.is_finite()) {
                    return Err(format!("pde.nu must be positive (got {nu}); e.g. nu = 0.1"));
                }
                Heat { nu }.problem("heat1d")
            }
        })
    }
}
