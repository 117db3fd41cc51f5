//! Taylor-mode jets: a tensor together with its derivatives in the input coordinates.
//!
//! burn 0.22's high-level API is first-order only (no grad of grad, no forward mode), so input
//! derivatives are propagated *forward* through the model with ordinary tensor operations, and
//! one reverse pass through the PDE residual then gives the parameter gradients. This is the
//! product's derivative engine.
//!
//! A [`Jet`] over inputs `x ∈ ℝ^d` carries, for a batch of `N` points and `w` channels,
//!
//! - the value `z` (`[N, w]`),
//! - the first derivatives `∂_i z` for the tracked coordinates `i`,
//! - second-order streams `∂_s z = Σ_{(i,j)∈s} c_ij ∂_i∂_j z`, one per [`SecondOrder`] operator
//!   the PDE asks for (a Laplacian is one stream, not `d`).
//!
//! A stream that is identically zero is stored as `None` and costs nothing: the input jet has
//! no second derivatives, and coordinates a PDE does not differentiate in are never tracked.
//! Streams may be `[1, w]` rows that broadcast over the batch (derivatives of the input layer
//! are constant in `x`).
//!
//! A jet may carry derivatives at its first `n` points only and values alone at the rest
//! ([`Jet::input_and_values`]): one pass of a model then gives the residual's derivatives at
//! the collocation points and the values a boundary term needs at its points, in the same
//! products and kernels, and no derivative is formed where none is wanted (where `u`'s
//! derivatives may be singular, on the boundary of an ansatz, say). The derivative streams are
//! then `[n, w]` (or `[1, w]`), the value `[N, w]`, and every rule below multiplies a stream
//! by the first `n` rows of the value-shaped factors.
//!
//! The rules implemented (each has a finite-difference test):
//!
//! | operation | first derivative | second-order stream `s` |
//! |---|---|---|
//! | `a + b` (`+`, `−`) | `∂a + ∂b` | `∂_s a + ∂_s b` |
//! | `a · b` (`*`) | `a ∂b + b ∂a` | `a ∂_s b + b ∂_s a + Σ c_ij (∂_i a ∂_j b + ∂_j a ∂_i b)` |
//! | `h W + b` | `∂h W` | `∂_s h W` |
//! | `f(z)` | `f'(z) ∂z` | `f'(z) ∂_s z + f''(z) Σ c_ij ∂_i z ∂_j z` |
//!
//! Element-wise functions evaluate `f, f', f'', f'''` once, off the graph, and enter it
//! linearised (see [`Jet::chain`]).

use std::sync::Arc;

use burn::Tensor;

use crate::product::matmul;

/// A linear second-order differential operator `Σ c_ij ∂_i ∂_j` (each unordered pair once).
///
/// `SecondOrder::laplacian(2)` is `∂_xx + ∂_yy`; `SecondOrder::mixed(0, 1)` is `∂_x ∂_y`.
#[derive(Clone, Debug, PartialEq)]
pub struct SecondOrder {
    terms: Vec<(usize, usize, f64)>,
}

impl SecondOrder {
    /// `Σ c_ij ∂_i ∂_j` from `(i, j, c_ij)` triples; `(i, j)` and `(j, i)` name the same term.
    pub fn new(terms: Vec<(usize, usize, f64)>) -> Self {
        let terms = terms
            .into_iter()
            .map(|(i, j, c)| (i.min(j), i.max(j), c))
            .collect();
        Self { terms }
    }

    /// `∂_i²`.
    pub fn pure(i: usize) -> Self {
        Self::new(vec![(i, i, 1.0)])
    }

    /// `∂_i ∂_j`.
    pub fn mixed(i: usize, j: usize) -> Self {
        Self::new(vec![(i, j, 1.0)])
    }

    /// The Laplacian `Σ_{i<d} ∂_i²` in the first `d` coordinates.
    pub fn laplacian(d: usize) -> Self {
        Self::new((0..d).map(|i| (i, i, 1.0)).collect())
    }

    /// The `(i, j, c_ij)` triples, `i ≤ j`.
    pub fn terms(&self) -> &[(usize, usize, f64)] {
        &self.terms
    }
}

/// What a jet carries: the input dimension, the coordinates differentiated in, and the
/// second-order streams.
#[derive(Clone, Debug, PartialEq)]
pub struct JetSpec {
    dim: usize,
    tracked: Vec<bool>,
    second: Vec<SecondOrder>,
}

