//! Whether a device's f64 is f64: its elementary functions and a product measured against the
//! host's.
//!
//! A GPU backend can accept f64 tensors and still not compute f64: burn 0.22's wgpu returns
//! wrong f64 `exp`, `tanh`, `sin`, `cos` and `log` (on Mesa's lavapipe off by 1 to 74 in the
//! measure below), a device may evaluate f64 in f32, and burn's CUDA backend does not
//! advertise f64 at all. The jets run every activation and Fourier feature through these
//! functions, so a training run in f64 on such a device loses the digits it was asked for
//! without a sign. [`f64_errors`] evaluates each function on the device at [`PROBE_POINTS`]
//! points of `[−8, 8]` and reports the largest error against the host's libm,
//!
//! `e_f = max_i |f_dev(x_i) − f(x_i)| / max(1, |f(x_i)|)`
//!
//! (relative for large values, absolute near the zeros of `sin`), and for the product of two
//! `[16, 64] · [64, 16]` matrices `max |(AB)_dev − AB| / (|A||B|)_ij`. Correctly rounded f64
//! functions give `e ≈ 1e-16`; f64 stored but evaluated in f32 gives `e ≈ 1e-7`.
//! [`check_f64`] accepts a device when every `e_f ≤` [`F64_TOLERANCE`].

use burn::Tensor;
use burn::tensor::{Device, TensorData};

/// Points of `[−8, 8]` at which each function is compared.
pub const PROBE_POINTS: usize = 257;

/// The largest error accepted from a device's f64 function: a few thousand ulps of f64, four
/// orders of magnitude below what f32 arithmetic gives.
pub const F64_TOLERANCE: f64 = 1e-12;

/// Each elementary function the models use, and the product, with its error `e_f` on `device`
/// (module docs). The device's float dtype must already be f64.
pub fn f64_errors(device: &Device) -> Vec<(&'static str, f64)> {
    let n = PROBE_POINTS;
    let x: Vec<f64> = (0..n)
        .map(|i| -8.0 + 16.0 * i as f64 / (n - 1) as f64 + 1e-3 * std::f64::consts::SQRT_2)
        .collect();
    let on_device = || Tensor::<1>::from_data(TensorData::new(x.clone(), [n]), device);
    type Pair = (fn(Tensor<1>) -> Tensor<1>, fn(f64) -> f64);
    let functions: [(&'static str, Pair); 7] = [
        ("exp", (|t| t.exp(), f64::exp)),
        ("tanh", (|t| t.tanh(), f64::tanh)),
        ("sin", (|t| t.sin(), f64::sin)),
        ("cos", (|t| t.cos(), f64::cos)),
        (
            "log",
            (|t| t.abs().add_scalar(0.5).log(), |x| (x.abs() + 0.5).ln()),
        ),
        ("sqrt", (|t| t.abs().sqrt(), |x| x.abs().sqrt())),
        (
            "div",
            (
                |t| t.clone().div(t.powi_scalar(2).add_scalar(1.0)),
                |x| x / (x * x + 1.0),
            ),
        ),
    ];
    let mut errors: Vec<_> = functions
        .into_iter()
        .map(|(name, (dev, host))| {
            let got = read(dev(on_device()));
            let worst = x.iter().zip(&got).fold(0.0, |m, (&x, &g)| {
                let want = host(x);
                worse(m, (g - want).abs() / want.abs().max(1.0))
            });
            (name, worst)
        })
        .collect();
    errors.push(("matmul", product_error(device)));
    errors
}

/// `Ok` when every error of [`f64_errors`] is at most [`F64_TOLERANCE`]; otherwise the
/// worst function and its error, in words.
pub fn check_f64(device: &Device) -> Result<(), String> {
    verdict(&f64_errors(device))
}

/// The decision of [`check_f64`] on measured errors.
pub fn verdict(errors: &[(&'static str, f64)]) -> Result<(), String> {
    let (name, worst) =
        errors.iter().copied().fold(
            ("none", 0.0),
            |w, e| if worse(w.1, e.1) > w.1 { e } else { w },
        );
    if worst <= F64_TOLERANCE {
        Ok(())
    } else {
        Err(format!(
            "its f64 {name} is off by {worst:.1e} (f64 gives ~1e-16, f32 ~1e-7)"
        ))
    }
}

/// `max_ij |(AB)_dev − AB|_ij / (|A||B|)_ij` for `[16, 64] · [64, 16]` matrices of smooth,
/// non-representable-in-f32 entries.
fn product_error(device: &Device) -> f64 {
    let (m, k) = (16, 64);
    let entry = |i: usize, j: usize| ((i * 7 + j * 3) as f64 * 0.37).sin() + 1.0 / 3.0;
    let a: Vec<f64> = (0..m * k).map(|p| entry(p / k, p % k)).collect();
    let b: Vec<f64> = (0..k * m).map(|p| entry(p % m + 5, p / m)).collect();
    let ta = Tensor::<2>::from_data(TensorData::new(a.clone(), [m, k]), device);
    let tb = Tensor::<2>::from_data(TensorData::new(b.clone(), [k, m]), device);
    let got = read(ta.matmul(tb));
    let mut worst = 0.0_f64;
    for i in 0..m {
        for j in 0..m {
            let (exact, scale) = (0..k).fold((0.0, 0.0), |(s, t), l| {
                let p = a[i * k + l] * b[l * m + j];
                (s + p, t + p.abs())
            });
            worst = worse(worst, (got[i * m + j] - exact).abs() / scale);
        }
    }
    worst
}

/// The larger error, a NaN counting as infinite (`f64::max` would drop it).
fn worse(a: f64, b: f64) -> f64 {
    a.max(if b.is_nan() { f64::INFINITY } else { b })
}

/// The tensor's values as f64 on the host.
fn read<const D: usize>(t: Tensor<D>) -> Vec<f64> {
    t.into_data()
        .try_to_vec_as::<f64>()
        .expect("a float tensor converts to f64")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_verdict_names_the_worst_function() {
        assert!(verdict(&[("exp", 2e-16), ("sin", 1e-15)]).is_ok());
        let e = verdict(&[("exp", 2e-16), ("tanh", 6e-8), ("sin", 3e-9)]).unwrap_err();
        assert!(e.contains("tanh is off by 6.0e-8"), "{e}");
        assert!(
            verdict(&[("exp", 1e-16), ("log", f64::NAN)])
                .unwrap_err()
                .contains("log")
        );
    }
}
