//! A [`Problem`]: a residual on a domain with conditions and, for testing, an exact solution.

use std::sync::Arc;

use pinn_model::{Ansatz, Jet, JetMap, OutputMap, Periodic, Vanish};

use crate::condition::check_weight;
use crate::geometry::distance;
use crate::sampling::{self, Sampler};
use crate::{Boundary, Condition, Constraint, Domain, Residual};

/// The exact solution `u*(x)`, every field in [`Residual::fields`] order.
pub type Exact = Arc<dyn Fn(&[f64]) -> Vec<f64> + Send + Sync>;

/// A PDE problem ready for training.
#[derive(Clone)]
pub struct Problem {
    /// Short name (`poisson2d`, …).
    pub name: String,
    /// The interior residual.
    pub residual: Arc<dyn Residual>,
    /// The domain.
    pub domain: Domain,
    /// Boundary / initial conditions.
    pub conditions: Vec<Condition>,
    /// The weight of each equation's loss term, in [`Residual::equations`] order (1 each
    /// unless set).
    pub equation_weights: Vec<f64>,
    /// The exact solution, for the relative L² error.
    pub exact: Option<Exact>,
    /// A smooth extension `g̃` of the value conditions' data into the domain, as a map on
    /// jets (`g̃_c = g` on every face a value condition on field `c` names; one column per
    /// field); hard constraints need it.
    pub lift: Option<JetMap>,
    /// A user's output transform `u = T(x, N)` (DeepXDE's `apply_output_transform`): an
    /// ansatz the library does not ship, under soft and hard constraints alike.
    pub transform: Option<OutputMap>,
}

impl Problem {
    /// A problem without conditions or exact solution; add them with the builders.
    pub fn new(name: &str, residual: impl Residual + 'static, domain: Domain) -> Self {
        let equations = residual.equations().len();
        Self {
            name: name.into(),
            residual: Arc::new(residual),
            equation_weights: vec![1.0; equations],
            domain,
            conditions: Vec::new(),
            exact: None,
            lift: None,
            transform: None,
        }
    }

    /// Set the lift `g̃` of the boundary data (see [`Problem::lift`]).
    pub fn with_lift(mut self, lift: impl Fn(&Jet) -> Jet + Send + Sync + 'static) -> Self {
        self.lift = Some(Arc::new(lift));
        self
    }

    /// Set the output transform `T(x, N)`: the model is `u = T(x, N(x))` (inside the hard
    /// constraints' `g̃ + d · (·)` when they are on). Conditions `T` satisfies by construction
    /// can be left out of the problem.
    pub fn with_output_transform(
        mut self,
        transform: impl Fn(&Jet, Jet) -> Jet + Send + Sync + 'static,
    ) -> Self {
        self.transform = Some(Arc::new(transform));
        self
    }

    /// The lift `g̃ = 0`, for problems whose value conditions have zero data.
    pub fn with_zero_lift(self) -> Self {
        let m = self.residual.fields().len();
        self.with_lift(move |x| {
            let zero = x.clone().narrow(0, 1).scale(0.0);
            if m == 1 {
                zero
            } else {
                Jet::cat(vec![zero; m])
            }
        })
    }

