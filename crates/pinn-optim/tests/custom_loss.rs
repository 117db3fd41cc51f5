//! A loss the library does not ship, through [`ResidualRows`]: the pure-Neumann problem
//! `−u'' = π² cos πx`, `u'(0) = u'(1) = 0`, whose solutions `cos πx + C` differ by a constant,
//! made unique by a non-local row `r = mean_j u(x_j)` (`∫u = 0`) that no `Condition` expresses.
//! Gauss–Newton (dense and matrix-free), Adam and the spectrum of `A` all run on it.

use std::f64::consts::PI;
use std::sync::Arc;

use burn::Tensor;
use pinn_loss::{
    Condition, Domain, LossTerms, PinnLoss, PointsConfig, Problem, Residual, Sampler, Setup,
    Trainable, points_tensor,
};
use pinn_model::backend::{Backend, Dtype, autodiff_device};
use pinn_model::{Field, Jet, JetSpec, ModelConfig, SecondOrder};
use pinn_optim::diagnosis::{BoundaryMultiplier, gauss_newton_spectrum};
use pinn_optim::{GaussNewtonSolver, ResidualRows, Stage, TrainSettings, train};

/// `−u''` with `f = π² cos πx`.
struct Cosine;

impl Residual for Cosine {
    fn spec(&self) -> JetSpec {
        JetSpec::values(1).with_second(SecondOrder::pure(0))
    }
    fn operator(&self, _x: &Tensor<2>, u: &Jet) -> Tensor<2> {
        u.second_dense(0).neg()
    }
    fn source(&self, x: &[f64]) -> f64 {
        PI * PI * (PI * x[0]).cos()
    }
}

/// The collocation loss and one more row, the mean of `u` over a midpoint grid.
#[derive(Clone)]
struct WithMean {
    inner: PinnLoss,
    grid: Tensor<2>,
}

impl WithMean {
    fn mean<M: Field>(&self, model: &M) -> Tensor<2> {
        model.forward(self.grid.clone()).mean().reshape([1, 1])
    }
}

impl<M: Field + Sync + 'static> ResidualRows<M> for WithMean {
    fn term_names(&self) -> Vec<String> {
        let mut names = self.inner.term_names();
        names.push("mean".into());
        names
    }
    fn term_rows(&self) -> Vec<usize> {
        let mut rows = self.inner.term_rows();
        rows.push(1);
        rows
    }
    fn weighted_rows(&self, model: &M, start: usize, len: usize) -> (usize, Tensor<2>) {
        if start < self.inner.num_rows() {
            self.inner.weighted_rows(model, start, len)
        } else {
            (self.inner.term_names().len(), self.mean(model))
        }
    }
    fn terms(&self, model: &M) -> LossTerms {
        let mut terms = self.inner.terms(model);
        let r = self.mean(model);
        terms.terms.push(("mean".into(), r.square().sum()));
        terms
    }
    fn boxed(&self) -> Box<dyn ResidualRows<M>> {
        Box::new(self.clone())
    }
    /// The mean row couples every grid point.
    fn pointwise(&self, term: usize) -> bool {
        term < self.inner.term_names().len()
    }
}

/// `problem` on 64 grid points with a 1→10×2→1 tanh MLP.
fn small(problem: Problem, device: &burn::tensor::Device) -> Trainable {
    Setup::new(problem)
        .points(PointsConfig {
            interior: 64,
            boundary: 2,
            sampler: Sampler::Grid,
        })
        .model(ModelConfig {
            width: 10,
            depth: 2,
            ..ModelConfig::default()
        })
        .build(device)
        .unwrap()
}

fn setup() -> (WithMean, Trainable) {
    let device = autodiff_device(Backend::Flex, Dtype::F64).unwrap();
    let domain = Domain::interval(0.0, 1.0);
    let ends = domain.spatial_faces();
    let problem = Problem::new("neumann_only", Cosine, domain)
        .with_condition(Condition::neumann("flux", ends, Arc::new(|_| 0.0)))
        .with_exact(|x| (PI * x[0]).cos());
    let trainable = small(problem, &device);
    let grid: Vec<Vec<f64>> = (0..200).map(|j| vec![(j as f64 + 0.5) / 200.0]).collect();
    let loss = WithMean {
        inner: trainable.loss.clone(),
        grid: points_tensor(&grid, 1, &device),
    };
    (loss, trainable)
}

#[test]
fn gauss_newton_adam_and_the_spectrum_run_on_a_user_loss() {
    let (loss, t) = setup();
    let l2 = t.l2.as_ref().unwrap();
    for solver in [GaussNewtonSolver::Cholesky, GaussNewtonSolver::Cg] {
        let settings = TrainSettings::new(vec![
            Stage::adam(20, 1e-3),
            Stage::gauss_newton_with(60, solver),
        ]);
        let out = train(t.model.clone(), &loss, &settings, Some(l2), &mut ()).unwrap();
        let rel = out.rel_l2.unwrap();
        let names: Vec<&str> = out.terms.iter().map(|(n, _)| n.as_str()).collect();
        println!("{solver:?}: rel. L2 {rel:.2e}, terms {:?}", out.terms);
        assert_eq!(names, ["residual", "flux", "mean"]);
        assert!(rel <= 1e-4, "{solver:?}: {rel:e}");
    }
    // Without the mean row the constant is free: the same training misses cos πx.
    let settings = TrainSettings::new(vec![Stage::gauss_newton(60)]);
    let free = train(t.model.clone(), &t.loss, &settings, Some(l2), &mut ()).unwrap();
    println!("without the mean row: rel. L2 {:.2e}", free.rel_l2.unwrap());
    assert!(free.rel_l2.unwrap() > 1e-2);
    let report = gauss_newton_spectrum(&loss, &t.model, BoundaryMultiplier::Fixed(1.0), 1).unwrap();
    println!("κ(A) = {:.3e}", report.spectrum.kappa);
    assert!(report.spectrum.kappa.is_finite() && report.spectrum.kappa > 1.0);
}

#[test]
fn an_output_transform_is_the_users_ansatz() {
    // −u'' = π² sin πx with u(0) = u(1) = 0 built in by the user's transform u = x(1 − x)·N:
    // the problem keeps no condition at all.
    let device = autodiff_device(Backend::Flex, Dtype::F64).unwrap();
    let mut problem = pinn_loss::pde::PdeConfig::Poisson1d {}
        .problem()
        .unwrap()
        .with_output_transform(|x, n| {
            let x = x.clone().narrow(0, 1);
            x.clone() * x.scale(-1.0).add_scalar(1.0) * n
        });
    problem.conditions.clear();
    let Trainable {
        loss, model, l2, ..
    } = small(problem, &device);
    assert_eq!(loss.term_names(), ["residual"]);
    let settings = TrainSettings::new(vec![Stage::gauss_newton(40)]);
    let out = train(model, &loss, &settings, l2.as_ref(), &mut ()).unwrap();
    let ends = out
        .model
        .forward(points_tensor(&[vec![0.0], vec![1.0]], 1, &device))
        .into_data_as::<f64>()
        .iter::<f64>()
        .fold(0.0_f64, |m, v| m.max(v.abs()));
    println!(
        "transform x(1 − x)·N: rel. L2 {:.2e}, |u| at the ends {ends:e}",
        out.rel_l2.unwrap()
    );
    assert!(out.rel_l2.unwrap() <= 1e-5);
    assert!(ends <= 1e-15, "{ends:e}");
}
