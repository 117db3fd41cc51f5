//! Constructive solid geometry: sampled boundary points lie on the region's boundary to
//! 1e-12 with outward unit normals, interior points inside, the approximate distance function
//! of every boundary part vanishes on it and nowhere inside, and bad geometry is refused
//! with an error that names the fix.

use std::sync::Arc;

use pinn_loss::geometry::distance;
use pinn_loss::{Boundary, Condition, Domain, Problem, Region, Sampler, pde, sampling};

/// A square with a disk and a triangle cut out, unioned with a half-disk cap on top, the
/// whole intersected with a large ball: every CSG operation and every 2-D primitive.
fn composite() -> Region {
    let square = Region::rectangle((0.0, 2.0), (0.0, 2.0)).named("walls");
    let disk = Region::disk([0.6, 0.6], 0.3).named("circle");
    let triangle = Region::polygon(&[[1.2, 0.3], [1.7, 0.3], [1.45, 0.9]]).named("triangle");
    let cap = Region::disk([1.0, 2.0], 0.5).named("cap");
    let clip = Region::disk([1.0, 1.0], 1.5).named("clip");
    ((square - disk - triangle) | cap) & clip
}

fn parts(r: &Region) -> Vec<String> {
    r.parts()
}

#[test]
fn boundary_points_lie_on_the_boundary_with_outward_unit_normals() {
    let shapes = [
        ("composite", composite()),
        (
            "ball",
            Region::ball(&[0.0, 0.0, 0.0], 1.0) - Region::cuboid(&[-0.2; 3], &[0.2; 3]),
        ),
        ("hypersphere", Region::ball(&[0.5; 5], 0.5)),
    ];
    for (name, region) in shapes {
        let domain = Domain::from_region(region.clone()).unwrap();
        let all = Boundary::Parts(parts(&region));
        for sampler in [Sampler::Halton, Sampler::Uniform, Sampler::Grid] {
            let (ys, ns) = sampling::on_boundary(&domain, &all, sampler, 800, 3).unwrap();
            assert!(
                (700..=900).contains(&ys.len()),
                "{name} {sampler}: {} points",
                ys.len()
            );
            let (mut outward, mut checked) = (0, 0);
            for (y, n) in ys.iter().zip(&ns) {
                let level = region.level(y);
                assert!(level.abs() <= 1e-12, "{name}: ℓ({y:?}) = {level:e}");
                let norm = n.iter().map(|v| v * v).sum::<f64>().sqrt();
                assert!((norm - 1.0).abs() <= 1e-12, "{name}: |n| = {norm}");
                // Away from corners a small step along −n enters, along +n leaves.
                let step =
                    |s: f64| -> Vec<f64> { y.iter().zip(n).map(|(a, b)| a + s * b).collect() };
                if region.level(&step(-1e-3)) > 0.0 || region.level(&step(1e-3)) < 0.0 {
                    checked += 1;
                    if region.contains(&step(-1e-6)) && !region.contains(&step(1e-6)) {
                        outward += 1;
                    }
                }
            }
            assert!(checked > ys.len() * 9 / 10, "{name}: {checked} checked");
            assert_eq!(outward, checked, "{name} {sampler}: inward normals");
        }
        let xs = sampling::interior(&domain, Sampler::Halton, 1000, 1).unwrap();
        assert_eq!(xs.len(), 1000);
        assert!(
            xs.iter().all(|x| region.contains(x)),
            "{name}: a point outside"
        );
    }
}

/// Every part of the composite gets points in proportion to its length on the boundary: the
/// circle's and the triangle's whole perimeters, the clipped pieces of the others.
#[test]
fn points_split_by_the_length_each_part_keeps() {
    let region = composite();
    let domain = Domain::from_region(region.clone()).unwrap();
    let n = 4000;
    let count = |p: &str| {
        sampling::on_boundary(&domain, &Boundary::part(p), Sampler::Halton, n, 0)
            .unwrap()
            .0
            .len()
    };
    let circle = count("circle") as f64;
    assert!((circle as usize).abs_diff(n) <= 1, "{circle}");
    let (ys, _) = sampling::on_boundary(
        &domain,
        &Boundary::Parts(vec!["circle".into(), "triangle".into()]),
        Sampler::Halton,
        n,
        0,
    )
    .unwrap();
    let triangle_len = 0.5 + 2.0 * (0.25f64.powi(2) + 0.6f64.powi(2)).sqrt();
    let expected = n as f64 * 2.0 * std::f64::consts::PI * 0.3
        / (2.0 * std::f64::consts::PI * 0.3 + triangle_len);
    let on_circle = ys
        .iter()
        .filter(|y| ((y[0] - 0.6).hypot(y[1] - 0.6) - 0.3).abs() < 1e-12)
        .count();
    assert!(
        (on_circle as f64 - expected).abs() <= 2.0,
        "{on_circle} vs {expected}"
    );
}

