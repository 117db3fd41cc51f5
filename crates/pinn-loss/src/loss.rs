//! The PINN loss `L(θ) = Σ_e μ_e mean_i r_e(x_i)² + Σ_b λ_b mean_j r_b(y_j)²` (equations `e`
//! of the residual, boundary-type terms `b`) and its collocation data.

use std::ops::Range;
use std::sync::Arc;

use burn::Tensor;
use burn::tensor::{Device, TensorData};
use pinn_model::{Field, Jet, JetSpec};
use serde::{Deserialize, Serialize};

use crate::condition::{Constraint, check_weight};
use crate::sampling::{self, Sampler};
use crate::{Domain, Problem};

/// How many points, and how they are placed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PointsConfig {
    /// Interior collocation points.
    #[serde(default = "default_interior")]
    pub interior: usize,
    /// Points per boundary / initial / periodic condition.
    #[serde(default = "default_boundary")]
    pub boundary: usize,
    /// Placement of the points.
    #[serde(default)]
    pub sampler: Sampler,
}

fn default_interior() -> usize {
    4096
}
fn default_boundary() -> usize {
    400
}

impl Default for PointsConfig {
    fn default() -> Self {
        Self {
            interior: default_interior(),
            boundary: default_boundary(),
            sampler: Sampler::default(),
        }
    }
}

impl PointsConfig {
    /// Check the counts; the error names the field and the fix.
    pub fn validate(&self) -> Result<(), String> {
        if self.interior == 0 {
            return Err("points.interior must be at least 1 (e.g. interior = 4096)".into());
        }
        if self.boundary == 0 {
            return Err("points.boundary must be at least 1 (e.g. boundary = 400)".into());
        }
        Ok(())
    }
}

/// Host points `[[x_1…x_d]; N]` to a `[N, d]` tensor.
pub fn points_tensor(points: &[Vec<f64>], dim: usize, device: &Device) -> Tensor<2> {
    let flat: Vec<f64> = points.iter().flatten().copied().collect();
    Tensor::from_data(TensorData::new(flat, [points.len(), dim]), device)
}

/// Host values to a `[N, 1]` column tensor.
pub fn column(values: Vec<f64>, device: &Device) -> Tensor<2> {
    let n = values.len();
    Tensor::from_data(TensorData::new(values, [n, 1]), device)
}

/// The name of a single equation's loss term (a system names its equations, conditions are
/// named by their own names).
pub const RESIDUAL: &str = "residual";

/// One boundary-type term on the device.
#[derive(Clone, Debug)]
#[allow(clippy::large_enum_variant)] // one per loss term, built once
enum TermData {
    /// A residual of the values of `u` alone.
    Values(ValueTerm),
    /// `r = α u(y) + β ∇u(y)·n(y) − g(y)`.
    Robin(RobinData),
}

/// A boundary-type term whose residual needs the values of `u` alone, so that it can share a
/// pass of the model with the interior's residual ([`Jet::input_and_values`]).
#[derive(Clone, Debug)]
enum ValueTerm {
    /// `r = u(y) − g(y)`.
    Value { x: Tensor<2>, target: Tensor<2> },
    /// `r = u(y_lo) − u(y_hi)`.
    Periodic { lo: Tensor<2>, hi: Tensor<2> },
}

/// `c Σ_i r_i²`, the scale applied before the sum, in the kernel that squares (on a GPU, where
/// an operation on the sum would be a kernel of its own, in both passes).
fn weighted_squares(r: Tensor<2>, c: f64) -> Tensor<1> {
    r.square().mul_scalar(c).sum()
}

/// Column `j` of `t`, `[N, 1]` (`t` itself when it has one column: no slice, whose backward
/// pass on a GPU is two kernels).
fn column_of(t: Tensor<2>, j: usize) -> Tensor<2> {
    match t.dims()[1] {
        1 if j == 0 => t,
        _ => t.narrow(1, j, 1),
    }
}

/// Rows `start..start + len` of `t` (all of it when `None`).
fn cut(t: &Tensor<2>, rows: Option<(usize, usize)>) -> Tensor<2> {
    match rows {
        Some((start, len)) => t.clone().narrow(0, start, len),
        None => t.clone(),
    }
}

