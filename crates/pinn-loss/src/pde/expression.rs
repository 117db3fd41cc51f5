//! A problem written in the config alone: `−κΔu + c u = f` on a CSG geometry, or
//! `u_t − κΔu + c u = f` on it times a time interval, with the source, the boundary and
//! initial data and (optionally) the exact solution given as expressions ([`crate::expr`]).
//! `c = 0` is Poisson's (or the heat) equation, `c > 0` the screened Poisson (linearised
//! Poisson–Boltzmann) equation, `c = −k²` Helmholtz's.
//!
//! ```toml
//! [pde]
//! name = "expression"
//! source = "0"
//!
//! [pde.geometry.difference]
//! of = [
//!   { rectangle = { x = [-0.5, 0.5], y = [-0.5, 0.5], part = "outer" } },
//!   { disk = { center = [0.0, 0.0], radius = 0.1, part = "hole" } },
//! ]
//!
//! [[pde.conditions]]
//! on = ["outer"]
//! value = "1"
//! ```

use std::sync::Arc;

use burn::Tensor;
use pinn_model::{Jet, JetSpec, SecondOrder};
use serde::{Deserialize, Serialize};

use crate::expr::Expr;
use crate::geometry::distance;
use crate::lift::{blend, from_initial};
use crate::real::Real;
use crate::{Boundary, Condition, Domain, Problem, Region, Residual};

/// The `[pde]` table of `name = "expression"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpressionConfig {
    /// The diffusivity `κ`.
    #[serde(default = "unit")]
    pub diffusivity: f64,
    /// The reaction coefficient `c`.
    #[serde(default)]
    pub reaction: f64,
    /// The time interval `[t₀, t₁]` of an evolution problem (time is then the coordinate `t`).
    #[serde(default)]
    pub time: Option<[f64; 2]>,
    /// The initial data `u(x, t₀)` of an evolution problem.
    #[serde(default)]
    pub initial: Option<String>,
    /// The source `f`.
    pub source: String,
    /// The exact solution, when known (for the error).
    #[serde(default)]
    pub exact: Option<String>,
    /// The domain.
    pub geometry: GeometryConfig,
    /// The boundary conditions.
    pub conditions: Vec<ConditionConfig>,
}

/// A region in a config: a primitive with its boundary part, or a combination.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum GeometryConfig {
    /// `[x0, x1] × [y0, y1]`.
    Rectangle {
        /// `[x0, x1]`.
        x: [f64; 2],
        /// `[y0, y1]`.
        y: [f64; 2],
        /// Its boundary part (`boundary` unless given).
        #[serde(default)]
        part: Option<String>,
    },
    /// `Π [lo_i, hi_i]` (an interval, a box, a hypercube).
    Cuboid {
        /// The lower corner.
        lo: Vec<f64>,
        /// The upper corner.
        hi: Vec<f64>,
        /// Its boundary part.
        #[serde(default)]
        part: Option<String>,
    },
    /// `|x − c| ≤ r` (a disk, a ball).
    Ball {
        /// The centre.
        center: Vec<f64>,
        /// The radius.
        radius: f64,
        /// Its boundary part.
        #[serde(default)]
        part: Option<String>,
    },
    /// A disk in the plane.
    Disk {
        /// The centre.
        center: [f64; 2],
        /// The radius.
        radius: f64,
        /// Its boundary part.
        #[serde(default)]
        part: Option<String>,
    },
    /// A simple polygon.
    Polygon {
        /// The vertices in order.
        vertices: Vec<[f64; 2]>,
        /// Its boundary part.
        #[serde(default)]
        part: Option<String>,
    },
    /// The union of the regions `of`.
    Union {
        /// The regions.
        of: Vec<GeometryConfig>,
    },
    /// The intersection of the regions `of`.
    Intersection {
        /// The regions.
        of: Vec<GeometryConfig>,
    },
    /// The first region of `of` minus the others.
    Difference {
        /// The regions.
        of: Vec<GeometryConfig>,
    },
}

