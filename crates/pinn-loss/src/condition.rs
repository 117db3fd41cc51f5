//! Boundary and initial conditions, each a separately weighted loss term.

use std::sync::Arc;

use crate::domain::Face;

/// Boundary data `g(x)`.
pub type BoundaryData = Arc<dyn Fn(&[f64]) -> f64 + Send + Sync>;

/// Where on the boundary a condition holds.
#[derive(Clone, Debug, PartialEq)]
pub enum Boundary {
    /// Faces of a box domain, or the initial face `t = t₀` of any space-time domain.
    Faces(Vec<Face>),
    /// Named boundary parts of a region ([`crate::geometry::Region::named`]).
    Parts(Vec<String>),
}

impl Boundary {
    /// The boundary part named `name`.
    pub fn part(name: &str) -> Self {
        Self::Parts(vec![name.into()])
    }
}

impl From<Vec<Face>> for Boundary {
    fn from(faces: Vec<Face>) -> Self {
        Self::Faces(faces)
    }
}

/// What a condition constrains.
#[derive(Clone)]
pub enum Constraint {
    /// `u = g` on the given faces or parts (Dirichlet data, or Cauchy data on `t = t0`).
    Value {
        /// Where.
        on: Boundary,
        /// The data `g`.
        g: BoundaryData,
    },
    /// `α u + β ∂u/∂n = g` on the given faces or parts, `n` the outward unit normal: Neumann
    /// data (`α = 0, β = 1`) or Robin data. Always a loss term, also under hard constraints
    /// (the ansatz builds in value and periodic conditions only).
    Robin {
        /// Where.
        on: Boundary,
        /// The coefficient `α` of `u`.
        alpha: f64,
        /// The coefficient `β` of `∂u/∂n`.
        beta: f64,
        /// The data `g`.
        g: BoundaryData,
    },
    /// `u(x_k) = u_k` at given points: observations (measurements, a reference solution) or
    /// pinned values (the pressure at a corner). Always a loss term.
    Points {
        /// The points `x_k`, inside the domain or on its boundary.
        points: Vec<Vec<f64>>,
        /// The values `u_k`.
        values: Vec<f64>,
    },
    /// `u(…, lo, …) = u(…, hi, …)` along `axis`.
    Periodic {
        /// The periodic coordinate.
        axis: usize,
    },
}

/// A named, weighted condition: the loss term `λ · mean(r²)`.
#[derive(Clone)]
pub struct Condition {
    /// Name of the loss term (`boundary`, `initial`, `periodic`).
    pub name: String,
    /// The constraint.
    pub constraint: Constraint,
    /// The weight `λ`.
    pub weight: f64,
    /// The component of `u` it constrains, by name ([`crate::Residual::fields`]); `None`
    /// for the first (the only one of a scalar field).
    pub field: Option<String>,
}

impl Condition {
    /// `u = g` on `on` (faces or parts), weight 1.
    pub fn value(name: &str, on: impl Into<Boundary>, g: BoundaryData) -> Self {
        Self {
            name: name.into(),
            constraint: Constraint::Value { on: on.into(), g },
            weight: 1.0,
            field: None,
        }
    }

    /// `∂u/∂n = g` on `on` (Neumann), weight 1.
    pub fn neumann(name: &str, on: impl Into<Boundary>, g: BoundaryData) -> Self {
        Self::robin(name, on, 0.0, 1.0, g)
    }

    /// `α u + β ∂u/∂n = g` on `on` (Robin), weight 1.
    pub fn robin(
        name: &str,
        on: impl Into<Boundary>,
        alpha: f64,
        beta: f64,
        g: BoundaryData,
    ) -> Self {
        Self {
            name: name.into(),
            constraint: Constraint::Robin {
                on: on.into(),
                alpha,
                beta,
                g,
            },
            weight: 1.0,
            field: None,
        }
    }

    /// `u(x_k) = u_k` at `points`, weight 1 (observations, pinned values).
    pub fn points(name: &str, points: Vec<Vec<f64>>, values: Vec<f64>) -> Self {
        Self {
            name: name.into(),
            constraint: Constraint::Points { points, values },
            weight: 1.0,
            field: None,
        }
    }

    /// Whether the hard-constraint ansatz ([`crate::Problem::ansatz`]) satisfies this
    /// condition (value and periodic conditions), so that it is no loss term there.
    pub fn built_into_ansatz(&self) -> bool {
        matches!(
            self.constraint,
            Constraint::Value { .. } | Constraint::Periodic { .. }
        )
    }

    /// Periodicity along `axis`, weight 1.
    pub fn periodic(axis: usize) -> Self {
        Self {
            name: "periodic".into(),
            constraint: Constraint::Periodic { axis },
            weight: 1.0,
            field: None,
        }
    }

    /// The same condition on the field named `field` (e.g. `"v"` of a flow `(u, v, p)`).
    pub fn on_field(mut self, field: &str) -> Self {
        self.field = Some(field.into());
        self
    }

    /// The same condition with weight `λ`.
    pub fn with_weight(mut self, weight: f64) -> Self {
        self.weight = weight;
        self
    }
}

/// A term's weight must be a finite number `λ ≥ 0`; the error names the term.
pub(crate) fn check_weight(name: &str, weight: f64) -> Result<(), String> {
    if weight >= 0.0 && weight.is_finite() {
        Ok(())
    } else {
        Err(format!(
            "the weight of the `{name}` term must be a finite number ≥ 0 (got {weight})"
        ))
    }
}

impl std::fmt::Debug for Condition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Condition")
            .field("name", &self.name)
            .field("weight", &self.weight)
            .field("field", &self.field)
            .finish_non_exhaustive()
    }
}
