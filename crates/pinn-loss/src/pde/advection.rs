//! Linear advection `u_t + β u_x = 0`, `x ∈ [0, 2π]` periodic, `t ∈ [0, 1]`.

use std::f64::consts::PI;
use std::sync::Arc;

use burn::Tensor;
use pinn_model::{Jet, JetSpec};

use crate::{Condition, Domain, Problem, Residual};

/// `u_t + β u_x = 0` with `u(x, 0) = sin x`, so `u* = sin(x − βt)`. Coordinates `(x, t)`.
#[derive(Clone, Debug)]
pub struct Advection {
    /// Transport speed `β`.
    pub beta: f64,
}

impl Advection {
    /// The exact solution.
    pub fn exact(&self, x: &[f64]) -> f64 {
        (x[0] - self.beta * x[1]).sin()
    }

    /// The problem with initial data and periodicity in `x`.
    pub fn problem(self, name: &str) -> Problem {
        let domain = Domain::space_time(&Domain::interval(0.0, 2.0 * PI), 0.0, 1.0);
        let initial = domain.initial_face().expect("space-time domain");
        let exact = self.clone();
        Problem::new(name, self, domain)
            .with_condition(Condition::value(
                "initial",
                vec![initial],
                Arc::new(|x| x[0].sin()),
            ))
            .with_condition(Condition::periodic(0))
            .with_exact(move |x| exact.exact(x))
            .with_lift(|x| x.clone().narrow(0, 1).sin())
    }
}

impl Residual for Advection {
    fn spec(&self) -> JetSpec {
        JetSpec::values(2).with_first(0).with_first(1)
    }

    /// `u_t + β u_x`.
    fn operator(&self, _x: &Tensor<2>, u: &Jet) -> Tensor<2> {
        u.first_dense(1) + u.first_dense(0).mul_scalar(self.beta)
    }

    /// `|ω_t + β ω_x|` (the modulus of `i(ω_t + β ω_x)`).
    fn symbol(&self, omega: &[f64]) -> Option<f64> {
        Some((omega[1] + self.beta * omega[0]).abs())
    }
}
