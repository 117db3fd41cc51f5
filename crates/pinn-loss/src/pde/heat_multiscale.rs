//! PINNacle's Heat2d-MS (`Heat2D_Multiscale`): anisotropic heat conduction
//! `u_t = a u_xx + b u_yy`, `a = 1/(500π)²`, `b = 1/π²`, on `[0, 1]² × [0, 5]`, `u = 0` on the
//! sides and `u(x, y, 0) = sin(20πx) sin(πy)`, so that
//! `u* = sin(20πx) sin(πy) exp(−(400/500² + 1) t)`: ten periods along `x`, one half along `y`.

use std::f64::consts::PI;
use std::sync::Arc;

use burn::Tensor;
use pinn_model::{Jet, JetSpec, SecondOrder};

use crate::{Condition, Domain, Problem, Residual};

/// `u_t − a u_xx − b u_yy`, coordinates `(x, y, t)`.
#[derive(Clone, Debug)]
pub struct HeatMultiscale {
    /// `a`, the diffusivity along `x`.
    pub a: f64,
    /// `b`, the diffusivity along `y`.
    pub b: f64,
}

impl Default for HeatMultiscale {
    /// PINNacle's coefficients: `a = 1/(500π)²`, `b = 1/π²`.
    fn default() -> Self {
        Self {
            a: 1.0 / (500.0 * PI).powi(2),
            b: 1.0 / (PI * PI),
        }
    }
}

/// `sin(20πx) sin(πy)`.
fn initial(x: &[f64]) -> f64 {
    (20.0 * PI * x[0]).sin() * (PI * x[1]).sin()
}

impl HeatMultiscale {
    /// The exact solution `u(x, y, 0) exp(−(a (20π)² + b π²) t)`.
    pub fn exact(&self, x: &[f64]) -> f64 {
        let rate = self.a * (20.0 * PI).powi(2) + self.b * PI * PI;
        initial(x) * (-rate * x[2]).exp()
    }

    /// The problem; the lift `g̃ = sin(20πx) sin(πy)` (the initial data, zero on the sides)
    /// for hard constraints.
    pub fn problem(self, name: &str) -> Problem {
        let space = Domain::rectangle((0.0, 1.0), (0.0, 1.0));
        let domain = Domain::space_time(&space, 0.0, 5.0);
        let sides = domain.spatial_faces();
        let start = domain.initial_face().expect("space-time domain");
        let exact = self.clone();
        Problem::new(name, self, domain)
            .with_condition(Condition::value("boundary", sides, Arc::new(|_| 0.0)))
            .with_condition(Condition::value("initial", vec![start], Arc::new(initial)))
            .with_exact(move |x| exact.exact(x))
            .with_lift(|x: &Jet| {
                let along = |axis: usize, k: f64| x.clone().narrow(axis, 1).scale(k * PI).sin();
                along(0, 20.0) * along(1, 1.0)
            })
    }
}

impl Residual for HeatMultiscale {
    fn spec(&self) -> JetSpec {
        JetSpec::values(3)
            .with_first(2)
            .with_second(SecondOrder::new(vec![(0, 0, self.a), (1, 1, self.b)]))
    }

    /// `u_t − (a ∂_xx + b ∂_yy) u`.
    fn operator(&self, _x: &Tensor<2>, u: &Jet) -> Tensor<2> {
        u.first_dense(2) - u.second_dense(0)
    }

    /// `|i ω_t + a ω_x² + b ω_y²|`.
    fn symbol(&self, omega: &[f64]) -> Option<f64> {
        Some(omega[2].hypot(self.a * omega[0] * omega[0] + self.b * omega[1] * omega[1]))
    }
}
