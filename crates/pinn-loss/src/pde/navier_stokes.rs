//! Incompressible Navier–Stokes in 2D, a system of three equations in three fields `(u, v, p)`:
//! the Kovasznay flow, an exact steady solution (Kovasznay, *Proc. Camb. Phil. Soc.* 44, 1948),
//! PINNacle's lid-driven cavity (NS2d-C, Hao et al., NeurIPS 2024), and the Taylor–Green
//! vortex, an exact unsteady one.

use std::f64::consts::PI;
use std::sync::Arc;

use burn::Tensor;
use pinn_model::{Jet, JetSpec, SecondOrder};

use crate::lift::{hold, transfinite};
use crate::{Condition, Domain, Problem, Residual};

/// Incompressible Navier–Stokes for the velocity `(u, v)` and the pressure `p` (density 1),
/// steady in `(x, y)` or unsteady in `(x, y, t)`:
///
/// ```text
/// momentum_x:  [u_t +] u u_x + v u_y + p_x − ν (u_xx + u_yy)
/// momentum_y:  [v_t +] u v_x + v v_y + p_y − ν (v_xx + v_yy)
/// continuity:  u_x + v_y
/// ```
#[derive(Clone, Copy, Debug)]
pub struct NavierStokes {
    /// The kinematic viscosity `ν = 1/Re`.
    pub nu: f64,
    /// Whether the flow is unsteady (a third coordinate, time).
    pub unsteady: bool,
}

impl NavierStokes {
    /// The steady equations in `(x, y)`.
    pub fn steady(nu: f64) -> Self {
        Self {
            nu,
            unsteady: false,
        }
    }

    /// The unsteady equations in `(x, y, t)`.
    pub fn unsteady(nu: f64) -> Self {
        Self { nu, unsteady: true }
    }
}

impl Residual for NavierStokes {
    fn spec(&self) -> JetSpec {
        let d = if self.unsteady { 3 } else { 2 };
        JetSpec::gradient(d).with_second(SecondOrder::laplacian(2))
    }

    fn operator(&self, _x: &Tensor<2>, w: &Jet) -> Tensor<2> {
        flow_residual(w, self.nu, self.unsteady.then_some(2))
    }

    fn fields(&self) -> Vec<String> {
        ["u", "v", "p"].map(String::from).to_vec()
    }

    fn equations(&self) -> Vec<String> {
        ["momentum_x", "momentum_y", "continuity"]
            .map(String::from)
            .to_vec()
    }

    fn sources(&self, _x: &[f64]) -> Vec<f64> {
        vec![0.0; 3]
    }
}

/// The three residuals from the jet of `(u, v, p)` (second-order stream 0: the spatial
/// Laplacian), with the time derivatives `∂_time` when the flow is unsteady.
fn flow_residual(w: &Jet, nu: f64, time: Option<usize>) -> Tensor<2> {
    let field = |c| w.clone().narrow(c, 1);
    let (u, v, p) = (field(0), field(1), field(2));
    let (uv, vv) = (u.value().clone(), v.value().clone());
    let momentum = |q: &Jet, dp: Tensor<2>| {
        let steady = uv.clone() * q.first_dense(0) + vv.clone() * q.first_dense(1) + dp
            - q.second_dense(0).mul_scalar(nu);
        match time {
            Some(t) => q.first_dense(t) + steady,
            None => steady,
        }
    };
    let momentum_x = momentum(&u, p.first_dense(0));
    let momentum_y = momentum(&v, p.first_dense(1));
    let continuity = u.first_dense(0) + v.first_dense(1);
    Tensor::cat(vec![momentum_x, momentum_y, continuity], 1)
}

/// The Kovasznay flow at Reynolds number `Re`, `λ = Re/2 − √(Re²/4 + 4π²)`:
///
/// ```text
/// u = 1 − e^{λx} cos 2πy,   v = (λ/2π) e^{λx} sin 2πy,   p = ½ (1 − e^{2λx})
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Kovasznay {
    /// The Reynolds number.
    pub re: f64,
}

impl Kovasznay {
    /// `λ = Re/2 − √(Re²/4 + 4π²)`.
    pub fn lambda(&self) -> f64 {
        self.re / 2.0 - (self.re * self.re / 4.0 + 4.0 * PI * PI).sqrt()
    }

    /// `(u, v, p)` at `x`.
    pub fn exact(&self, x: &[f64]) -> [f64; 3] {
        let l = self.lambda();
        let e = (l * x[0]).exp();
        let (s, c) = (2.0 * PI * x[1]).sin_cos();
        [1.0 - e * c, l / (2.0 * PI) * e * s, 0.5 * (1.0 - e * e)]
    }

    /// `(u, v, p)` as a jet of the coordinates `x` (`[N, 2] → [N, 3]`).
    pub fn jet(&self, x: &Jet) -> Jet {
        let l = self.lambda();
        let e = x.clone().narrow(0, 1).scale(l).exp();
        let y = x.clone().narrow(1, 1).scale(2.0 * PI);
        let u = (e.clone() * y.clone().cos()).scale(-1.0).add_scalar(1.0);
        let v = (e.clone() * y.sin()).scale(l / (2.0 * PI));
        let p = (e.clone() * e).scale(-0.5).add_scalar(0.5);
        Jet::cat(vec![u, v, p])
    }

