//! The [`Field`] trait: a trainable model `u(x; θ)` that propagates input jets. The building
//! blocks ([`crate::Mlp`], [`crate::FourierMlp`], [`crate::LinearFourier`]) implement it, as do
//! the [`crate::Model`] enum a config builds and a network under an ansatz
//! ([`crate::Constrained`]).

use std::sync::Arc;

use burn::Tensor;
use burn::module::Module;

use crate::{Dense, Jet, JetSpec};

/// A trainable field `u(x; θ)` that propagates input jets.
pub trait Field: Module {
    /// Input dimension `d`.
    fn input_dim(&self) -> usize;

    /// `u` and its input derivatives, from the jet of `x`.
    fn forward_jet(&self, x: Jet) -> Jet;

    /// Values only, `[N, d] → [N, m]` (one column per field).
    fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let spec = Arc::new(JetSpec::values(self.input_dim()));
        self.forward_jet(Jet::input(x, spec)).into_value()
    }

    /// The model with `f` applied to each of its [`Dense`] layers, in parameter order (the
    /// order of [`crate::params::flatten`]), e.g. to attach a [`crate::Probe`]. `None` when
    /// the model has parameters outside `Dense` layers: Jacobian products then fall back to
    /// one backward pass per residual row.
    fn map_layers(&self, _f: &mut dyn FnMut(Dense) -> Dense) -> Option<Self>
    where
        Self: Sized,
    {
        None
    }
}