#[test]
fn the_distance_vanishes_on_each_part_and_is_positive_inside() {
    let problem = pde::poisson2d_classic("poisson2d_classic");
    let domain = &problem.domain;
    let region = domain.region().unwrap().clone();
    let xs = sampling::interior(domain, Sampler::Halton, 4000, 2).unwrap();
    for part in parts(&region) {
        let p = vec![part.clone()];
        distance::check(&region, &p, &xs).unwrap();
        let (ys, _) =
            sampling::on_boundary(domain, &Boundary::part(&part), Sampler::Halton, 500, 4).unwrap();
        let worst = ys
            .iter()
            .map(|y| distance::to_parts(&region, &p, y).abs())
            .fold(0.0, f64::max);
        assert!(worst <= 1e-15, "{part}: |φ| = {worst:e} on the part");
        let least = xs
            .iter()
            .map(|x| distance::to_parts(&region, &p, x))
            .fold(f64::INFINITY, f64::min);
        assert!(least > 0.0, "{part}: φ = {least:e} inside");
        // First-order normalisation: φ grows like the distance from the part.
        let y = &ys[0];
        let (_, ns) =
            sampling::on_boundary(domain, &Boundary::part(&part), Sampler::Halton, 500, 4).unwrap();
        let h = 1e-6;
        let inner: Vec<f64> = y.iter().zip(&ns[0]).map(|(a, b)| a - h * b).collect();
        let slope = distance::to_parts(&region, &p, &inner) / h;
        assert!(slope > 0.0, "{part}: slope {slope}");
    }
    // A hole that is a box or a convex polygon keeps one sign outside it too.
    let region = Region::rectangle((0.0, 1.0), (0.0, 1.0))
        - (Region::rectangle((0.2, 0.4), (0.2, 0.4))
            | Region::polygon(&[[0.6, 0.6], [0.8, 0.6], [0.7, 0.8]]))
        .named("holes");
    let domain = Domain::from_region(region.clone()).unwrap();
    let xs = sampling::interior(&domain, Sampler::Halton, 4000, 2).unwrap();
    let p = vec!["holes".to_string()];
    distance::check(&region, &p, &xs).unwrap();
    let (ys, _) =
        sampling::on_boundary(&domain, &Boundary::part("holes"), Sampler::Halton, 500, 4).unwrap();
    let worst = ys
        .iter()
        .map(|y| distance::to_parts(&region, &p, y).abs())
        .fold(0.0, f64::max);
    assert!(worst <= 1e-15, "|φ| = {worst:e} on the holes");
}

