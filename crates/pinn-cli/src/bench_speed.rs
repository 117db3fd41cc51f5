//! `pinn bench speed`: the median wall time of one training step — the loss terms and their
//! gradient (jets forward, one backward pass, sharded over threads on the CPU) and burn's Adam
//! update — for 2D Poisson with an MLP 2→64×4→1 tanh, per backend, number of interior points
//! and thread count. One JSON line per measurement in `DIR/speed.jsonl`.
//!
//! burn fixes a device's dtype once per process, and a GPU that runs out of memory should not
//! take the other measurements with it, so each measurement runs in a child process of this
//! binary (`--one`).

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use burn::Tensor;
use burn::optim::AdamConfig;
use burn::tensor::{Device, Distribution};
use pinn_loss::pde::Poisson;
use pinn_loss::{PinnLoss, PointsConfig, Sampler};
use pinn_model::backend::{Backend, Dtype, autodiff_device, default_threads};
use pinn_model::{Activation, Field, ModelConfig, params};
use pinn_optim::Evaluator;
use serde::{Deserialize, Serialize};

use pinn_run::files::write_atomic;

/// Boundary points of every measurement (the interior count varies).
const BOUNDARY: usize = 400;

/// Untimed steps before the timed ones (allocator and GPU pipeline warm-up).
const WARMUP: usize = 3;

/// `pinn bench speed` options.
#[derive(clap::Args, Debug)]
pub struct SpeedArgs {
    /// Interior collocation points, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = [4096, 16384, 65536, 262144])]
    points: Vec<usize>,
    /// Backends, comma-separated (default: flex, and wgpu in a build with `--features wgpu`).
    #[arg(long, value_delimiter = ',')]
    backends: Vec<Backend>,
    /// Float precision.
    #[arg(long, default_value = "f32")]
    dtype: Dtype,
    /// Loss threads on CPU backends, comma-separated (default: one per core); GPU backends
    /// use one.
    #[arg(long, value_delimiter = ',')]
    threads: Vec<usize>,
    /// Points per batch (about) of the dense layers' products (0: all at once; default: the
    /// backend's, 256 on wgpu, none on the CPU).
    #[arg(long)]
    row_chunk: Option<usize>,
    /// Run the hidden tanh layers fused (flex and GPU backends; `train.fused`).
    #[arg(long)]
    fused: bool,
    /// Timed steps per measurement (after 3 warm-up steps).
    #[arg(long, default_value_t = 20)]
    steps: usize,
    /// Output directory (speed.jsonl).
    #[arg(long, default_value = "runs/bench")]
    out: PathBuf,
    /// Also time the phases of a step (forward alone; backward and update) and single ops
    /// at the step's sizes (dense layer, exp, weight and bias gradients, loss sum), each ended
    /// by a read-back.
    #[arg(long)]
    profile: bool,
    /// Run the first backend, point count and thread count here and print its JSON line.
    #[arg(long, hide = true)]
    one: bool,
}

/// One measurement.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SpeedRow {
    /// `flex`, `ndarray` or `wgpu`.
    pub backend: String,
    /// `f32` or `f64`.
    pub dtype: String,
    /// Interior collocation points.
    pub interior: usize,
    /// Boundary points.
    pub boundary: usize,
    /// Loss threads.
    pub threads: usize,
    /// Cores of the machine.
    pub cores: usize,
    /// Timed steps.
    pub steps: usize,
    /// Median step time, milliseconds.
    pub ms_per_step: f64,
    /// Fastest step, milliseconds.
    pub min_ms: f64,
    /// Interior points per second at the median step time.
    pub points_per_s: f64,
    /// Trained parameters.
    pub n_params: usize,
    /// Points per batch of the dense layers' products (`null`: all at once).
    #[serde(default)]
    pub row_chunk: Option<usize>,
    /// Whether the hidden layers ran fused (`--fused`).
    #[serde(default)]
    pub fused: bool,
    /// With `--profile`: where a step's time goes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile: Option<Profile>,
}

