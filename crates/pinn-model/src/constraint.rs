//! Hard constraints: the ansatz `u(x) = g̃(x) + d(x) · N(φ(x))`.
//!
//! - `φ` embeds periodic coordinates as `(cos 2π(x_p − a)/L, sin 2π(x_p − a)/L)`, so `u` is
//!   exactly `L`-periodic in `x_p` whatever the network `N` (Dong & Ni, *J. Comput. Phys.* 435,
//!   2021);
//! - `d` vanishes exactly on the constrained faces of a box: `d = Π_i d_i` with
//!   `d_i = 4(x_i − a_i)(b_i − x_i)/(b_i − a_i)²` for Dirichlet data on both faces of axis `i`
//!   and `d_i = (x_i − a_i)/(b_i − a_i)` for data on the lower face only (Cauchy data at
//!   `t = t₀`) (Lagaris, Likas & Fotiadis, *IEEE TNN* 9, 1998; Sukumar & Srivastava, *CMAME*
//!   389, 2022);
//! - `g̃` is a smooth extension of the boundary data into the domain, given by the problem.
//!
//! All three are built from [`Jet`] operations, so the derivatives the residual needs are exact.

use std::sync::Arc;

use burn::module::{Module, ModuleDisplay};

use crate::{Dense, Field, Jet};

/// A map on jets of the input coordinates (built from jet operations, so differentiable).
pub type JetMap = Arc<dyn Fn(&Jet) -> Jet + Send + Sync>;

/// One factor of the distance function `d`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Vanish {
    /// `4(x_i − a)(b − x_i)/(b − a)²`: zero on both faces of axis `i`.
    BothFaces {
        /// The axis.
        axis: usize,
        /// `a`.
        lo: f64,
        /// `b`.
        hi: f64,
    },
    /// `(x_i − a)/(b − a)`: zero on the lower face (an initial time).
    LowerFace {
        /// The axis.
        axis: usize,
        /// `a`.
        lo: f64,
        /// `b`.
        hi: f64,
    },
    /// `(b − x_i)/(b − a)`: zero on the upper face.
    UpperFace {
        /// The axis.
        axis: usize,
        /// `a`.
        lo: f64,
        /// `b`.
        hi: f64,
    },
}

/// A periodic coordinate `x_p ∈ [a, a + L)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Periodic {
    /// The axis `p`.
    pub axis: usize,
    /// `a`.
    pub lo: f64,
    /// The period `L`.
    pub period: f64,
}

/// The ansatz `u = g̃ + d · N(φ(x))`; the default (no factors, no lift, no periodic axes) is
/// `u = N(x)`.
#[derive(Clone, Default)]
pub struct Ansatz {
    dim: usize,
    periodic: Vec<Periodic>,
    vanish: Vec<Vanish>,
    lift: Option<JetMap>,
}

impl std::fmt::Debug for Ansatz {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ansatz")
            .field("dim", &self.dim)
            .field("periodic", &self.periodic)
            .field("vanish", &self.vanish)
            .field("lift", &self.lift.as_ref().map(|_| "g̃"))
            .finish()
    }
}

impl Ansatz {
    /// `u = N(x)` on `ℝ^dim` (soft constraints: the loss enforces the conditions).
    pub fn none(dim: usize) -> Self {
        Self {
            dim,
            ..Self::default()
        }
    }

    /// Also make `u` periodic along `p`.
    pub fn with_periodic(mut self, p: Periodic) -> Self {
        assert!(p.axis < self.dim && p.period > 0.0, "periodic axis {p:?}");
        self.periodic.push(p);
        self
    }

    /// Also multiply `N` by the factor `v`.
    pub fn with_vanishing(mut self, v: Vanish) -> Self {
        self.vanish.push(v);
        self
    }

    /// Set the lift `g̃`.
    pub fn with_lift(mut self, lift: JetMap) -> Self {
        self.lift = Some(lift);
        self
    }

    /// Input dimension `d`.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Whether this is `u = N(x)`.
    pub fn is_identity(&self) -> bool {
        self.periodic.is_empty() && self.vanish.is_empty() && self.lift.is_none()
    }

    /// Columns of `φ(x)`, the network's input: `d` plus one per periodic axis (which becomes
    /// a `cos`, `sin` pair).
    pub fn embedded_dim(&self) -> usize {
        self.dim + self.periodic.len()
    }