impl ValueTerm {
    /// The points where rows `rows` of the residual need `u` (all rows when `None`).
    fn points(&self, rows: Option<(usize, usize)>) -> Vec<Tensor<2>> {
        match self {
            Self::Value { x, .. } => vec![cut(x, rows)],
            Self::Periodic { lo, hi } => vec![cut(lo, rows), cut(hi, rows)],
        }
    }

    /// The unweighted residual on rows `rows` from component `field` of `u` at each of
    /// [`Self::points`], in their order.
    fn residual(&self, u: Vec<Tensor<2>>, field: usize, rows: Option<(usize, usize)>) -> Tensor<2> {
        let mut component = u.into_iter().map(|u| column_of(u, field));
        let mut next = || component.next().expect("u at each of the term's points");
        match self {
            Self::Value { target, .. } => next() - cut(target, rows),
            Self::Periodic { .. } => next() - next(),
        }
    }
}

impl TermData {
    /// Rows of the term's residual (a periodic pair is one row).
    fn rows(&self) -> usize {
        match self {
            Self::Values(ValueTerm::Value { x, .. }) => x.dims()[0],
            Self::Values(ValueTerm::Periodic { lo, .. }) => lo.dims()[0],
            Self::Robin(r) => r.x.dims()[0],
        }
    }

    /// The unweighted residual `r_b` of component `field` of `u`, on the rows
    /// `start..start + len` of `rows` (all rows when `None`), from a pass of its own.
    fn residual<M: Field>(
        &self,
        model: &M,
        field: usize,
        rows: Option<(usize, usize)>,
    ) -> Tensor<2> {
        match self {
            Self::Values(term) => {
                let u = term.points(rows).into_iter().map(|y| model.forward(y));
                term.residual(u.collect(), field, rows)
            }
            Self::Robin(r) => {
                let RobinData {
                    x,
                    normals,
                    target,
                    alpha,
                    beta,
                } = r;
                let d = normals.dims()[1];
                let u = model
                    .forward_jet(Jet::input(cut(x, rows), Arc::new(JetSpec::gradient(d))))
                    .narrow(field, 1);
                let flux = (0..d)
                    .map(|i| u.first_dense(i) * cut(normals, rows).narrow(1, i, 1))
                    .reduce(|a, b| a + b)
                    .expect("a domain has a coordinate");
                u.into_value().mul_scalar(*alpha) + flux.mul_scalar(*beta) - cut(target, rows)
            }
        }
    }
}

/// The points, outward normals and data of a Robin term.
#[derive(Clone, Debug)]
struct RobinData {
    x: Tensor<2>,
    normals: Tensor<2>,
    target: Tensor<2>,
    alpha: f64,
    beta: f64,
}

#[derive(Clone, Debug)]
struct Term {
    name: String,
    weight: f64,
    /// The column of `u` it constrains.
    field: usize,
    data: TermData,
    /// The rows of `data` this loss holds: all of them, or a shard's block
    /// ([`PinnLoss::shards`]); the term's scale `λ/N_b` counts all of them.
    rows: Range<usize>,
}

impl Term {
    /// `λ_b / N_b`, `N_b` the rows of the whole term.
    fn scale(&self) -> f64 {
        self.weight / self.data.rows() as f64
    }

    /// The rows this loss holds as `(start, len)`, or `None` when it holds all of them.
    fn block(&self) -> Option<(usize, usize)> {
        (self.rows.len() != self.data.rows()).then_some((self.rows.start, self.rows.len()))
    }
}

/// One equation of the interior residual: its loss term's name and weight `μ`.
#[derive(Clone, Debug)]
struct Equation {
    name: String,
    weight: f64,
}

/// The loss terms at one θ, as scalar tensors (`[1]`) still attached to the graph.
#[derive(Debug)]
pub struct LossTerms {
    /// `(name, λ · mean r²)` per term, the residual's equations first.
    pub terms: Vec<(String, Tensor<1>)>,
}

impl LossTerms {
    /// The total loss `Σ` terms.
    pub fn total(&self) -> Tensor<1> {
        self.terms
            .iter()
            .map(|(_, t)| t.clone())
            .reduce(|a, b| a + b)
            .expect("at least one term")
    }
}

/// A problem's collocation data on a device: everything the loss needs except the model.
#[derive(Clone)]
pub struct PinnLoss {
    problem: Problem,
    spec: Arc<JetSpec>,
    interior: Tensor<2>,
    /// `f_e(x_i)`, `[N, k]`.
    source: Tensor<2>,
    equations: Vec<Equation>,
    terms: Vec<Term>,
    /// `1 / N` for the whole point set; a shard keeps the whole set's scale.
    residual_scale: f64,
}