/// Median times (ms) of a step's phases and of single ops at its sizes, each ended by a
/// read-back to the host that waits for the device.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Profile {
    /// The loss terms alone (jets forward, residual, reductions).
    pub forward_ms: f64,
    /// The rest of a step: backward pass and Adam update.
    pub backward_update_ms: f64,
    /// `[N·5, 64] × [64, 64] + b`: one hidden layer on the value and the 4 derivative streams.
    pub dense_ms: f64,
    /// One element-wise kernel (`exp`, on which the jets' `tanh` is built) on `[N·5, 64]`.
    pub elementwise_ms: f64,
    /// A weight gradient of the backward pass, `hᵀ δ`: `[64, N·5] × [N·5, 64]` (a product
    /// whose inner dimension is the number of rows).
    pub weight_grad_ms: f64,
    /// A bias gradient of the backward pass: the column sums of `[N·5, 64]`.
    pub bias_grad_ms: f64,
    /// The sum of an `[N, 1]` column (the loss's reduction).
    pub sum_ms: f64,
    /// A read-back of one scalar (the floor under every figure above).
    pub readback_ms: f64,
}

/// Run `pinn bench speed`.
pub fn run(args: &SpeedArgs) -> Result<(), String> {
    if args.points.is_empty() || args.points.contains(&0) {
        return Err(
            "--points must list interior point counts ≥ 1, e.g. --points 4096,16384".into(),
        );
    }
    if args.steps == 0 {
        return Err("--steps must be at least 1".into());
    }
    if args.threads.contains(&0) {
        return Err("--threads must list counts ≥ 1, e.g. --threads 1,2,16".into());
    }
    let backends = if args.backends.is_empty() {
        [Backend::Flex, Backend::Wgpu, Backend::Cuda]
            .into_iter()
            .filter(|b| b.is_built())
            .collect()
    } else {
        args.backends.clone()
    };
    if args.fused
        && let Some(b) = backends.iter().find(|b| !b.has_fused_kernel())
    {
        return Err(format!(
            "--fused has no kernel on {b}; use --backends flex (or a GPU backend) with --fused"
        ));
    }
    let cpu_threads = if args.threads.is_empty() {
        vec![default_threads()]
    } else {
        args.threads.clone()
    };
    if args.one {
        let threads = backends[0].loss_threads(Some(cpu_threads[0]));
        let row_chunk = match args.row_chunk {
            Some(0) => None,
            Some(rows) => Some(rows),
            None => backends[0].row_chunk(),
        };
        let row = measure(
            Measurement {
                backend: backends[0],
                dtype: args.dtype,
                interior: args.points[0],
                threads,
                row_chunk,
                fused: args.fused,
            },
            args.steps,
            args.profile,
        )?;
        println!(
            "{}",
            serde_json::to_string(&row).map_err(|e| e.to_string())?
        );
        return Ok(());
    }
    std::fs::create_dir_all(&args.out)
        .map_err(|e| format!("cannot create output directory {}: {e}", args.out.display()))?;
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this binary: {e}"))?;
    let mut lines = String::new();
    let mut rows = Vec::new();
    for &backend in &backends {
        let thread_counts = if backend.is_gpu() {
            vec![1]
        } else {
            cpu_threads.clone()
        };
        for &points in &args.points {
            for &threads in &thread_counts {
                let output = Command::new(&exe)
                    .args(["bench", "speed", "--one"])
                    .args(["--backends", &backend.to_string()])
                    .args(["--dtype", &args.dtype.to_string()])
                    .args(["--points", &points.to_string()])
                    .args(["--threads", &threads.to_string()])
                    .args(["--steps", &args.steps.to_string()])
                    .args(args.profile.then_some("--profile"))
                    .args(args.fused.then_some("--fused"))
                    .args(args.row_chunk.map(|r| format!("--row-chunk={r}")))
                    .output()
                    .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
                let line = String::from_utf8_lossy(&output.stdout);
                let row: SpeedRow = match serde_json::from_str(line.trim()) {
                    Ok(row) if output.status.success() => row,
                    _ => {
                        let why = String::from_utf8_lossy(&output.stderr);
                        eprintln!(
                            "bench speed: {backend} with {points} points failed: {}",
                            why.trim()
                        );
                        continue;
                    }
                };
                eprintln!(
                    "bench speed: {backend} {points} points, {threads} threads: {:.2} ms/step",
                    row.ms_per_step
                );
                lines.push_str(line.trim());
                lines.push('\n');
                write_atomic(&args.out.join("speed.jsonl"), lines.as_bytes())?;
                rows.push(row);
            }
        }
    }
    println!(
        "{:<8} {:>9} {:>7} {:>10} {:>14}",
        "backend", "interior", "threads", "ms/step", "points/s"
    );
    for r in &rows {
        let backend = if r.fused {
            format!("{}+fused", r.backend)
        } else {
            r.backend.clone()
        };
        println!(
            "{:<8} {:>9} {:>7} {:>10.2} {:>14.3e}",
            backend, r.interior, r.threads, r.ms_per_step, r.points_per_s
        );
    }
    println!("-> {}", args.out.join("speed.jsonl").display());
    Ok(())
}