impl JetSpec {
    /// Values only, no derivatives (a plain forward pass).
    pub fn values(dim: usize) -> Self {
        Self {
            dim,
            tracked: vec![false; dim],
            second: Vec::new(),
        }
    }

    /// First derivatives in every coordinate, no second-order streams.
    pub fn gradient(dim: usize) -> Self {
        Self {
            dim,
            tracked: vec![true; dim],
            second: Vec::new(),
        }
    }

    /// Track the first derivative in coordinate `i` as well.
    pub fn with_first(mut self, i: usize) -> Self {
        assert!(
            i < self.dim,
            "coordinate {i} out of range for dimension {}",
            self.dim
        );
        self.tracked[i] = true;
        self
    }

    /// Add a second-order stream; the coordinates it involves become tracked. The stream's
    /// index in [`Jet::second`] is its position in the order of the calls.
    pub fn with_second(mut self, op: SecondOrder) -> Self {
        for &(i, j, _) in op.terms() {
            self = self.with_first(i).with_first(j);
        }
        self.second.push(op);
        self
    }

    /// Input dimension `d`.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Whether `∂_i` is carried.
    pub fn is_tracked(&self, i: usize) -> bool {
        self.tracked[i]
    }

    /// The second-order operators, in stream order.
    pub fn second_order(&self) -> &[SecondOrder] {
        &self.second
    }
}

/// A derivative stream; `None` is identically zero.
pub type Stream = Option<Tensor<2>>;

/// A tensor with its input derivatives; see the module documentation for the rules.
#[derive(Clone, Debug)]
pub struct Jet {
    value: Tensor<2>,
    first: Vec<Stream>,
    second: Vec<Stream>,
    spec: Arc<JetSpec>,
    /// The rows that carry derivatives: every row of the value (`None`), or the first `n`
    /// (the rest carry values alone; [`Jet::input_and_values`]).
    derivative_rows: Option<usize>,
}

/// The first `n` rows of a value-shaped factor `t` (`[N, w]`; `[1, w]` broadcasts) of a jet
/// with derivatives at its first `n` rows, to multiply the derivative streams by.
fn head(t: Tensor<2>, derivative_rows: Option<usize>) -> Tensor<2> {
    match derivative_rows {
        Some(n) if t.dims()[0] > n => t.narrow(0, 0, n),
        _ => t,
    }
}

/// The derivative rows of a jet combining two: the one that is restricted, if any.
#[track_caller]
fn joint_rows(a: Option<usize>, b: Option<usize>) -> Option<usize> {
    match (a, b) {
        (Some(m), Some(n)) => {
            assert_eq!(
                m, n,
                "jets with derivatives at different rows cannot be combined"
            );
            Some(m)
        }
        (a, b) => a.or(b),
    }
}

fn add_streams(a: Stream, b: Stream) -> Stream {
    match (a, b) {
        (Some(a), Some(b)) => Some(a + b),
        (a, None) => a,
        (None, b) => b,
    }
}

fn mul_stream(s: &Stream, t: &Tensor<2>) -> Stream {
    s.as_ref().map(|s| s.clone() * t.clone())
}

fn mul_streams(a: &Stream, b: &Stream) -> Stream {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.clone() * b.clone()),
        _ => None,
    }
}

fn scale_stream(s: Stream, c: f64) -> Stream {
    s.map(|s| s.mul_scalar(c))
}

/// `Σ c_ij (∂_i a ∂_j b + ∂_j a ∂_i b)`: the cross term of the product rule for one stream.
fn cross_term(op: &SecondOrder, a: &[Stream], b: &[Stream]) -> Stream {
    let mut acc: Stream = None;
    for &(i, j, c) in op.terms() {
        let ab = add_streams(mul_streams(&a[i], &b[j]), mul_streams(&a[j], &b[i]));
        acc = add_streams(acc, scale_stream(ab, c));
    }
    acc
}

/// `Σ c_ij ∂_i z ∂_j z`: the quadratic form of one stream on the gradient of `z`.
fn quadratic_form(op: &SecondOrder, g: &[Stream]) -> Stream {
    let mut acc: Stream = None;
    for &(i, j, c) in op.terms() {
        let term = if i == j {
            g[i].as_ref().map(|gi| gi.clone().square())
        } else {
            mul_streams(&g[i], &g[j])
        };
        acc = add_streams(acc, scale_stream(term, c));
    }
    acc
}