impl PinnLoss {
    /// Sample the points for `problem` and move them, with the source and boundary data,
    /// to `device`.
    pub fn new(
        problem: &Problem,
        points: &PointsConfig,
        seed: u64,
        device: &Device,
    ) -> Result<Self, String> {
        points.validate()?;
        let domain: &Domain = &problem.domain;
        let d = domain.dim();
        let spec = problem.residual.spec();
        if spec.dim() != d {
            return Err(format!(
                "the residual of `{}` is written for {} coordinates but its domain has {d}",
                problem.name,
                spec.dim()
            ));
        }
        let names = problem.residual.equations();
        if names.is_empty() || names.len() != problem.equation_weights.len() {
            return Err(format!(
                "`{}` has {} equations and {} equation weights; it needs at least one equation \
                 and one weight each",
                problem.name,
                names.len(),
                problem.equation_weights.len()
            ));
        }
        let mut equations = Vec::new();
        for (name, &weight) in names.into_iter().zip(&problem.equation_weights) {
            check_weight(&name, weight)?;
            equations.push(Equation { name, weight });
        }
        let xs = sampling::interior(domain, points.sampler, points.interior, seed)?;
        let f = sources(problem, &xs, equations.len())?;
        let mut terms = Vec::new();
        for (k, c) in problem.conditions.iter().enumerate() {
            let field = problem.field_of(c)?;
            let seed = seed.wrapping_add(1000 * (k as u64 + 1));
            let data = match &c.constraint {
                Constraint::Value { on, g } => {
                    let (ys, _) =
                        sampling::on_boundary(domain, on, points.sampler, points.boundary, seed)?;
                    let target = data(&c.name, g, &ys)?;
                    TermData::Values(ValueTerm::Value {
                        x: points_tensor(&ys, d, device),
                        target: column(target, device),
                    })
                }
                Constraint::Robin { on, alpha, beta, g } => {
                    if !(alpha.is_finite() && beta.is_finite()) || (*alpha == 0.0 && *beta == 0.0) {
                        return Err(format!(
                            "the `{}` condition α u + β ∂u/∂n = g needs finite α, β, not both 0",
                            c.name
                        ));
                    }
                    let (ys, normals) =
                        sampling::on_boundary(domain, on, points.sampler, points.boundary, seed)?;
                    let target = data(&c.name, g, &ys)?;
                    TermData::Robin(RobinData {
                        x: points_tensor(&ys, d, device),
                        normals: points_tensor(&normals, d, device),
                        target: column(target, device),
                        alpha: *alpha,
                        beta: *beta,
                    })
                }
                Constraint::Points { points, values } => {
                    if points.is_empty() || points.len() != values.len() {
                        return Err(format!(
                            "the `{}` condition needs as many values as points, at least one \
                             (got {} points, {} values)",
                            c.name,
                            points.len(),
                            values.len()
                        ));
                    }
                    if let Some(p) = points.iter().find(|p| p.len() != d) {
                        return Err(format!(
                            "the `{}` condition has a point with {} coordinates; the domain has {d}",
                            c.name,
                            p.len()
                        ));
                    }
                    TermData::Values(ValueTerm::Value {
                        x: points_tensor(points, d, device),
                        target: column(values.clone(), device),
                    })
                }
                Constraint::Periodic { axis } => {
                    let lo_face = crate::Face {
                        axis: *axis,
                        upper: false,
                    };
                    let lo =
                        sampling::on_face(domain, lo_face, points.sampler, points.boundary, seed)?;
                    let hi: Vec<Vec<f64>> = lo
                        .iter()
                        .map(|p| {
                            let mut q = p.clone();
                            q[*axis] = domain.hi()[*axis];
                            q
                        })
                        .collect();
                    TermData::Values(ValueTerm::Periodic {
                        lo: points_tensor(&lo, d, device),
                        hi: points_tensor(&hi, d, device),
                    })
                }
            };
            check_weight(&c.name, c.weight)?;
            terms.push(Term {
                name: c.name.clone(),
                weight: c.weight,
                field,
                rows: 0..data.rows(),
                data,
            });
        }
        let k = equations.len();
        Ok(Self {
            problem: problem.clone(),
            spec: Arc::new(spec),
            residual_scale: 1.0 / xs.len() as f64,
            interior: points_tensor(&xs, d, device),
            source: Tensor::from_data(TensorData::new(f, [xs.len(), k]), device),
            equations,
            terms,
        })
    }

