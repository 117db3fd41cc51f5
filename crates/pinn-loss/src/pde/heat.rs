//! The heat equation `u_t = ν u_xx` on `[0, 1] × [0, 1]` with zero Dirichlet data, and its
//! inverse problem: `ν` unknown, fitted to observations of `u`.

use std::f64::consts::PI;
use std::sync::Arc;

use burn::Tensor;
use pinn_model::{Coefficient, Jet, JetSpec, SecondOrder};

use crate::{Condition, Domain, Problem, Residual, Unknown};

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

/// `u_t − ν u_xx = 0` with the diffusivity `ν` an unknown coefficient (the jet's column 1,
/// after the field), trained from observations of `u`.
#[derive(Clone, Debug)]
pub struct HeatInverse {
    /// The initial guess of `ν` and its bounds.
    pub nu: Coefficient,
}

impl HeatInverse {
    /// The problem of [`Heat::problem`] (its data, lift, and exact solution at `nu_exact`, the
    /// diffusivity the observations come from) with `ν` unknown. Observations must be added
    /// ([`Condition::points`]): without them any `ν` fits.
    pub fn problem(self, name: &str, nu_exact: f64) -> Problem {
        let known = Heat { nu: nu_exact }.problem(name);
        Problem {
            residual: Arc::new(self),
            ..known
        }
    }
}

impl Residual for HeatInverse {
    fn spec(&self) -> JetSpec {
        Heat {
            nu: self.nu.initial,
        }
        .spec()
    }

    /// `u_t − ν u_xx`, `ν` read from the jet.
    fn operator(&self, _x: &Tensor<2>, u: &Jet) -> Tensor<2> {
        let nu = u.value().clone().narrow(1, 1, 1);
        let field = u.clone().narrow(0, 1);
        field.first_dense(1) - nu * field.second_dense(0)
    }

    fn unknowns(&self) -> Vec<Unknown> {
        vec![Unknown {
            name: "nu".into(),
            start: self.nu,
        }]
    }
}
