//! Helmholtz `Δu + k²u = q` on `[−1, 1]²` with zero Dirichlet data.

use std::f64::consts::PI;
use std::sync::Arc;

use burn::Tensor;
use pinn_model::{Jet, JetSpec, SecondOrder};

use crate::{Condition, Domain, Problem, Residual};

/// `Δu + k²u = q`, `u* = sin(a₁πx) sin(a₂πy)`, `q = (k² − (a₁² + a₂²)π²) u*`.
#[derive(Clone, Debug)]
pub struct Helmholtz {
    /// Wave number `k`.
    pub k: f64,
    /// Frequencies of the exact solution.
    pub a: (f64, f64),
}

impl Default for Helmholtz {
    fn default() -> Self {
        Self {
            k: 1.0,
            a: (1.0, 4.0),
        }
    }
}

impl Helmholtz {
    /// The exact solution.
    pub fn exact(&self, x: &[f64]) -> f64 {
        (self.a.0 * PI * x[0]).sin() * (self.a.1 * PI * x[1]).sin()
    }

    /// The problem on `[−1, 1]²`. The exact solution vanishes on the boundary for integer
    /// `a₁, a₂`; the boundary data is `u*` itself so that any `a` works. Hard constraints
    /// (the lift `g̃ = 0`) are offered for integer `a₁, a₂` only.
    pub fn problem(self, name: &str) -> Problem {
        let zero_data = self.a.0.fract() == 0.0 && self.a.1.fract() == 0.0;
        let domain = Domain::rectangle((-1.0, 1.0), (-1.0, 1.0));
        let faces = domain.spatial_faces();
        let (e1, e2) = (self.clone(), self.clone());
        let problem = Problem::new(name, self, domain)
            .with_condition(Condition::value(
                "boundary",
                faces,
                Arc::new(move |x| e1.exact(x)),
            ))
            .with_exact(move |x| e2.exact(x));
        if zero_data {
            problem.with_zero_lift()
        } else {
            problem
        }
    }
}

impl Residual for Helmholtz {
    fn spec(&self) -> JetSpec {
        JetSpec::values(2).with_second(SecondOrder::laplacian(2))
    }

    /// `Δu + k²u`.
    fn operator(&self, _x: &Tensor<2>, u: &Jet) -> Tensor<2> {
        u.second_dense(0) + u.value().clone().mul_scalar(self.k * self.k)
    }

    fn source(&self, x: &[f64]) -> f64 {
        let (a1, a2) = self.a;
        (self.k * self.k - (a1 * a1 + a2 * a2) * PI * PI) * self.exact(x)
    }

    /// `k² − |ω|²`.
    fn symbol(&self, omega: &[f64]) -> Option<f64> {
        Some(self.k * self.k - omega.iter().map(|w| w * w).sum::<f64>())
    }
}
