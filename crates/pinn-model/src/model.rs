//! The [`Model`] enum of the models a config can build, and their configuration.

use burn::module::Module;
use burn::tensor::Device;
use serde::{Deserialize, Serialize};

use crate::{
    Activation, Ansatz, Constrained, Dense, Field, FourierFeatures, FourierMlp, Jet, LinearFourier,
    Mlp, init::Seeded,
};

/// The models a config can build.
#[derive(Module, Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Model {
    /// A plain MLP on the coordinates.
    Mlp(Mlp),
    /// An MLP fed by Fourier features.
    FourierMlp(FourierMlp),
    /// A linear combination of Fourier features.
    LinearFourier(LinearFourier),
}

/// `$body` with `$m` bound to the model inside whichever variant `$model` holds.
macro_rules! with_model {
    ($model:expr, $m:ident => $body:expr) => {
        match $model {
            Model::Mlp($m) => $body,
            Model::FourierMlp($m) => $body,
            Model::LinearFourier($m) => $body,
        }
    };
}

impl Field for Model {
    fn input_dim(&self) -> usize {
        with_model!(self, m => m.input_dim())
    }

    fn forward_jet(&self, x: Jet) -> Jet {
        with_model!(self, m => m.forward_jet(x))
    }

    fn map_layers(&self, f: &mut dyn FnMut(Dense) -> Dense) -> Option<Self> {
        Some(match self {
            Self::Mlp(m) => Self::Mlp(m.map_layers(f)?),
            Self::FourierMlp(m) => Self::FourierMlp(m.map_layers(f)?),
            Self::LinearFourier(m) => Self::LinearFourier(m.map_layers(f)?),
        })
    }
}

/// Which feature map feeds the network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "snake_case", tag = "kind")]
pub enum FeaturesConfig {
    /// Integer modes `|k_i| ≤ max_mode` on the box (periodic in every coordinate).
    Periodic {
        /// Largest integer frequency per coordinate.
        max_mode: usize,
        /// Scale each mode by `|d(ω_min)| / |d(ω)|`, `d` the symbol of the PDE's operator
        /// ("MLP + preconditioned Fourier features"; needs [`ModelConfig::init_with_symbol`]).
        #[serde(default)]
        precondition: bool,
    },
    /// Random Fourier features `ω ~ N(0, σ² I)`.
    Random {
        /// Number of wave vectors.
        count: usize,
        /// Standard deviation σ of the frequencies.
        sigma: f64,
    },
    /// Fourier features along single axes beside the coordinates:
    /// `(x, cos(2πk x_i/L_i), sin(2πk x_i/L_i))_{k ≤ K_i}` (multiscale in some axes only).
    Axes {
        /// `K_i`, one per coordinate (0: none along that axis).
        max_modes: Vec<usize>,
    },
}

/// The architecture of a model, as written in a config's `[model]` table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    /// Hidden width.
    #[serde(default = "default_width")]
    pub width: usize,
    /// Number of hidden layers (0 with `features`: a linear Fourier model).
    #[serde(default = "default_depth")]
    pub depth: usize,
    /// Activation of the hidden layers.
    #[serde(default = "default_activation")]
    pub activation: Activation,
    /// Fourier features feeding the network (none: the network sees the coordinates).
    #[serde(default)]
    pub features: Option<FeaturesConfig>,
    /// Satisfy the problem's conditions exactly with the ansatz `u = g̃ + d · N(φ(x))`
    /// ([`Ansatz`]) instead of penalising them in the loss.
    #[serde(default)]
    pub hard_constraints: bool,
}

fn default_width() -> usize {
    64
}
fn default_depth() -> usize {
    4
}
fn default_activation() -> Activation {
    Activation::Tanh
}

impl Default for ModelConfig {
    fn default() -> Self {
        Self {
            width: default_width(),
            depth: default_depth(),
            activation: default_activation(),
            features: None,
            hard_constraints: false,
        }
    }
}

impl ModelConfig {
    /// Check the numbers; the error names the field and the fix.
    pub fn validate(&self) -> Result<(), String> {
        if self.width == 0 {
            return Err("model.width must be at least 1 (e.g. width = 64)".into());
        }
        if self.depth == 0 && self.features.is_none() {
            return Err(
                "model.depth must be at least 1 for an MLP; depth = 0 needs model.features \
                 (a linear Fourier model)"
                    .into(),
            );
        }
        match &self.features {
            Some(FeaturesConfig::Periodic { max_mode: 0, .. }) => {
                Err("model.features.max_mode must be at least 1".into())
            }
            Some(FeaturesConfig::Random { count, sigma })
                if *count == 0 || sigma.is_nan() || *sigma <= 0.0 =>
            {
                Err("model.features needs count ≥ 1 and sigma > 0 for random features".into())
            }
            Some(FeaturesConfig::Axes { max_modes }) if max_modes.iter().all(|&k| k == 0) => Err(
                "model.features.max_modes needs a mode along at least one axis, e.g. \
                     max_modes = [10, 0, 0]"
                    .into(),
            ),
            _ => Ok(()),
        }
    }