/// How many equal chunks of about `rows` rows (between `rows/2` and `2 rows`) `n` rows split
/// into, the count nearest `n/rows` that divides `n`: `None` when `n` has no such divisor or
/// fewer than two whole chunks of `rows`.
pub(crate) fn equal_chunks(n: usize, rows: usize) -> Option<usize> {
    let whole = n.checked_div(rows).unwrap_or(0);
    if whole < 2 {
        return None;
    }
    (whole.div_ceil(2).max(2)..=2 * whole)
        .filter(|&c| n.is_multiple_of(c))
        .min_by_key(|&c| c.abs_diff(whole))
}

/// `f` applied to `t: [N, k]` viewed as `[c, N/c, k]`, `c` equal chunks of about `rows` rows
/// ([`equal_chunks`]), then back to `[N, m]`; without equal chunks, whole chunks of `rows` and
/// the remaining rows separately. Fewer than two whole chunks: `f` on `[1, N, k]`.
fn by_rows(t: Tensor<2>, rows: usize, mut f: impl FnMut(Tensor<3>) -> Tensor<3>) -> Tensor<2> {
    let [n, _] = t.dims();
    let chunks = n.checked_div(rows).unwrap_or(0);
    let mut apply = |t: Tensor<2>, c: usize| {
        let [n, k] = t.dims();
        let out = f(t.reshape([c, n / c, k]));
        let [_, _, m] = out.dims();
        out.reshape([n, m])
    };
    if let Some(c) = equal_chunks(n, rows) {
        return apply(t, c);
    }
    if chunks < 2 {
        return apply(t, 1);
    }
    let whole = chunks * rows;
    let head = apply(t.clone().narrow(0, 0, whole), chunks);
    let tail = apply(t.narrow(0, whole, n - whole), 1);
    Tensor::cat(vec![head, tail], 0)
}

/// A weight `W: [k, m]` broadcast to `[c, k, m]` for batched products of `c` chunks of rows,
/// one broadcast per `c` for all the streams of a layer: their gradients meet in it, so that
/// the backward pass sums `W̄` over the batches once per `c` instead of once per stream.
struct BatchedWeight<'a> {
    weight: &'a Tensor<2>,
    /// The broadcasts made so far, by `c`.
    broadcasts: Vec<(usize, Tensor<3>)>,
}

impl<'a> BatchedWeight<'a> {
    fn new(weight: &'a Tensor<2>) -> Self {
        Self {
            weight,
            broadcasts: Vec::new(),
        }
    }

    /// `t W` for `t: [N, k]`, the rows taken `rows` at a time as in [`Jet::linear_by_rows`].
    fn right_product(&mut self, t: Tensor<2>, rows: usize) -> Tensor<2> {
        by_rows(t, rows, |t3| {
            let c = t3.dims()[0];
            t3.matmul(self.broadcast(c))
        })
    }

    /// `W` broadcast to `[c, k, m]`.
    fn broadcast(&mut self, c: usize) -> Tensor<3> {
        if let Some((_, w)) = self.broadcasts.iter().find(|(b, _)| *b == c) {
            return w.clone();
        }
        let [k, m] = self.weight.dims();
        let w = self.weight.clone().unsqueeze::<3>().expand([c, k, m]);
        self.broadcasts.push((c, w.clone()));
        w
    }
}

/// `t W` for `t: [N, k]`, `W: [k, m]`, the rows taken `rows` at a time as in
/// [`Jet::linear_by_rows`].
pub(crate) fn matmul_by_rows(t: Tensor<2>, weight: &Tensor<2>, rows: usize) -> Tensor<2> {
    BatchedWeight::new(weight).right_product(t, rows)
}

impl Jet {
    /// The jet of the input coordinates `x` (`[N, d]`): `∂_i x = e_i` for tracked `i`, no
    /// second derivatives.
    #[track_caller]
    pub fn input(x: Tensor<2>, spec: Arc<JetSpec>) -> Self {
        let [_, d] = x.dims();
        assert_eq!(
            d,
            spec.dim(),
            "input has {d} columns, the jet spec {}",
            spec.dim()
        );
        let device = x.device();
        let first = (0..d)
            .map(|i| {
                spec.is_tracked(i).then(|| {
                    let mut e = vec![0.0; d];
                    e[i] = 1.0;
                    Tensor::<1>::from_floats(e.as_slice(), &device).reshape([1, d])
                })
            })
            .collect();
        let second = vec![None; spec.second_order().len()];
        Self {
            value: x,
            first,
            second,
            spec,
            derivative_rows: None,
        }
    }

