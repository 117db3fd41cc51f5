//! PINNacle's Poisson2d-C (`Poisson2D_Classic`): Laplace's equation `Δu = 0` on the square
//! `[−½, ½]²` with four disks of radius 0.1 at `(±0.3, ±0.3)` cut out, `u = 1` on the square's
//! sides (boundary part `outer`) and `u = 0` on the circles (`holes`). No closed form: the
//! error is measured against PINNacle's COMSOL solution.

use std::sync::Arc;

use crate::geometry::distance;
use crate::lift::blend;
use crate::pde::Poisson;
use crate::real::Real;
use crate::{Boundary, Condition, Domain, Problem, Region};

/// The domain: the square minus the four disks.
pub fn square_with_holes() -> Region {
    let holes = [(-0.3, -0.3), (0.3, -0.3), (-0.3, 0.3), (0.3, 0.3)]
        .map(|(x, y)| Region::disk([x, y], 0.1))
        .into_iter()
        .reduce(|a, b| a | b)
        .expect("four holes");
    Region::rectangle((-0.5, 0.5), (-0.5, 0.5)).named("outer") - holes.named("holes")
}

/// The problem, with the lift `g̃ = φ_holes / (φ_outer + φ_holes)` ([`blend`]) for hard
/// constraints.
pub fn problem(name: &str) -> Problem {
    let region = square_with_holes();
    let domain = Domain::from_region(region.clone()).expect("a valid region");
    let parts = |p: &str| vec![p.to_string()];
    Problem::new(name, Poisson::with_modes(2, Vec::new()), domain)
        .with_condition(Condition::value(
            "outer",
            Boundary::part("outer"),
            Arc::new(|_| 1.0),
        ))
        .with_condition(Condition::value(
            "holes",
            Boundary::part("holes"),
            Arc::new(|_| 0.0),
        ))
        .with_lift(move |x| {
            let xy = x.columns();
            let phi = |p: &str| distance::to_parts(&region, &parts(p), &xy);
            let constant = |c: f64| xy[0].constant_like(c);
            blend(&[(phi("outer"), constant(1.0)), (phi("holes"), constant(0.0))])
        })
}
