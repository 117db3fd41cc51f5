//! The diagonal preconditioner `P` applied in the three equivalent ways gives the same first
//! gradient step on a linear Fourier model (f64):
//!
//! - on the parameters, `θ = Pθ'`: a step on `θ'` of the reparametrised least-squares problem;
//! - on the gradient, `θ ← θ − η PPᵀ ∇L(θ)`;
//! - on the features, `φ ← Pφ` inside the model, a plain step on its coefficients.

use std::f64::consts::PI;
use std::sync::Arc;

use burn::Tensor;
use burn::tensor::TensorData;
use pinn_loss::pde::Poisson;
use pinn_loss::{Condition, Domain, PinnLoss, PointsConfig, Problem, Sampler};
use pinn_model::backend::{Backend, Dtype, autodiff_device};
use pinn_model::{Dense, FourierFeatures, LinearFourier, Model, params};
use pinn_optim::jacobian::jacobian_blocks;
use pinn_paper::precondition::{ZeroModes, diagonal_preconditioner};

#[test]
fn parameters_gradients_and_features_give_the_same_step() {
    let device = autodiff_device(Backend::Flex, Dtype::F64).unwrap();
    let domain = Domain::interval(-PI, PI);
    let faces = domain.spatial_faces();
    let residual = Poisson::with_modes(1, vec![(1.0, 4.0 / PI)]);
    let problem = Problem::new("p", residual.clone(), domain)
        .with_condition(Condition::value("boundary", faces, Arc::new(|_| 0.0)).with_weight(5.0));
    let points = PointsConfig {
        interior: 64,
        boundary: 2,
        sampler: Sampler::Grid,
    };
    let loss = PinnLoss::new(&problem, &points, 0, &device).unwrap();
    let k = 6;
    let plain = FourierFeatures::periodic(&[2.0 * PI], k, true, &device);
    let zero = ZeroModes {
        constant: 20.0,
        resonant: 1.0,
    };
    let p = diagonal_preconditioner(&plain, &residual, zero).unwrap();
    let f = plain.num_features();
    let theta_prime: Vec<f64> = (0..f).map(|i| 0.3 * (i as f64 + 1.0).sin()).collect();
    let head = |c: &[f64]| {
        Dense::from_tensors(
            Tensor::from_data(TensorData::new(c.to_vec(), [f, 1]), &device),
            None,
        )
    };
    let eta = 1e-3;

    // On the gradient: θ₀ = Pθ'₀, θ₁ = θ₀ − η P² ∇L(θ₀).
    let theta0: Vec<f64> = theta_prime.iter().zip(&p).map(|(t, q)| t * q).collect();
    let model_b = Model::LinearFourier(LinearFourier {
        features: plain,
        head: head(&theta0),
    });
    let g = params::flatten_grads(&model_b, &loss.terms(&model_b).total().backward());
    let by_gradient: Vec<f64> = (0..f)
        .map(|i| theta0[i] - eta * p[i] * p[i] * g[i])
        .collect();

    // On the parameters: the least-squares problem in θ' (J ← JP), one step, θ₁ = Pθ'₁.
    let ls = jacobian_blocks(&loss, &model_b, 1).preconditioned(&p);
    let g_prime = ls.half_gradient(&theta_prime);
    let by_parameters: Vec<f64> = (0..f)
        .map(|i| p[i] * (theta_prime[i] - eta * 2.0 * g_prime[i]))
        .collect();

    // On the features: u = Σ θ'_k (p_k φ_k), a plain step on θ'.
    let scaled =
        FourierFeatures::periodic(&[2.0 * PI], k, true, &device).with_mode_scaling(p[0], &p[1..=k]);
    let model_c = Model::LinearFourier(LinearFourier {
        features: scaled,
        head: head(&theta_prime),
    });
    let gc = params::flatten_grads(&model_c, &loss.terms(&model_c).total().backward());
    let by_features: Vec<f64> = (0..f)
        .map(|i| p[i] * (theta_prime[i] - eta * gc[i]))
        .collect();

    let diff = |a: &[f64], b: &[f64]| {
        let scale = b.iter().fold(0.0_f64, |m, v| m.max(v.abs()));
        a.iter()
            .zip(b)
            .fold(0.0_f64, |m, (x, y)| m.max((x - y).abs()))
            / scale
    };
    let (ab, cb) = (
        diff(&by_parameters, &by_gradient),
        diff(&by_features, &by_gradient),
    );
    println!("first step: parameters vs gradient {ab:e}, features vs gradient {cb:e}");
    assert!(ab < 1e-12 && cb < 1e-12, "{ab:e} {cb:e}");
    // And the step is not trivial: it moved θ.
    assert!(diff(&by_gradient, &theta0) > 1e-6);
}