impl GeometryConfig {
    /// The region; the error names the empty combination.
    pub fn region(&self) -> Result<Region, String> {
        let named = |r: Region, part: &Option<String>| match part {
            Some(p) => r.named(p),
            None => r,
        };
        let fold = |of: &[GeometryConfig], what: &str, op: fn(Region, Region) -> Region| {
            let mut regions = of.iter().map(Self::region);
            let first = regions.next().ok_or_else(|| {
                format!("pde.geometry: `{what}` needs at least one region in `of = [...]`")
            })??;
            regions.try_fold(first, |a, b| Ok::<_, String>(op(a, b?)))
        };
        Ok(match self {
            Self::Rectangle { x, y, part } => {
                named(Region::rectangle((x[0], x[1]), (y[0], y[1])), part)
            }
            Self::Cuboid { lo, hi, part } => named(Region::cuboid(lo, hi), part),
            Self::Ball {
                center,
                radius,
                part,
            } => named(Region::ball(center, *radius), part),
            Self::Disk {
                center,
                radius,
                part,
            } => named(Region::disk(*center, *radius), part),
            Self::Polygon { vertices, part } => named(Region::polygon(vertices), part),
            Self::Union { of } => fold(of, "union", |a, b| a | b)?,
            Self::Intersection { of } => fold(of, "intersection", |a, b| a & b)?,
            Self::Difference { of } => fold(of, "difference", |a, b| a - b)?,
        })
    }
}

/// One boundary condition: `u = g` (Dirichlet), `∂u/∂n = g` (Neumann) or
/// `α u + β ∂u/∂n = g` (Robin) on boundary parts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConditionConfig {
    /// The loss term's name (the parts joined by `+` unless given).
    #[serde(default)]
    pub name: Option<String>,
    /// The boundary parts.
    pub on: Vec<String>,
    /// The kind.
    #[serde(default)]
    pub kind: ConditionKind,
    /// The data `g`.
    pub value: String,
    /// Robin's `α`.
    #[serde(default)]
    pub alpha: Option<f64>,
    /// Robin's `β`.
    #[serde(default)]
    pub beta: Option<f64>,
}

/// What a condition prescribes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConditionKind {
    /// `u = g`.
    #[default]
    Dirichlet,
    /// `∂u/∂n = g`.
    Neumann,
    /// `α u + β ∂u/∂n = g`.
    Robin,
}

fn unit() -> f64 {
    1.0
}

/// `−κΔu + c u`, or `u_t − κΔu + c u` in `space` coordinates and time (the last), with the
/// source `f` an expression.
#[derive(Clone, Debug)]
struct ReactionDiffusion {
    space: usize,
    time: bool,
    diffusivity: f64,
    reaction: f64,
    source: Expr,
}

impl Residual for ReactionDiffusion {
    fn spec(&self) -> JetSpec {
        let spec = JetSpec::values(self.space + usize::from(self.time));
        let spec = if self.time {
            spec.with_first(self.space)
        } else {
            spec
        };
        spec.with_second(SecondOrder::new(
            (0..self.space).map(|i| (i, i, 1.0)).collect(),
        ))
    }

    /// `u_t − κΔu + c u` (the terms present).
    fn operator(&self, _x: &Tensor<2>, u: &Jet) -> Tensor<2> {
        let mut r = if self.diffusivity == 1.0 {
            u.second_dense(0).neg()
        } else {
            u.second_dense(0).mul_scalar(-self.diffusivity)
        };
        if self.time {
            r = u.first_dense(self.space) + r;
        }
        if self.reaction != 0.0 {
            r = r + u.value().clone().mul_scalar(self.reaction);
        }
        r
    }

    fn source(&self, x: &[f64]) -> f64 {
        self.source.eval(x)
    }

    /// `|i ω_t + κ|ω_x|² + c|`.
    fn symbol(&self, omega: &[f64]) -> Option<f64> {
        let spatial = self.diffusivity * omega[..self.space].iter().map(|w| w * w).sum::<f64>()
            + self.reaction;
        Some(if self.time {
            omega[self.space].hypot(spatial)
        } else {
            spatial.abs()
        })
    }
}

