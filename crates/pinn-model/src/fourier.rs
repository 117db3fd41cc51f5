//! Fourier-feature layers `x ↦ (p_0, p_m cos(ω_m·x), p_m sin(ω_m·x))_m`, optionally after the
//! coordinates `x` themselves.
//!
//! The per-mode scaling `p` is the hook for operator preconditioning: with `p_m = 1/|symbol of
//! D at ω_m|` the Gauss–Newton matrix of a linear model on these features becomes well
//! conditioned (De Ryck et al., ICLR 2024, §4); inside an MLP the same scaling is the
//! "MLP + preconditioned Fourier features" model.

use burn::Tensor;
use burn::module::Module;
use burn::tensor::{Device, TensorData};

use crate::{Jet, init::Seeded};

/// A Fourier feature map with fixed wave vectors `ω_m` and a per-feature scaling.
#[derive(Module, Debug)]
pub struct FourierFeatures {
    /// `Ω = [ω_1 … ω_M]`, `[d, M]` (a constant, not trained).
    omega: Tensor<2>,
    /// The per-feature scaling `p`, `[1, F]` with `F = 2M (+1 with the constant feature)`.
    scale: Tensor<2>,
    #[module(skip)]
    modes: Vec<Vec<f64>>,
    #[module(skip)]
    constant: bool,
    /// Whether the coordinates `x` come first (features beside the coordinates).
    #[module(skip)]
    coordinates: bool,
}

impl FourierFeatures {
    /// Features for the given wave vectors (each of length `d`); with `constant` the feature
    /// `1` comes first. The scaling starts at 1.
    pub fn new(modes: Vec<Vec<f64>>, dim: usize, constant: bool, device: &Device) -> Self {
        assert!(
            modes.iter().all(|w| w.len() == dim),
            "every mode needs {dim} components"
        );
        let m = modes.len();
        let mut omega = vec![0.0; dim * m];
        for (k, w) in modes.iter().enumerate() {
            for (i, wi) in w.iter().enumerate() {
                omega[i * m + k] = *wi;
            }
        }
        let features = 2 * m + usize::from(constant);
        Self {
            omega: Tensor::from_data(TensorData::new(omega, [dim, m]), device),
            scale: Tensor::ones([1, features], device),
            modes,
            constant,
            coordinates: false,
        }
    }

    /// Features along single axes beside the coordinates, `(x, cos(2πk x_i/L_i),
    /// sin(2πk x_i/L_i))` for `1 ≤ k ≤ K_i`: a multiscale embedding for a solution that
    /// oscillates fast along some axes only (`K_i = 0` adds nothing along axis `i`; the
    /// network still sees `x_i`, so nothing is made periodic).
    pub fn along_axes(lengths: &[f64], max_modes: &[usize], device: &Device) -> Self {
        let dim = lengths.len();
        let modes = (0..dim)
            .flat_map(|i| {
                (1..=max_modes[i]).map(move |k| {
                    let mut w = vec![0.0; dim];
                    w[i] = 2.0 * std::f64::consts::PI * k as f64 / lengths[i];
                    w
                })
            })
            .collect();
        let mut f = Self::new(modes, dim, false, device);
        f.coordinates = true;
        f.scale = Tensor::ones([1, f.num_features()], device);
        f
    }

    /// Integer modes on a periodic box `Π [lo_i, lo_i + L_i]`: `ω = 2π k / L` for every
    /// `k ∈ {−K..K}^d` with `0 < k` in the lexicographic order (one of each `±k` pair, since
    /// `cos`/`sin` of `−ω` add nothing), i.e. the tensor-product basis.
    pub fn periodic(lengths: &[f64], max_mode: usize, constant: bool, device: &Device) -> Self {
        let modes = lattice(lengths.len(), max_mode as i64)
            .into_iter()
            .map(|k| {
                k.iter()
                    .zip(lengths)
                    .map(|(&ki, &l)| 2.0 * std::f64::consts::PI * ki as f64 / l)
                    .collect()
            })
            .collect();
        Self::new(modes, lengths.len(), constant, device)
    }

    /// Random Fourier features (Tancik et al., NeurIPS 2020): `ω_m ~ N(0, σ² I)`.
    pub fn random(dim: usize, count: usize, sigma: f64, rng: &mut Seeded, device: &Device) -> Self {
        let modes = (0..count)
            .map(|_| (0..dim).map(|_| sigma * rng.normal()).collect())
            .collect();
        Self::new(modes, dim, false, device)
    }