    /// The ansatz `u_c = g̃_c + d_c · N_c(φ(x))` that satisfies every condition exactly: `d_c`
    /// vanishes on the faces or boundary parts ([`distance`]) of the value conditions on
    /// field `c`, `φ` embeds the periodic
    /// axes, `g̃` is [`Problem::lift`]. The error says what is missing.
    pub fn ansatz(&self) -> Result<Ansatz, String> {
        let (lo, hi) = (self.domain.lo(), self.domain.hi());
        let mut ansatz = Ansatz::none(self.domain.dim());
        let mut has_values = false;
        let mut inside = Vec::new();
        for c in &self.conditions {
            match &c.constraint {
                Constraint::Periodic { axis } => {
                    ansatz = ansatz.with_periodic(Periodic {
                        axis: *axis,
                        lo: lo[*axis],
                        period: hi[*axis] - lo[*axis],
                    });
                }
                Constraint::Robin { .. } | Constraint::Points { .. } => {}
                Constraint::Value {
                    on: Boundary::Faces(faces),
                    ..
                } => {
                    has_values = true;
                    let field = self.field_of(c)?;
                    let mut axes: Vec<usize> = faces.iter().map(|f| f.axis).collect();
                    axes.dedup();
                    for axis in axes {
                        let lower = faces.iter().any(|f| f.axis == axis && !f.upper);
                        let upper = faces.iter().any(|f| f.axis == axis && f.upper);
                        let (lo, hi) = (lo[axis], hi[axis]);
                        ansatz = ansatz.with_vanishing_on(
                            field,
                            match (lower, upper) {
                                (true, true) => Vanish::BothFaces { axis, lo, hi },
                                (true, false) => Vanish::LowerFace { axis, lo, hi },
                                _ => Vanish::UpperFace { axis, lo, hi },
                            },
                        );
                    }
                }
                Constraint::Value {
                    on: Boundary::Parts(parts),
                    ..
                } => {
                    has_values = true;
                    let field = self.field_of(c)?;
                    let region = self.domain.region().ok_or_else(|| {
                        format!(
                            "the `{}` condition names boundary parts but the domain of `{}` is \
                             a box; give a geometry or name faces",
                            c.name, self.name
                        )
                    })?;
                    // The interior sample the checks share, drawn once.
                    if inside.is_empty() {
                        inside = sampling::interior(&self.domain, Sampler::Halton, 4096, 0)?;
                    }
                    distance::check(region, parts, &inside)?;
                    let (region, parts) = (region.clone(), parts.clone());
                    ansatz = ansatz.with_distance_on(
                        field,
                        Arc::new(move |x: &Jet| distance::to_parts(&region, &parts, &x.columns())),
                    );
                }
            }
        }
        if has_values {
            let lift = self.lift.clone().ok_or_else(|| {
                format!(
                    "hard constraints for `{}` need a lift g̃ of its boundary data \
                     (Problem::with_lift); use soft constraints instead",
                    self.name
                )
            })?;
            ansatz = ansatz.with_lift(lift);
        }
        Ok(ansatz)
    }

    /// The same problem without the conditions [`Problem::ansatz`] satisfies: what remains
    /// to train under it (the residual, and Neumann or Robin conditions as loss terms).
    pub fn without_conditions(&self) -> Self {
        Self {
            conditions: self
                .conditions
                .iter()
                .filter(|c| !c.built_into_ansatz())
                .cloned()
                .collect(),
            ..self.clone()
        }
    }

    /// Add a condition.
    pub fn with_condition(mut self, c: Condition) -> Self {
        self.conditions.push(c);
        self
    }

    /// Set the exact solution of a scalar field.
    pub fn with_exact(self, u: impl Fn(&[f64]) -> f64 + Send + Sync + 'static) -> Self {
        self.with_exact_fields(move |x| vec![u(x)])
    }

    /// Set the exact solution of every field, in [`Residual::fields`] order.
    pub fn with_exact_fields(
        mut self,
        u: impl Fn(&[f64]) -> Vec<f64> + Send + Sync + 'static,
    ) -> Self {
        self.exact = Some(Arc::new(u));
        self
    }

    /// The index of the field a condition constrains (its [`Condition::field`]); the error
    /// names the condition and the fields there are.
    pub fn field_of(&self, c: &Condition) -> Result<usize, String> {
        let Some(name) = &c.field else {
            return Ok(0);
        };
        let fields = self.residual.fields();
        fields.iter().position(|f| f == name).ok_or_else(|| {
            format!(
                "the `{}` condition constrains a field `{name}` that `{}` does not have; its \
                 fields are {}",
                c.name,
                self.name,
                fields.join(", ")
            )
        })
    }

    /// Set the weight `λ ≥ 0` of the equation or of every condition named `name`. Errors,
    /// naming the terms there are, when no term has that name, and when `λ` is negative or
    /// not finite.
    pub fn set_weight(&mut self, name: &str, weight: f64) -> Result<(), String> {
        let equations = self.residual.equations();
        let equation = equations.iter().position(|e| e == name);
        if equation.is_none() && !self.conditions.iter().any(|c| c.name == name) {
            let known: Vec<&str> = equations
                .iter()
                .map(String::as_str)
                .chain(self.conditions.iter().map(|c| c.name.as_str()))
                .collect();
            return Err(format!(
                "`{}` has no `{name}` term; its terms are {}",
                self.name,
                known.join(", ")
            ));
        }
        check_weight(name, weight)?;
        if let Some(e) = equation {
            self.equation_weights[e] = weight;
        }
        for c in self.conditions.iter_mut().filter(|c| c.name == name) {
            c.weight = weight;
        }
        Ok(())
    }
}

impl std::fmt::Debug for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Problem")
            .field("name", &self.name)
            .field("domain", &self.domain)
            .field("conditions", &self.conditions)
            .finish_non_exhaustive()
    }
}
