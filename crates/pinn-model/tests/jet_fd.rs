//! Every jet rule and whole models against central finite differences, in f64.
//!
//! For `x` and step `h = 1e-4`: `∂_i u ≈ (u(x+he_i) − u(x−he_i)) / 2h`,
//! `∂_i² u ≈ (u(x+he_i) − 2u(x) + u(x−he_i)) / h²`, and
//! `∂_i∂_j u ≈ (u(x+he_i+he_j) − u(x+he_i−he_j) − u(x−he_i+he_j) + u(x−he_i−he_j)) / 4h²`.
//! Each quotient is Richardson-extrapolated, `(4 D(h/2) − D(h)) / 3`, so that its own error,
//! `O(h⁴)`, is far below the acceptance bound: a relative error of 1e-6 in the max norm.

use std::ops::{Add, Mul, Sub};
use std::sync::{Arc, OnceLock};

use burn::Tensor;
use burn::tensor::{Device, TensorData};
use pinn_model::backend::{Backend, Dtype, autodiff_device};
use pinn_model::init::Seeded;
use pinn_model::{
    Activation, Dense, FeaturesConfig, Field, FourierFeatures, Jet, JetSpec, Mlp, ModelConfig,
    SecondOrder,
};

fn device() -> Device {
    static DEV: OnceLock<Device> = OnceLock::new();
    DEV.get_or_init(|| autodiff_device(Backend::Flex, Dtype::F64).expect("flex f64"))
        .clone()
}

const H: f64 = 1e-3;
const TOL: f64 = 1e-6;

fn points(dim: usize) -> Vec<Vec<f64>> {
    let mut rng = Seeded::new(7);
    (0..5)
        .map(|_| (0..dim).map(|_| rng.uniform(-0.9, 0.9)).collect())
        .collect()
}

fn tensor(rows: &[Vec<f64>]) -> Tensor<2> {
    let d = rows[0].len();
    let flat: Vec<f64> = rows.iter().flatten().copied().collect();
    Tensor::from_data(TensorData::new(flat, [rows.len(), d]), &device())
}

fn host(t: Tensor<2>) -> Vec<f64> {
    t.into_data_as::<f64>().iter::<f64>().collect()
}

fn shifted(xs: &[Vec<f64>], moves: &[(usize, f64)]) -> Vec<Vec<f64>> {
    xs.iter()
        .map(|x| {
            let mut y = x.clone();
            for &(i, s) in moves {
                y[i] += s;
            }
            y
        })
        .collect()
}

fn rel_err(a: &[f64], b: &[f64]) -> f64 {
    let scale = b.iter().fold(0.0_f64, |m, v| m.max(v.abs())).max(1e-12);
    a.iter()
        .zip(b)
        .fold(0.0_f64, |m, (x, y)| m.max((x - y).abs()))
        / scale
}

/// Check the first derivatives and the streams `pure(i)`, `mixed(0,1)`, `laplacian` of `f`.
fn check(dim: usize, f: &dyn Fn(Jet) -> Jet) {
    let mut spec = JetSpec::gradient(dim).with_second(SecondOrder::laplacian(dim));
    let mut ops = vec![SecondOrder::laplacian(dim)];
    for i in 0..dim {
        spec = spec.with_second(SecondOrder::pure(i));
        ops.push(SecondOrder::pure(i));
    }
    if dim >= 2 {
        spec = spec.with_second(SecondOrder::mixed(0, 1));
        ops.push(SecondOrder::mixed(0, 1));
    }
    let spec = Arc::new(spec);
    let values = Arc::new(JetSpec::values(dim));
    let xs = points(dim);
    let u = |ys: &[Vec<f64>]| host(f(Jet::input(tensor(ys), values.clone())).into_value());
    let jet = f(Jet::input(tensor(&xs), spec.clone()));
    let u0 = u(&xs);
    assert!(rel_err(&host(jet.value().clone()), &u0) < 1e-14, "value");
    one_pass(
        &jet,
        f(Jet::input_and_values(tensor(&xs), tensor(&ys(dim)), spec)),
        &u,
    );
    let richardson = |d: &dyn Fn(f64) -> Vec<f64>| -> Vec<f64> {
        let (coarse, fine) = (d(2.0 * H), d(H));
        fine.iter()
            .zip(&coarse)
            .map(|(f, c)| (4.0 * f - c) / 3.0)
            .collect()
    };
    for i in 0..dim {
        let fd = richardson(&|h| {
            let (p, m) = (u(&shifted(&xs, &[(i, h)])), u(&shifted(&xs, &[(i, -h)])));
            p.iter().zip(&m).map(|(a, b)| (a - b) / (2.0 * h)).collect()
        });
        let e = rel_err(&host(jet.first_dense(i)), &fd);
        assert!(e < TOL, "∂_{i}: relative error {e:e}");
    }
    for (k, op) in ops.iter().enumerate() {
        let mut fd = vec![0.0; u0.len()];
        for &(i, j, c) in op.terms() {
            let second = richardson(&|h| {
                if i == j {
                    let (p, m) = (u(&shifted(&xs, &[(i, h)])), u(&shifted(&xs, &[(i, -h)])));
                    (0..u0.len())
                        .map(|n| (p[n] - 2.0 * u0[n] + m[n]) / (h * h))
                        .collect()
                } else {
                    let pp = u(&shifted(&xs, &[(i, h), (j, h)]));
                    let pm = u(&shifted(&xs, &[(i, h), (j, -h)]));
                    let mp = u(&shifted(&xs, &[(i, -h), (j, h)]));
                    let mm = u(&shifted(&xs, &[(i, -h), (j, -h)]));
                    (0..u0.len())
                        .map(|n| (pp[n] - pm[n] - mp[n] + mm[n]) / (4.0 * h * h))
                        .collect()
                }
            });
            for n in 0..fd.len() {
                fd[n] += c * second[n];
            }
        }
        let e = rel_err(&host(jet.second_dense(k)), &fd);
        assert!(e < TOL, "second-order stream {op:?}: relative error {e:e}");
    }
}

