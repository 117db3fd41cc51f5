//! The comparison of the fused tanh layer with burn's ops, shared by the f32 and f64 tests
//! (a process fixes its float dtype once).

use std::sync::Arc;

use burn::Tensor;
use burn::tensor::{Device, Distribution};
use pinn_model::backend::{Backend, Dtype, autodiff_device};
use pinn_model::init::Seeded;
use pinn_model::{Activation, Dense, Field, Jet, JetSpec, Mlp, SecondOrder, fused, params};

fn values(t: Tensor<2>) -> Vec<f64> {
    t.into_data_as::<f64>().iter::<f64>().collect()
}

/// `max |a − b| / max |a|`.
fn max_rel(a: &[f64], b: &[f64]) -> f64 {
    let scale = a.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    let diff = a
        .iter()
        .zip(b)
        .fold(0.0_f64, |m, (x, y)| m.max((x - y).abs()));
    diff / scale
}

/// The streams of `u` (value, `∂_x`, `∂_y`, `Δ`, `∂_x∂_y`), flattened.
fn streams(u: &Jet) -> Vec<Vec<f64>> {
    vec![
        values(u.value().clone()),
        values(u.first_dense(0)),
        values(u.first_dense(1)),
        values(u.second_dense(0)),
        values(u.second_dense(1)),
    ]
}

/// A loss on every stream, so that each output cotangent of the kernel is exercised.
fn loss(u: &Jet) -> Tensor<1> {
    u.value().clone().sum()
        + u.first_dense(0).square().sum()
        + u.first_dense(1).sum().mul_scalar(0.5)
        + u.second_dense(0).square().sum().mul_scalar(0.1)
        + u.second_dense(1).sum().mul_scalar(0.3)
}

/// The jet spec of the comparisons: gradient, Laplacian and `∂_x∂_y − ½∂_x²`.
fn spec() -> Arc<JetSpec> {
    Arc::new(
        JetSpec::gradient(2)
            .with_second(SecondOrder::laplacian(2))
            .with_second(SecondOrder::new(vec![(0, 1, 1.0), (0, 0, -0.5)])),
    )
}

/// The largest relative deviation over the streams of two jets.
fn jet_deviation(u: &Jet, v: &Jet) -> f64 {
    streams(u)
        .iter()
        .zip(streams(v))
        .map(|(a, b)| max_rel(a, &b))
        .fold(0.0, f64::max)
}

/// Three hidden layers 2 → 32 → 32 → 32, `rows` points per chunk.
fn layers(device: &Device, rows: Option<usize>) -> Vec<Dense> {
    let mut rng = Seeded::new(7);
    [(2, 32), (32, 32), (32, 32)]
        .into_iter()
        .map(|(i, o)| Dense::new(i, o, true, &mut rng, device).with_row_chunk(rows))
        .collect()
}

/// burn's ops and the fused kernel on the same layers and points: the largest relative
/// deviation of the jets and (on an autodiff device) of the parameter gradients.
fn compare(device: &Device, points: usize, rows: Option<usize>) -> (f64, Option<f64>) {
    let layers = layers(device, rows);
    let x = Tensor::<2>::random([points, 2], Distribution::Uniform(-1.0, 1.0), device);
    let input = Jet::input(x, spec());
    let u = layers
        .iter()
        .fold(input.clone(), |h, l| l.forward(h).tanh());
    let v = fused::tanh_layers(input, &layers);
    let jet = jet_deviation(&u, &v);
    let grads = device.is_autodiff().then(|| {
        let gu = params::flatten_grads(&layers, &loss(&u).backward());
        let gv = params::flatten_grads(&layers, &loss(&v).backward());
        max_rel(&gu, &gv)
    });
    (jet, grads)
}

