//! Seeded parameter initialisation on the host, so that a seed gives the same model on every
//! backend and dtype.

use burn::Tensor;
use burn::tensor::{Device, TensorData};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A deterministic random stream (ChaCha8) for initialisers.
pub struct Seeded(ChaCha8Rng);

impl Seeded {
    /// The stream for `seed`.
    pub fn new(seed: u64) -> Self {
        Self(ChaCha8Rng::seed_from_u64(seed))
    }

    /// Uniform on `[lo, hi)`.
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.0.random::<f64>()
    }

    /// Standard normal (Box–Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.0.random::<f64>();
        let u2 = self.0.random::<f64>();
        (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
    }

    /// A `[rows, cols]` matrix with Xavier/Glorot-uniform entries,
    /// `U(−a, a)`, `a = gain · √(6 / (fan_in + fan_out))` (Glorot & Bengio, AISTATS 2010).
    pub fn xavier(&mut self, rows: usize, cols: usize, gain: f64, device: &Device) -> Tensor<2> {
        let a = gain * (6.0 / (rows + cols) as f64).sqrt();
        let v: Vec<f64> = (0..rows * cols).map(|_| self.uniform(-a, a)).collect();
        Tensor::from_data(TensorData::new(v, [rows, cols]), device)
    }
}