    /// The same loss on the interior points `xs` (adaptive collocation): the sources at the
    /// new points, the boundary-type terms and every weight unchanged.
    pub fn with_interior(&self, xs: &[Vec<f64>]) -> Result<Self, String> {
        let d = self.problem.domain.dim();
        if xs.is_empty() || xs.iter().any(|x| x.len() != d) {
            return Err(format!(
                "new interior points need {d} coordinates each, at least one point"
            ));
        }
        let k = self.equations.len();
        let f = sources(&self.problem, xs, k)?;
        let device = self.interior.device();
        Ok(Self {
            interior: points_tensor(xs, d, &device),
            source: Tensor::from_data(TensorData::new(f, [xs.len(), k]), &device),
            residual_scale: 1.0 / xs.len() as f64,
            ..self.clone()
        })
    }

    /// `Σ_e r_e(x)²` at each of the points `xs`, off the autodiff graph (the indicator of
    /// residual-based adaptive collocation).
    pub fn residual_squares<M: Field>(
        &self,
        model: &M,
        xs: &[Vec<f64>],
    ) -> Result<Vec<f64>, String> {
        let at = self.with_interior(xs)?;
        let model = model.clone().no_grad();
        let r = at.interior_residual(&model).detach();
        let k = self.equations.len();
        let r: Vec<f64> = r.into_data_as::<f64>().iter::<f64>().collect();
        Ok(r.chunks(k)
            .map(|row| row.iter().map(|v| v * v).sum())
            .collect())
    }

    /// Split into `n` shards (at most one per interior point) whose losses add up to this
    /// loss: shard `k` holds the `k`-th of `n` equal blocks of the interior points and of each
    /// boundary-type term's points, each with its whole set's scale (`1/N`, `λ_b/N_b`), so that
    /// the shards cost about the same. Every shard has every term, in the same order (a term
    /// with fewer points than shards is zero on some). Shards can be evaluated and
    /// differentiated on separate threads.
    pub fn shards(&self, n: usize) -> Vec<PinnLoss> {
        let [rows, _] = self.interior.dims();
        let n = n.clamp(1, rows.max(1));
        let block = |k: usize, rows: Range<usize>| {
            let len = rows.len();
            rows.start + k * len / n..rows.start + (k + 1) * len / n
        };
        (0..n)
            .map(|k| {
                let points = block(k, 0..rows);
                PinnLoss {
                    problem: self.problem.clone(),
                    spec: self.spec.clone(),
                    interior: self.interior.clone().narrow(0, points.start, points.len()),
                    source: self.source.clone().narrow(0, points.start, points.len()),
                    equations: self.equations.clone(),
                    terms: self
                        .terms
                        .iter()
                        .map(|t| Term {
                            rows: block(k, t.rows.clone()),
                            ..t.clone()
                        })
                        .collect(),
                    residual_scale: self.residual_scale,
                }
            })
            .collect()
    }

    /// The problem.
    pub fn problem(&self) -> &Problem {
        &self.problem
    }

    /// Names of the loss terms: the residual's equations first ([`RESIDUAL`] for a single
    /// equation), then the boundary-type terms.
    pub fn term_names(&self) -> Vec<String> {
        self.equations
            .iter()
            .map(|e| e.name.clone())
            .chain(self.terms.iter().map(|t| t.name.clone()))
            .collect()
    }

    /// How many of the first [`PinnLoss::term_names`] are the residual's equations.
    pub fn num_equations(&self) -> usize {
        self.equations.len()
    }

    /// The interior residual `r = N[u] − f` at the collocation points, `[N, k]` (one column
    /// per equation).
    pub fn interior_residual<M: Field>(&self, model: &M) -> Tensor<2> {
        let u = self.jet_at(model, &self.interior);
        self.operator_residual(&self.interior, &u, self.source.clone())
    }

    /// The jet of `u` at the points `x`, with the derivatives the residual asks for.
    fn jet_at<M: Field>(&self, model: &M, x: &Tensor<2>) -> Jet {
        model.forward_jet(Jet::input(x.clone(), self.spec.clone()))
    }

