//! In f64: each shipped residual vanishes on its exact solution (written as a jet, so the
//! operator and the source are checked together), and parameter gradients of the loss agree
//! with central finite differences.

use std::f64::consts::PI;
use std::ops::{Add, Mul, Sub};
use std::sync::{Arc, OnceLock};

use burn::Tensor;
use burn::tensor::Device;
use pinn_loss::pde::{
    Advection, AllenCahn, Burgers, Diffusion, Heat, HeatMultiscale, Helmholtz, Kovasznay, Poisson,
    PoissonNd, TaylorGreen, Wave, poisson1d_neumann, poisson1d_robin,
};
use pinn_loss::{PinnLoss, PointsConfig, Problem, Sampler, points_tensor, sampling};
use pinn_model::backend::{Backend, Dtype, autodiff_device};
use pinn_model::{Activation, Jet, ModelConfig, params};

fn device() -> Device {
    static DEV: OnceLock<Device> = OnceLock::new();
    DEV.get_or_init(|| autodiff_device(Backend::Flex, Dtype::F64).expect("flex f64"))
        .clone()
}

/// `max |N[u*] − f|` over interior Halton points and every equation, with `u*` built from
/// coordinate jets.
fn residual_of_exact(problem: &Problem, exact: impl Fn(&Jet) -> Jet) -> f64 {
    let xs = sampling::interior(&problem.domain, Sampler::Halton, 200, 1).unwrap();
    let x = points_tensor(&xs, problem.domain.dim(), &device());
    let spec = Arc::new(problem.residual.spec());
    let u = exact(&Jet::input(x.clone(), spec));
    let r = problem.residual.operator(&x, &u);
    let f: Vec<f64> = xs
        .iter()
        .flat_map(|p| problem.residual.sources(p))
        .collect();
    r.into_data_as::<f64>()
        .iter::<f64>()
        .zip(f)
        .fold(0.0, |m, (a, b)| m.max((a - b).abs()))
}

fn coord(x: &Jet, i: usize) -> Jet {
    x.clone().narrow(i, 1)
}

#[test]
fn poisson_residual_vanishes_on_exact_solution() {
    for dim in 1..=3 {
        let p = Poisson::new(dim).problem("p");
        let e = residual_of_exact(&p, |x| {
            (0..dim)
                .map(|i| coord(x, i).scale(PI).sin())
                .reduce(|a, b| a.mul(b))
                .unwrap()
        });
        assert!(e < 1e-11, "Poisson {dim}D: {e:e}");
    }
    let p = Poisson::with_modes(2, vec![(1.0, 1.0), (0.1, 8.0)]).problem("multiscale");
    let e = residual_of_exact(&p, |x| {
        let m = |k: f64| {
            coord(x, 0)
                .scale(k * PI)
                .sin()
                .mul(coord(x, 1).scale(k * PI).sin())
        };
        m(1.0).add(m(8.0).scale(0.1))
    });
    assert!(e < 1e-10, "multiscale: {e:e}");
}

#[test]
fn helmholtz_residual_vanishes_on_exact_solution() {
    let p = Helmholtz::default().problem("h");
    let e = residual_of_exact(&p, |x| {
        coord(x, 0)
            .scale(PI)
            .sin()
            .mul(coord(x, 1).scale(4.0 * PI).sin())
    });
    assert!(e < 1e-10, "Helmholtz: {e:e}");
}

#[test]
fn variable_coefficient_diffusion_residual_vanishes_on_exact_solution() {
    let p = Diffusion.problem("d");
    let e = residual_of_exact(&p, |x| {
        coord(x, 0).scale(PI).sin().mul(coord(x, 1).scale(PI).sin())
    });
    assert!(e < 1e-11, "diffusion: {e:e}");
}