    /// Set the per-mode scaling: `p_const` for the constant feature, `p[m]` for both `cos` and
    /// `sin` of mode `m`. This is where a diagonal preconditioner enters.
    pub fn with_mode_scaling(mut self, p_const: f64, p: &[f64]) -> Self {
        assert_eq!(p.len(), self.modes.len(), "one scale per mode");
        let mut s = Vec::with_capacity(self.num_features());
        if self.coordinates {
            s.extend(std::iter::repeat_n(1.0, self.input_dim()));
        }
        if self.constant {
            s.push(p_const);
        }
        s.extend_from_slice(p);
        s.extend_from_slice(p);
        let n = s.len();
        self.scale = Tensor::from_data(TensorData::new(s, [1, n]), &self.scale.device());
        self
    }

    /// `|d(ω_m)|` for every mode, `d` the Fourier symbol of a linear constant-coefficient
    /// operator (`D e^{iω·x} = d(ω) e^{iω·x}`), and `None` on the resonant modes where it
    /// vanishes, `|d(ω_m)| ≤ 10⁻¹² max_m |d(ω_m)|` (the operator's kernel, where `1/|d|` is
    /// no scale). `None` overall when the operator has no symbol at some mode.
    ///
    /// This is the one rule behind every symbol-based scaling: the diagonal preconditioner
    /// `P = diag(1/|d|)` of the linear experiments and the preconditioned features of a config.
    pub fn symbol_magnitudes(
        &self,
        symbol: &dyn Fn(&[f64]) -> Option<f64>,
    ) -> Option<Vec<Option<f64>>> {
        let d: Vec<f64> = self
            .modes
            .iter()
            .map(|w| symbol(w).map(f64::abs))
            .collect::<Option<_>>()?;
        let largest = d.iter().fold(0.0_f64, |m, v| m.max(*v));
        Some(
            d.into_iter()
                .map(|v| (v > 1e-12 * largest).then_some(v))
                .collect(),
        )
    }

    /// The input dimension `d` of the wave vectors.
    pub fn input_dim(&self) -> usize {
        self.omega.dims()[0]
    }

    /// The wave vectors `ω_m`.
    pub fn modes(&self) -> &[Vec<f64>] {
        &self.modes
    }

    /// Whether the constant feature is present.
    pub fn has_constant(&self) -> bool {
        self.constant
    }

    /// Number of output features `F` (with the coordinates, if they come first).
    pub fn num_features(&self) -> usize {
        let coordinates = if self.coordinates {
            self.input_dim()
        } else {
            0
        };
        coordinates + 2 * self.modes.len() + usize::from(self.constant)
    }

    /// The features of a jet of inputs: `z = x Ω`, then `[x, 1, cos z, sin z] · p` (`x` and
    /// `1` where present), with the jet rules of `cos` and `sin`.
    pub fn forward(&self, x: Jet) -> Jet {
        let mut parts = Vec::with_capacity(4);
        if self.coordinates {
            parts.push(x.clone());
        }
        let z = x.linear(&self.omega, None);
        if self.constant {
            let [n, _] = z.value().dims();
            let ones = Tensor::ones([n, 1], &z.value().device());
            parts.push(Jet::constant(ones, z.spec().clone()));
        }
        parts.push(z.clone().cos());
        parts.push(z.sin());
        Jet::cat(parts).scale_columns(&self.scale)
    }
}

/// The integer vectors `k ∈ {−K..K}^d` whose first non-zero entry is positive.
fn lattice(dim: usize, max: i64) -> Vec<Vec<i64>> {
    let mut out: Vec<Vec<i64>> = vec![vec![]];
    for _ in 0..dim {
        out = out
            .into_iter()
            .flat_map(|k| {
                (-max..=max).map(move |v| {
                    let mut k = k.clone();
                    k.push(v);
                    k
                })
            })
            .collect();
    }
    out.retain(|k| k.iter().find(|&&v| v != 0).is_some_and(|&v| v > 0));
    out
}

#[cfg(test)]
mod tests {
    use super::lattice;

    #[test]
    fn lattice_has_one_of_each_pair() {
        let l = lattice(2, 2);
        assert_eq!(l.len(), (5 * 5 - 1) / 2);
        assert!(l.iter().all(|k| !l.contains(&vec![-k[0], -k[1]])));
    }
}
