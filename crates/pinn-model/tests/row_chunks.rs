//! Dense layers that multiply the points a chunk at a time (for GPU backends) give the jets and
//! the parameter gradients of the ordinary layers, to round-off, in f64.

use std::sync::Arc;

use burn::Tensor;
use burn::tensor::Distribution;
use pinn_model::backend::{Backend, Dtype, autodiff_device};
use pinn_model::init::Seeded;
use pinn_model::{Activation, Field, Jet, JetSpec, Mlp, SecondOrder, params};

fn max_rel(a: Tensor<2>, b: Tensor<2>) -> f64 {
    let a: Vec<f64> = a.into_data_as::<f64>().iter::<f64>().collect();
    let b: Vec<f64> = b.into_data_as::<f64>().iter::<f64>().collect();
    let scale = a.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
    a.iter()
        .zip(&b)
        .fold(0.0_f64, |m, (x, y)| m.max((x - y).abs()))
        / scale
}

#[test]
fn chunked_layers_give_the_same_jets_and_gradients() {
    // Chunks of about 96 points: 1000 points in ten equal chunks of 100; 997 (a prime) in ten
    // chunks of 96 and the remaining 37.
    for points in [1000, 997] {
        check(points);
    }
}

fn check(points: usize) {
    let device = autodiff_device(Backend::Flex, Dtype::F64).unwrap();
    let plain = Mlp::new(2, 16, 2, 1, Activation::Tanh, &mut Seeded::new(3), &device);
    let chunked = plain
        .map_layers(&mut |d| d.with_row_chunk(Some(96)))
        .unwrap();
    let x = Tensor::<2>::random([points, 2], Distribution::Uniform(0.0, 1.0), &device);
    let spec = Arc::new(JetSpec::gradient(2).with_second(SecondOrder::laplacian(2)));
    let (u, v) = (
        plain.forward_jet(Jet::input(x.clone(), spec.clone())),
        chunked.forward_jet(Jet::input(x, spec)),
    );
    let value = max_rel(u.value().clone(), v.value().clone());
    let first = max_rel(u.first_dense(1), v.first_dense(1));
    let laplacian = max_rel(u.second_dense(0), v.second_dense(0));
    let loss = |j: &Jet| (j.second_dense(0).square().sum() + j.value().clone().sum()).backward();
    let (gu, gv) = (
        params::flatten_grads(&plain, &loss(&u)),
        params::flatten_grads(&chunked, &loss(&v)),
    );
    let n = gu.len();
    let grads = max_rel(
        Tensor::from_data(burn::tensor::TensorData::new(gu, [n, 1]), &device),
        Tensor::from_data(burn::tensor::TensorData::new(gv, [n, 1]), &device),
    );
    println!(
        "{points} points, chunked vs plain: u {value:e}, u_y {first:e}, Δu {laplacian:e}, ∇θ {grads:e}"
    );
    for err in [value, first, laplacian, grads] {
        assert!(err < 1e-12, "{err:e}");
    }
}
