//! Step benchmark: one Adam step (jets forward, one backward, update) on 2D Poisson with an
//! MLP 2→64×4→1 tanh, 4096 interior + 400 boundary points, per backend and dtype.
//!
//! `cargo run --release --example bench_step [-- --backend flex --dtype f32 --steps 30]`
//! prints one JSON line per configuration: `{backend, dtype, ms_per_step, ...}` (median).
//!
//! burn fixes a device's dtype once per process, so each (backend, dtype) pair runs in a child
//! process of this binary.

/// mimalloc: every tensor op allocates; glibc malloc maps and unmaps large buffers each time.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::process::Command;
use std::time::Instant;

use burn::module::Module;
use burn::optim::AdamConfig;
use pinn::loss::{PinnLoss, PointsConfig, Sampler, pde::Poisson};
use pinn::model::backend::{Backend, Dtype, HAS_WGPU, autodiff_device};
use pinn::model::{Activation, ModelConfig};
use pinn::optim::Evaluator;

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1).cloned())
}

fn bench(backend: Backend, dtype: Dtype, steps: usize) -> Result<String, String> {
    let threads = backend.loss_threads(None);
    let device = autodiff_device(backend, dtype)?;
    let problem = Poisson::new(2).problem("poisson2d");
    let points = PointsConfig {
        interior: 4096,
        boundary: 400,
        sampler: Sampler::Halton,
    };
    let loss = PinnLoss::new(&problem, &points, 0, &device)?;
    let config = ModelConfig {
        width: 64,
        depth: 4,
        activation: Activation::Tanh,
        features: None,
        hard_constraints: false,
    };
    let mut model = config.init(problem.domain.lo(), problem.domain.hi(), 0, &device)?;
    let eval = Evaluator::new(&loss, threads);
    let mut optim = AdamConfig::new().init();
    let warmup = if backend == Backend::Wgpu { 3 } else { 2 };
    let mut times = Vec::with_capacity(steps);
    for k in 0..steps + warmup {
        let t = Instant::now();
        // The trainer's step: loss terms and gradients (sharded over threads on CPU), update.
        let (_terms, grads) = eval.terms_and_grads(&model);
        model = optim.step(1e-3, model, grads);
        if k >= warmup {
            times.push(t.elapsed().as_secs_f64() * 1e3);
        }
    }
    times.sort_by(f64::total_cmp);
    let median = times[times.len() / 2];
    Ok(format!(
        "{{\"backend\":\"{backend}\",\"dtype\":\"{dtype}\",\"ms_per_step\":{median:.2},\
         \"min_ms\":{:.2},\"steps\":{steps},\"n_params\":{},\"interior\":4096,\"boundary\":400,\
         \"threads\":{}}}",
        times[0],
        model.num_params(),
        threads
    ))
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let steps: usize = arg(&args, "--steps")
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    if let (Some(b), Some(d)) = (arg(&args, "--backend"), arg(&args, "--dtype")) {
        let (b, d): (Backend, Dtype) = (b.parse().unwrap(), d.parse().unwrap());
        match bench(b, d, steps) {
            Ok(line) => println!("{line}"),
            Err(e) => {
                eprintln!("error: {e}");
                std::process::exit(2);
            }
        }
        return;
    }
    let mut configs = vec![
        ("flex", "f32"),
        ("flex", "f64"),
        ("ndarray", "f32"),
        ("ndarray", "f64"),
    ];
    if HAS_WGPU {
        configs.push(("wgpu", "f32"));
    }
    let exe = std::env::current_exe().expect("own path");
    for (b, d) in configs {
        let status = Command::new(&exe)
            .args(["--backend", b, "--dtype", d, "--steps", &steps.to_string()])
            .status()
            .expect("run child");
        if !status.success() {
            eprintln!("{b}/{d} failed");
        }
    }
}