#[test]
fn bad_geometry_is_refused_with_the_fix() {
    let square = || Region::rectangle((0.0, 1.0), (0.0, 1.0));
    let err = |r: Region| -> String {
        let domain = match Domain::from_region(r) {
            Ok(d) => d,
            Err(e) => return e,
        };
        sampling::interior(&domain, Sampler::Halton, 100, 0).unwrap_err()
    };
    let e = err(square() - Region::disk([0.5, 0.5], 2.0));
    assert!(e.contains("no interior points"), "{e}");
    let e = err(square() & Region::disk([5.0, 5.0], 1.0));
    assert!(e.contains("empty"), "{e}");
    let e = err(square() - Region::polygon(&[[0.0, 0.0], [1.0, 1.0], [1.0, 0.0], [0.0, 1.0]]));
    assert!(e.contains("self-intersecting"), "{e}");
    let e = err(square() - Region::polygon(&[]));
    assert!(e.contains("at least 3 vertices"), "{e}");

    let domain =
        Domain::from_region(square() - Region::disk([0.5, 0.5], 0.2).named("hole")).unwrap();
    let e =
        sampling::on_boundary(&domain, &Boundary::part("lid"), Sampler::Halton, 10, 0).unwrap_err();
    assert!(
        e.contains("no boundary part `lid`") && e.contains("boundary, hole"),
        "{e}"
    );
    // A part wholly covered by another primitive has no boundary.
    let covered =
        Domain::from_region(square() | Region::disk([0.5, 0.5], 0.2).named("inner")).unwrap();
    let e = sampling::on_boundary(&covered, &Boundary::part("inner"), Sampler::Halton, 10, 0)
        .unwrap_err();
    assert!(e.contains("do not lie on the region's boundary"), "{e}");
    // Hard constraints on a primitive whose boundary crosses the region are refused…
    let ansatz = |region: Region, part: &str| {
        let domain = Domain::from_region(region).unwrap();
        Problem::new("hard", pde::Poisson::new(2), domain)
            .with_condition(Condition::value(
                part,
                Boundary::part(part),
                Arc::new(|_| 0.0),
            ))
            .with_zero_lift()
            .ansatz()
    };
    let union = Region::rectangle((0.0, 1.0), (0.0, 1.0)).named("a")
        | Region::rectangle((0.5, 1.5), (0.0, 1.0)).named("b");
    let e = ansatz(union, "a").unwrap_err();
    assert!(
        e.contains("passes through the region") && e.contains("soft"),
        "{e}"
    );
    // …and so are non-convex polygons (the L as a difference of boxes is fine).
    let l = Region::polygon(&[
        [0.0, 0.0],
        [1.0, 0.0],
        [1.0, 0.5],
        [0.5, 0.5],
        [0.5, 1.0],
        [0.0, 1.0],
    ]);
    let e = ansatz(l, "boundary").unwrap_err();
    assert!(e.contains("convex polygon") && e.contains("soft"), "{e}");
    let l = Region::rectangle((0.0, 1.0), (0.0, 1.0)) - Region::rectangle((0.5, 1.5), (0.5, 1.5));
    assert!(ansatz(l, "boundary").is_ok());
}

/// A region times a time interval: its parts are the lateral boundary (normals with no time
/// component), `t = t₀` is the region at `t₀`, and interior points lie inside for every `t`.
#[test]
fn a_region_times_a_time_interval() {
    let region =
        Region::disk([0.0, 0.0], 1.0).named("rim") - Region::disk([0.3, 0.0], 0.2).named("hole");
    let domain = Domain::space_time(&Domain::from_region(region.clone()).unwrap(), 0.0, 2.0);
    assert_eq!(domain.names(), ["x", "y", "t"]);
    let (ys, ns) = sampling::on_boundary(
        &domain,
        &Boundary::Parts(region.parts()),
        Sampler::Halton,
        300,
        1,
    )
    .unwrap();
    for (y, n) in ys.iter().zip(&ns) {
        assert!(
            region.level(&y[..2]).abs() <= 1e-12 && (0.0..=2.0).contains(&y[2]),
            "{y:?}"
        );
        assert_eq!(n[2], 0.0);
    }
    let start = domain.initial_face().unwrap();
    let (xs, _) = sampling::on_boundary(
        &domain,
        &Boundary::Faces(vec![start]),
        Sampler::Halton,
        200,
        2,
    )
    .unwrap();
    assert_eq!(xs.len(), 200);
    assert!(xs.iter().all(|x| x[2] == 0.0 && region.contains(&x[..2])));
    let inner = sampling::interior(&domain, Sampler::Uniform, 500, 3).unwrap();
    assert!(
        inner
            .iter()
            .all(|x| region.contains(&x[..2]) && (0.0..=2.0).contains(&x[2]))
    );
    // Box faces are not a region's boundary: the error names its parts.
    let side = pinn_loss::Face {
        axis: 0,
        upper: false,
    };
    let e = sampling::on_boundary(
        &domain,
        &Boundary::Faces(vec![side]),
        Sampler::Halton,
        10,
        0,
    )
    .unwrap_err();
    assert!(e.contains("rim, hole"), "{e}");
}
