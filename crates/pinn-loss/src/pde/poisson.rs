//! Poisson `−Δu = f` on `[0, 1]^d` with zero Dirichlet data.

use std::f64::consts::PI;
use std::sync::Arc;

use burn::Tensor;
use pinn_model::{Jet, JetSpec, SecondOrder};

use crate::{Condition, Domain, Problem, Residual};

/// `−Δu = f` in `d` dimensions, with `u* = Σ_j a_j Π_i sin(k_j π x_i)`, so that
/// `f = Σ_j a_j d (k_j π)² Π_i sin(k_j π x_i)`.
#[derive(Clone, Debug)]
pub struct Poisson {
    dim: usize,
    /// `(a_j, k_j)` pairs.
    modes: Vec<(f64, f64)>,
}

impl Poisson {
    /// `u* = Π sin(π x_i)`.
    pub fn new(dim: usize) -> Self {
        Self {
            dim,
            modes: vec![(1.0, 1.0)],
        }
    }

    /// `u* = Σ a_j Π sin(k_j π x_i)`: e.g. `[(1, 1), (0.1, 8)]` is the multiscale problem.
    pub fn with_modes(dim: usize, modes: Vec<(f64, f64)>) -> Self {
        Self { dim, modes }
    }

    /// The exact solution.
    pub fn exact(&self, x: &[f64]) -> f64 {
        self.modes
            .iter()
            .map(|&(a, k)| a * x.iter().map(|xi| (k * PI * xi).sin()).product::<f64>())
            .sum()
    }

    /// The problem on the unit cube with `u = 0` on the boundary.
    pub fn problem(self, name: &str) -> Problem {
        let domain = Domain::boxed(
            &["x", "y", "z"][..self.dim],
            &vec![0.0; self.dim],
            &vec![1.0; self.dim],
        );
        let faces = domain.spatial_faces();
        let exact = self.clone();
        Problem::new(name, self, domain)
            .with_condition(Condition::value("boundary", faces, Arc::new(|_| 0.0)))
            .with_exact(move |x| exact.exact(x))
            .with_zero_lift()
    }
}

impl Residual for Poisson {
    fn spec(&self) -> JetSpec {
        JetSpec::values(self.dim).with_second(SecondOrder::laplacian(self.dim))
    }

    /// `−Δu`.
    fn operator(&self, _x: &Tensor<2>, u: &Jet) -> Tensor<2> {
        u.second_dense(0).neg()
    }

    fn source(&self, x: &[f64]) -> f64 {
        let d = self.dim as f64;
        self.modes
            .iter()
            .map(|&(a, k)| {
                a * d * (k * PI).powi(2) * x.iter().map(|xi| (k * PI * xi).sin()).product::<f64>()
            })
            .sum()
    }

    /// `|ω|²`.
    fn symbol(&self, omega: &[f64]) -> Option<f64> {
        Some(omega.iter().map(|w| w * w).sum())
    }
}
