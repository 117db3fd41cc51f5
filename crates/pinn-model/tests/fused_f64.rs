//! The fused tanh layer on flex in f64 against burn's unfused ops (see `fused.rs`): the same
//! arithmetic in another order, so to round-off.

#[path = "common/fused.rs"]
mod common;

use pinn_model::backend::{Backend, Dtype};

#[test]
fn fused_tanh_layers_match_burns_ops_in_f64() {
    common::check_layers(Backend::Flex, Dtype::F64, 1e-12);
}

#[test]
fn mlp_with_fused_layers_matches_the_plain_one_in_f64() {
    common::check_mlp(Backend::Flex, Dtype::F64, 1e-12);
}