impl ExpressionConfig {
    /// The problem; the error names the field (`pde.source`, `pde.conditions[1].value`, …)
    /// and what to change.
    pub fn problem(&self, name: &str) -> Result<Problem, String> {
        let region = self
            .geometry
            .region()
            .map_err(|e| format!("pde.geometry: {e}"))?;
        let space =
            Domain::from_region(region.clone()).map_err(|e| format!("pde.geometry: {e}"))?;
        let domain = match (self.time, &self.initial) {
            (None, None) => space,
            (Some([t0, t1]), Some(_)) if t0.is_finite() && t1.is_finite() && t0 < t1 => {
                Domain::space_time(&space, t0, t1)
            }
            (Some(t), Some(_)) => {
                return Err(format!(
                    "pde.time = {t:?} needs finite t0 < t1, e.g. time = [0.0, 1.0]"
                ));
            }
            (Some(_), None) => {
                return Err(
                    "pde.time needs initial data: pde.initial = \"…\" (an expression in the \
                     coordinates and t)"
                        .into(),
                );
            }
            (None, Some(_)) => {
                return Err(
                    "pde.initial needs a time interval: pde.time = [t0, t1] (or drop initial \
                     for a steady problem)"
                        .into(),
                );
            }
        };
        let names = domain.names().to_vec();
        let parse =
            |field: &str, s: &str| Expr::parse(s, &names).map_err(|e| format!("{field}: {e}"));
        if !self.reaction.is_finite() {
            return Err(format!(
                "pde.reaction must be a finite number (got {}); e.g. reaction = 0",
                self.reaction
            ));
        }
        if !(self.diffusivity.is_finite() && self.diffusivity > 0.0) {
            return Err(format!(
                "pde.diffusivity must be a finite number > 0 (got {}); e.g. diffusivity = 1",
                self.diffusivity
            ));
        }
        let residual = ReactionDiffusion {
            space: region.dim(),
            time: self.time.is_some(),
            diffusivity: self.diffusivity,
            reaction: self.reaction,
            source: parse("pde.source", &self.source)?,
        };
        if self.conditions.is_empty() {
            return Err(
                "pde.conditions: give at least one boundary condition, e.g. [[pde.conditions]] \
                 on = [\"boundary\"], value = \"0\""
                    .into(),
            );
        }
        let known = region.parts();
        let mut problem = Problem::new(name, residual, domain);
        let mut lifted = Vec::new();
        for (k, c) in self.conditions.iter().enumerate() {
            let field = format!("pde.conditions[{k}]");
            if let Some(p) = c.on.iter().find(|p| !known.contains(p)) {
                return Err(format!("{field}.on: {}", distance::unknown_part(p, &known)));
            }
            if c.on.is_empty() {
                return Err(format!(
                    "{field}.on: name at least one boundary part ({})",
                    known.join(", ")
                ));
            }
            let g = parse(&format!("{field}.value"), &c.value)?;
            let term = c.name.clone().unwrap_or_else(|| c.on.join("+"));
            let on = Boundary::Parts(c.on.clone());
            let data: crate::BoundaryData = {
                let g = g.clone();
                Arc::new(move |x| g.eval(x))
            };
            let condition = match (c.kind, c.alpha, c.beta) {
                (ConditionKind::Dirichlet, None, None) => {
                    lifted.push((c.on.clone(), g));
                    Condition::value(&term, on, data)
                }
                (ConditionKind::Neumann, None, None) => Condition::neumann(&term, on, data),
                (ConditionKind::Robin, Some(alpha), Some(beta)) => {
                    Condition::robin(&term, on, alpha, beta, data)
                }
                (ConditionKind::Robin, _, _) => {
                    return Err(format!(
                        "{field}: a robin condition α u + β ∂u/∂n = g needs alpha and beta, \
                         e.g. alpha = 1.0, beta = 1.0"
                    ));
                }
                _ => {
                    return Err(format!(
                        "{field}: alpha and beta belong to kind = \"robin\" only"
                    ));
                }
            };
            problem = problem.with_condition(condition);
        }
        let mut lifted_initial = None;
        if let (Some(initial), Some([t0, _])) = (&self.initial, self.time) {
            let u0 = parse("pde.initial", initial)?;
            let start = problem.domain.initial_face().expect("a space-time domain");
            let data = u0.clone();
            problem = problem.with_condition(Condition::value(
                "initial",
                vec![start],
                Arc::new(move |x| data.eval(x)),
            ));
            lifted_initial = Some((t0, u0));
        }
        if let Some(exact) = &self.exact {
            let u = parse("pde.exact", exact)?;
            problem = problem.with_exact(move |x| u.eval(x));
        }
        // g̃ = B(x, t), the blend of the parts' data, or for an evolution problem
        // g̃ = u₀(x) + B(x, t) − B(x, t₀) ([`from_initial`]).
        let time = problem.domain.time_axis();
        let blended = move |x: &Jet| {
            let columns = x.columns();
            let parts: Vec<(Jet, Jet)> = lifted
                .iter()
                .map(|(on, g)| {
                    (
                        distance::to_parts(&region, on, &columns),
                        g.eval_real(&columns),
                    )
                })
                .collect();
            (!parts.is_empty()).then(|| blend(&parts))
        };
        Ok(problem.with_lift(move |x| match (&lifted_initial, time) {
            (Some((t0, u0)), Some(axis)) => {
                let start = u0.eval_real(&x.columns());
                match blended(x) {
                    Some(_) => from_initial(x, axis, *t0, start, |y| {
                        blended(y).expect("the parts have data")
                    }),
                    None => start,
                }
            }
            _ => blended(x).unwrap_or_else(|| x.clone().narrow(0, 1).constant_like(0.0)),
        }))
    }
}
