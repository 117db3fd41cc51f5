use burn::optim::{AdamConfig, GradientsParams};
use pinn::loss::{PinnLoss, PointsConfig, Sampler, pde::Poisson};
use pinn::model::backend::{Backend, Dtype, autodiff_device};
use pinn::model::{Activation, ModelConfig};
use std::time::Instant;
fn main() {
    let device = autodiff_device(Backend::Flex, Dtype::F32).unwrap();
    let problem = Poisson::new(2).problem("poisson2d");
    let points = PointsConfig {
        interior: 4096,
        boundary: 400,
        sampler: Sampler::Halton,
    };
    let loss = PinnLoss::new(&problem, &points, 0, &device).unwrap();
    let config = ModelConfig {
        width: 64,
        depth: 4,
        activation: Activation::Tanh,
        features: None,
    };
    let mut model = config
        .init(problem.domain.lo(), problem.domain.hi(), 0, &device)
        .unwrap();
    let mut optim = AdamConfig::new().init();
    for k in 0..12 {
        let t0 = Instant::now();
        let total = loss.terms(&model).total();
        let v: f64 = total.clone().into_scalar();
        let t1 = Instant::now();
        let g = total.backward();
        let t2 = Instant::now();
        let grads = GradientsParams::from_grads(g, &model);
        model = optim.step(1e-3, model, grads);
        let t3 = Instant::now();
        if k > 1 {
            println!(
                "fwd {:.1} bwd {:.1} opt {:.1} ms  {v:.3}",
                (t1 - t0).as_secs_f64() * 1e3,
                (t2 - t1).as_secs_f64() * 1e3,
                (t3 - t2).as_secs_f64() * 1e3
            );
        }
    }
}