    /// The jet of the points `x` (`[N, d]`, with derivatives as in [`Jet::input`]) followed by
    /// the points `y` (`[M, d]`) with values alone: a model's jet of it is the jet of `u` at `x`
    /// and the values of `u` at `y`, taken apart by [`Jet::split_values`]. No derivative is
    /// formed at `y`.
    #[track_caller]
    pub fn input_and_values(x: Tensor<2>, y: Tensor<2>, spec: Arc<JetSpec>) -> Self {
        let ([n, _], [m, _]) = (x.dims(), y.dims());
        let jet = Self::input(Tensor::cat(vec![x, y], 0), spec);
        Self {
            derivative_rows: (m > 0).then_some(n),
            ..jet
        }
    }

    /// The jet at the points that carry derivatives, and the values at the others (`[0, w]`
    /// when every point carries them): the two parts of a jet of [`Jet::input_and_values`].
    pub fn split_values(self) -> (Jet, Tensor<2>) {
        let [rows, w] = self.value.dims();
        match self.derivative_rows {
            Some(n) if n < rows => {
                let values = self.value.clone().narrow(0, n, rows - n);
                let jet = Self {
                    value: self.value.narrow(0, 0, n),
                    derivative_rows: None,
                    ..self
                };
                (jet, values)
            }
            _ => {
                let empty = Tensor::zeros([0, w], &self.value.device());
                let jet = Self {
                    derivative_rows: None,
                    ..self
                };
                (jet, empty)
            }
        }
    }

    /// A jet that is constant in `x` (all derivatives zero).
    pub fn constant(value: Tensor<2>, spec: Arc<JetSpec>) -> Self {
        let first = vec![None; spec.dim()];
        let second = vec![None; spec.second_order().len()];
        Self {
            value,
            first,
            second,
            spec,
            derivative_rows: None,
        }
    }

    /// Build a jet from its parts (for user-defined layers). Streams have the value's rows or
    /// one (constant over the points); streams of `n` rows, fewer than the value's and more
    /// than one, are the derivatives at its first `n` points (a jet of
    /// [`Jet::input_and_values`] taken apart and put together again). Panics on a length
    /// mismatch.
    pub fn from_parts(
        value: Tensor<2>,
        first: Vec<Stream>,
        second: Vec<Stream>,
        spec: Arc<JetSpec>,
    ) -> Self {
        assert_eq!(
            first.len(),
            spec.dim(),
            "one first-derivative stream per coordinate"
        );
        assert_eq!(
            second.len(),
            spec.second_order().len(),
            "one stream per operator"
        );
        let [rows, _] = value.dims();
        let derivative_rows = first
            .iter()
            .chain(&second)
            .flatten()
            .map(|s| s.dims()[0])
            .find(|&n| n > 1 && n < rows);
        Self {
            value,
            first,
            second,
            spec,
            derivative_rows,
        }
    }

    /// The value `z`.
    pub fn value(&self) -> &Tensor<2> {
        &self.value
    }

    /// Consume the jet, keeping the value.
    pub fn into_value(self) -> Tensor<2> {
        self.value
    }

    /// `∂_i z`, `None` when identically zero (or not tracked).
    pub fn first(&self, i: usize) -> &Stream {
        &self.first[i]
    }

    /// The `k`-th second-order stream `Σ c_ij ∂_i ∂_j z`.
    pub fn second(&self, k: usize) -> &Stream {
        &self.second[k]
    }

    /// `∂_i z` materialised as a `[N, w]` tensor (zeros where the stream is absent; `[n, w]`
    /// when the first `n` rows carry derivatives).
    pub fn first_dense(&self, i: usize) -> Tensor<2> {
        self.dense(&self.first[i])
    }

    /// The `k`-th second-order stream materialised as a `[N, w]` tensor (`[n, w]` as
    /// [`Jet::first_dense`]).
    pub fn second_dense(&self, k: usize) -> Tensor<2> {
        self.dense(&self.second[k])
    }

    fn dense(&self, s: &Stream) -> Tensor<2> {
        match s {
            Some(t) => {
                let [_, w] = self.value.dims();
                t.clone().expand([self.stream_rows(), w])
            }
            None => head(self.value.zeros_like(), self.derivative_rows),
        }
    }

