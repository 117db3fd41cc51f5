//! 1D Poisson `−u'' = f` on `[0, 1]` with a flux condition at `x = 1`: the model problems for
//! Neumann and Robin data, each with an exact solution.
//!
//! - `poisson1d_neumann`: `u = sin(πx/2)`, so `f = (π²/4) sin(πx/2)`, `u(0) = 0` and
//!   `∂u/∂n(1) = u'(1) = 0`.
//! - `poisson1d_robin`: `u = cos x`, so `f = cos x`, `u(0) = 1` and
//!   `u(1) + ∂u/∂n(1) = cos 1 − sin 1`.

use std::f64::consts::FRAC_PI_2;
use std::sync::Arc;

use burn::Tensor;
use pinn_model::{Jet, JetSpec, SecondOrder};

use crate::{Condition, Domain, Face, Problem, Residual};

/// `−u'' = f` on `[0, 1]` for a given source.
#[derive(Clone, Copy, Debug)]
struct Poisson1d {
    source: fn(f64) -> f64,
}

impl Residual for Poisson1d {
    fn spec(&self) -> JetSpec {
        JetSpec::values(1).with_second(SecondOrder::pure(0))
    }

    fn operator(&self, _x: &Tensor<2>, u: &Jet) -> Tensor<2> {
        u.second_dense(0).neg()
    }

    fn source(&self, x: &[f64]) -> f64 {
        (self.source)(x[0])
    }

    fn symbol(&self, omega: &[f64]) -> Option<f64> {
        Some(omega[0] * omega[0])
    }
}

const LEFT: Face = Face {
    axis: 0,
    upper: false,
};
const RIGHT: Face = Face {
    axis: 0,
    upper: true,
};

/// `u = sin(πx/2)`: `u(0) = 0` (term `boundary`), `∂u/∂n = 0` at `x = 1` (term `neumann`).
pub fn neumann(name: &str) -> Problem {
    let residual = Poisson1d {
        source: |x| FRAC_PI_2 * FRAC_PI_2 * (FRAC_PI_2 * x).sin(),
    };
    Problem::new(name, residual, Domain::interval(0.0, 1.0))
        .with_condition(Condition::value("boundary", vec![LEFT], Arc::new(|_| 0.0)))
        .with_condition(Condition::neumann(
            "neumann",
            vec![RIGHT],
            Arc::new(|_| 0.0),
        ))
        .with_exact(|x| (FRAC_PI_2 * x[0]).sin())
        .with_zero_lift()
}

/// `u = cos x`: `u(0) = 1` (term `boundary`), `u + ∂u/∂n = cos 1 − sin 1` at `x = 1` (term
/// `robin`).
pub fn robin(name: &str) -> Problem {
    let residual = Poisson1d { source: f64::cos };
    Problem::new(name, residual, Domain::interval(0.0, 1.0))
        .with_condition(Condition::value("boundary", vec![LEFT], Arc::new(|_| 1.0)))
        .with_condition(Condition::robin(
            "robin",
            vec![RIGHT],
            1.0,
            1.0,
            Arc::new(|_| 1f64.cos() - 1f64.sin()),
        ))
        .with_exact(|x| x[0].cos())
        .with_lift(|x| x.clone().narrow(0, 1).scale(0.0).add_scalar(1.0))
}
