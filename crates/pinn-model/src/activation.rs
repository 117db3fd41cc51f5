//! Activation functions: the choice of `σ` and its dispatch to the derivative rules
//! `σ, σ', σ''` that live with the other jet rules in [`crate::Jet`].

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Jet;

/// A smooth activation `σ` (twice differentiable, so that second-order PDEs see `σ''`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    /// `tanh z`.
    Tanh,
    /// `sin z` (SIREN-style).
    Sin,
    /// `z Φ(z)`, the exact GELU.
    Gelu,
}

impl Activation {
    /// `σ(z)` on a jet, with its derivative rule (see [`Jet::chain`]).
    pub fn apply(self, z: Jet) -> Jet {
        match self {
            Self::Tanh => z.tanh(),
            Self::Sin => z.sin(),
            Self::Gelu => z.gelu(),
        }
    }

    /// Every activation, for error messages.
    pub const ALL: [Activation; 3] = [Self::Tanh, Self::Sin, Self::Gelu];
}

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Tanh => "tanh",
            Self::Sin => "sin",
            Self::Gelu => "gelu",
        })
    }
}

impl FromStr for Activation {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .into_iter()
            .find(|a| a.to_string() == s)
            .ok_or_else(|| format!("unknown activation `{s}`; expected one of tanh, sin, gelu"))
    }
}
