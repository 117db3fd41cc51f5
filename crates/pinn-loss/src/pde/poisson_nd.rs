//! PINNacle's PNd (`PoissonND`): `−Δu = (π²/4) Σ sin(πx_i/2)` on `[0, 1]^d` with
//! `u = Σ sin(πx_i/2)` on the boundary, the exact solution. The boundary data is not zero, and
//! no lift other than the solution itself is at hand, so the conditions are loss terms.

use std::f64::consts::FRAC_PI_2;
use std::sync::Arc;

use burn::Tensor;
use pinn_model::{Jet, JetSpec, SecondOrder};

use crate::{Condition, Domain, Problem, Residual};

/// `−Δu = f` in `d` dimensions with the source of `u = Σ sin(πx_i/2)`.
#[derive(Clone, Copy, Debug)]
pub struct PoissonNd {
    /// The dimension `d`.
    pub dim: usize,
}

/// `Σ sin(πx_i/2)`.
fn exact(x: &[f64]) -> f64 {
    x.iter().map(|xi| (FRAC_PI_2 * xi).sin()).sum()
}

impl PoissonNd {
    /// The problem with one `boundary` term on all `2d` faces.
    pub fn problem(self, name: &str) -> Problem {
        let names: Vec<String> = (1..=self.dim).map(|i| format!("x{i}")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let domain = Domain::boxed(&names, &vec![0.0; self.dim], &vec![1.0; self.dim]);
        let faces = domain.spatial_faces();
        Problem::new(name, self, domain)
            .with_condition(Condition::value("boundary", faces, Arc::new(exact)))
            .with_exact(exact)
    }
}

impl Residual for PoissonNd {
    fn spec(&self) -> JetSpec {
        JetSpec::values(self.dim).with_second(SecondOrder::laplacian(self.dim))
    }

    fn operator(&self, _x: &Tensor<2>, u: &Jet) -> Tensor<2> {
        u.second_dense(0).neg()
    }

    fn source(&self, x: &[f64]) -> f64 {
        FRAC_PI_2 * FRAC_PI_2 * exact(x)
    }

    fn symbol(&self, omega: &[f64]) -> Option<f64> {
        Some(omega.iter().map(|w| w * w).sum())
    }
}
