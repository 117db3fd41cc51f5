//! A problem written in the config alone: `−Δu + c u = f` on a CSG geometry, with the source,
//! the boundary data and (optionally) the exact solution given as expressions
//! ([`crate::expr`]). `c = 0` is Poisson's equation, `c > 0` the screened Poisson (linearised
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
use crate::lift::blend;
use crate::real::Real;
use crate::{Boundary, Condition, Domain, Problem, Region, Residual};

/// The `[pde]` table of `name = "expression"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExpressionConfig {
    /// The reaction coefficient `c` of `−Δu + c u = f`.
    #[serde(default)]
    pub reaction: f64,
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

/// `−Δu + c u` with the source `f` an expression.
#[derive(Clone, Debug)]
struct Elliptic {
    dim: usize,
    reaction: f64,
    source: Expr,
}

impl Residual for Elliptic {
    fn spec(&self) -> JetSpec {
        JetSpec::values(self.dim).with_second(SecondOrder::laplacian(self.dim))
    }

    /// `−Δu + c u`.
    fn operator(&self, _x: &Tensor<2>, u: &Jet) -> Tensor<2> {
        let laplacian = u.second_dense(0).neg();
        if self.reaction == 0.0 {
            laplacian
        } else {
            laplacian + u.value().clone().mul_scalar(self.reaction)
        }
    }

    fn source(&self, x: &[f64]) -> f64 {
        self.source.eval(x)
    }

    /// `|ω|² + c`.
    fn symbol(&self, omega: &[f64]) -> Option<f64> {
        Some(omega.iter().map(|w| w * w).sum::<f64>() + self.reaction)
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
        let domain =
            Domain::from_region(region.clone()).map_err(|e| format!("pde.geometry: {e}"))?;
        let names = domain.names().to_vec();
        let parse =
            |field: &str, s: &str| Expr::parse(s, &names).map_err(|e| format!("{field}: {e}"));
        if !self.reaction.is_finite() {
            return Err(format!(
                "pde.reaction must be a finite number (got {}); e.g. reaction = 0",
                self.reaction
            ));
        }
        let residual = Elliptic {
            dim: domain.dim(),
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
        if let Some(exact) = &self.exact {
            let u = parse("pde.exact", exact)?;
            problem = problem.with_exact(move |x| u.eval(x));
        }
        let dim = problem.domain.dim();
        Ok(problem.with_lift(move |x| {
            let columns: Vec<Jet> = (0..dim).map(|i| x.clone().narrow(i, 1)).collect();
            let parts: Vec<(Jet, Jet)> = lifted
                .iter()
                .map(|(on, g)| {
                    (
                        distance::to_parts(&region, on, &columns),
                        g.eval_real(&columns),
                    )
                })
                .collect();
            match parts.len() {
                0 => columns[0].constant_like(0.0),
                _ => blend(&parts),
            }
        }))
    }
}
