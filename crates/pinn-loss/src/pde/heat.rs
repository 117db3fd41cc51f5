//! The heat equation `u_t = ν u_xx` on `[0, 1] × [0, 1]` with zero Dirichlet data.

use std::f64::consts::PI;
use std::sync::Arc;

use burn::Tensor;
use pinn_model::{Jet, JetSpec, SecondOrder};

use crate::{Condition, Domain, Problem, Residual};

/// `u_t − ν u_xx = 0`, `u(x, 0) = sin(πx)`, so `u* = exp(−νπ²t) sin(πx)`. Coordinates `(x, t)`.
#[derive(Clone, Debug)]
pub struct Heat {
    /// Diffusivity `ν`.
    pub nu: f64,
}

impl Heat {
    /// The exact solution.
    pub fn exact(&self, x: &[f64]) -> f64 {
        (-self.nu * PI * PI * x[1]).exp() * (PI * x[0]).sin()
    }

    /// The problem with initial data and `u = 0` at `x = 0, 1`.
    pub fn problem(self, name: &str) -> Problem {
        let domain = Domain::space_time(&Domain::interval(0.0, 1.0), 0.0, 1.0);
        let initial = domain.initial_face().expect("space-time domain");
        let faces = domain.spatial_faces();
        let exact = self.clone();
        Problem::new(name, self, domain)
            .with_condition(Condition::value("boundary", faces, Arc::new(|_| 0.0)))
            .with_condition(Condition::value(
                "initial",
                vec![initial],
                Arc::new(|x| (PI * x[0]).sin()),
            ))
            .with_exact(move |x| exact.exact(x))
            .with_lift(|x| x.clone().narrow(0, 1).scale(PI).sin())
    }
}

impl Residual for Heat {
    fn spec(&self) -> JetSpec {
        JetSpec::values(2)
            .with_first(1)
            .with_second(SecondOrder::pure(0))
    }

    /// `u_t − ν u_xx`.
    fn operator(&self, _x: &Tensor<2>, u: &Jet) -> Tensor<2> {
        u.first_dense(1) - u.second_dense(0).mul_scalar(self.nu)
    }

    /// `|i ω_t + ν ω_x²|`.
    fn symbol(&self, omega: &[f64]) -> Option<f64> {
        Some(omega[1].hypot(self.nu * omega[0] * omega[0]))
    }
}
