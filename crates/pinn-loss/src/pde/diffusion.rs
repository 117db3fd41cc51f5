//! Variable-coefficient diffusion `−∇·(a∇u) = f` on `[0, 1]²` with zero Dirichlet data.

use std::f64::consts::PI;
use std::sync::Arc;

use burn::Tensor;
use pinn_model::{Jet, JetSpec, SecondOrder};

use crate::{Condition, Domain, Problem, Residual};

/// `−∇·(a∇u) = −(a Δu + ∇a·∇u) = f` with `a(x, y) = 1 + x² + y²` (so `∇a = (2x, 2y)`),
/// `u* = sin πx sin πy` and
/// `f = 2π² a u* − 2πx cos πx sin πy − 2πy sin πx cos πy`.
#[derive(Clone, Debug, Default)]
pub struct Diffusion;

impl Diffusion {
    /// The coefficient `a(x, y) = 1 + x² + y²`.
    pub fn coefficient(x: &[f64]) -> f64 {
        1.0 + x[0] * x[0] + x[1] * x[1]
    }

    /// The exact solution.
    pub fn exact(x: &[f64]) -> f64 {
        (PI * x[0]).sin() * (PI * x[1]).sin()
    }

    /// The problem on the unit square with `u = 0` on the boundary.
    pub fn problem(self, name: &str) -> Problem {
        let domain = Domain::rectangle((0.0, 1.0), (0.0, 1.0));
        let faces = domain.spatial_faces();
        Problem::new(name, self, domain)
            .with_condition(Condition::value("boundary", faces, Arc::new(|_| 0.0)))
            .with_exact(Self::exact)
            .with_zero_lift()
    }
}

impl Residual for Diffusion {
    fn spec(&self) -> JetSpec {
        JetSpec::values(2)
            .with_first(0)
            .with_first(1)
            .with_second(SecondOrder::laplacian(2))
    }

    /// `−(a Δu + 2x u_x + 2y u_y)`.
    fn operator(&self, x: &Tensor<2>, u: &Jet) -> Tensor<2> {
        let (x0, x1) = (x.clone().narrow(1, 0, 1), x.clone().narrow(1, 1, 1));
        let a = (x0.clone() * x0.clone() + x1.clone() * x1.clone()).add_scalar(1.0);
        let drift = x0 * u.first_dense(0) + x1 * u.first_dense(1);
        (a * u.second_dense(0) + drift.mul_scalar(2.0)).neg()
    }

    fn source(&self, x: &[f64]) -> f64 {
        let (s0, c0) = (PI * x[0]).sin_cos();
        let (s1, c1) = (PI * x[1]).sin_cos();
        2.0 * PI * PI * Self::coefficient(x) * s0 * s1
            - 2.0 * PI * x[0] * c0 * s1
            - 2.0 * PI * x[1] * s0 * c1
    }
}