    /// Build a scalar model (one output) for inputs on the box `[lo, hi]` (Fourier periods
    /// are the box sides).
    pub fn init(
        &self,
        lo: &[f64],
        hi: &[f64],
        seed: u64,
        device: &Device,
    ) -> Result<Model, String> {
        self.init_with_symbol(lo, hi, 1, seed, device, &|_| None)
    }

    /// The network `N` with `outputs` outputs (one per field) for `ansatz` on the box
    /// `[lo, hi]`, under the ansatz: its inputs are the embedded coordinates `φ(x)` (`cos`,
    /// `sin` of periodic axes in `[−1, 1]`).
    #[allow(clippy::too_many_arguments)]
    pub fn init_constrained(
        &self,
        ansatz: Ansatz,
        lo: &[f64],
        hi: &[f64],
        outputs: usize,
        seed: u64,
        device: &Device,
        symbol: &dyn Fn(&[f64]) -> Option<f64>,
    ) -> Result<Constrained<Model>, String> {
        if ansatz.embedded_dim() == ansatz.dim() {
            let net = self.init_with_symbol(lo, hi, outputs, seed, device, symbol)?;
            return Ok(Constrained::new(net, ansatz));
        }
        if self.features.is_some() {
            return Err(
                "model.features cannot be combined with the periodic embedding of \
                        model.hard_constraints (the embedding is already a Fourier feature); \
                        remove one of them"
                    .into(),
            );
        }
        let (elo, ehi) = ansatz.embedded_box(lo, hi);
        let net = self.init_with_symbol(&elo, &ehi, outputs, seed, device, &|_| None)?;
        Ok(Constrained::new(net, ansatz))
    }

    /// [`ModelConfig::init`] with `outputs` outputs and the symbol `d(ω)` of the PDE's
    /// operator, which preconditioned
    /// features (`precondition = true`) scale by: `p_ω = |d(ω_min)| / |d(ω)|` with `ω_min` the
    /// mode of smallest non-zero `|d|` (so the lowest mode keeps scale 1 and `p` decays like
    /// the inverse symbol), 1 where `d` vanishes ([`FourierFeatures::symbol_magnitudes`]),
    /// and 0.1 on the constant feature (De Ryck et al., ICLR 2024, §4: "MLP + preconditioned
    /// Fourier features").
    pub fn init_with_symbol(
        &self,
        lo: &[f64],
        hi: &[f64],
        outputs: usize,
        seed: u64,
        device: &Device,
        symbol: &dyn Fn(&[f64]) -> Option<f64>,
    ) -> Result<Model, String> {
        self.validate()?;
        let dim = lo.len();
        let mut rng = Seeded::new(seed);
        let features = self.features.as_ref().map(|f| match f {
            FeaturesConfig::Periodic {
                max_mode,
                precondition,
            } => {
                let lengths: Vec<f64> = lo.iter().zip(hi).map(|(a, b)| b - a).collect();
                let f = FourierFeatures::periodic(&lengths, *max_mode, true, device);
                if !precondition {
                    return Ok::<_, String>(f);
                }
                let d = f.symbol_magnitudes(symbol).ok_or_else(|| {
                    "model.features.precondition needs a PDE with a Fourier symbol".to_string()
                })?;
                let smallest = d.iter().flatten().copied().fold(f64::INFINITY, f64::min);
                let p: Vec<f64> = d.iter().map(|v| v.map_or(1.0, |v| smallest / v)).collect();
                Ok(f.with_mode_scaling(0.1, &p))
            }
            FeaturesConfig::Random { count, sigma } => Ok(FourierFeatures::random(
                dim, *count, *sigma, &mut rng, device,
            )),
            FeaturesConfig::Axes { max_modes } => {
                if max_modes.len() != dim {
                    return Err(format!(
                        "model.features.max_modes needs one entry per coordinate ({dim}), got \
                         {}; e.g. max_modes = {:?}",
                        max_modes.len(),
                        vec![0; dim]
                    ));
                }
                let lengths: Vec<f64> = lo.iter().zip(hi).map(|(a, b)| b - a).collect();
                Ok(FourierFeatures::along_axes(&lengths, max_modes, device))
            }
        });
        let features = features.transpose()?;
        Ok(match features {
            None => Model::Mlp(Mlp::new(
                dim,
                self.width,
                self.depth,
                outputs,
                self.activation,
                &mut rng,
                device,
            )),
            Some(features) if self.depth == 0 => {
                let head = Dense::new(features.num_features(), outputs, false, &mut rng, device);
                Model::LinearFourier(LinearFourier { features, head })
            }
            Some(features) => {
                let mlp = Mlp::new(
                    features.num_features(),
                    self.width,
                    self.depth,
                    outputs,
                    self.activation,
                    &mut rng,
                    device,
                );
                Model::FourierMlp(FourierMlp { features, mlp })
            }
        })
    }
}
