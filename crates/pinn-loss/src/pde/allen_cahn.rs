//! The Allen–Cahn (bistable reaction–diffusion, Nagumo) equation
//! `u_t = ε² u_xx + u(1 − u)(u − a)` on `[−1, 1] × [0, T]`, `0 < a < 1`, whose exact solution
//! is a front between the stable states 0 and 1 travelling at `c = ε(1 − 2a)/√2`:
//!
//! ```text
//! u(x, t) = 1 / (1 + exp((x − ct) / (√2 ε)))
//! ```
//!
//! (McKean, *Adv. Math.* 4, 1970). The data are the front's values at `x = ±1` and `t = 0`.

use std::f64::consts::SQRT_2;
use std::sync::Arc;

use burn::Tensor;
use pinn_model::{Jet, JetSpec, SecondOrder};

use crate::lift::{from_initial, hold};
use crate::{Condition, Domain, Problem, Residual};

/// `u_t − ε² u_xx − u(1 − u)(u − a)`. Coordinates `(x, t)`.
#[derive(Clone, Copy, Debug)]
pub struct AllenCahn {
    /// The interface width `ε`.
    pub eps: f64,
    /// The unstable state `a ∈ (0, 1)`.
    pub a: f64,
    /// The final time `T`.
    pub t_end: f64,
}

impl AllenCahn {
    /// The front's speed `c = ε(1 − 2a)/√2`.
    pub fn speed(&self) -> f64 {
        self.eps * (1.0 - 2.0 * self.a) / SQRT_2
    }

    /// The exact solution.
    pub fn exact(&self, x: &[f64]) -> f64 {
        1.0 / (1.0 + ((x[0] - self.speed() * x[1]) / (SQRT_2 * self.eps)).exp())
    }

    /// The exact solution on jets of `(x, t)`.
    fn front(&self, x: &Jet) -> Jet {
        let z = x.clone().narrow(0, 1) - x.clone().narrow(1, 1).scale(self.speed());
        z.scale(1.0 / (SQRT_2 * self.eps))
            .exp()
            .add_scalar(1.0)
            .recip()
    }

    /// The problem with the front's data on `x = ±1` and `t = 0`; the lift
    /// `g̃ = u₀(x) + B(x, t) − B(x, 0)`, `B` linear in `x` between the data at `x = ±1`, is
    /// built from the data alone.
    pub fn problem(self, name: &str) -> Problem {
        let domain = Domain::space_time(&Domain::interval(-1.0, 1.0), 0.0, self.t_end);
        let initial = domain.initial_face().expect("space-time domain");
        let walls = domain.spatial_faces();
        let exact = move |x: &[f64]| self.exact(x);
        Problem::new(name, self, domain)
            .with_condition(Condition::value("boundary", walls, Arc::new(exact)))
            .with_condition(Condition::value("initial", vec![initial], Arc::new(exact)))
            .with_exact(exact)
            .with_lift(move |x| {
                // B linear in x between the data at x = ±1.
                let sides = |y: &Jet| {
                    let s = y.clone().narrow(0, 1).add_scalar(1.0).scale(0.5);
                    s.clone().scale(-1.0).add_scalar(1.0) * self.front(&hold(y, 0, -1.0))
                        + s * self.front(&hold(y, 0, 1.0))
                };
                from_initial(x, 1, 0.0, self.front(&hold(x, 1, 0.0)), sides)
            })
    }
}

impl Residual for AllenCahn {
    fn spec(&self) -> JetSpec {
        JetSpec::values(2)
            .with_first(1)
            .with_second(SecondOrder::pure(0))
    }

    /// `u_t − ε² u_xx + u³ − (1 + a) u² + a u`.
    fn operator(&self, _x: &Tensor<2>, u: &Jet) -> Tensor<2> {
        let v = u.value().clone();
        let reaction = v.clone().powi_scalar(3) - v.clone().square().mul_scalar(1.0 + self.a)
            + v.mul_scalar(self.a);
        u.first_dense(1) - u.second_dense(0).mul_scalar(self.eps * self.eps) + reaction
    }
}