/// The Kovasznay flow `(u, v, p)` as a jet, for `λ`.
fn kovasznay_jet(x: &Jet, l: f64) -> Jet {
    let ex = coord(x, 0).scale(l).exp();
    let y = coord(x, 1).scale(2.0 * PI);
    let u = ex.clone().mul(y.clone().cos()).scale(-1.0).add_scalar(1.0);
    let v = ex.clone().mul(y.sin()).scale(l / (2.0 * PI));
    let pressure = ex.clone().mul(ex).scale(-0.5).add_scalar(0.5);
    Jet::cat(vec![u, v, pressure])
}

#[test]
fn navier_stokes_residual_vanishes_on_the_kovasznay_flow() {
    for re in [20.0, 100.0] {
        let flow = Kovasznay { re };
        let l = flow.lambda();
        let p = flow.problem("kovasznay");
        let e = residual_of_exact(&p, |x| kovasznay_jet(x, l));
        assert!(e < 1e-11, "Kovasznay, Re = {re}: {e:e}");
        // The exact solution the error is measured against is that flow, field by field.
        let xs = sampling::interior(&p.domain, Sampler::Halton, 50, 2).unwrap();
        let x = points_tensor(&xs, 2, &device());
        let spec = Arc::new(pinn_model::JetSpec::values(2));
        let jet = kovasznay_jet(&Jet::input(x, spec), l).into_value();
        let exact = p.exact.as_ref().unwrap();
        let want: Vec<f64> = xs.iter().flat_map(|x| exact(x)).collect();
        for (a, b) in jet.into_data_as::<f64>().iter::<f64>().zip(want) {
            assert!((a - b).abs() < 1e-14, "{a} vs {b}");
        }
    }
}

#[test]
fn unsteady_navier_stokes_residual_vanishes_on_the_taylor_green_vortex() {
    let flow = TaylorGreen {
        nu: 0.1,
        t_end: 1.0,
    };
    let p = flow.problem("taylor_green");
    let e = residual_of_exact(&p, |x| {
        let decay = |k: f64| coord(x, 2).scale(-k * flow.nu).exp();
        let (cx, sx) = (coord(x, 0).cos(), coord(x, 0).sin());
        let (cy, sy) = (coord(x, 1).cos(), coord(x, 1).sin());
        let u = cx.clone().mul(sy).mul(decay(2.0)).scale(-1.0);
        let v = sx.mul(cy).mul(decay(2.0));
        let cos2 = |i| coord(x, i).scale(2.0).cos();
        let pressure = cos2(0).add(cos2(1)).mul(decay(4.0)).scale(-0.25);
        Jet::cat(vec![u, v, pressure])
    });
    assert!(e < 1e-12, "Taylor–Green: {e:e}");
}

#[test]
fn the_cole_hopf_solution_of_burgers_is_converged_and_solves_the_equation() {
    let b = Burgers { nu: 0.01 / PI };
    // The quadrature against half its spacing, across the shock at x = 0 too.
    let mut worst: f64 = 0.0;
    for &t in &[1e-3, 0.1, 0.3, 0.5, 1.0] {
        for &x in &[-0.9, -0.3, -0.01, 0.0, 0.002, 0.05, 0.7] {
            let (u, fine) = (b.exact(&[x, t]), b.exact_with(&[x, t], 8001));
            worst = worst.max((u - fine).abs());
        }
    }
    println!("Cole–Hopf: max |u(h) − u(h/2)| = {worst:e}");
    assert!(worst <= 1e-12, "{worst:e}");
    // u_t + u u_x − ν u_xx by central differences, away from the shock.
    let h = 1e-3;
    for &(x, t) in &[(-0.6, 0.2), (0.4, 0.5), (0.8, 0.9), (-0.3, 0.7)] {
        let u = |x: f64, t: f64| b.exact(&[x, t]);
        let ut = (u(x, t + h) - u(x, t - h)) / (2.0 * h);
        let ux = (u(x + h, t) - u(x - h, t)) / (2.0 * h);
        let uxx = (u(x + h, t) - 2.0 * u(x, t) + u(x - h, t)) / (h * h);
        let r = ut + u(x, t) * ux - b.nu * uxx;
        println!("Burgers residual at ({x}, {t}): {r:e} (u_t = {ut:e})");
        assert!(r.abs() <= 1e-5 * ut.abs().max(1.0), "{r:e}");
    }
    // The operator as the library writes it, on the jet of w = t sin πx:
    // w_t + w w_x − ν w_xx = sin πx + t² π sin πx cos πx + ν π² t sin πx.
    let p = b.problem("burgers");
    let xs = sampling::interior(&p.domain, Sampler::Halton, 50, 3).unwrap();
    let x = points_tensor(&xs, 2, &device());
    let w = Jet::input(x.clone(), Arc::new(p.residual.spec()));
    let w = coord(&w, 0).scale(PI).sin().mul(coord(&w, 1));
    let r = p.residual.operator(&x, &w);
    for (got, pt) in r.into_data_as::<f64>().iter::<f64>().zip(&xs) {
        let (s, c, t) = ((PI * pt[0]).sin(), (PI * pt[0]).cos(), pt[1]);
        let want = s + t * t * PI * s * c + b.nu * PI * PI * t * s;
        assert!((got - want).abs() <= 1e-13, "{got} vs {want}");
    }
}

