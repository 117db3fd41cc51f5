//! Residual-based adaptive collocation, RAD (Wu, Zhu, Tan, Kartha & Lu, *CMAME* 403, 2023):
//! every `every` steps the interior points are redrawn from a dense set of candidates with
//! probability
//!
//! ```text
//! p(x) ∝ ε(x)^k / mean ε^k + c,    ε(x)² = Σ_e r_e(x)²,
//! ```
//!
//! so that points gather where the residual is large (a shock, a corner) while `c` keeps a
//! uniform share. The model and the optimizer's state carry over: Gauss–Newton continues with
//! the same damping on the new rows.

use pinn_loss::{PinnLoss, Sampler, sampling};
use pinn_model::Field;
use pinn_model::init::Seeded;
use serde::{Deserialize, Serialize};

/// `[train.resample]`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resample {
    /// Steps between redraws (counted over the whole schedule; a stage boundary that falls
    /// on a multiple redraws too).
    pub every: usize,
    /// Candidates per interior point (uniform random in the domain).
    #[serde(default = "default_candidates")]
    pub candidates: usize,
    /// The exponent `k`.
    #[serde(default = "one")]
    pub k: f64,
    /// The uniform share `c`.
    #[serde(default = "one")]
    pub c: f64,
}

fn default_candidates() -> usize {
    8
}
fn one() -> f64 {
    1.0
}

impl Resample {
    /// Check the numbers; the error names the field and the fix.
    pub fn validate(&self) -> Result<(), String> {
        if self.every == 0 {
            return Err("train.resample.every must be at least 1 (e.g. every = 50)".into());
        }
        if self.candidates == 0 {
            return Err(
                "train.resample.candidates must be at least 1 (e.g. candidates = 8)".into(),
            );
        }
        if !(self.k.is_finite() && self.k >= 0.0 && self.c.is_finite() && self.c >= 0.0) {
            return Err(format!(
                "train.resample needs finite k ≥ 0 and c ≥ 0 (got k = {}, c = {}); e.g. k = 1, c = 1",
                self.k, self.c
            ));
        }
        Ok(())
    }

    /// Whether a redraw is due before the step that follows `step` completed steps.
    pub fn due(&self, step: usize) -> bool {
        step > 0 && step.is_multiple_of(self.every)
    }

    /// `n` new interior points for `loss` at `model`, drawn at `step`: candidates uniform in
    /// the domain (seeded by `step`), then `n` of them without replacement with probability
    /// `p` (Efraimidis–Spirakis keys `u^{1/p}`, the largest `n`).
    pub fn draw<M: Field>(
        &self,
        loss: &PinnLoss,
        model: &M,
        n: usize,
        step: usize,
    ) -> Result<Vec<Vec<f64>>, String> {
        let domain = &loss.problem().domain;
        let seed = 0x5eed_0000_0000 ^ step as u64;
        let candidates = sampling::interior(domain, Sampler::Uniform, n * self.candidates, seed)?;
        let eps: Vec<f64> = loss
            .residual_squares(model, &candidates)?
            .into_iter()
            .map(|r2| r2.sqrt().powf(self.k))
            .collect();
        let mean = eps.iter().sum::<f64>() / eps.len() as f64;
        let mut rng = Seeded::new(seed);
        let mut keyed: Vec<(f64, usize)> = eps
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let p = if mean > 0.0 { e / mean } else { 0.0 } + self.c;
                // ln(u)/p orders as u^{1/p}; a zero weight is never drawn before others.
                let u = rng.uniform(0.0, 1.0).max(f64::MIN_POSITIVE);
                let key = if p > 0.0 {
                    u.ln() / p
                } else {
                    f64::NEG_INFINITY
                };
                (key, i)
            })
            .collect();
        keyed.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        Ok(keyed
            .into_iter()
            .take(n)
            .map(|(_, i)| candidates[i].clone())
            .collect())
    }
}
