//! The shipped PDEs, each with an exact solution, and the `[pde]` table that selects one.

mod advection;
mod allen_cahn;
mod burgers;
mod diffusion;
mod expression;
mod flux;
mod heat;
mod heat_multiscale;
mod helmholtz;
mod navier_stokes;
mod poisson;
mod poisson_holes;
mod poisson_nd;
mod wave;

pub use advection::Advection;
pub use allen_cahn::AllenCahn;
pub use burgers::Burgers;
pub use diffusion::Diffusion;
pub use expression::{ConditionConfig, ConditionKind, ExpressionConfig, GeometryConfig};
pub use flux::{neumann as poisson1d_neumann, robin as poisson1d_robin};
pub use heat::{Heat, HeatInverse};
pub use heat_multiscale::HeatMultiscale;
pub use helmholtz::Helmholtz;
pub use navier_stokes::{Kovasznay, LidDriven, NavierStokes, TaylorGreen};
pub use poisson::Poisson;
pub use poisson_holes::{problem as poisson2d_classic, square_with_holes};
pub use poisson_nd::PoissonNd;
pub use wave::Wave;

use serde::{Deserialize, Serialize};

use pinn_model::Coefficient;

use crate::Problem;

/// The `[pde]` table of a config: `name` selects the problem, the other keys its parameters.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "name", rename_all = "snake_case", deny_unknown_fields)]
pub enum PdeConfig {
    /// `−u'' = π² sin(πx)` on `[0, 1]`.
    Poisson1d {},
    /// `−u'' = (π²/4) sin(πx/2)`, `u(0) = 0`, Neumann `u'(1) = 0`; `u = sin(πx/2)`.
    Poisson1dNeumann {},
    /// `−u'' = cos x`, `u(0) = 1`, Robin `u(1) + u'(1) = cos 1 − sin 1`; `u = cos x`.
    Poisson1dRobin {},
    /// `−Δu = 2π² sin(πx) sin(πy)` on `[0, 1]²`.
    Poisson2d {},
    /// `−Δu = f`, `u* = sin πx sin πy + 0.1 sin 8πx sin 8πy` on `[0, 1]²`.
    Poisson2dMultiscale {},
    /// `−Δu = 3π² Π sin(πx_i)` on `[0, 1]³`.
    Poisson3d {},
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
        /// Diffusivity ν (with `unknown_nu`: the one the error is measured at).
        #[serde(default = "default_nu")]
        nu: f64,
        /// Make `ν` an unknown coefficient, fitted to `[[observations]]` (an inverse problem).
        #[serde(default)]
        unknown_nu: Option<UnknownConfig>,
    },
    /// PINNacle's Wave1d-C: `u_tt = 4 u_xx` on `[0, 1]²`, `u_t(x, 0) = 0`;
    /// `u* = sin πx cos 2πt + ½ sin 4πx cos 8πt`.
    Wave1d {},
    /// PINNacle's Burgers1d-C: `u_t + u u_x = ν u_xx` on `[−1, 1] × [0, 1]`, `u₀ = −sin πx`;
    /// exact by Cole–Hopf.
    Burgers1d {
        /// The viscosity (PINNacle: `0.01/π`).
        #[serde(default = "burgers_nu")]
        nu: f64,
    },
    /// Variable-coefficient diffusion `−∇·((1 + x² + y²)∇u) = f` on `[0, 1]²`, `u = sin πx sin πy`.
    Diffusion2d {},
    /// The Kovasznay flow: steady Navier–Stokes in `(u, v, p)` on `[−½, 1] × [−½, 3/2]`.
    Kovasznay {
        /// The Reynolds number.
        #[serde(default = "twenty")]
        re: f64,
    },
    /// The Taylor–Green vortex: unsteady Navier–Stokes in `(u, v, p)` on `[0, 2π]² × [0, t_end]`.
    TaylorGreen {
        /// The kinematic viscosity.
        #[serde(default = "default_nu")]
        nu: f64,
        /// The final time.
        #[serde(default = "one")]
        t_end: f64,
    },
    /// PINNacle's NS2d-C: the lid-driven cavity at `ν = 1/100`, lid `u = 4x(1 − x)`.
    LidDriven {},
    /// PINNacle's Poisson2d-C: `Δu = 0` on a square with four circular holes, `u = 1` on
    /// the square (`outer`), `u = 0` on the circles (`holes`); no exact solution (compare
    /// with `[reference] file`).
    Poisson2dClassic {},
    /// PINNacle's Heat2d-MS: `u_t = u_xx/(500π)² + u_yy/π²` on `[0, 1]² × [0, 5]`,
    /// `u* = sin(20πx) sin(πy) exp(−(400/500² + 1) t)`.
    Heat2dMultiscale {},
    /// Allen–Cahn `u_t = ε² u_xx + u(1 − u)(u − a)` on `[−1, 1] × [0, T]` with its exact
    /// travelling front.
    AllenCahn1d {
        /// The interface width `ε`.
        #[serde(default = "allen_cahn_eps")]
        eps: f64,
        /// The unstable state `a ∈ (0, 1)`.
        #[serde(default = "allen_cahn_a")]
        a: f64,
        /// The final time `T`.
        #[serde(default = "allen_cahn_t_end")]
        t_end: f64,
    },
    /// `−Δu + c u = f` on a CSG geometry with the source, the boundary data and the exact
    /// solution as expressions ([`ExpressionConfig`]).
    Expression(ExpressionConfig),
    /// PINNacle's PNd: `−Δu = (π²/4) Σ sin(πx_i/2)` on `[0, 1]^d`, `u = Σ sin(πx_i/2)`.
    PoissonNd {
        /// The dimension `d` (PINNacle: 5).
        #[serde(default = "five")]
        dim: usize,
    },
}

