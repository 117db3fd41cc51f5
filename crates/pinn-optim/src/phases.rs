//! Where an optimizer's time goes: the wall time of each phase of its steps (for Gauss–Newton:
//! the Jacobian, `A`, the solves, the trial losses), summed over a run.
//!
//! Times are taken on the host. On a GPU backend a phase therefore holds the device's work only
//! when it ends by reading a result back; every phase a stepper reports does (`J̃` or `A`, the
//! losses, the step on the host), so its time includes the kernels it waited for — and, in
//! its first run, the compiling and autotuning of those kernels, which `first` keeps apart.

use std::time::{Duration, Instant};

/// One phase's time over a run.
#[derive(Clone, Debug, PartialEq)]
pub struct Phase {
    /// The phase (`jacobian`); in a run's phases, after its optimizer
    /// (`gauss_newton.jacobian`).
    pub name: String,
    /// How often it ran.
    pub count: usize,
    /// Its total time.
    pub total: Duration,
    /// Its first run's time.
    pub first: Duration,
}

/// Phases in the order they first ran.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Phases(Vec<Phase>);

impl Phases {
    /// Add one run of `name` that took `elapsed`.
    pub fn add(&mut self, name: &str, elapsed: Duration) {
        let p = self.entry(name, elapsed);
        p.count += 1;
        p.total += elapsed;
    }

    /// `f()`, timed as one run of `name`.
    pub fn time<T>(&mut self, name: &str, f: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let out = f();
        self.add(name, start.elapsed());
        out
    }

    /// Add `other`'s phases, named `prefix.name` (their first runs kept where `self` has none).
    pub fn merge(&mut self, prefix: &str, other: &Phases) {
        for p in &other.0 {
            let q = self.entry(&format!("{prefix}.{}", p.name), p.first);
            q.count += p.count;
            q.total += p.total;
        }
    }

    /// The phase `name`, appended with no runs and `first` as its first run's time when new.
    fn entry(&mut self, name: &str, first: Duration) -> &mut Phase {
        let k = match self.0.iter().position(|p| p.name == name) {
            Some(k) => k,
            None => {
                self.0.push(Phase {
                    name: name.to_string(),
                    count: 0,
                    total: Duration::ZERO,
                    first,
                });
                self.0.len() - 1
            }
        };
        &mut self.0[k]
    }

    /// The phases in the order they first ran.
    pub fn iter(&self) -> impl Iterator<Item = &Phase> {
        self.0.iter()
    }

    /// Whether no phase was timed.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_add_up_and_the_first_is_kept() {
        let ms = Duration::from_millis;
        let mut step = Phases::default();
        step.add("jacobian", ms(30));
        step.add("solve", ms(5));
        step.add("solve", ms(7));
        let mut run = Phases::default();
        run.merge("gauss_newton", &step);
        let mut next = Phases::default();
        next.add("jacobian", ms(10));
        run.merge("gauss_newton", &next);
        let got: Vec<_> = run
            .iter()
            .map(|p| (p.name.as_str(), p.count, p.total, p.first))
            .collect();
        assert_eq!(
            got,
            [
                ("gauss_newton.jacobian", 2, ms(40), ms(30)),
                ("gauss_newton.solve", 2, ms(12), ms(5)),
            ]
        );
    }
}