    /// The same jet with derivatives at its first `n` rows (all of them when `n` is the
    /// value's rows); its streams have `n` rows or one.
    pub(crate) fn with_derivative_rows(self, n: usize) -> Self {
        let rows = self.value.dims()[0];
        Self {
            derivative_rows: (n < rows).then_some(n),
            ..self
        }
    }

    /// How many rows carry derivatives: `n` after [`Jet::input_and_values`], else all.
    pub(crate) fn stream_rows(&self) -> usize {
        self.derivative_rows.unwrap_or_else(|| self.value.dims()[0])
    }

    /// What this jet carries.
    pub fn spec(&self) -> &Arc<JetSpec> {
        &self.spec
    }

    fn same_spec(&self, other: &Jet) {
        assert!(
            Arc::ptr_eq(&self.spec, &other.spec) || self.spec == other.spec,
            "jets with different specs cannot be combined"
        );
    }

    /// Apply `g` to every stream (value included): the rule of any linear map.
    pub fn map_linear(self, g: impl Fn(Tensor<2>) -> Tensor<2>) -> Self {
        self.map_streams(|t, _| g(t))
    }

    /// `g(s, is_value)` for every stream `s`, the value first: for the maps that treat the value
    /// apart from the derivatives (a per-sample probe's leaves).
    pub(crate) fn map_streams(self, mut g: impl FnMut(Tensor<2>, bool) -> Tensor<2>) -> Self {
        let value = g(self.value, true);
        let mut derivatives = |streams: Vec<Stream>| -> Vec<Stream> {
            streams
                .into_iter()
                .map(|s| s.map(|t| g(t, false)))
                .collect()
        };
        let first = derivatives(self.first);
        let second = derivatives(self.second);
        Self {
            value,
            first,
            second,
            spec: self.spec,
            derivative_rows: self.derivative_rows,
        }
    }

    /// `z W + b`, `W: [in, out]`, `b: [1, out]`. Derivatives: `∂(zW + b) = ∂z W`.
    pub fn linear(self, weight: &Tensor<2>, bias: Option<&Tensor<2>>) -> Self {
        let mut out = self.map_linear(|t| matmul(t, weight.clone()));
        if let Some(b) = bias {
            out.value = out.value + b.clone();
        }
        out
    }

    /// [`Jet::linear`] with the rows taken about `rows` at a time: every stream `[N, in]` is
    /// viewed as `[c, N/c, in]`, `c` equal chunks of between `rows/2` and `2 rows` rows, and
    /// multiplied by `W` batch by batch (the bias likewise), so that the backward pass's
    /// reductions over the points — `∂L/∂W = Σ_i h_iᵀ δ_i` and `∂L/∂b = Σ_i δ_i` — become a
    /// batched product with inner dimension `N/c` and a short sum over the batches instead of
    /// one product with inner dimension `N`. The same values, in another summation order; for
    /// GPU backends, whose kernels do not split long reductions. The streams share one
    /// broadcast of `W` per `c`, so that `W̄` is summed over the batches once for all of them
    /// rather than once per stream (on wgpu with burn's fusion, 145 → 130 kernels in an Adam
    /// step of `pinn bench speed` at 4 096 points, the gradients' sums fused into the
    /// products). Where `N` has no such `c`, whole chunks of `rows` and the rows beyond them
    /// separately (two products); jets of fewer than two chunks go unchunked.
    pub fn linear_by_rows(self, weight: &Tensor<2>, bias: Option<&Tensor<2>>, rows: usize) -> Self {
        let mut w = BatchedWeight::new(weight);
        let mut out = self.map_streams(|t, _| w.right_product(t, rows));
        if let Some(b) = bias {
            out.value = by_rows(out.value, rows, |t3| t3 + b.clone().unsqueeze());
        }
        out
    }

    /// `c z` (all streams scaled).
    pub fn scale(self, c: f64) -> Self {
        self.map_linear(|t| t.mul_scalar(c))
    }

    /// `z · p` with a row `p: [1, w]` constant in `x` (a diagonal scaling of the channels).
    pub fn scale_columns(self, p: &Tensor<2>) -> Self {
        self.map_linear(|t| t * p.clone())
    }

    /// `z · e` with a column `e: [N, 1]` constant in `x` (a per-point scaling).
    pub fn scale_rows(self, e: &Tensor<2>) -> Self {
        let e_head = head(e.clone(), self.derivative_rows);
        self.map_streams(|t, value| t * if value { e.clone() } else { e_head.clone() })
    }