    /// `r = N[u](x) − f` from the jet `u` at the points `x` and the sources `f`.
    fn operator_residual(&self, x: &Tensor<2>, u: &Jet, f: Tensor<2>) -> Tensor<2> {
        self.problem.residual.operator(x, u) - f
    }

    /// Refuse a model whose outputs are not the problem's fields and a residual that does
    /// not return one column per equation (`[N, k]`): the loss, its row Jacobians and
    /// Gauss–Newton count one residual row per collocation point and equation. Evaluates
    /// the residual at the first interior point.
    pub fn check<M: Field>(&self, model: &M) -> Result<(), String> {
        if self.interior.dims()[0] == 0 {
            return Ok(());
        }
        let name = &self.problem.name;
        let x = self.interior.clone().narrow(0, 0, 1);
        let u = self.jet_at(model, &x);
        let fields = self.problem.residual.fields();
        let unknowns = self.problem.residual.unknowns().len();
        let outputs = u.value().dims()[1];
        if outputs != fields.len() + unknowns {
            return Err(format!(
                "the model has {outputs} outputs but `{name}` has {} fields ({}) and {unknowns} \
                 unknown coefficients; build the model with one output per field (Setup adds \
                 the coefficients)",
                fields.len(),
                fields.join(", ")
            ));
        }
        let dims = self.problem.residual.operator(&x, &u).dims();
        let k = self.equations.len();
        if dims == [1, k] {
            Ok(())
        } else {
            let names: Vec<&str> = self.equations.iter().map(|e| e.name.as_str()).collect();
            Err(format!(
                "the residual of `{name}` returns {dims:?} for one point; it must return \
                 [N, {k}], one column per equation ({}): Residual::equations names them",
                names.join(", ")
            ))
        }
    }

    /// The weights `λ` of the boundary-type terms, by name, in term order.
    pub fn weights(&self) -> Vec<(String, f64)> {
        self.terms
            .iter()
            .map(|t| (t.name.clone(), t.weight))
            .collect()
    }

    /// Set the weight of the equation or of every boundary-type term named `name`; `false`
    /// when there is none.
    pub fn set_weight(&mut self, name: &str, weight: f64) -> bool {
        let mut found = false;
        for e in self.equations.iter_mut().filter(|e| e.name == name) {
            e.weight = weight;
            found = true;
        }
        for t in self.terms.iter_mut().filter(|t| t.name == name) {
            t.weight = weight;
            found = true;
        }
        found
    }

    /// Rows of each term of the weighted residual vector `r̃`, in [`PinnLoss::term_names`]
    /// order (the interior points once per equation, then every boundary-type term's points;
    /// a periodic pair is one row).
    pub fn term_rows(&self) -> Vec<usize> {
        let n = self.interior.dims()[0];
        self.equations
            .iter()
            .map(|_| n)
            .chain(self.terms.iter().map(|t| t.rows.len()))
            .collect()
    }

    /// Number of rows of the weighted residual vector `r̃`.
    pub fn num_rows(&self) -> usize {
        self.term_rows().iter().sum()
    }

    /// Rows `start..start + len` of the weighted residual vector `r̃`, whose squared norm is
    /// the loss: `r̃ = √(μ_e/N) r_e(x_i)` for equation `e` and `√(λ_b/N_b) r_b(y_j)` for term `b`.
    /// The Gauss–Newton matrix is `A = J̃ᵀ J̃` with `J̃ = ∂r̃/∂θ`. Each call runs the model on
    /// those points only, so rows can be differentiated one backward pass at a time.
    /// Returns `(term index, rows)`; a block never straddles two terms (it is cut short).
    ///
    /// # Panics
    /// When `start` is past the last row (callers iterate over [`PinnLoss::term_rows`]).
    #[track_caller]
    pub fn weighted_rows<M: Field>(
        &self,
        model: &M,
        start: usize,
        len: usize,
    ) -> (usize, Tensor<2>) {
        let n = self.interior.dims()[0];
        let k = self.equations.len();
        if start < k * n {
            let (e, s) = (start / n, start % n);
            let len = len.min(n - s);
            let x = self.interior.clone().narrow(0, s, len);
            let u = self.jet_at(model, &x);
            let r = self.operator_residual(&x, &u, self.source.clone().narrow(0, s, len));
            let scale = self.residual_scale * self.equations[e].weight;
            return (e, column_of(r, e).mul_scalar(scale.sqrt()));
        }
        let mut offset = k * n;
        for (b, t) in self.terms.iter().enumerate() {
            let rows = t.rows.len();
            if start < offset + rows {
                let (s, len) = (start - offset, len.min(offset + rows - start));
                let r = t
                    .data
                    .residual(model, t.field, Some((t.rows.start + s, len)));
                return (k + b, r.mul_scalar(t.scale().sqrt()));
            }
            offset += rows;
        }
        panic!("row {start} out of range (the residual vector has {offset} rows)");
    }