/// Points other than [`points`], where only values are asked for.
fn ys(dim: usize) -> Vec<Vec<f64>> {
    let mut rng = Seeded::new(8);
    (0..3)
        .map(|_| (0..dim).map(|_| rng.uniform(-0.9, 0.9)).collect())
        .collect()
}

/// The jet of `Jet::input_and_values(xs, ys)`, `both`, carries derivatives at `xs` alone, and
/// gives the jet of `Jet::input(xs)` (`jet`) and the values at `ys` (`u`) to round-off.
fn one_pass(jet: &Jet, both: Jet, u: &dyn Fn(&[Vec<f64>]) -> Vec<f64>) {
    let n = jet.value().dims()[0];
    let dim = jet.spec().dim();
    for i in 0..dim {
        assert_eq!(
            both.first_dense(i).dims()[0],
            n,
            "∂_{i} at the points of values"
        );
    }
    let (_, none) = jet.clone().split_values();
    assert_eq!(
        none.dims()[0],
        0,
        "a jet with derivatives everywhere has no values alone"
    );
    let (at_x, at_y) = both.split_values();
    assert!(rel_err(&host(at_y), &u(&ys(dim))) < 1e-14, "values at ys");
    let mut streams = vec![(jet.value().clone(), at_x.value().clone())];
    streams.extend((0..dim).map(|i| (jet.first_dense(i), at_x.first_dense(i))));
    let m = jet.spec().second_order().len();
    streams.extend((0..m).map(|k| (jet.second_dense(k), at_x.second_dense(k))));
    for (k, (a, b)) in streams.into_iter().enumerate() {
        let e = rel_err(&host(b), &host(a));
        assert!(
            e < 1e-14,
            "stream {k} of one pass: relative deviation {e:e}"
        );
    }
}

/// A fixed linear map to `width` channels, so that element-wise rules see varied inputs.
fn lift(width: usize, dim: usize) -> impl Fn(Jet) -> Jet {
    let mut rng = Seeded::new(3);
    let w = rng.xavier(dim, width, 2.0, &device());
    let b = rng.xavier(1, width, 1.0, &device());
    move |x: Jet| x.linear(&w, Some(&b))
}

#[test]
fn sin_cos_tanh_exp_rules() {
    let l = lift(3, 2);
    check(2, &|x| l(x).sin());
    check(2, &|x| l(x).cos());
    check(2, &|x| l(x).tanh());
    check(2, &|x| l(x).exp());
}

#[test]
fn power_and_gelu_rules() {
    let l = lift(3, 2);
    check(2, &|x| l(x).powi(3));
    check(2, &|x| l(x).square());
    check(2, &|x| l(x).gelu());
    check(2, &|x| l(x).square().add_scalar(0.5).sqrt());
    check(2, &|x| l(x).square().add_scalar(0.5).recip());
    check(2, &|x| l(x).square().add_scalar(0.5).ln());
}

#[test]
fn product_sum_and_scaling_rules() {
    let l = lift(3, 2);
    check(2, &|x| l(x.clone()).sin().mul(l(x).tanh()));
    check(2, &|x| {
        l(x.clone())
            .exp()
            .add(l(x).cos().scale(-2.5))
            .add_scalar(1.0)
    });
    check(2, &|x| l(x.clone()).sin().sub(l(x).square()));
}

#[test]
fn linear_cat_and_narrow_rules() {
    let l = lift(4, 3);
    let mut rng = Seeded::new(11);
    let w = rng.xavier(6, 2, 1.0, &device());
    check(3, &|x| {
        let a = l(x.clone()).tanh();
        let b = l(x).sin().narrow(1, 2);
        Jet::cat(vec![a, b]).linear(&w, None)
    });
}

#[test]
fn three_dimensional_laplacian() {
    let l = lift(5, 3);
    check(3, &|x| l(x).tanh().powi(2));
}

#[test]
fn fourier_features() {
    let f = FourierFeatures::periodic(&[2.0, 3.0], 2, true, &device()).with_mode_scaling(
        0.5,
        &[1.0, 0.5, 0.25, 0.2, 0.1, 0.3, 0.7, 0.9, 1.1, 1.3, 0.4, 0.6],
    );
    let head = Dense::new(f.num_features(), 1, false, &mut Seeded::new(1), &device());
    check(2, &|x| head.forward(f.forward(x)));
}

#[test]
fn mlps_with_every_activation() {
    for act in Activation::ALL {
        let m = Mlp::new(2, 16, 3, 1, act, &mut Seeded::new(5), &device());
        check(2, &|x| m.forward(x));
    }
}

#[test]
fn fourier_mlp_and_random_features() {
    for features in [
        FeaturesConfig::Periodic {
            max_mode: 2,
            precondition: false,
        },
        FeaturesConfig::Random {
            count: 8,
            sigma: 2.0,
        },
        FeaturesConfig::Axes {
            max_modes: vec![3, 0],
        },
    ] {
        let cfg = ModelConfig {
            width: 12,
            depth: 2,
            activation: Activation::Gelu,
            features: Some(features),
            hard_constraints: false,
        };
        let m = cfg.init(&[-1.0, 0.0], &[1.0, 2.0], 9, &device()).unwrap();
        check(2, &|x| m.forward_jet(x));
    }
}