/// What one measurement runs.
struct Measurement {
    backend: Backend,
    dtype: Dtype,
    interior: usize,
    threads: usize,
    row_chunk: Option<usize>,
    fused: bool,
}

/// Time `steps` training steps after [`WARMUP`] untimed ones.
fn measure(m: Measurement, steps: usize, profile: bool) -> Result<SpeedRow, String> {
    let Measurement {
        backend,
        dtype,
        interior,
        threads,
        row_chunk,
        fused,
    } = m;
    let device = autodiff_device(backend, dtype)?;
    let problem = Poisson::new(2).problem("poisson2d");
    let points = PointsConfig {
        interior,
        boundary: BOUNDARY,
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
    if row_chunk.is_some() || fused {
        model = model
            .map_layers(&mut |d| d.with_row_chunk(row_chunk).with_fused(fused))
            .expect("an MLP's parameters are all in Dense layers");
    }
    let n_params = burn::module::Module::num_params(&model);
    let eval = Evaluator::new(&loss, threads).with_shard_points(backend.shard_points(fused));
    let mut optim = AdamConfig::new().with_epsilon(1e-8).init();
    let mut times = Vec::with_capacity(steps);
    for k in 0..steps + WARMUP {
        let start = Instant::now();
        // The loss terms come back to the host, which waits for the device's work.
        let (_terms, grads) = eval.terms_and_grads(&model);
        model = optim.step(1e-3, model, grads);
        if k >= WARMUP {
            times.push(start.elapsed().as_secs_f64() * 1e3);
        }
    }
    let ms_per_step = median(&mut times);
    let profile = profile.then(|| {
        let forward = median_of(steps, || {
            eval.terms(&model);
        });
        let whole = median_of(steps, || {
            let (_terms, grads) = eval.terms_and_grads(&model);
            let next = optim.step(1e-3, model.clone(), grads);
            params::flatten(&next);
        });
        ops(interior, &device, steps, forward, whole)
    });
    Ok(SpeedRow {
        backend: backend.to_string(),
        dtype: dtype.to_string(),
        interior,
        boundary: BOUNDARY,
        threads,
        cores: default_threads(),
        steps,
        ms_per_step,
        min_ms: times[0],
        points_per_s: interior as f64 / (ms_per_step * 1e-3),
        n_params,
        row_chunk,
        fused,
        profile,
    })
}

/// Sort `times` and return the median.
fn median(times: &mut [f64]) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

/// The median wall time (ms) of `f` over `runs` runs after [`WARMUP`] untimed ones.
fn median_of(runs: usize, mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..runs + WARMUP)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64() * 1e3
        })
        .skip(WARMUP)
        .collect();
    median(&mut times)
}

/// The single ops of a step at its sizes (`N` points, 5 jet streams, width 64).
fn ops(n: usize, device: &Device, runs: usize, forward_ms: f64, step_ms: f64) -> Profile {
    let rows = 5 * n;
    let h = Tensor::<2>::random([rows, 64], Distribution::Uniform(-1.0, 1.0), device);
    let w = Tensor::<2>::random([64, 64], Distribution::Uniform(-1.0, 1.0), device);
    let b = Tensor::<2>::zeros([1, 64], device);
    let column = Tensor::<2>::random([n, 1], Distribution::Uniform(-1.0, 1.0), device);
    // One element back to the host waits for every queued kernel.
    let read = |t: Tensor<2>| t.slice([0..1, 0..1]).into_scalar::<f64>();
    let readback_ms = median_of(runs, || {
        read(b.clone());
    });
    Profile {
        forward_ms,
        backward_update_ms: step_ms - forward_ms,
        dense_ms: median_of(runs, || {
            read(h.clone().matmul(w.clone()) + b.clone());
        }) - readback_ms,
        elementwise_ms: median_of(runs, || {
            read(h.clone().exp());
        }) - readback_ms,
        weight_grad_ms: median_of(runs, || {
            read(h.clone().transpose().matmul(h.clone()));
        }) - readback_ms,
        bias_grad_ms: median_of(runs, || {
            read(h.clone().sum_dim(0));
        }) - readback_ms,
        sum_ms: median_of(runs, || {
            column.clone().sum().into_scalar::<f64>();
        }) - readback_ms,
        readback_ms,
    }
}