/// The jets and parameter gradients of three fused layers against burn's ops on `backend` in
/// `dtype`, to `tol` relative.
pub fn check_layers(backend: Backend, dtype: Dtype, tol: f64) {
    let device = autodiff_device(backend, dtype).unwrap();
    // 512 points in chunks of 128 (the chunked reductions), 300 points unchunked, and
    // without autodiff (the extension's plain backend path).
    for (device, points, rows) in [
        (device.clone(), 512, Some(128)),
        (device.clone(), 300, None),
        (device.clone().inner(), 200, None),
    ] {
        let (jet, grads) = compare(&device, points, rows);
        println!("{backend} {dtype}, {points} points, rows {rows:?}: jet {jet:e}, ∇θ {grads:?}");
        assert!(
            jet < tol,
            "{backend} {dtype}: jet streams differ by {jet:e}"
        );
        if let Some(grads) = grads {
            assert!(
                grads < tol,
                "{backend} {dtype}: parameter gradients differ by {grads:e}"
            );
        }
    }
}

/// An MLP whose layers ask for the kernel ([`Dense::with_fused`]) gives the jet and gradients
/// of the plain MLP.
pub fn check_mlp(backend: Backend, dtype: Dtype, tol: f64) {
    // Unchunked (the output layer on the stacked streams), and in chunks of about 64 points
    // (the output layer on each stream).
    for rows in [None, Some(64)] {
        check_mlp_chunked(backend, dtype, tol, rows);
    }
}

fn check_mlp_chunked(backend: Backend, dtype: Dtype, tol: f64, rows: Option<usize>) {
    let device = autodiff_device(backend, dtype).unwrap();
    let plain = Mlp::new(2, 32, 3, 1, Activation::Tanh, &mut Seeded::new(7), &device);
    let fused = plain
        .map_layers(&mut |d| d.with_fused(true).with_row_chunk(rows))
        .unwrap();
    let x = Tensor::<2>::random([256, 2], Distribution::Uniform(-1.0, 1.0), &device);
    let u = plain.forward_jet(Jet::input(x.clone(), spec()));
    let v = fused.forward_jet(Jet::input(x.clone(), spec()));
    let jet = jet_deviation(&u, &v);
    let gu = params::flatten_grads(&plain, &loss(&u).backward());
    let gv = params::flatten_grads(&fused, &loss(&v).backward());
    let grads = max_rel(&gu, &gv);
    // The value alone (a jet of one stream, as for boundary points).
    let y = Tensor::<2>::random([64, 2], Distribution::Uniform(-1.0, 1.0), &device);
    let value = max_rel(
        &values(Field::forward(&plain, y.clone())),
        &values(Field::forward(&fused, y.clone())),
    );
    println!(
        "{backend} {dtype}, MLP, rows {rows:?}: jet {jet:e}, ∇θ {grads:e}, value alone {value:e}"
    );
    assert!(
        jet < tol && grads < tol && value < tol,
        "{backend} {dtype}: jet {jet:e}, ∇θ {grads:e}, value alone {value:e}"
    );

    // The jet at `x` and the values at `y` in one pass of the fused layers (which pad the
    // streams at `y` with zeros) against two passes of the plain MLP.
    let both = |u: Jet, y: Tensor<2>| loss(&u) + y.square().sum();
    let u = plain.forward_jet(Jet::input(x.clone(), spec()));
    let (w, wy) = fused
        .forward_jet(Jet::input_and_values(x, y.clone(), spec()))
        .split_values();
    let uy = Field::forward(&plain, y);
    let one_pass = [
        jet_deviation(&u, &w),
        max_rel(&values(uy.clone()), &values(wy.clone())),
        max_rel(
            &params::flatten_grads(&plain, &both(u, uy).backward()),
            &params::flatten_grads(&fused, &both(w, wy).backward()),
        ),
    ];
    println!("{backend} {dtype}, MLP, rows {rows:?}, one pass: jet, values, ∇θ {one_pass:?}");
    assert!(
        one_pass.iter().all(|&e| e < tol),
        "{backend} {dtype}: one pass: jet, values, ∇θ {one_pass:?}"
    );
}