/// An unknown coefficient in a config: `{ initial = 0.05, bounds = [0.001, 1.0] }`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UnknownConfig {
    /// The initial guess.
    pub initial: f64,
    /// `[lo, hi]`, strictly around the initial guess; unbounded when absent.
    #[serde(default)]
    pub bounds: Option<[f64; 2]>,
}

impl UnknownConfig {
    /// The coefficient; the error names `pde.FIELD` and the fix.
    fn coefficient(&self, field: &str) -> Result<Coefficient, String> {
        let c = Coefficient {
            initial: self.initial,
            bounds: self.bounds.map(|[lo, hi]| (lo, hi)),
        };
        let inside = c.bounds.is_none_or(|(lo, hi)| {
            lo.is_finite() && hi.is_finite() && lo < c.initial && c.initial < hi
        });
        if c.initial.is_finite() && inside {
            Ok(c)
        } else {
            Err(format!(
                "pde.{field}: the initial guess {} must be finite and strictly inside bounds \
                 [lo, hi] (got {:?}); e.g. {field} = {{ initial = 0.05, bounds = [0.001, 1.0] }}",
                self.initial, self.bounds
            ))
        }
    }
}

fn one() -> f64 {
    1.0
}
fn burgers_nu() -> f64 {
    0.01 / std::f64::consts::PI
}
fn twenty() -> f64 {
    20.0
}
fn five() -> usize {
    5
}
fn four() -> f64 {
    4.0
}
fn allen_cahn_eps() -> f64 {
    0.05
}
fn allen_cahn_a() -> f64 {
    0.1
}
fn allen_cahn_t_end() -> f64 {
    10.0
}
fn default_nu() -> f64 {
    0.1
}

/// The largest frequency (`k`, `a1`, `a2`) a shipped problem accepts: beyond it the solution
/// oscillates faster than any affordable set of collocation points resolves.
pub const MAX_FREQUENCY: f64 = 1e3;
/// The largest transport speed `|β|` of the advection problem (same reason).
pub const MAX_SPEED: f64 = 1e3;
/// The largest Reynolds number of the Kovasznay flow (its boundary layer at the inlet
/// thins like `1/Re`).
pub const MAX_REYNOLDS: f64 = 1e3;
/// The largest diffusivity `ν` of the heat problem (the solution decays like `e^{−νπ²t}`,
/// to below f64's smallest number for `ν ≳ 70`, and is zero to round-off long before).
pub const MAX_DIFFUSIVITY: f64 = 10.0;

/// `Ok` when `lo ≤ value ≤ hi` (and finite); otherwise the error names `pde.field`, the range
/// and an example.
fn within(field: &str, value: f64, lo: f64, hi: f64, example: &str) -> Result<(), String> {
    if value.is_finite() && (lo..=hi).contains(&value) {
        Ok(())
    } else {
        Err(format!(
            "pde.{field} = {value:e} is outside [{lo}, {hi}], where the problem makes sense; e.g. {example}"
        ))
    }
}

