//! Multilayer perceptrons, plain or fed by (preconditioned) Fourier features, and the linear
//! model on Fourier features.

use burn::module::Module;
use burn::tensor::Device;

use crate::{Activation, Dense, Field, FourierFeatures, Jet, init::Seeded};

/// `u = W_L σ(… σ(W_1 h + b_1) …) + b_L`.
#[derive(Module, Debug)]
pub struct Mlp {
    layers: Vec<Dense>,
    #[module(skip)]
    activation: Activation,
    #[module(skip)]
    inputs: usize,
}

impl Mlp {
    /// `inputs → width × depth → outputs`, Xavier-uniform weights from `rng`.
    pub fn new(
        inputs: usize,
        width: usize,
        depth: usize,
        outputs: usize,
        activation: Activation,
        rng: &mut Seeded,
        device: &Device,
    ) -> Self {
        assert!(
            depth >= 1 && width >= 1,
            "an MLP needs depth ≥ 1 and width ≥ 1"
        );
        let mut layers = Vec::with_capacity(depth + 1);
        let mut fan_in = inputs;
        for _ in 0..depth {
            layers.push(Dense::new(fan_in, width, true, rng, device));
            fan_in = width;
        }
        layers.push(Dense::new(fan_in, outputs, true, rng, device));
        Self {
            layers,
            activation,
            inputs,
        }
    }

    /// The forward pass on a jet.
    pub fn forward(&self, mut h: Jet) -> Jet {
        let (last, hidden) = self.layers.split_last().expect("at least one layer");
        if self.activation == Activation::Tanh && hidden.iter().all(Dense::is_fused) {
            return if last.is_plain() {
                crate::fused::tanh_mlp(h, hidden, last)
            } else {
                last.forward(crate::fused::tanh_layers(h, hidden))
            };
        }
        for layer in hidden {
            h = self.activation.apply(layer.forward(h));
        }
        last.forward(h)
    }

    /// The activation.
    pub fn activation(&self) -> Activation {
        self.activation
    }
}

/// An MLP fed by Fourier features, `u = MLP(p ⊙ φ(x))`.
#[derive(Module, Debug)]
pub struct FourierMlp {
    /// The feature layer (its scaling is the preconditioner).
    pub features: FourierFeatures,
    /// The network on the features.
    pub mlp: Mlp,
}

impl Field for Mlp {
    fn input_dim(&self) -> usize {
        self.inputs
    }
    fn forward_jet(&self, x: Jet) -> Jet {
        self.forward(x)
    }
    fn map_layers(&self, f: &mut dyn FnMut(Dense) -> Dense) -> Option<Self> {
        let mut out = self.clone();
        out.layers = out.layers.into_iter().map(f).collect();
        Some(out)
    }
}

impl Field for FourierMlp {
    fn input_dim(&self) -> usize {
        self.features.input_dim()
    }
    fn forward_jet(&self, x: Jet) -> Jet {
        self.mlp.forward(self.features.forward(x))
    }
    fn map_layers(&self, f: &mut dyn FnMut(Dense) -> Dense) -> Option<Self> {
        Some(Self {
            features: self.features.clone(),
            mlp: self.mlp.map_layers(f)?,
        })
    }
}

/// A linear model on Fourier features, `u = Σ_k θ_k p_k φ_k(x)`.
#[derive(Module, Debug)]
pub struct LinearFourier {
    /// The (scaled) features.
    pub features: FourierFeatures,
    /// The coefficients `θ`, `[F, 1]`, no bias (the constant feature plays that role).
    pub head: Dense,
}

impl Field for LinearFourier {
    fn input_dim(&self) -> usize {
        self.features.input_dim()
    }
    fn forward_jet(&self, x: Jet) -> Jet {
        self.head.forward(self.features.forward(x))
    }
    fn map_layers(&self, f: &mut dyn FnMut(Dense) -> Dense) -> Option<Self> {
        Some(Self {
            features: self.features.clone(),
            head: f(self.head.clone()),
        })
    }
}
