//! The wave equation `u_tt = c² u_xx` on `(x, t) ∈ [0, 1]²` of PINNacle's Wave1d-C (`Wave1D`,
//! C = 2, a = 4): `u = sin(πx) cos(2πt) + ½ sin(4πx) cos(8πt)`, `u` given on `x = 0, 1` and
//! `t = 0`, and the initial rate `u_t(x, 0) = 0` — on the face `t = 0`, whose outward normal is
//! `−e_t`, a Neumann condition `∂u/∂n = −u_t = 0`.

use std::f64::consts::PI;
use std::sync::Arc;

use burn::Tensor;
use pinn_model::{Jet, JetSpec, SecondOrder};

use crate::{Condition, Domain, Problem, Residual};

/// `u_tt − c² u_xx = 0`, with the exact solution of PINNacle's Wave1d-C.
#[derive(Clone, Debug)]
pub struct Wave {
    /// The wave speed `c`.
    pub c: f64,
}

impl Wave {
    /// `sin(πx) cos(cπt) + ½ sin(4πx) cos(4cπt)`.
    pub fn exact(&self, x: &[f64]) -> f64 {
        let (s, t) = (x[0], x[1]);
        (PI * s).sin() * (self.c * PI * t).cos()
            + 0.5 * (4.0 * PI * s).sin() * (4.0 * self.c * PI * t).cos()
    }

    /// The problem: terms `boundary` (`x = 0, 1`), `initial` (`t = 0`) and `initial_rate`
    /// (`u_t(x, 0) = 0`); the lift `g̃ = u(x, 0)` vanishes on `x = 0, 1`.
    pub fn problem(self, name: &str) -> Problem {
        let domain = Domain::space_time(&Domain::interval(0.0, 1.0), 0.0, 1.0);
        let initial = domain.initial_face().expect("space-time domain");
        let sides = domain.spatial_faces();
        let exact = self.clone();
        let at_start = |x: &[f64]| (PI * x[0]).sin() + 0.5 * (4.0 * PI * x[0]).sin();
        Problem::new(name, self, domain)
            .with_condition(Condition::value("boundary", sides, Arc::new(|_| 0.0)))
            .with_condition(Condition::value(
                "initial",
                vec![initial],
                Arc::new(at_start),
            ))
            .with_condition(Condition::neumann(
                "initial_rate",
                vec![initial],
                Arc::new(|_| 0.0),
            ))
            .with_exact(move |x| exact.exact(x))
            .with_lift(|x| {
                let s = x.clone().narrow(0, 1);
                s.clone().scale(PI).sin() + s.scale(4.0 * PI).sin().scale(0.5)
            })
    }
}

impl Residual for Wave {
    fn spec(&self) -> JetSpec {
        JetSpec::values(2)
            .with_second(SecondOrder::pure(0))
            .with_second(SecondOrder::pure(1))
    }

    fn operator(&self, _x: &Tensor<2>, u: &Jet) -> Tensor<2> {
        u.second_dense(1) - u.second_dense(0).mul_scalar(self.c * self.c)
    }

    /// `|c² ω_x² − ω_t²|`, which vanishes on the characteristic cone.
    fn symbol(&self, omega: &[f64]) -> Option<f64> {
        Some((self.c * self.c * omega[0] * omega[0] - omega[1] * omega[1]).abs())
    }
}