    /// Every loss term at the model's current parameters: the interior residual and the terms
    /// of values alone (Dirichlet data, data points, periodic pairs) from one pass of the
    /// model over all their points ([`Jet::input_and_values`]), each Robin term from a pass of
    /// its own.
    pub fn terms<M: Field>(&self, model: &M) -> LossTerms {
        let (r, values) = self.shared_pass(model);
        let mut terms: Vec<(String, Tensor<1>)> = self
            .equations
            .iter()
            .enumerate()
            .map(|(e, eq)| {
                let scale = self.residual_scale * eq.weight;
                (
                    eq.name.clone(),
                    weighted_squares(column_of(r.clone(), e), scale),
                )
            })
            .collect();
        for (t, u) in self.terms.iter().zip(values) {
            let value = if t.rows.is_empty() {
                Tensor::zeros([1], &self.interior.device())
            } else {
                let rows = t.block();
                let r = match (&t.data, u) {
                    (TermData::Values(term), Some(u)) => term.residual(u, t.field, rows),
                    _ => t.data.residual(model, t.field, rows),
                };
                // `(λ/N_b) Σ r²` over the rows held: `λ mean r²` for the whole term.
                weighted_squares(r, t.scale())
            };
            terms.push((t.name.clone(), value));
        }
        LossTerms { terms }
    }

    /// The interior residual `r = N[u] − f` (`[N, k]`) and, for each term, `u` at each of its
    /// points if it is a term of values alone with rows in this loss (`None` otherwise): one
    /// pass of the model over all these points ([`Jet::input_and_values`]), derivatives at the
    /// interior's alone. On a GPU, one product and one activation kernel per layer for all the
    /// loss terms instead of one for each.
    fn shared_pass<M: Field>(&self, model: &M) -> (Tensor<2>, Vec<Option<Vec<Tensor<2>>>>) {
        let points: Vec<Option<Vec<Tensor<2>>>> = self
            .terms
            .iter()
            .map(|t| match &t.data {
                TermData::Values(term) if !t.rows.is_empty() => Some(term.points(t.block())),
                _ => None,
            })
            .collect();
        let y: Vec<Tensor<2>> = points.iter().flatten().flatten().cloned().collect();
        if y.is_empty() {
            return (self.interior_residual(model), vec![None; self.terms.len()]);
        }
        let x = &self.interior;
        let jet = Jet::input_and_values(x.clone(), Tensor::cat(y, 0), self.spec.clone());
        let (u, values) = model.forward_jet(jet).split_values();
        let r = self.operator_residual(x, &u, self.source.clone());
        // Each term's rows of the values; all of them, unsliced, for the only term (a slice's
        // backward pass is a fill and a slice write on a GPU).
        let (mut offset, rows) = (0, values.dims()[0]);
        let mut next = |p: &Tensor<2>| {
            let n = p.dims()[0];
            offset += n;
            if n == rows {
                values.clone()
            } else {
                values.clone().narrow(0, offset - n, n)
            }
        };
        let values = points
            .iter()
            .map(|term| term.as_ref().map(|ps| ps.iter().map(&mut next).collect()))
            .collect();
        (r, values)
    }
}

/// The condition `name`'s data `g(y)` at its points; the error names the condition and a
/// point where `g` is not a finite number.
fn data(name: &str, g: &crate::BoundaryData, ys: &[Vec<f64>]) -> Result<Vec<f64>, String> {
    ys.iter()
        .map(|y| {
            let v = g(y);
            if v.is_finite() {
                Ok(v)
            } else {
                Err(format!(
                    "the data of the `{name}` condition is {v} at {y:?}; give data that is \
                     finite on the whole boundary part"
                ))
            }
        })
        .collect()
}