    /// `z + c` with `c` constant in `x` (value only; `c` broadcasts against `[N, w]`).
    pub fn add_value(mut self, c: Tensor<2>) -> Self {
        self.value = self.value + c;
        self
    }

    /// `z + c` (value only).
    pub fn add_scalar(mut self, c: f64) -> Self {
        self.value = self.value.add_scalar(c);
        self
    }

    /// `f(z)` for an element-wise `f`, given `derivs(z̄, n)` = `[f(z̄), f'(z̄), …, f^(n−1)(z̄)]`
    /// evaluated on the detached value `z̄` (no graph is recorded for them):
    ///
    /// `∂f(z) = f'(z) ∂z`, `∂_s f(z) = f'(z) ∂_s z + f''(z) Σ c_ij ∂_i z ∂_j z`.
    ///
    /// Each coefficient `f^(k)(z)` enters the graph linearised at `z̄`,
    /// `f^(k)(z̄) + f^(k+1)(z̄)·(z − z̄)`: its value is exact (`z − z̄ = 0`) and so is its
    /// derivative in `z`, which is all that one backward pass needs. The transcendental
    /// functions are thus evaluated once per layer, untracked, instead of being recomputed by
    /// burn's backward pass (which recomputes `tanh`, `exp`, `sin` … from their inputs).
    pub fn chain(self, derivs: impl FnOnce(Tensor<2>, usize) -> Vec<Tensor<2>>) -> Self {
        let has_first = self.first.iter().any(Option::is_some);
        let has_second = has_first && !self.second.is_empty();
        let order = if has_second {
            4
        } else if has_first {
            3
        } else {
            2
        };
        let f = derivs(self.value.clone().detach(), order);
        debug_assert_eq!(f.len(), order);
        let delta = self.value.clone() - self.value.clone().detach();
        let value = f[0].clone() + delta.clone() * f[1].clone();
        // The coefficients of the streams, on the rows that carry derivatives.
        let delta = has_first.then(|| head(delta, self.derivative_rows));
        let lin = |k: usize| {
            let delta = delta.clone().expect("a first-derivative stream");
            head(f[k].clone(), self.derivative_rows)
                + delta * head(f[k + 1].clone(), self.derivative_rows)
        };
        let d1 = has_first.then(|| lin(1));
        let d2 = has_second.then(|| lin(2));
        let second = self
            .spec
            .second_order()
            .iter()
            .zip(&self.second)
            .map(|(op, s)| {
                let (Some(d1), Some(d2)) = (&d1, &d2) else {
                    return None;
                };
                let curvature = mul_stream(&quadratic_form(op, &self.first), d2);
                add_streams(mul_stream(s, d1), curvature)
            })
            .collect();
        let first = match &d1 {
            Some(d1) => self.first.iter().map(|s| mul_stream(s, d1)).collect(),
            None => self.first,
        };
        Self {
            value,
            first,
            second,
            spec: self.spec,
            derivative_rows: self.derivative_rows,
        }
    }

    /// `sin z`: `f' = cos z`, `f'' = −sin z`, `f''' = −cos z`.
    pub fn sin(self) -> Self {
        self.chain(|z, n| {
            let (s, c) = (z.clone().sin(), z.cos());
            [s.clone(), c.clone(), s.neg(), c.neg()][..n].to_vec()
        })
    }

    /// `cos z`: `f' = −sin z`, `f'' = −cos z`, `f''' = sin z`.
    pub fn cos(self) -> Self {
        self.chain(|z, n| {
            let (s, c) = (z.clone().sin(), z.cos());
            [c.clone(), s.clone().neg(), c.neg(), s][..n].to_vec()
        })
    }

    /// `tanh z`: with `t = tanh z` and `s = 1 − t²`: `f' = s`, `f'' = −2ts`,
    /// `f''' = −2s(1 − 3t²)`.
    pub fn tanh(self) -> Self {
        self.chain(|z, n| {
            // tanh z = 1 − 2 / (exp(2z) + 1): exact at ±∞ (exp overflows to ∞ or underflows
            // to 0) and, near 0, accurate to round-off in absolute terms. Twice as fast as the
            // backends' scalar `tanh` (a libm call per element).
            let t = z
                .mul_scalar(2.0)
                .exp()
                .add_scalar(1.0)
                .recip()
                .mul_scalar(-2.0)
                .add_scalar(1.0);
            let t2 = t.clone().square();
            let s = t2.clone().neg().add_scalar(1.0);
            let mut out = vec![t.clone(), s.clone()];
            if n > 2 {
                out.push((t * s.clone()).mul_scalar(-2.0));
            }
            if n > 3 {
                out.push(s * t2.mul_scalar(6.0).add_scalar(-2.0));
            }
            out
        })
    }

