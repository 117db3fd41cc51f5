//! Viscous Burgers' equation `u_t + u u_x = ν u_xx` on `[−1, 1] × [0, 1]` with `u(x, 0) =
//! −sin πx` and `u(±1, t) = 0` (Raissi, Perdikaris & Karniadakis 2019; PINNacle's
//! Burgers1d-C with `ν = 0.01/π`), and its exact solution by the Cole–Hopf transformation.

use std::f64::consts::PI;
use std::sync::Arc;

use burn::Tensor;
use pinn_model::{Jet, JetSpec, SecondOrder};

use crate::{Condition, Domain, Problem, Residual};

/// `u_t + u u_x − ν u_xx = 0`. Coordinates `(x, t)`.
#[derive(Clone, Copy, Debug)]
pub struct Burgers {
    /// The viscosity `ν`.
    pub nu: f64,
}

/// Half-width of the integration range in the scaled variable `z` of [`Burgers::exact`]:
/// `e^{−z²}` is below `e^{−400}` outside, against at most `e^{1/(πν)}` from the data.
const QUADRATURE_RANGE: f64 = 20.0;
/// Trapezoid nodes on `[−Z, Z]`: spacing `10⁻²`, a fortieth of the narrowest peak of the
/// integrand (`f` at `t = 1`: width `≈ 0.4` in `z`), where the rule converges geometrically;
/// `tests/residuals_f64.rs` checks it against half the spacing.
const QUADRATURE_NODES: usize = 4_001;

impl Burgers {
    /// The exact solution by the Cole–Hopf transformation `u = −2ν φ_x / φ`, `φ` the heat
    /// flow of `φ₀ = exp(−cos(πx)/(2πν))` (Basdevant et al., *Comput. Fluids* 14, 1986):
    ///
    /// ```text
    /// u(x, t) = − ∫ sin π(x − η) f(x − η) e^{−η²/4νt} dη / ∫ f(x − η) e^{−η²/4νt} dη,
    /// f(y) = exp(−cos(πy) / (2πν)),
    /// ```
    ///
    /// by the trapezoid rule in `z = η/√(4νt)` with the exponents shifted by their maximum
    /// (the integrands span `e^{±1/(2πν)}`).
    pub fn exact(&self, x: &[f64]) -> f64 {
        self.exact_with(x, QUADRATURE_NODES)
    }

    /// [`Burgers::exact`] with `nodes` trapezoid nodes.
    pub fn exact_with(&self, x: &[f64], nodes: usize) -> f64 {
        let (x, t) = (x[0], x[1]);
        if t <= 0.0 {
            return -(PI * x).sin();
        }
        let scale = (4.0 * self.nu * t).sqrt();
        let h = 2.0 * QUADRATURE_RANGE / (nodes - 1) as f64;
        let exponent = |z: f64| -(PI * (x - scale * z)).cos() / (2.0 * PI * self.nu) - z * z;
        let top = (0..nodes)
            .map(|k| exponent(-QUADRATURE_RANGE + h * k as f64))
            .fold(f64::NEG_INFINITY, f64::max);
        let (mut num, mut den) = (0.0, 0.0);
        for k in 0..nodes {
            let z = -QUADRATURE_RANGE + h * k as f64;
            let w = (exponent(z) - top).exp();
            num += (PI * (x - scale * z)).sin() * w;
            den += w;
        }
        -num / den
    }

    /// The problem; the lift for hard constraints is `−sin πx` (zero at `x = ±1`).
    pub fn problem(self, name: &str) -> Problem {
        let domain = Domain::space_time(&Domain::interval(-1.0, 1.0), 0.0, 1.0);
        let initial = domain.initial_face().expect("space-time domain");
        let walls = domain.spatial_faces();
        Problem::new(name, self, domain)
            .with_condition(Condition::value("boundary", walls, Arc::new(|_| 0.0)))
            .with_condition(Condition::value(
                "initial",
                vec![initial],
                Arc::new(|x| -(PI * x[0]).sin()),
            ))
            .with_exact(move |x| self.exact(x))
            .with_lift(|x| x.clone().narrow(0, 1).scale(PI).sin().scale(-1.0))
    }
}

impl Residual for Burgers {
    fn spec(&self) -> JetSpec {
        JetSpec::gradient(2).with_second(SecondOrder::pure(0))
    }

    /// `u_t + u u_x − ν u_xx`.
    fn operator(&self, _x: &Tensor<2>, u: &Jet) -> Tensor<2> {
        u.first_dense(1) + u.value().clone() * u.first_dense(0)
            - u.second_dense(0).mul_scalar(self.nu)
    }
}
