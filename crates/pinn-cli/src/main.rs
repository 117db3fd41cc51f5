//! `pinn`: train physics-informed neural networks from a TOML config.

// Every tensor op allocates its output; mimalloc reuses those buffers where glibc malloc maps
// and unmaps them each time.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod bench;
mod bench_precision;
mod bench_speed;
mod memory;
mod plot;
mod predict;
mod reproduce;
mod run_plots;
mod spectrum;
mod train;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::LazyLock;

use clap::{Parser, Subcommand};
use pinn_model::backend::{Backend, Dtype};

/// `pinn --version`: the version and the cargo features the binary was built with, e.g.
/// `0.1.0 (features: wgpu, fusion, persistence)`, so that a measurement names its build.
static VERSION: LazyLock<String> = LazyLock::new(|| {
    let features: Vec<&str> = [
        ("wgpu", cfg!(feature = "wgpu")),
        ("cuda", cfg!(feature = "cuda")),
        ("fusion", cfg!(feature = "fusion")),
        ("persistence", cfg!(feature = "persistence")),
    ]
    .into_iter()
    .filter_map(|(name, on)| on.then_some(name))
    .collect();
    match features.is_empty() {
        true => format!("{} (no GPU features)", env!("CARGO_PKG_VERSION")),
        false => format!(
            "{} (features: {})",
            env!("CARGO_PKG_VERSION"),
            features.join(", ")
        ),
    }
});

#[derive(Parser)]
#[command(
    name = "pinn",
    version = VERSION.as_str(),
    about = "Physics-informed neural networks on burn"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train a model on the problem of a config file; results land in a run directory.
    Train {
        /// The config (see configs/*.toml).
        config: PathBuf,
        /// Backend: flex, ndarray, wgpu or cuda (wgpu and cuda need a build with that feature).
        #[arg(long)]
        backend: Option<Backend>,
        /// Float precision: f32 or f64 (f64 on CPU backends only).
        #[arg(long)]
        dtype: Option<Dtype>,
        /// The MLP's hidden tanh layers fused into one product and one kernel each (flex and
        /// GPU backends; sets `train.fused`).
        #[arg(long)]
        fused: bool,
        /// Total steps (the schedule's stages are scaled to it).
        #[arg(long)]
        steps: Option<usize>,
        /// Seed of initialisation and sampling.
        #[arg(long)]
        seed: Option<u64>,
        /// Output directory (default: runs/NAME).
        #[arg(long)]
        out: Option<PathBuf>,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
        /// Replace the run already in the output directory (its files are removed first).
        #[arg(long)]
        force: bool,
        /// Continue the run in this directory from its checkpoint (the config must be the
        /// run's).
        #[arg(long, value_name = "RUN_DIR")]
        resume: Option<PathBuf>,
        /// Abort the process once this step is reported (tests of resuming).
        #[arg(long, hide = true)]
        abort_at: Option<usize>,
    },
    /// Continue a stopped or killed run from its checkpoint; the result is the one the run
    /// would have reached uninterrupted.
    Resume {
        /// The run directory.
        run_dir: PathBuf,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
        /// Abort the process once this step is reported (tests of resuming).
        #[arg(long, hide = true)]
        abort_at: Option<usize>,
    },
    /// Evaluate a trained run's model at points read from a CSV or NPY file.
    Predict(predict::PredictArgs),
    /// Write a trained run's solution, exact solution and error on a grid (npy, csv or vtk).
    Export(predict::ExportArgs),
    /// The spectrum of the Gauss–Newton matrix A = J̃ᵀJ̃ at initialisation: κ, and why training is slow.
    Spectrum {
        /// The config.
        config: PathBuf,
        /// Boundary weight multiplier: `auto` (κ-optimal) or a number (default: the config's).
        #[arg(long)]
        lambda: Option<spectrum::Lambda>,
        /// Output directory (default: runs/NAME/spectrum).
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Benchmarks: `accuracy` and `pinnacle` (relative L² errors against targets), `speed`
    /// (step times), `precision` (whether a backend's f64 is f64).
    Bench {
        #[command(subcommand)]
        which: Benchmark,
    },
    /// Reproduce the experiments of De Ryck et al. (ICLR 2024) in f64: E1 to E5, or all.
    Reproduce {
        /// Which experiment.
        #[arg(ignore_case = true)]
        experiment: reproduce::Experiment,
        /// Output directory (one folder per experiment).
        #[arg(long, default_value = "runs/reproduce")]
        out: PathBuf,
    },
}

