//! A [`Problem`]: a residual on a domain with conditions and, for testing, an exact solution.

use std::sync::Arc;

use crate::{Condition, Domain, Residual};

/// The exact solution `u*(x)`.
pub type Exact = Arc<dyn Fn(&[f64]) -> f64 + Send + Sync>;

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
    /// The exact solution, for the relative L² error.
    pub exact: Option<Exact>,
}

impl Problem {
    /// A problem without conditions or exact solution; add them with the builders.
    pub fn new(name: &str, residual: impl Residual + 'static, domain: Domain) -> Self {
        Self {
            name: name.into(),
            residual: Arc::new(residual),
            domain,
            conditions: Vec::new(),
            exact: None,
        }
    }

    /// Add a condition.
    pub fn with_condition(mut self, c: Condition) -> Self {
        self.conditions.push(c);
        self
    }

    /// Set the exact solution.
    pub fn with_exact(mut self, u: impl Fn(&[f64]) -> f64 + Send + Sync + 'static) -> Self {
        self.exact = Some(Arc::new(u));
        self
    }

    /// Set the weight of every condition named `name`; `false` when there is none.
    pub fn set_weight(&mut self, name: &str, weight: f64) -> bool {
        let mut found = false;
        for c in self.conditions.iter_mut().filter(|c| c.name == name) {
            c.weight = weight;
            found = true;
        }
        found
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