impl PdeConfig {
    /// The problem this table describes; errors name the field.
    pub fn problem(&self) -> Result<Problem, String> {
        Ok(match *self {
            Self::Poisson1d {} => Poisson::new(1).problem("poisson1d"),
            Self::Poisson1dNeumann {} => poisson1d_neumann("poisson1d_neumann"),
            Self::Poisson1dRobin {} => poisson1d_robin("poisson1d_robin"),
            Self::Poisson2d {} => Poisson::new(2).problem("poisson2d"),
            Self::Poisson2dMultiscale {} => {
                Poisson::with_modes(2, vec![(1.0, 1.0), (0.1, 8.0)]).problem("poisson2d_multiscale")
            }
            Self::Poisson3d {} => Poisson::new(3).problem("poisson3d"),
            Self::Helmholtz2d { k, a1, a2 } => {
                within("k", k, 0.0, MAX_FREQUENCY, "k = 1")?;
                within("a1", a1, -MAX_FREQUENCY, MAX_FREQUENCY, "a1 = 1")?;
                within("a2", a2, -MAX_FREQUENCY, MAX_FREQUENCY, "a2 = 4")?;
                Helmholtz { k, a: (a1, a2) }.problem("helmholtz2d")
            }
            Self::Advection { beta } => {
                within("beta", beta, -MAX_SPEED, MAX_SPEED, "beta = 1")?;
                Advection { beta }.problem("advection")
            }
            Self::Wave1d {} => Wave { c: 2.0 }.problem("wave1d"),
            Self::Diffusion2d {} => Diffusion.problem("diffusion2d"),
            Self::Burgers1d { nu } => {
                // The shock at x = 0 is about ν wide: below 10⁻³, thinner than any affordable
                // set of collocation points resolves.
                within("nu", nu, 1e-3, 1.0, "nu = 0.0031830988618379067")?;
                Burgers { nu }.problem("burgers1d")
            }
            Self::TaylorGreen { nu, t_end } => {
                within("nu", nu, 1e-3, 10.0, "nu = 0.1")?;
                within("t_end", t_end, 1e-3, 100.0, "t_end = 1")?;
                TaylorGreen { nu, t_end }.problem("taylor_green")
            }
            Self::LidDriven {} => LidDriven { nu: 0.01 }.problem("lid_driven"),
            Self::Poisson2dClassic {} => poisson2d_classic("poisson2d_classic"),
            Self::Heat2dMultiscale {} => HeatMultiscale::default().problem("heat2d_multiscale"),
            Self::AllenCahn1d { eps, a, t_end } => {
                // Below ε = 10⁻², the front (about 3ε wide) is thinner than affordable points.
                within("eps", eps, 1e-2, 1.0, "eps = 0.05")?;
                if !(a > 0.0 && a < 1.0) {
                    return Err(format!(
                        "pde.a = {a} must lie strictly between 0 and 1 (the unstable state); e.g. a = 0.1"
                    ));
                }
                within("t_end", t_end, 1e-3, 100.0, "t_end = 10")?;
                AllenCahn { eps, a, t_end }.problem("allen_cahn1d")
            }
            Self::Expression(ref e) => e.problem("expression")?,
            Self::Kovasznay { re } => {
                within("re", re, 1.0, MAX_REYNOLDS, "re = 20")?;
                Kovasznay { re }.problem("kovasznay")
            }
            Self::PoissonNd { dim } => {
                if !(1..=16).contains(&dim) {
                    return Err(format!(
                        "pde.dim = {dim} must be between 1 and 16 (the samplers' limit); e.g. dim = 5"
                    ));
                }
                PoissonNd { dim }.problem("poisson_nd")
            }
            Self::Heat1d { nu, ref unknown_nu } => {
                if nu <= 0.0 {
                    return Err(format!("pde.nu must be positive (got {nu}); e.g. nu = 0.1"));
                }
                within("nu", nu, 0.0, MAX_DIFFUSIVITY, "nu = 0.1")?;
                match unknown_nu {
                    None => Heat { nu }.problem("heat1d"),
                    Some(u) => HeatInverse {
                        nu: u.coefficient("unknown_nu")?,
                    }
                    .problem("heat1d_inverse", nu),
                }
            }
        })
    }
}