    /// `exp z`: every derivative is `exp z`.
    pub fn exp(self) -> Self {
        self.chain(|z, n| vec![z.exp(); n])
    }

    /// `z^n`: `f^(k) = n!/(n−k)! z^{n−k}` (zero for `k > n`).
    pub fn powi(self, n: i32) -> Self {
        if n == 0 {
            let ones = self.value.ones_like();
            return Self {
                derivative_rows: self.derivative_rows,
                ..Self::constant(ones, self.spec.clone())
            };
        }
        self.chain(|z, order| {
            (0..order as i32)
                .map(|k| {
                    let coeff: f64 = (0..k).map(|j| f64::from(n - j)).product();
                    match n - k {
                        _ if coeff == 0.0 => z.zeros_like(),
                        0 => z.ones_like().mul_scalar(coeff),
                        1 => z.clone().mul_scalar(coeff),
                        e => z.clone().powi_scalar(e).mul_scalar(coeff),
                    }
                })
                .collect()
        })
    }

    /// `z²`.
    pub fn square(self) -> Self {
        self.powi(2)
    }

    /// `√z` (for `z > 0`): `f' = ½ z^{−1/2}`, `f'' = −¼ z^{−3/2}`, `f''' = ⅜ z^{−5/2}`.
    pub fn sqrt(self) -> Self {
        self.chain(|z, n| {
            let inv = z.clone().recip();
            let mut out = vec![z.sqrt()];
            for c in [0.5, -0.5, -1.5].into_iter().take(n - 1) {
                let prev = out.last().expect("f").clone();
                out.push(prev * inv.clone().mul_scalar(c));
            }
            out
        })
    }

    /// `ln z` (for `z > 0`): `f' = 1/z`, `f'' = −1/z²`, `f''' = 2/z³`.
    pub fn ln(self) -> Self {
        self.chain(|z, n| {
            let inv = z.clone().recip();
            let mut out = vec![z.log(), inv.clone()];
            for k in 1..n - 1 {
                let prev = out.last().expect("f'").clone();
                out.push(prev * inv.clone().mul_scalar(-(k as f64)));
            }
            out
        })
    }

    /// `1/z` (for `z ≠ 0`): `f^(k) = (−1)^k k! z^{−k−1}`.
    pub fn recip(self) -> Self {
        self.chain(|z, n| {
            let inv = z.recip();
            let mut out = vec![inv.clone()];
            for k in 1..n {
                let prev = out.last().expect("f").clone();
                out.push(prev * inv.clone().mul_scalar(-(k as f64)));
            }
            out
        })
    }

    /// GELU (exact form) `z Φ(z)`: `f' = Φ(z) + z φ(z)`, `f'' = φ(z)(2 − z²)`,
    /// `f''' = φ(z)(z³ − 4z)`, with `Φ`, `φ` the standard normal distribution and density.
    pub fn gelu(self) -> Self {
        self.chain(|z, n| {
            let cdf = z
                .clone()
                .mul_scalar(std::f64::consts::FRAC_1_SQRT_2)
                .erf()
                .add_scalar(1.0)
                .mul_scalar(0.5);
            let z2 = z.clone().square();
            let pdf = z2
                .clone()
                .mul_scalar(-0.5)
                .exp()
                .mul_scalar(1.0 / (2.0 * std::f64::consts::PI).sqrt());
            let mut out = vec![z.clone() * cdf.clone(), cdf + z.clone() * pdf.clone()];
            if n > 2 {
                out.push(pdf.clone() * z2.clone().neg().add_scalar(2.0));
            }
            if n > 3 {
                out.push(pdf * (z2.add_scalar(-4.0) * z));
            }
            out
        })
    }