    /// The flow on `[−½, 1] × [−½, 3/2]` (DeepXDE's setting): the velocity given on every
    /// wall, the pressure on the outlet `x = 1`. The lift for hard constraints interpolates
    /// the velocity from the four walls ([`transfinite`]) and extends the outlet pressure
    /// along `x`.
    pub fn problem(self, name: &str) -> Problem {
        let domain = Domain::rectangle((-0.5, 1.0), (-0.5, 1.5));
        let walls = domain.spatial_faces();
        let outlet = vec![crate::Face {
            axis: 0,
            upper: true,
        }];
        let data = |c: usize| Arc::new(move |x: &[f64]| self.exact(x)[c]);
        Problem::new(name, NavierStokes::steady(1.0 / self.re), domain)
            .with_condition(Condition::value("u_walls", walls.clone(), data(0)).on_field("u"))
            .with_condition(Condition::value("v_walls", walls, data(1)).on_field("v"))
            .with_condition(Condition::value("p_outlet", outlet, data(2)).on_field("p"))
            .with_exact_fields(move |x| self.exact(x).to_vec())
            .with_lift(move |x| {
                let velocity =
                    transfinite(x, [-0.5, -0.5], [1.0, 1.5], |y| self.jet(y).narrow(0, 2));
                let pressure = self.jet(&hold(x, 0, 1.0)).narrow(2, 1);
                Jet::cat(vec![velocity, pressure])
            })
    }
}

/// PINNacle's NS2d-C: the lid-driven cavity `[0, 1]²` at `ν = 1/100` with the lid velocity
/// `u = 4x(1 − x)` on `y = 1` (zero at the corners), no slip on the other walls and
/// `p(0, 0) = 0`. No closed form: the reference is PINNacle's COMSOL solution.
#[derive(Clone, Copy, Debug)]
pub struct LidDriven {
    /// The kinematic viscosity (PINNacle: `1/100`).
    pub nu: f64,
}

impl LidDriven {
    /// The problem; the lift for hard constraints is `(4x(1 − x) y, 0, 0)`.
    pub fn problem(self, name: &str) -> Problem {
        let domain = Domain::rectangle((0.0, 1.0), (0.0, 1.0));
        let face = |axis, upper| crate::Face { axis, upper };
        let lid = vec![face(1, true)];
        let no_slip = vec![face(0, false), face(0, true), face(1, false)];
        let zero = Arc::new(|_: &[f64]| 0.0);
        Problem::new(name, NavierStokes::steady(self.nu), domain.clone())
            .with_condition(
                Condition::value("u_lid", lid, Arc::new(|x| 4.0 * x[0] * (1.0 - x[0])))
                    .on_field("u"),
            )
            .with_condition(Condition::value("u_walls", no_slip, zero.clone()).on_field("u"))
            .with_condition(Condition::value("v_walls", domain.spatial_faces(), zero).on_field("v"))
            .with_condition(
                Condition::points("p_origin", vec![vec![0.0, 0.0]], vec![0.0]).on_field("p"),
            )
            .with_lift(|x| {
                let (x0, y) = (x.clone().narrow(0, 1), x.clone().narrow(1, 1));
                let ramp = x0.clone() * x0.scale(-1.0).add_scalar(1.0);
                let u = (ramp * y.clone()).scale(4.0);
                let zero = y.scale(0.0);
                Jet::cat(vec![u, zero.clone(), zero])
            })
    }
}

/// The Taylor–Green vortex on `[0, 2π]² × [0, T]`, an exact unsteady solution:
///
/// ```text
/// u = −cos x sin y e^{−2νt},   v = sin x cos y e^{−2νt},   p = −¼ (cos 2x + cos 2y) e^{−4νt}
/// ```
///
/// The velocity is given on the walls and at `t = 0`, the pressure along the corner line
/// `x = y = 0` (it is fixed up to a constant otherwise).
#[derive(Clone, Copy, Debug)]
pub struct TaylorGreen {
    /// The kinematic viscosity.
    pub nu: f64,
    /// The final time.
    pub t_end: f64,
}

impl TaylorGreen {
    /// `(u, v, p)` at `(x, y, t)`.
    pub fn exact(&self, x: &[f64]) -> [f64; 3] {
        let (sx, cx) = x[0].sin_cos();
        let (sy, cy) = x[1].sin_cos();
        let e = (-2.0 * self.nu * x[2]).exp();
        let p = -0.25 * ((2.0 * x[0]).cos() + (2.0 * x[1]).cos()) * e * e;
        [-cx * sy * e, sx * cy * e, p]
    }

    /// The problem, with 33 pressure values along `x = y = 0`.
    pub fn problem(self, name: &str) -> Problem {
        let two_pi = 2.0 * PI;
        let space = Domain::rectangle((0.0, two_pi), (0.0, two_pi));
        let domain = Domain::space_time(&space, 0.0, self.t_end);
        let walls = domain.spatial_faces();
        let initial = vec![domain.initial_face().expect("space-time domain")];
        let data = |c: usize| Arc::new(move |x: &[f64]| self.exact(x)[c]);
        let line: Vec<Vec<f64>> = (0..33)
            .map(|k| vec![0.0, 0.0, self.t_end * k as f64 / 32.0])
            .collect();
        let pressure = line.iter().map(|x| self.exact(x)[2]).collect();
        Problem::new(name, NavierStokes::unsteady(self.nu), domain)
            .with_condition(Condition::value("u_walls", walls.clone(), data(0)).on_field("u"))
            .with_condition(Condition::value("v_walls", walls, data(1)).on_field("v"))
            .with_condition(Condition::value("u_initial", initial.clone(), data(0)).on_field("u"))
            .with_condition(Condition::value("v_initial", initial, data(1)).on_field("v"))
            .with_condition(Condition::points("p_line", line, pressure).on_field("p"))
            .with_exact_fields(move |x| self.exact(x).to_vec())
    }
}