/// `f_e(x)` at every point, row-major `[points, k]`; the error names the residual when it
/// does not give `k` finite sources.
fn sources(problem: &Problem, xs: &[Vec<f64>], k: usize) -> Result<Vec<f64>, String> {
    let mut f = Vec::with_capacity(xs.len() * k);
    for x in xs {
        let fx = problem.residual.sources(x);
        if let Some(v) = fx.iter().find(|v| !v.is_finite()) {
            return Err(format!(
                "the source term of `{}` is {v} at {x:?}; give a source that is finite on the \
                 whole domain",
                problem.name
            ));
        }
        if fx.len() != k {
            return Err(format!(
                "the residual of `{}` gives {} sources for {k} equations; implement \
                 Residual::sources with one value per equation",
                problem.name,
                fx.len(),
            ));
        }
        f.extend(fx);
    }
    Ok(f)
}

/// Relative L² error `‖u − u*‖ / ‖u*‖` on a set of points (a discrete L² norm), over all
/// fields stacked or per field.
#[derive(Clone, Debug)]
pub struct L2Error {
    points: Tensor<2>,
    /// `u*` at the points, row-major `[points, fields]`.
    exact: Vec<f64>,
    fields: usize,
}

impl L2Error {
    /// Evaluation on a tensor grid of `per_axis^d` cell midpoints; `None` without an exact
    /// solution.
    pub fn on_grid(problem: &Problem, per_axis: usize, device: &Device) -> Option<Self> {
        let exact = problem.exact.as_ref()?;
        let d = problem.domain.dim();
        let n = per_axis.pow(d as u32);
        let xs = sampling::interior(&problem.domain, Sampler::Grid, n, 0)
            .expect("the grid sampler has no dimension limit");
        let u: Vec<f64> = xs.iter().flat_map(|x| exact(x)).collect();
        Some(Self::at_points(
            &xs,
            u,
            problem.residual.fields().len(),
            device,
        ))
    }

    /// Evaluation against reference values `u*` at `points` (a finite-element solution on
    /// its nodes, say), row-major `[points, fields]`.
    ///
    /// # Panics
    /// When `values` does not hold `fields` numbers per point.
    #[track_caller]
    pub fn at_points(
        points: &[Vec<f64>],
        values: Vec<f64>,
        fields: usize,
        device: &Device,
    ) -> Self {
        assert_eq!(
            values.len(),
            points.len() * fields,
            "one value per point and field"
        );
        let d = points.first().map_or(0, Vec::len);
        Self {
            points: points_tensor(points, d, device),
            exact: values,
            fields,
        }
    }

    /// `Σ (u_θ − u*)²` and `Σ u*²` per field.
    fn squares<M: Field>(&self, model: &M) -> Vec<(f64, f64)> {
        // Untracked parameters: no autodiff graph for a pass no backward pass consumes.
        let u = model
            .clone()
            .no_grad()
            .forward(self.points.clone().detach());
        // The fields only: unknown coefficients follow them as columns.
        let u = u.narrow(1, 0, self.fields).into_data_as::<f64>();
        let mut sums = vec![(0.0, 0.0); self.fields];
        for (i, (a, b)) in u.iter::<f64>().zip(&self.exact).enumerate() {
            let s = &mut sums[i % self.fields];
            s.0 += (a - b) * (a - b);
            s.1 += b * b;
        }
        sums
    }

    /// `‖u_θ − u*‖₂ / ‖u*‖₂` over all fields stacked (absolute error when `u* ≡ 0`).
    pub fn relative<M: Field>(&self, model: &M) -> f64 {
        let (diff, norm) = self
            .squares(model)
            .into_iter()
            .fold((0.0, 0.0), |(d, n), (a, b)| (d + a, n + b));
        relative(diff, norm)
    }

    /// `‖u_θ,c − u*_c‖₂ / ‖u*_c‖₂` for each field `c`, in [`crate::Residual::fields`] order.
    pub fn per_field<M: Field>(&self, model: &M) -> Vec<f64> {
        self.squares(model)
            .into_iter()
            .map(|(d, n)| relative(d, n))
            .collect()
    }
}

/// `√diff / √norm` (`√diff` when `norm = 0`).
fn relative(diff: f64, norm: f64) -> f64 {
    if norm > 0.0 {
        diff.sqrt() / norm.sqrt()
    } else {
        diff.sqrt()
    }
}