#[test]
fn advection_and_heat_residuals_vanish_on_exact_solutions() {
    let beta = 30.0;
    let p = Advection { beta }.problem("a");
    let e = residual_of_exact(&p, |x| coord(x, 0).sub(coord(x, 1).scale(beta)).sin());
    assert!(e < 1e-11, "advection: {e:e}");
    let nu = 0.1;
    let p = Heat { nu }.problem("heat");
    let e = residual_of_exact(&p, |x| {
        coord(x, 1)
            .scale(-nu * PI * PI)
            .exp()
            .mul(coord(x, 0).scale(PI).sin())
    });
    assert!(e < 1e-12, "heat: {e:e}");
    // Heat2d-MS: the closed form's rate a (20π)² + b π² is what the operator sees.
    let h = HeatMultiscale::default();
    let rate = h.a * (20.0 * PI).powi(2) + h.b * PI * PI;
    let p = h.problem("heat2d_multiscale");
    let e = residual_of_exact(&p, |x| {
        coord(x, 2)
            .scale(-rate)
            .exp()
            .mul(coord(x, 0).scale(20.0 * PI).sin())
            .mul(coord(x, 1).scale(PI).sin())
    });
    assert!(e < 1e-12, "heat2d_multiscale: {e:e}");
    let x = [0.3, 0.6, 2.0];
    assert!((p.exact.as_ref().unwrap()(&x)[0] - h_exact(&x)).abs() < 1e-15);
}

/// The Allen–Cahn front `1/(1 + exp((x − ct)/(√2ε)))` solves `u_t = ε²u_xx + u(1−u)(u−a)`.
#[test]
fn the_allen_cahn_front_solves_the_equation() {
    let ac = AllenCahn {
        eps: 0.05,
        a: 0.1,
        t_end: 10.0,
    };
    let (c, w) = (ac.speed(), 2f64.sqrt() * ac.eps);
    let p = ac.problem("allen_cahn1d");
    let e = residual_of_exact(&p, |x| {
        (coord(x, 0) - coord(x, 1).scale(c))
            .scale(1.0 / w)
            .exp()
            .add_scalar(1.0)
            .recip()
    });
    assert!(e < 1e-12, "allen_cahn: {e:e}");
}

/// PINNacle's closed form, `sin(20πx) sin(πy) exp(−(400/500² + 1) t)`.
fn h_exact(x: &[f64]) -> f64 {
    (20.0 * PI * x[0]).sin() * (PI * x[1]).sin() * (-(400.0 / 250_000.0 + 1.0) * x[2]).exp()
}