    /// Concatenate jets along the channel dimension.
    pub fn cat(jets: Vec<Jet>) -> Self {
        let spec = jets[0].spec.clone();
        for j in &jets[1..] {
            jets[0].same_spec(j);
        }
        let derivative_rows = jets
            .iter()
            .map(|j| j.derivative_rows)
            .reduce(joint_rows)
            .flatten();
        let rows = derivative_rows
            .or_else(|| jets.iter().map(|j| j.value.dims()[0]).max())
            .unwrap_or(1);
        let value = Tensor::cat(jets.iter().map(|j| j.value.clone()).collect(), 1);
        let cat_streams = |get: &dyn Fn(&Jet) -> &Stream| -> Stream {
            if jets.iter().all(|j| get(j).is_none()) {
                return None;
            }
            let parts = jets
                .iter()
                .map(|j| match get(j) {
                    Some(t) => {
                        let [_, w] = t.dims();
                        t.clone().expand([rows, w])
                    }
                    None => {
                        let [_, w] = j.value.dims();
                        Tensor::zeros([rows, w], &j.value.device())
                    }
                })
                .collect();
            Some(Tensor::cat(parts, 1))
        };
        let first = (0..spec.dim())
            .map(|i| cat_streams(&|j| &j.first[i]))
            .collect();
        let second = (0..spec.second_order().len())
            .map(|k| cat_streams(&|j| &j.second[k]))
            .collect();
        Self {
            value,
            first,
            second,
            spec,
            derivative_rows,
        }
    }

    /// Columns `start..end` of every stream.
    pub fn narrow(self, start: usize, len: usize) -> Self {
        self.map_linear(|t| t.narrow(1, start, len))
    }

    /// Every channel as a jet of its own (`[N, 1]` each): the coordinates of an input jet.
    pub fn columns(&self) -> Vec<Jet> {
        let [_, w] = self.value.dims();
        (0..w).map(|i| self.clone().narrow(i, 1)).collect()
    }
}

impl std::ops::Add for Jet {
    type Output = Jet;

    /// `a + b`.
    fn add(self, other: Jet) -> Jet {
        self.same_spec(&other);
        Jet {
            value: self.value + other.value,
            first: zip_add(self.first, other.first),
            second: zip_add(self.second, other.second),
            spec: self.spec,
            derivative_rows: joint_rows(self.derivative_rows, other.derivative_rows),
        }
    }
}

impl std::ops::Sub for Jet {
    type Output = Jet;

    /// `a − b`.
    fn sub(self, other: Jet) -> Jet {
        self + other.scale(-1.0)
    }
}

impl std::ops::Mul for Jet {
    type Output = Jet;

    /// `a · b` (element-wise): `∂_s(ab) = a ∂_s b + b ∂_s a + Σ c_ij (∂_i a ∂_j b + ∂_j a ∂_i b)`.
    fn mul(self, other: Jet) -> Jet {
        self.same_spec(&other);
        let derivative_rows = joint_rows(self.derivative_rows, other.derivative_rows);
        let (a, b) = (&self.value, &other.value);
        // The values as factors of the streams: their rows that carry derivatives.
        let (a_head, b_head) = (
            head(a.clone(), derivative_rows),
            head(b.clone(), derivative_rows),
        );
        let second = self
            .spec
            .second_order()
            .iter()
            .enumerate()
            .map(|(k, op)| {
                let s = add_streams(
                    mul_stream(&other.second[k], &a_head),
                    mul_stream(&self.second[k], &b_head),
                );
                add_streams(s, cross_term(op, &self.first, &other.first))
            })
            .collect();
        let first = self
            .first
            .iter()
            .zip(&other.first)
            .map(|(da, db)| add_streams(mul_stream(db, &a_head), mul_stream(da, &b_head)))
            .collect();
        Jet {
            value: a.clone() * b.clone(),
            first,
            second,
            spec: self.spec,
            derivative_rows,
        }
    }
}

fn zip_add(a: Vec<Stream>, b: Vec<Stream>) -> Vec<Stream> {
    a.into_iter()
        .zip(b)
        .map(|(x, y)| add_streams(x, y))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::equal_chunks;

    #[test]
    fn equal_chunks_near_the_asked_size() {
        // 4 streams of 4 096 + 400 points in chunks of about 256: 64 chunks of 281.
        assert_eq!(equal_chunks(4 * 4496, 256), Some(64));
        assert_eq!(equal_chunks(16384, 256), Some(64));
        assert_eq!(equal_chunks(1000, 96), Some(10));
        // A prime, and fewer than two whole chunks.
        assert_eq!(equal_chunks(997, 96), None);
        assert_eq!(equal_chunks(300, 256), None);
        assert_eq!(equal_chunks(300, 0), None);
    }
}