    /// The box of the embedded coordinates `φ(x)` for `x ∈ [lo, hi]`.
    pub fn embedded_box(&self, lo: &[f64], hi: &[f64]) -> (Vec<f64>, Vec<f64>) {
        let keep = (0..self.dim).filter(|i| self.periodic.iter().all(|p| p.axis != *i));
        let (mut elo, mut ehi): (Vec<f64>, Vec<f64>) = keep.map(|i| (lo[i], hi[i])).unzip();
        for _ in 0..2 * self.periodic.len() {
            elo.push(-1.0);
            ehi.push(1.0);
        }
        (elo, ehi)
    }

    /// `φ(x)`: the non-periodic coordinates in order, then `cos, sin` of each periodic one.
    pub fn embed(&self, x: &Jet) -> Jet {
        if self.periodic.is_empty() {
            return x.clone();
        }
        let mut parts: Vec<Jet> = (0..self.dim)
            .filter(|i| self.periodic.iter().all(|p| p.axis != *i))
            .map(|i| x.clone().narrow(i, 1))
            .collect();
        for p in &self.periodic {
            let k = 2.0 * std::f64::consts::PI / p.period;
            let z = x.clone().narrow(p.axis, 1).add_scalar(-p.lo).scale(k);
            parts.push(z.clone().cos());
            parts.push(z.sin());
        }
        Jet::cat(parts)
    }

    /// `d(x)`, `None` when there is no factor (`d = 1`).
    pub fn distance(&self, x: &Jet) -> Option<Jet> {
        self.vanish
            .iter()
            .map(|v| match *v {
                Vanish::BothFaces { axis, lo, hi } => {
                    let s = 2.0 / (hi - lo);
                    let xi = x.clone().narrow(axis, 1);
                    let a = xi.clone().add_scalar(-lo).scale(s);
                    let b = xi.scale(-1.0).add_scalar(hi).scale(s);
                    a * b
                }
                Vanish::LowerFace { axis, lo, hi } => x
                    .clone()
                    .narrow(axis, 1)
                    .add_scalar(-lo)
                    .scale(1.0 / (hi - lo)),
                Vanish::UpperFace { axis, lo, hi } => x
                    .clone()
                    .narrow(axis, 1)
                    .scale(-1.0)
                    .add_scalar(hi)
                    .scale(1.0 / (hi - lo)),
            })
            .reduce(|a, b| a * b)
    }

    /// `u = g̃ + d · n` from the input jet `x` and the network's output `n`.
    pub fn combine(&self, x: &Jet, n: Jet) -> Jet {
        let u = match self.distance(x) {
            Some(d) => d * n,
            None => n,
        };
        match &self.lift {
            Some(g) => g(x) + u,
            None => u,
        }
    }
}

/// A network under an [`Ansatz`]: `u(x) = g̃(x) + d(x) · N(φ(x))`.
#[derive(Module, Debug)]
pub struct Constrained<M: Module> {
    /// The network `N`, with input dimension [`Ansatz::embedded_dim`].
    pub net: M,
    #[module(skip)]
    ansatz: Ansatz,
}

impl<M: Field> Constrained<M> {
    /// `net` under `ansatz`; panics when the input dimensions disagree.
    #[track_caller]
    pub fn new(net: M, ansatz: Ansatz) -> Self {
        assert_eq!(
            net.input_dim(),
            ansatz.embedded_dim(),
            "the network must take the embedded coordinates"
        );
        Self { net, ansatz }
    }

    /// The ansatz.
    pub fn ansatz(&self) -> &Ansatz {
        &self.ansatz
    }
}

impl<M: Field + ModuleDisplay> Field for Constrained<M> {
    fn input_dim(&self) -> usize {
        self.ansatz.dim()
    }

    fn forward_jet(&self, x: Jet) -> Jet {
        let n = self.net.forward_jet(self.ansatz.embed(&x));
        self.ansatz.combine(&x, n)
    }

    fn map_layers(&self, f: &mut dyn FnMut(Dense) -> Dense) -> Option<Self> {
        Some(Self {
            net: self.net.map_layers(f)?,
            ansatz: self.ansatz.clone(),
        })
    }
}