#[test]
fn wave_and_flux_problem_residuals_vanish_on_exact_solutions() {
    // PINNacle's Wave1d-C, c = 2: sin πx cos 2πt + ½ sin 4πx cos 8πt.
    let p = Wave { c: 2.0 }.problem("wave1d");
    let e = residual_of_exact(&p, |x| {
        let mode = |k: f64, a: f64| {
            coord(x, 0)
                .scale(k * PI)
                .sin()
                .mul(coord(x, 1).scale(2.0 * k * PI).cos())
                .scale(a)
        };
        mode(1.0, 1.0).add(mode(4.0, 0.5))
    });
    assert!(e < 1e-10, "wave: {e:e}");
    let exact = p.exact.as_ref().unwrap();
    let (x, t) = (0.3, 0.7);
    let closed =
        (PI * x).sin() * (2.0 * PI * t).cos() + 0.5 * (4.0 * PI * x).sin() * (8.0 * PI * t).cos();
    assert!((exact(&[x, t])[0] - closed).abs() < 1e-15);
    let p = poisson1d_neumann("n");
    let e = residual_of_exact(&p, |x| coord(x, 0).scale(PI / 2.0).sin());
    assert!(e < 1e-12, "neumann: {e:e}");
    let p = PoissonNd { dim: 5 }.problem("pnd");
    let e = residual_of_exact(&p, |x| {
        (0..5)
            .map(|i| coord(x, i).scale(PI / 2.0).sin())
            .reduce(|a, b| a.add(b))
            .unwrap()
    });
    assert!(e < 1e-12, "poisson_nd: {e:e}");
    let p = poisson1d_robin("r");
    let e = residual_of_exact(&p, |x| coord(x, 0).cos());
    assert!(e < 1e-12, "robin: {e:e}");
}

#[test]
fn parameter_gradients_match_finite_differences() {
    for (problem, dim) in [
        (Poisson::new(2).problem("p"), 2),
        (Heat { nu: 0.1 }.problem("h"), 2),
        (Advection { beta: 3.0 }.problem("a"), 2),
    ] {
        let points = PointsConfig {
            interior: 64,
            boundary: 16,
            sampler: Sampler::Halton,
        };
        let loss = PinnLoss::new(&problem, &points, 3, &device()).unwrap();
        let cfg = ModelConfig {
            width: 8,
            depth: 2,
            activation: Activation::Tanh,
            features: None,
            hard_constraints: false,
        };
        let lo = &problem.domain.lo()[..dim];
        let hi = &problem.domain.hi()[..dim];
        let model = cfg.init(lo, hi, 4, &device()).unwrap();
        let theta = params::flatten(&model);
        let total = |t: &[f64]| -> f64 {
            let m = params::unflatten(model.clone(), t);
            loss.terms(&m).total().into_scalar()
        };
        let grads = loss.terms(&model).total().backward();
        let g = params::flatten_grads(&model, &grads);
        let h = 1e-6;
        let mut worst: f64 = 0.0;
        let scale = g.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        for i in (0..theta.len()).step_by(7) {
            let (mut p, mut m) = (theta.clone(), theta.clone());
            p[i] += h;
            m[i] -= h;
            let fd = (total(&p) - total(&m)) / (2.0 * h);
            worst = worst.max((fd - g[i]).abs() / scale);
        }
        assert!(
            worst < 1e-6,
            "{}: parameter gradient error {worst:e}",
            problem.name
        );
    }
}

#[test]
fn boundary_points_lie_on_the_faces() {
    let p = Helmholtz::default().problem("h");
    let faces = p.domain.spatial_faces();
    let ys = sampling::on_faces(&p.domain, &faces, Sampler::Halton, 100, 0).unwrap();
    assert_eq!(ys.len(), 100);
    assert!(
        ys.iter()
            .all(|y| y.iter().any(|v| (v.abs() - 1.0).abs() < 1e-15))
    );
    let _: Tensor<2> = points_tensor(&ys, 2, &device());
}
