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
//!   on other domains a factor of `d` is any function given as a [`JetMap`] (an approximate
//!   distance function to boundary parts of a region, say);
//! - `g̃` is a smooth extension of the boundary data into the domain, given by the problem.
//!
//! For a vector field `u = (u_1, …, u_m)` each component has its own `d_c` (from the faces its
//! own value conditions name; `d_c = 1` for a component without any) and its own column of
//! `g̃`: `u_c = g̃_c + d_c · N_c(φ(x))`.
//!
//! All three are built from [`Jet`] operations, so the derivatives the residual needs are exact.

use std::sync::Arc;

use burn::module::{Module, ModuleDisplay};

use crate::{Coefficients, Dense, Field, Jet};

/// A map on jets of the input coordinates (built from jet operations, so differentiable).
pub type JetMap = Arc<dyn Fn(&Jet) -> Jet + Send + Sync>;

/// A user's output transform `T(x, N)`: from the jet of the input coordinates and the jet of
/// the network's output to the field the ansatz sees (DeepXDE's `apply_output_transform`),
/// built from jet operations.
pub type OutputMap = Arc<dyn Fn(&Jet, Jet) -> Jet + Send + Sync>;

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

/// The ansatz `u_c = g̃_c + d_c · T(x, N(φ(x)))_c`; the default (no factors, no lift, no
/// periodic axes, `T(x, N) = N`) is `u = N(x)`. A user's transform `T` sits inside the
/// library's factors, so value conditions built in stay exact whatever `T` does.
#[derive(Clone, Default)]
pub struct Ansatz {
    dim: usize,
    periodic: Vec<Periodic>,
    /// The factors of `d_c`, each tagged with its component `c`.
    vanish: Vec<(usize, Vanish)>,
    /// Further factors of `d_c` given as maps on jets, each tagged with `c`.
    distances: Vec<(usize, JetMap)>,
    lift: Option<JetMap>,
    transform: Option<OutputMap>,
}

impl std::fmt::Debug for Ansatz {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ansatz")
            .field("dim", &self.dim)
            .field("periodic", &self.periodic)
            .field("vanish", &self.vanish)
            .field("distances", &self.distances.len())
            .field("lift", &self.lift.as_ref().map(|_| "g̃"))
            .field("transform", &self.transform.as_ref().map(|_| "T"))
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

    /// Also multiply `N` (its first component) by the factor `v`.
    pub fn with_vanishing(self, v: Vanish) -> Self {
        self.with_vanishing_on(0, v)
    }

    /// Also multiply the component `N_c` by the factor `v`.
    pub fn with_vanishing_on(mut self, c: usize, v: Vanish) -> Self {
        self.vanish.push((c, v));
        self
    }

    /// Also multiply the component `N_c` by the function `φ(x)` (a jet map that vanishes
    /// where the value of `u_c` is prescribed and nowhere else in the domain).
    pub fn with_distance_on(mut self, c: usize, phi: JetMap) -> Self {
        self.distances.push((c, phi));
        self
    }

    /// Set the output transform `T` (see [`Ansatz`]).
    pub fn with_transform(mut self, transform: OutputMap) -> Self {
        self.transform = Some(transform);
        self
    }

    /// Set the lift `g̃` (`[N, m]`, one column per component).
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
        self.periodic.is_empty()
            && self.vanish.is_empty()
            && self.distances.is_empty()
            && self.lift.is_none()
            && self.transform.is_none()
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

    /// `d_c(x)` of component `c`, `None` when it has no factor (`d_c = 1`).
    pub fn distance(&self, x: &Jet, c: usize) -> Option<Jet> {
        self.vanish
            .iter()
            .filter(|(field, _)| *field == c)
            .map(|(_, v)| match *v {
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
            .chain(
                self.distances
                    .iter()
                    .filter(|(field, _)| *field == c)
                    .map(|(_, phi)| phi(x)),
            )
            .reduce(|a, b| a * b)
    }

    /// `u_c = g̃_c + d_c · T(x, n)_c` from the input jet `x` and the network's output `n`.
    pub fn combine(&self, x: &Jet, n: Jet) -> Jet {
        let n = match &self.transform {
            Some(t) => t(x, n),
            None => n,
        };
        let m = n.value().dims()[1];
        let u = if m == 1 {
            match self.distance(x, 0) {
                Some(d) => d * n,
                None => n,
            }
        } else {
            Jet::cat(
                (0..m)
                    .map(|c| {
                        let n = n.clone().narrow(c, 1);
                        match self.distance(x, c) {
                            Some(d) => d * n,
                            None => n,
                        }
                    })
                    .collect(),
            )
        };
        match &self.lift {
            Some(g) => g(x) + u,
            None => u,
        }
    }
}

/// A network under an [`Ansatz`]: `u(x) = g̃(x) + d(x) · N(φ(x))`, followed by the unknown
/// coefficients of an inverse problem, if any, as constant columns (`[u, c]`).
#[derive(Module, Debug)]
pub struct Constrained<M: Module> {
    /// The network `N`, with input dimension [`Ansatz::embedded_dim`].
    pub net: M,
    /// Unknown coefficients trained with the network.
    pub coefficients: Option<Coefficients>,
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
        Self {
            net,
            coefficients: None,
            ansatz,
        }
    }

    /// The same model with unknown coefficients `c` appended to its output.
    pub fn with_coefficients(mut self, c: Coefficients) -> Self {
        self.coefficients = Some(c);
        self
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
        let u = self.ansatz.combine(&x, n);
        match &self.coefficients {
            Some(c) => Jet::cat(vec![u, c.forward(&x)]),
            None => u,
        }
    }

    fn map_layers(&self, f: &mut dyn FnMut(Dense) -> Dense) -> Option<Self> {
        Some(Self {
            net: self.net.map_layers(f)?,
            coefficients: self.coefficients.as_ref().map(|c| c.map_layer(f)),
            ansatz: self.ansatz.clone(),
        })
    }
}
