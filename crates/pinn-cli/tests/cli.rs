//! The `pinn` binary: bad input exits with code 2 and one line naming the field and the fix;
//! a short run writes its run directory; a blown-up loss exits with code 3 and keeps the last
//! good checkpoint.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn pinn(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pinn"))
        .args(args)
        .output()
        .expect("run pinn")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pinn-cli-test-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const VALID: &str = r#"
[pde]
name = "poisson2d"

[model]
width = 8
depth = 2

[points]
interior = 64
boundary = 32

[train]
eval_every = 5

[[train.stages]]
optimizer = "adam"
steps = 10
"#;

fn write_config(dir: &Path, text: &str) -> String {
    let path = dir.join("run.toml");
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

/// Run with a config; expect exit code 2 and a single stderr line containing every `needle`.
fn rejects(name: &str, text: &str, extra: &[&str], needles: &[&str]) {
    let dir = scratch(name);
    let cfg = write_config(&dir, text);
    let mut args = vec!["train", cfg.as_str(), "--quiet"];
    args.extend_from_slice(extra);
    let out = pinn(&args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{name}: exit code, stderr: {stderr}"
    );
    assert_eq!(
        stderr.trim().lines().count(),
        1,
        "{name}: one line, got {stderr}"
    );
    for n in needles {
        assert!(stderr.contains(n), "{name}: `{n}` not in: {stderr}");
    }
}

/// `pinn train` on `text` with `--quiet --out DIR/out` and `extra`; the output and `DIR/out`.
fn train_into(name: &str, text: &str, extra: &[&str]) -> (Output, PathBuf) {
    let dir = scratch(name);
    let cfg = write_config(&dir, text);
    let out_dir = dir.join("out");
    let mut args = vec![
        "train",
        cfg.as_str(),
        "--quiet",
        "--out",
        out_dir.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    (pinn(&args), out_dir)
}

/// The `summary.json` of a successful run.
fn summary(out: &Output, out_dir: &Path) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_str(&std::fs::read_to_string(out_dir.join("summary.json")).unwrap()).unwrap()
}

/// After a successful run, the JSON lines of the file it wrote.
fn json_lines(out: &Output, path: &Path) -> Vec<serde_json::Value> {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn missing_config_file() {
    let out = pinn(&["train", "/nonexistent/config.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read config"));
}

#[test]
fn unknown_field_is_named() {
    let bad = VALID.replace("width = 8", "widht = 8");
    rejects("unknown-field", &bad, &[], &["widht", "width"]);
}

#[test]
fn zero_points_is_rejected() {
    let bad = VALID.replace("interior = 64", "interior = 0");
    rejects("zero-points", &bad, &[], &["points.interior", "at least 1"]);
}

#[test]
fn negative_width_is_rejected() {
    let bad = VALID.replace("width = 8", "width = -8");
    rejects("negative-width", &bad, &[], &["-8"]);
    let zero = VALID.replace("width = 8", "width = 0");
    rejects("zero-width", &zero, &[], &["model.width"]);
}

#[test]
fn unknown_activation_and_pde_are_rejected() {
    let bad = VALID.replace("depth = 2", "depth = 2\nactivation = \"relu\"");
    rejects("activation", &bad, &[], &["relu", "tanh"]);
    let bad = VALID.replace("poisson2d", "poison2d");
    rejects("pde", &bad, &[], &["poison2d", "poisson2d"]);
}

#[test]
fn f64_on_wgpu_is_rejected() {
    rejects(
        "wgpu-f64",
        VALID,
        &["--backend", "wgpu", "--dtype", "f64"],
        &["f64", "wgpu"],
    );
    let bad = format!("backend = \"wgpu\"\ndtype = \"f64\"\n{VALID}");
    rejects("wgpu-f64-config", &bad, &[], &["f64", "wgpu"]);
}

#[test]
fn fused_layers_on_ndarray_or_off_tanh_are_rejected() {
    let ndarray = format!("backend = \"ndarray\"\n{VALID}");
    rejects(
        "fused-ndarray",
        &ndarray,
        &["--fused"],
        &["train.fused", "ndarray", "--backend flex"],
    );
    let bad = ndarray.replace("[train]", "[train]\nfused = true");
    rejects("fused-config", &bad, &[], &["train.fused", "ndarray"]);
    let bad = format!(
        "backend = \"flex\"\n{}",
        VALID.replace("depth = 2", "depth = 2\nactivation = \"sin\"")
    );
    rejects(
        "fused-sin",
        &bad,
        &["--fused"],
        &["train.fused", "sin", "tanh"],
    );
}

#[test]
fn contradictory_weights_and_empty_schedule_are_rejected() {
    let bad = VALID.replace("[train]", "[weights]\ninitial = 10.0\n\n[train]");
    rejects("weights", &bad, &[], &["weights.initial", "boundary"]);
    let bad = VALID.replace(
        "[[train.stages]]\noptimizer = \"adam\"\nsteps = 10\n",
        "stages = []",
    );
    rejects("stages", &bad, &[], &["train.stages"]);
}

#[test]
fn a_short_run_writes_its_directory() {
    let (out, out_dir) = train_into("short-run", VALID, &["--steps", "10"]);
    let summary = summary(&out, &out_dir);
    for key in [
        "problem",
        "backend",
        "dtype",
        "steps",
        "final_loss",
        "rel_l2",
        "wall_s",
        "ms_per_step",
        "n_params",
    ] {
        assert!(summary.get(key).is_some(), "summary.json lacks {key}");
    }
    assert_eq!(summary["steps"], 10);
    let metrics = std::fs::read_to_string(out_dir.join("metrics.csv")).unwrap();
    assert!(metrics.starts_with("step,optimizer,residual,boundary,loss,rel_l2"));
    assert_eq!(metrics.lines().count(), 3, "rows at steps 5 and 10");
    assert!(out_dir.join("checkpoint.safetensors").exists());
}

#[test]
fn blown_up_loss_exits_3_and_keeps_the_checkpoint() {
    // Adam moves every parameter by ~lr per step: with lr = 1e30 the output bias reaches 1e30
    // and its square overflows f32 in the boundary term.
    let bad = VALID
        .replace("steps = 10", "steps = 10\nlr = 1e30")
        .replace("eval_every = 5", "eval_every = 1");
    let (out, out_dir) = train_into("nan", &bad, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("NaN or infinite"), "{stderr}");
    assert!(stderr.contains("loss term"), "{stderr}");
    assert!(stderr.contains("kept the checkpoint of step 1"), "{stderr}");
    // The checkpoint of step 1 (a finite loss) is kept: the model loads and predicts.
    let points = out_dir.with_file_name("points.csv");
    std::fs::write(&points, "0.5,0.5\n").unwrap();
    let predicted = pinn(&[
        "predict",
        out_dir.to_str().unwrap(),
        "--points",
        points.to_str().unwrap(),
    ]);
    assert!(
        predicted.status.success(),
        "{}",
        String::from_utf8_lossy(&predicted.stderr)
    );
}

#[test]
fn bad_second_order_and_balance_settings_are_rejected() {
    let bad = VALID.replace(
        "optimizer = \"adam\"\nsteps = 10",
        "optimizer = \"gauss_newton\"\nsteps = 10\nstep_sizes = []",
    );
    rejects("step-sizes", &bad, &[], &["step_sizes", "positive"]);
    let bad = VALID.replace(
        "eval_every = 5",
        "eval_every = 5\nbalance = { method = \"grad_norm\", alpha = 1.5 }",
    );
    rejects("balance", &bad, &[], &["train.balance.alpha", "0.9"]);
    let bad = VALID.replace(
        "depth = 2",
        "depth = 2\nhard_constraints = true\nfeatures = { kind = \"random\", count = 4, sigma = 1.0 }",
    );
    let bad = bad.replace("poisson2d", "advection");
    rejects(
        "hard-features",
        &bad,
        &[],
        &["model.features", "hard_constraints"],
    );
}

#[test]
fn quick_accuracy_bench_writes_one_json_line_per_problem() {
    let dir = scratch("bench");
    let out = pinn(&[
        "bench",
        "accuracy",
        "--quick",
        "--only",
        "heat1d",
        "--out",
        dir.to_str().unwrap(),
    ]);
    let lines = json_lines(&out, &dir.join("accuracy.jsonl"));
    assert_eq!(lines.len(), 1);
    let line = &lines[0];
    for key in ["problem", "method", "dtype", "steps", "rel_l2", "wall_s"] {
        assert!(line.get(key).is_some(), "missing {key} in {line}");
    }
    assert_eq!(line["problem"], "heat1d");
    assert_eq!(line["dtype"], "f64");
    assert_eq!(line["steps"], 5);
    let rel = line["rel_l2"].as_f64().unwrap();
    assert!(rel.is_finite() && rel > 0.0 && rel < 1.0, "{rel}");
    assert!(dir.join("heat1d").join("summary.json").exists());
    let bad = pinn(&[
        "bench",
        "accuracy",
        "--only",
        "burgers",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("poisson2d"));
}

#[test]
fn quick_pinnacle_bench_writes_one_line_per_problem_and_says_what_is_not_run() {
    let dir = scratch("pinnacle");
    // A stand-in for PINNacle's cavity reference (x, y, u, v, p on three nodes, COMSOL style).
    let data = dir.join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(
        data.join("lid_driven_a4.dat"),
        "% x y u v p\n0.5 0.5 -0.18 0.05 -0.03\n0.25 0.75 -0.1 0.1 0.01\n0.5 1 1 0 0.1\n",
    )
    .unwrap();
    let out = pinn(&[
        "bench",
        "pinnacle",
        "--quick",
        "--out",
        dir.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
    ]);
    let lines = json_lines(&out, &dir.join("pinnacle.jsonl"));
    assert_eq!(lines.len(), 6, "{lines:?}");
    let cavity = lines
        .iter()
        .find(|l| l["problem"] == "ns2d_lid_driven")
        .unwrap();
    for field in ["u", "v", "p"] {
        let e = cavity["rel_l2_per_field"][field].as_f64();
        assert!(e.is_some_and(f64::is_finite), "{cavity}");
    }
    let wave = lines.iter().find(|l| l["problem"] == "wave1d").unwrap();
    for key in [
        "rel_l2",
        "rel_l2_per_field",
        "target",
        "published_best",
        "met",
        "steps",
        "wall_s",
        "n_params",
    ] {
        assert!(wave.get(key).is_some(), "missing {key} in {wave}");
    }
    assert_eq!(wave["steps"], 5);
    assert_eq!(wave["published_best"], 9.79e-2);
    let rel = wave["rel_l2"].as_f64().unwrap();
    assert!(rel.is_finite() && rel > 0.0, "{rel}");
    // Burgers and Poisson2d-C: their reference files are not in `data`.
    let not_run = lines.iter().filter(|l| l.get("not_run").is_some()).count();
    assert_eq!(not_run, 2, "{lines:?}");
    // Without the reference file the cavity is reported as not run, with the fix.
    let out = pinn(&[
        "bench",
        "pinnacle",
        "--quick",
        "--only",
        "ns2d_lid_driven",
        "--out",
        dir.to_str().unwrap(),
        "--data",
        dir.join("nowhere").to_str().unwrap(),
    ]);
    let lines = json_lines(&out, &dir.join("pinnacle.jsonl"));
    let why = lines[0]["not_run"].as_str().unwrap();
    assert!(
        why.contains("lid_driven_a4.dat") && why.contains("--data"),
        "{why}"
    );
}

#[test]
fn speed_bench_writes_one_json_line_per_measurement() {
    let dir = scratch("speed");
    let out = pinn(&[
        "bench",
        "speed",
        "--backends",
        "flex",
        "--points",
        "64,128",
        "--threads",
        "1",
        "--steps",
        "2",
        "--profile",
        "--out",
        dir.to_str().unwrap(),
    ]);
    let lines = json_lines(&out, &dir.join("speed.jsonl"));
    assert_eq!(lines.len(), 2);
    for (line, points) in lines.iter().zip([64, 128]) {
        assert_eq!(line["backend"], "flex");
        assert_eq!(line["interior"], points);
        assert_eq!(line["n_params"], 12737);
        let ms = line["ms_per_step"].as_f64().unwrap();
        assert!(ms > 0.0 && ms.is_finite(), "{line}");
        assert!(
            line["profile"]["forward_ms"].as_f64().unwrap() > 0.0,
            "{line}"
        );
    }
    let bad = pinn(&[
        "bench",
        "speed",
        "--points",
        "0",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--points"));
}

#[test]
fn precision_bench_measures_the_cpu_backends_f64_and_names_an_unbuilt_one() {
    let out = pinn(&["bench", "precision", "--backends", "flex,ndarray,cuda"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 3);
    for line in &lines[..2] {
        // The host's own f64: every function to a few ulps, far below the tolerance.
        assert_eq!(line["f64_accepted"], true, "{line}");
        let errors = line["errors"].as_object().unwrap();
        assert_eq!(errors.len(), 8, "{line}");
        for (name, e) in errors {
            let e = e.as_f64().unwrap();
            assert!((0.0..1e-14).contains(&e), "{name}: {e}");
        }
    }
    if cfg!(feature = "cuda") {
        return; // a cuda build's answer depends on the machine's driver
    }
    assert_eq!(lines[2]["f64_accepted"], false);
    let reason = lines[2]["reason"].as_str().unwrap();
    assert!(reason.contains("--features cuda"), "{reason}");
}

#[test]
fn run_names_that_are_paths_and_zero_step_stages_are_rejected() {
    let bad = format!("name = \"../../x\"\n{VALID}");
    rejects("name-path", &bad, &[], &["name", "plain name"]);
    let bad = VALID.replace("steps = 10", "steps = 0");
    rejects(
        "zero-steps",
        &bad,
        &[],
        &["train.stages[0].steps", "at least 1"],
    );
}

#[test]
fn more_loss_threads_than_cores_is_a_warning() {
    let text = VALID.replace("[train]\n", "[train]\nthreads = 100000\n");
    let (out, _) = train_into("threads", &text, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("warning: train.threads = 100000"),
        "{stderr}"
    );
}

#[test]
fn steps_fewer_than_stages_drop_the_empty_stages() {
    let text = format!("{VALID}\n[[train.stages]]\noptimizer = \"lbfgs\"\nsteps = 10\n");
    let (out, out_dir) = train_into("few-steps", &text, &["--steps", "1"]);
    let summary = summary(&out, &out_dir);
    assert_eq!(summary["steps"], 1);
    let config = std::fs::read_to_string(out_dir.join("config.toml")).unwrap();
    assert_eq!(config.matches("[[train.stages]]").count(), 1, "{config}");
    assert!(config.contains("optimizer = \"lbfgs\""), "{config}");
}

/// A config file of the repository with its `[reference]` table dropped (CI has no data),
/// fewer points and `steps` steps.
fn repository_config(path: &str, steps: usize) -> String {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(path),
    )
    .unwrap();
    let mut out = String::new();
    let mut skip = false;
    for line in text.lines() {
        if line.starts_with('[') {
            skip = line == "[reference]";
        }
        let line = if line.starts_with("steps = ") {
            format!("steps = {steps}")
        } else if line.starts_with("interior = ") {
            "interior = 400".into()
        } else {
            line.into()
        };
        if !skip {
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

/// PINNacle's Poisson2d-C written with expressions in the config trains bit for bit like
/// the same problem written in Rust (`poisson2d_classic`), hard constraints included.
#[test]
fn an_expression_problem_matches_the_rust_problem_bitwise() {
    let (a, a_dir) = train_into(
        "expr-toml",
        &repository_config("configs/expression/poisson2d_holes.toml", 3),
        &[],
    );
    let (b, b_dir) = train_into(
        "expr-rust",
        &repository_config("configs/pinnacle/poisson2d_classic.toml", 3),
        &[],
    );
    let (a, b) = (summary(&a, &a_dir), summary(&b, &b_dir));
    let loss = |s: &serde_json::Value| s["final_loss"].as_f64().unwrap();
    assert!(loss(&a) > 0.0);
    assert_eq!(loss(&a).to_bits(), loss(&b).to_bits(), "{a}\n{b}");
    assert_eq!(a["terms"], b["terms"]);
}

/// An evolution problem on a region written in TOML alone (heat on a square with a hole,
/// every condition built in) trains to the exact solution.
#[test]
fn an_expression_heat_problem_on_a_region_trains_to_its_exact_solution() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs/expression/heat_hole.toml"),
    )
    .unwrap();
    let (out, dir) = train_into("expr-heat", &text, &[]);
    let s = summary(&out, &dir);
    let rel = s["rel_l2"].as_f64().unwrap();
    assert!(rel < 1e-6, "rel. L2 {rel:e}");
}

/// Bad geometry, parts and expressions in a config exit 2 with the field and the fix.
#[test]
fn bad_expression_problems_are_rejected() {
    let base = repository_config("configs/expression/screened_poisson.toml", 2);
    let cases: [(&str, &str, &str, &[&str]); 6] = [
        (
            "expr-syntax",
            "source = \"(2*pi^2 + 4) * sin(pi*x) * sin(pi*y)\"",
            "source = \"(2*pi^2 + 4 * sin(pi*x)\"",
            &["pde.source", "position 24", "expected `)`"],
        ),
        (
            "expr-part",
            "on = [\"circle\"]",
            "on = [\"circles\"]",
            &[
                "pde.conditions[1].on",
                "no boundary part `circles`",
                "sides, circle",
            ],
        ),
        (
            "expr-hole",
            "radius = 0.2",
            "radius = 2.0",
            &["no interior points"],
        ),
        (
            "expr-polygon",
            "{ disk = { center = [0.5, 0.5], radius = 0.2, part = \"circle\" } }",
            "{ polygon = { vertices = [[0.2, 0.2], [0.8, 0.8], [0.8, 0.2], [0.2, 0.8]], part = \"circle\" } }",
            &["pde.geometry", "`circle`", "self-intersecting"],
        ),
        (
            "expr-nan",
            "source = \"(2*pi^2 + 4) * sin(pi*x) * sin(pi*y)\"",
            "source = \"ln(x - 0.5)\"",
            &["source term", "NaN", "finite"],
        ),
        (
            "expr-robin",
            "kind = \"neumann\"",
            "kind = \"robin\"",
            &["pde.conditions[1]", "alpha and beta"],
        ),
    ];
    let heat = repository_config("configs/expression/heat_hole.toml", 2);
    rejects(
        "expr-no-initial",
        &heat.replacen("initial = \"sin(pi*x) * sin(pi*y)\"\n", "", 1),
        &[],
        &["pde.time needs initial data"],
    );
    rejects(
        "expr-time",
        &heat.replacen("time = [0.0, 1.0]", "time = [1.0, 0.0]", 1),
        &[],
        &["pde.time", "t0 < t1"],
    );
    for (name, from, to, needles) in cases {
        assert!(base.contains(from), "{name}: {from}");
        rejects(name, &base.replacen(from, to, 1), &[], needles);
    }
}

#[test]
fn version_names_the_features_of_the_build() {
    let out = pinn(&["--version"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let version = format!("pinn {} (", env!("CARGO_PKG_VERSION"));
    assert!(text.starts_with(&version), "{text}");
    for (name, on) in [
        ("wgpu", cfg!(feature = "wgpu")),
        ("cuda", cfg!(feature = "cuda")),
        ("fusion", cfg!(feature = "fusion")),
        ("persistence", cfg!(feature = "persistence")),
    ] {
        assert_eq!(text.contains(name), on, "{name}: {text}");
    }
    let gpu = text.contains("features: ");
    assert_eq!(gpu, !text.contains("(no GPU features)"), "{text}");
}