/// The benchmarks of `pinn bench`.
#[derive(Subcommand)]
enum Benchmark {
    /// Train each benchmark problem (configs/accuracy/) in f64 and write DIR/accuracy.jsonl
    /// with the relative L² error beside its target.
    Accuracy {
        /// A few steps per problem: checks the pipeline, not the targets.
        #[arg(long)]
        quick: bool,
        /// Run only this problem.
        #[arg(long)]
        only: Option<String>,
        /// Output directory (one run directory per problem, and accuracy.jsonl).
        #[arg(long, default_value = "runs/bench")]
        out: PathBuf,
    },
    /// Train each PINNacle problem the library expresses (configs/pinnacle/) in f64 and write
    /// DIR/pinnacle.jsonl: the relative L² error beside the target and the best published one.
    Pinnacle {
        /// A few steps per problem: checks the pipeline, not the targets.
        #[arg(long)]
        quick: bool,
        /// Run only this problem.
        #[arg(long)]
        only: Option<String>,
        /// Output directory (one run directory per problem, and pinnacle.jsonl).
        #[arg(long, default_value = "runs/pinnacle")]
        out: PathBuf,
        /// PINNacle's reference files (`lid_driven_a4.dat`, …); a problem whose file is not
        /// there is reported as not run.
        #[arg(long, default_value = "../shared/pinnacle")]
        data: PathBuf,
    },
    /// Time one Adam step (2D Poisson, MLP 2→64×4→1 tanh) per backend, point count and
    /// thread count, and write DIR/speed.jsonl: the median step time and points per second.
    Speed(bench_speed::SpeedArgs),
    /// Measure each backend's f64 — its exp, tanh, sin, cos, log, sqrt, division and matrix
    /// product against the host's — and print one JSON line per backend: the errors, and
    /// whether `--dtype f64` is accepted there.
    Precision {
        /// Backends, comma-separated (default: every backend this build has).
        #[arg(long, value_delimiter = ',')]
        backends: Vec<Backend>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Train {
            config,
            backend,
            dtype,
            fused,
            steps,
            seed,
            out,
            quiet,
            force,
            resume,
            abort_at,
        } => train::run(
            &config,
            train::Overrides {
                backend,
                dtype,
                fused,
                steps,
                seed,
                out,
                quiet,
                force,
                abort_at,
            },
            resume.as_deref(),
        ),
        Command::Resume {
            run_dir,
            quiet,
            abort_at,
        } => train::resume_run(
            &run_dir,
            train::Overrides {
                quiet,
                abort_at,
                ..train::Overrides::default()
            },
        ),
        Command::Predict(args) => predict::predict(&args).map(|()| train::Exit::Done),
        Command::Export(args) => predict::export(&args).map(|()| train::Exit::Done),
        Command::Spectrum {
            config,
            lambda,
            out,
        } => spectrum::run(&config, lambda.unwrap_or(spectrum::Lambda::Config), out)
            .map(|()| train::Exit::Done),
        Command::Bench {
            which: Benchmark::Accuracy { quick, only, out },
        } => bench::accuracy(&out, quick, only.as_deref()).map(|()| train::Exit::Done),
        Command::Bench {
            which:
                Benchmark::Pinnacle {
                    quick,
                    only,
                    out,
                    data,
                },
        } => bench::pinnacle(&out, quick, only.as_deref(), &data).map(|()| train::Exit::Done),
        Command::Bench {
            which: Benchmark::Speed(args),
        } => bench_speed::run(&args).map(|()| train::Exit::Done),
        Command::Bench {
            which: Benchmark::Precision { backends },
        } => bench_precision::run(&backends).map(|()| train::Exit::Done),
        Command::Reproduce { experiment, out } => {
            reproduce::run(experiment, &out).map(|()| train::Exit::Done)
        }
    };
    match result {
        Ok(train::Exit::Done) => ExitCode::SUCCESS,
        Ok(train::Exit::NonFinite) => ExitCode::from(3),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
