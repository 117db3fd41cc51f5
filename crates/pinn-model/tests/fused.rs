//! The fused tanh layer (one kernel per hidden layer and pass) against burn's unfused ops on
//! the same backend, in f32: the jet (value, gradient, Laplacian and a mixed second
//! derivative) and the parameter gradients of a loss on all of them, with and without row
//! chunks, with and without autodiff. On flex always; on the GPU backends listed in
//! `PINN_TEST_GPU`, in a build with a GPU feature (on a machine without a GPU,
//! `PINN_TEST_GPU=wgpu` runs on Mesa's lavapipe). f64: `fused_f64.rs`.

#[path = "common/fused.rs"]
mod common;

use pinn_model::backend::{Backend, Dtype};

/// flex, and the GPU backends named in `PINN_TEST_GPU`.
fn backends() -> Vec<Backend> {
    let list = std::env::var("PINN_TEST_GPU").unwrap_or_default();
    let gpus = list.split(',').filter(|s| !s.is_empty()).map(|s| {
        let b: Backend = s.parse().expect("PINN_TEST_GPU lists backends, e.g. wgpu");
        assert!(
            b.is_built(),
            "PINN_TEST_GPU names {b}, which this build lacks"
        );
        b
    });
    std::iter::once(Backend::Flex).chain(gpus).collect()
}

#[test]
fn fused_tanh_layers_match_burns_ops() {
    for backend in backends() {
        common::check_layers(backend, Dtype::F32, 1e-6);
    }
}

#[test]
fn mlp_with_fused_layers_matches_the_plain_one() {
    for backend in backends() {
        common::check_mlp(backend, Dtype::F32, 1e-6);
    }
}
