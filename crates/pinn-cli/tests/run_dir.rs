//! Runs that can be stopped, resumed, looked at and used: exact resume across optimizer
//! stages, the run directory's rules, `pinn predict` and `pinn export`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use pinn_run::table::to_npy;

fn pinn(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pinn"))
        .args(args)
        .output()
        .expect("run pinn")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("pinn-run-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn ok(out: &Output) {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Adam (with gradient-norm weights) → L-BFGS → Gauss–Newton in f64 on one thread, a
/// checkpoint every 3 steps.
const SCHEDULE: &str = r#"
dtype = "f64"

[pde]
name = "poisson1d"

[model]
width = 8
depth = 2

[points]
interior = 48
boundary = 2
sampler = "grid"

[train]
eval_every = 3
threads = 1
balance = { method = "grad_norm", every = 2, alpha = 0.5 }

[[train.stages]]
optimizer = "adam"
steps = 8
lr = 1e-2

[[train.stages]]
optimizer = "lbfgs"
steps = 8

[[train.stages]]
optimizer = "gauss_newton"
steps = 6
"#;

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn summary(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&read(&dir.join("summary.json"))).unwrap()
}

#[test]
fn a_killed_run_resumes_to_the_same_metrics_bit_for_bit() {
    let root = scratch("resume");
    let cfg = write(&root, "schedule.toml", SCHEDULE);
    let whole = root.join("whole");
    ok(&pinn(&[
        "train",
        &cfg,
        "--quiet",
        "--out",
        whole.to_str().unwrap(),
    ]));
    let reference = read(&whole.join("metrics.csv"));
    assert_eq!(
        reference.lines().count(),
        1 + 8,
        "rows at 3, 6, …, 21 and 22:\n{reference}"
    );
    let end = summary(&whole);

    // Killed within Adam (7), within L-BFGS (10: its last checkpoint is from Adam's end) and
    // within Gauss–Newton (17: resumed from L-BFGS's checkpoint at 15, across the boundary).
    for kill in [7, 10, 17] {
        let dir = root.join(format!("killed{kill}"));
        let d = dir.to_str().unwrap();
        let killed = train_killed_at(&cfg, d, kill);
        assert!(
            !killed.status.success(),
            "the run was to be aborted at step {kill}"
        );
        assert!(!dir.join("summary.json").exists());
        let metrics = read(&dir.join("metrics.csv"));
        let last_row = metrics.lines().last().unwrap();
        assert!(
            last_row.starts_with(&format!("{},", kill - kill % 3)),
            "metrics end at the last checkpoint before {kill}: {last_row}"
        );
        ok(&pinn(&["resume", d, "--quiet"]));
        assert_eq!(
            read(&dir.join("metrics.csv")),
            reference,
            "killed at {kill}"
        );
        let resumed = summary(&dir);
        for key in [
            "final_loss",
            "rel_l2",
            "steps",
            "terms",
            "weights",
            "termination",
        ] {
            assert_eq!(resumed[key], end[key], "{key} after a kill at {kill}");
        }
        // A first-order stage replays the report of its checkpoint's step.
        let from = resumed["resumed_from"].as_u64().unwrap() as usize;
        assert!(
            (kill - kill % 3 - 1..=kill - kill % 3).contains(&from),
            "{from}"
        );
        let leftovers: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.contains(".tmp"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    // A finished run resumes to itself.
    ok(&pinn(&["resume", whole.to_str().unwrap(), "--quiet"]));
    assert_eq!(read(&whole.join("metrics.csv")), reference);
    assert_eq!(summary(&whole)["final_loss"], end["final_loss"]);
}

#[test]
fn resume_refuses_a_changed_config_and_naming_the_keys() {
    let root = scratch("changed");
    let cfg = write(&root, "a.toml", SCHEDULE);
    let dir = root.join("run");
    let d = dir.to_str().unwrap();
    let killed = pinn(&["train", &cfg, "--quiet", "--out", d, "--abort-at", "4"]);
    assert!(!killed.status.success());
    let changed = write(
        &root,
        "b.toml",
        &SCHEDULE
            .replace("steps = 6", "steps = 7")
            .replace("width = 8", "width = 9"),
    );
    let out = pinn(&["train", &changed, "--quiet", "--resume", d]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let e = stderr(&out);
    assert!(e.contains("model.width"), "{e}");
    assert!(e.contains("train.stages[2].steps"), "{e}");
    assert_eq!(e.lines().count(), 1, "{e}");
    // The same config resumes.
    ok(&pinn(&["train", &cfg, "--quiet", "--resume", d]));
    assert_eq!(summary(&dir)["steps"], 22);
}

#[test]
fn a_directory_holding_a_run_is_replaced_only_with_force() {
    let root = scratch("force");
    let cfg = write(
        &root,
        "a.toml",
        &SCHEDULE
            .replace("steps = 8", "steps = 2")
            .replace("steps = 6", "steps = 1"),
    );
    let dir = root.join("run");
    let d = dir.to_str().unwrap();
    ok(&pinn(&["train", &cfg, "--quiet", "--out", d]));
    let again = pinn(&["train", &cfg, "--quiet", "--out", d]);
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("--force"), "{}", stderr(&again));
    // A stale temporary file is swept, the old run's files replaced.
    std::fs::write(dir.join("metrics.csv.tmp99999"), "half").unwrap();
    std::fs::write(dir.join("summary.json"), "stale").unwrap();
    ok(&pinn(&["train", &cfg, "--quiet", "--out", d, "--force"]));
    assert!(!dir.join("metrics.csv.tmp99999").exists());
    assert_eq!(summary(&dir)["steps"], 5);
    // Files that are not a run's are never removed.
    std::fs::write(dir.join("notes.txt"), "mine").unwrap();
    let foreign = pinn(&["train", &cfg, "--quiet", "--out", d, "--force"]);
    assert_eq!(foreign.status.code(), Some(2));
    assert!(
        stderr(&foreign).contains("notes.txt"),
        "{}",
        stderr(&foreign)
    );
    assert_eq!(read(&dir.join("notes.txt")), "mine");
    // An empty directory is fine.
    let empty = root.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    ok(&pinn(&[
        "train",
        &cfg,
        "--quiet",
        "--out",
        empty.to_str().unwrap(),
    ]));
}

const POISSON2D: &str = r#"
dtype = "f64"
seed = 0

[pde]
name = "poisson2d"

[model]
width = 12
depth = 2
hard_constraints = true

[points]
interior = 256
sampler = "halton"

[train]
eval_every = 10
eval_grid = 32

[[train.stages]]
optimizer = "gauss_newton"
steps = 30
"#;

#[test]
fn predict_and_export_agree_with_the_trained_model() {
    let root = scratch("export");
    let cfg = write(&root, "p.toml", POISSON2D);
    let dir = root.join("run");
    let d = dir.to_str().unwrap();
    ok(&pinn(&["train", &cfg, "--quiet", "--out", d]));
    let rel_l2 = summary(&dir)["rel_l2"].as_f64().unwrap();
    assert!(rel_l2 < 1e-2, "trained to {rel_l2}");
    for plot in ["loss.png", "solution.png"] {
        assert!(
            std::fs::metadata(dir.join(plot)).unwrap().len() > 10_000,
            "{plot}"
        );
    }

    // pinn predict at three points, with the gradient: u = 0 on the boundary (hard
    // constraint), close to sin πx sin πy inside.
    let points = write(&root, "points.csv", "x,y\n0.5,0.5\n0,0.3\n0.25,0.75\n");
    let out = pinn(&["predict", d, "--points", &points, "--gradient"]);
    ok(&out);
    let text = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<Vec<f64>> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').map(|c| c.parse().unwrap()).collect())
        .collect();
    assert!(text.starts_with("x,y,u,du_dx,du_dy\n"), "{text}");
    assert_eq!(rows.len(), 3);
    let exact =
        |x: f64, y: f64| (std::f64::consts::PI * x).sin() * (std::f64::consts::PI * y).sin();
    assert!((rows[0][2] - 1.0).abs() < 2e-2, "{:?}", rows[0]);
    assert!(
        rows[0][3].abs() < 5e-2 && rows[0][4].abs() < 5e-2,
        "∇u(½,½) ≈ 0: {:?}",
        rows[0]
    );
    assert_eq!(
        rows[1][2], 0.0,
        "the hard constraint holds exactly on x = 0"
    );
    assert!(
        (rows[2][2] - exact(0.25, 0.75)).abs() < 2e-2,
        "{:?}",
        rows[2]
    );

    // pinn export --format vtk: read back with vtkio, the values are predict's at the nodes.
    let vtk_path = root.join("u.vtk");
    ok(&pinn(&[
        "export",
        d,
        "--grid",
        "5",
        "--format",
        "vtk",
        "--out",
        vtk_path.to_str().unwrap(),
    ]));
    let vtk = vtkio::Vtk::import(&vtk_path).expect("vtkio reads the file back");
    let vtkio::model::DataSet::ImageData {
        extent,
        origin,
        spacing,
        pieces,
        ..
    } = vtk.data
    else {
        panic!("expected structured points");
    };
    assert_eq!(extent, vtkio::model::Extent::Dims([5, 5, 1]));
    assert_eq!((origin, spacing), ([0.0, 0.0, 0.0], [0.25, 0.25, 1.0]));
    let vtkio::model::Piece::Inline(piece) = &pieces[0] else {
        panic!("inline piece")
    };
    let names: Vec<&str> = piece
        .data
        .point
        .iter()
        .map(|a| match a {
            vtkio::model::Attribute::DataArray(d) => d.name.as_str(),
            vtkio::model::Attribute::Field { name, .. } => name.as_str(),
        })
        .collect();
    assert_eq!(names, ["u", "u_exact", "error"]);
    let values = |i: usize| -> Vec<f64> {
        match &piece.data.point[i] {
            vtkio::model::Attribute::DataArray(d) => d.data.clone().cast_into::<f64>().unwrap(),
            _ => unreachable!(),
        }
    };
    let (u, ue, err) = (values(0), values(1), values(2));
    assert_eq!(u.len(), 25);
    // Node (i, j) = (2, 3) is x = 0.5, y = 0.75.
    let grid_points = write(&root, "node.csv", "0.5,0.75\n");
    let out = pinn(&["predict", d, "--points", &grid_points]);
    ok(&out);
    let u_node: f64 = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .nth(2)
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(u[2 + 5 * 3], u_node);
    assert!((ue[2 + 5 * 3] - exact(0.5, 0.75)).abs() < 1e-15);
    for k in 0..25 {
        assert_eq!(err[k], u[k] - ue[k]);
    }

    // npy: [25, 5] float64.
    let npy_path = root.join("u.npy");
    ok(&pinn(&[
        "export",
        d,
        "--grid",
        "5",
        "--format",
        "npy",
        "--out",
        npy_path.to_str().unwrap(),
    ]));
    let bytes = std::fs::read(&npy_path).unwrap();
    assert!(bytes.starts_with(b"\x93NUMPY"));
    let header = String::from_utf8_lossy(&bytes[..128]).into_owned();
    assert!(header.contains("'shape': (25, 5"), "{header}");
}

#[test]
fn bad_points_and_missing_runs_exit_2_with_one_line() {
    let root = scratch("badpoints");
    let cfg = write(
        &root,
        "p.toml",
        &POISSON2D.replace("steps = 30", "steps = 2"),
    );
    let dir = root.join("run");
    let d = dir.to_str().unwrap();
    ok(&pinn(&["train", &cfg, "--quiet", "--out", d]));
    for (content, needle) in [
        ("0.1,0.2,0.3\n", "needs 2 coordinates"),
        ("0.1,nan\n", "not finite"),
        ("x,y\n", "no points"),
        ("0.1,0.2\n0.3,abc\n", ":2"),
    ] {
        let p = write(&root, "bad.csv", content);
        let out = pinn(&["predict", d, "--points", &p]);
        assert_eq!(out.status.code(), Some(2), "{content}");
        let e = stderr(&out);
        assert!(e.contains(needle), "{content}: {e}");
        assert_eq!(e.lines().count(), 1, "{e}");
    }
    let out = pinn(&[
        "predict",
        root.join("nowhere").to_str().unwrap(),
        "--points",
        "x.csv",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("run directory"), "{}", stderr(&out));
    let out = pinn(&["resume", root.join("nowhere").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_memory_guard_names_the_term_and_a_setting_that_fits() {
    let root = scratch("memory");
    let cfg = write(
        &root,
        "huge.toml",
        &POISSON2D.replace("interior = 256", "interior = 1000000000000"),
    );
    let out = pinn(&[
        "train",
        &cfg,
        "--quiet",
        "--out",
        root.join("run").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    let e = stderr(&out);
    assert!(e.contains("collocation points"), "{e}");
    assert!(e.contains("lower points.interior to at most"), "{e}");
    assert_eq!(e.lines().count(), 1, "{e}");
}

#[test]
fn time_limits_and_targets_stop_a_run_that_can_resume() {
    let root = scratch("limits");
    let cfg = write(
        &root,
        "t.toml",
        &POISSON2D.replace("eval_grid = 32", "eval_grid = 32\ntime_limit = 1e-9"),
    );
    let dir = root.join("run");
    let d = dir.to_str().unwrap();
    ok(&pinn(&["train", &cfg, "--quiet", "--out", d]));
    let s = summary(&dir);
    assert_eq!(s["termination"], "time_limit");
    assert_eq!(s["steps"], 1);
    let target = write(
        &root,
        "target.toml",
        &POISSON2D.replace(
            "eval_grid = 32",
            "eval_grid = 32\ntarget = { rel_l2 = 1e-1 }",
        ),
    );
    let dir = root.join("target");
    ok(&pinn(&[
        "train",
        &target,
        "--quiet",
        "--out",
        dir.to_str().unwrap(),
    ]));
    let s = summary(&dir);
    assert_eq!(s["termination"], "target_reached");
    assert!(s["rel_l2"].as_f64().unwrap() <= 1e-1);
    assert!(s["steps"].as_u64().unwrap() < 30);
}

#[test]
fn observations_from_a_file_are_a_loss_term_and_bad_files_exit_2() {
    let root = scratch("observations");
    // sin πx at five points, and the 1D Poisson problem's own boundary terms.
    let rows: String = [0.1, 0.3, 0.5, 0.7, 0.9]
        .iter()
        .map(|x: &f64| format!("{x},{}\n", (std::f64::consts::PI * x).sin()))
        .collect();
    let obs = write(&root, "obs.csv", &format!("x,u\n{rows}"));
    let config = |file: &str| {
        format!(
            "dtype = \"f64\"\n[pde]\nname = \"poisson1d\"\n[model]\nwidth = 8\ndepth = 2\n\
             [points]\ninterior = 32\nboundary = 2\nsampler = \"grid\"\n[train]\neval_every = 10\n\
             [[observations]]\nfile = {file:?}\nweight = 2.0\n\
             [[train.stages]]\noptimizer = \"gauss_newton\"\nsteps = 30\n"
        )
    };
    let cfg = write(&root, "c.toml", &config(&obs));
    let dir = root.join("run");
    ok(&train_quietly(&cfg, &dir));
    let s = summary(&dir);
    let data = s["terms"]["data"].as_f64().expect("a `data` term");
    // A small network (8×2) after 30 Gauss–Newton steps: the data term is 4e-8 (9e-6 at step
    // 10), the error 1.9e-4.
    assert!(data < 1e-6, "the observations are fitted: {data}");
    assert!(s["rel_l2"].as_f64().unwrap() < 1e-3, "{s}");
    assert!(read(&dir.join("metrics.csv")).starts_with("step,optimizer,residual,boundary,data,"));
    // The same observations as a float64 NPY array [5, 2]: the same run.
    let npy_rows: Vec<Vec<f64>> = [0.1, 0.3, 0.5, 0.7, 0.9]
        .iter()
        .map(|x: &f64| vec![*x, (std::f64::consts::PI * x).sin()])
        .collect();
    let npy = root.join("obs.npy");
    std::fs::write(&npy, to_npy(5, 2, npy_rows.iter().cloned()).unwrap()).unwrap();
    let npy_cfg = write(&root, "npy.toml", &config(npy.to_str().unwrap()));
    let npy_dir = root.join("run_npy");
    ok(&train_quietly(&npy_cfg, &npy_dir));
    assert_eq!(summary(&npy_dir)["terms"]["data"].as_f64(), Some(data));
    std::fs::write(
        &npy,
        to_npy(5, 1, npy_rows.iter().map(|r| vec![r[0]])).unwrap(),
    )
    .unwrap();
    let out = train_quietly(&npy_cfg, &root.join("bad"));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("has shape [5, 1]"),
        "{}",
        stderr(&out)
    );
    for (content, needle) in [
        ("0.5,1,2\n", "obs.csv:1: 3 columns"),
        ("0.5,1\n0.1,nan\n", "obs.csv:2:"),
        ("x,u\n", "no observations"),
        ("0.5,1\n2.5,1\n", "outside the domain"),
    ] {
        std::fs::write(&obs, content).unwrap();
        let out = train_quietly(&cfg, &root.join("bad"));
        assert_eq!(out.status.code(), Some(2), "{content}");
        let e = stderr(&out);
        assert!(e.contains(needle), "{content}: {e}");
        assert_eq!(e.lines().count(), 1, "{e}");
    }
    let missing = write(&root, "m.toml", &config("/nonexistent/obs.csv"));
    let out = train_quietly(&missing, &root.join("bad"));
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("observations[0].file"),
        "{}",
        stderr(&out)
    );
}

/// `pinn train CONFIG --quiet --out DIR`, aborted (as `kill -9` would) at step `kill`.
fn train_killed_at(config: &str, dir: &str, kill: usize) -> Output {
    pinn(&[
        "train",
        config,
        "--quiet",
        "--out",
        dir,
        "--abort-at",
        &kill.to_string(),
    ])
}

/// `pinn train CONFIG --quiet --out DIR`.
fn train_quietly(config: &str, dir: &Path) -> Output {
    pinn(&["train", config, "--quiet", "--out", dir.to_str().unwrap()])
}

#[test]
fn an_unknown_coefficient_is_fitted_to_observations_and_reported() {
    let root = scratch("inverse");
    // u = exp(−0.1 π² t) sin πx on a 7 × 7 grid inside (x, t) ∈ (0, 1)².
    let pi = std::f64::consts::PI;
    let rows: String = (1..8)
        .flat_map(|i| (1..8).map(move |j| (i as f64 / 8.0, j as f64 / 8.0)))
        .map(|(x, t)| format!("{x},{t},{}\n", (-0.1 * pi * pi * t).exp() * (pi * x).sin()))
        .collect();
    let obs = write(&root, "obs.csv", &format!("x,t,u\n{rows}"));
    let config = |observations: &str| {
        format!(
            "dtype = \"f64\"\n[pde]\nname = \"heat1d\"\nnu = 0.1\n\
             unknown_nu = {{ initial = 0.05, bounds = [0.001, 1.0] }}\n\
             [model]\nwidth = 10\ndepth = 2\nhard_constraints = true\n\
             [points]\ninterior = 100\nsampler = \"halton\"\n[train]\neval_every = 10\n\
             {observations}[[train.stages]]\noptimizer = \"gauss_newton\"\nsteps = 30\n"
        )
    };
    let with_data = format!("[[observations]]\nfile = {obs:?}\n");
    let cfg = write(&root, "c.toml", &config(&with_data));
    let dir = root.join("run");
    ok(&train_quietly(&cfg, &dir));
    let s = summary(&dir);
    let nu = s["unknowns"]["nu"].as_f64().expect("ν in summary.json");
    println!("ν = {nu} from noise-free data; summary {s}");
    assert!((nu - 0.1).abs() <= 1e-3, "{nu}");
    let metrics = read(&dir.join("metrics.csv"));
    assert!(metrics.starts_with("step,optimizer,residual,data,loss,rel_l2,nu\n"));
    let last: f64 = metrics
        .lines()
        .last()
        .unwrap()
        .rsplit(',')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(last, nu, "the last row reports the returned ν");

    // Without observations any ν fits: refused, naming the fix.
    let cfg = write(&root, "none.toml", &config(""));
    let out = train_quietly(&cfg, &root.join("bad"));
    assert_eq!(out.status.code(), Some(2));
    let e = stderr(&out);
    assert!(e.contains("nu") && e.contains("[[observations]]"), "{e}");
    assert_eq!(e.lines().count(), 1, "{e}");
    let bad = config(&with_data).replace("initial = 0.05", "initial = 2.0");
    let out = train_quietly(&write(&root, "outside.toml", &bad), &root.join("bad"));
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("pde.unknown_nu"), "{}", stderr(&out));
}

#[test]
fn a_reference_file_measures_the_error_and_systems_export_every_field() {
    let root = scratch("reference");
    // The 1D Poisson solution sin πx at 11 nodes, COMSOL-style (comments, spaces), and the
    // same nodes with twice the values: the error against the second is about ½.
    let pi = std::f64::consts::PI;
    let table = |scale: f64| -> String {
        let rows: String = (0..=10)
            .map(|i| i as f64 / 10.0)
            .map(|x| format!("{x}   {}\n", scale * (pi * x).sin()))
            .collect();
        format!("% Model: test\n% x  u\n{rows}")
    };
    let config = |file: &str| {
        format!(
            "dtype = \"f64\"\n[pde]\nname = \"poisson1d\"\n[model]\nwidth = 8\ndepth = 2\n\
             [points]\ninterior = 32\nboundary = 2\nsampler = \"grid\"\n[reference]\n\
             file = {file:?}\n[train]\neval_every = 10\n\
             [[train.stages]]\noptimizer = \"gauss_newton\"\nsteps = 20\n"
        )
    };
    let mut errors = Vec::new();
    for (name, scale) in [("same", 1.0), ("double", 2.0)] {
        let file = write(&root, &format!("{name}.dat"), &table(scale));
        let cfg = write(&root, &format!("{name}.toml"), &config(&file));
        let dir = root.join(name);
        ok(&train_quietly(&cfg, &dir));
        errors.push(summary(&dir)["rel_l2"].as_f64().unwrap());
    }
    println!("rel. L2 against the reference and against twice it: {errors:?}");
    assert!(errors[0] < 1e-3, "{errors:?}");
    assert!((errors[1] - 0.5).abs() < 1e-3, "{errors:?}");
    let wrong = write(&root, "wrong.dat", "0.1 0.2 0.3\n");
    let out = train_quietly(&write(&root, "w.toml", &config(&wrong)), &root.join("bad"));
    assert_eq!(out.status.code(), Some(2));
    let e = stderr(&out);
    assert!(
        e.contains("reference.file") && e.contains("3 columns"),
        "{e}"
    );

    // A system: every field in the export and in predict's gradient columns.
    let cfg = write(
        &root,
        "flow.toml",
        "dtype = \"f64\"\n[pde]\nname = \"kovasznay\"\n[model]\nwidth = 6\ndepth = 1\n\
         hard_constraints = true\n[points]\ninterior = 16\n[train]\neval_every = 1\n\
         [[train.stages]]\noptimizer = \"gauss_newton\"\nsteps = 1\n",
    );
    let dir = root.join("flow");
    ok(&train_quietly(&cfg, &dir));
    let s = summary(&dir);
    for field in ["u", "v", "p"] {
        assert!(s["rel_l2_per_field"][field].is_f64(), "{s}");
    }
    let csv = root.join("flow.csv");
    let args = [
        "export",
        dir.to_str().unwrap(),
        "--grid",
        "3",
        "--format",
        "csv",
    ];
    ok(&pinn(
        &[&args[..], &["--out", csv.to_str().unwrap()]].concat(),
    ));
    assert!(read(&csv).starts_with("x,y,u,v,p,u_exact,v_exact,p_exact,u_error,v_error,p_error\n"));
    let points = write(&root, "points.csv", "0.1,0.2\n");
    let out = pinn(&[
        "predict",
        dir.to_str().unwrap(),
        "--points",
        &points,
        "--gradient",
    ]);
    ok(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("x,y,u,v,p,du_dx,du_dy,dv_dx,dv_dy,dp_dx,dp_dy\n"),
        "{text}"
    );
}

#[test]
fn adaptive_collocation_resumes_bit_for_bit() {
    // Adam then Gauss–Newton with the interior points redrawn every 4 steps (at 4 within
    // Adam, at 8 within Gauss–Newton): a run killed after a redraw continues on the redrawn
    // points, read back from its checkpoint.
    let root = scratch("resample");
    let text = SCHEDULE
        .replace(
            "balance = { method = \"grad_norm\", every = 2, alpha = 0.5 }",
            "resample = { every = 4, candidates = 4 }",
        )
        .replace("[[train.stages]]\noptimizer = \"lbfgs\"\nsteps = 8\n\n", "");
    assert!(
        text.contains("resample") && !text.contains("lbfgs"),
        "{text}"
    );
    let cfg = write(&root, "rad.toml", &text);
    let whole = root.join("whole");
    ok(&train_quietly(&cfg, &whole));
    let reference = read(&whole.join("metrics.csv"));
    for kill in [7, 13] {
        let dir = root.join(format!("killed{kill}"));
        let d = dir.to_str().unwrap();
        let killed = train_killed_at(&cfg, d, kill);
        assert!(!killed.status.success(), "aborted at {kill}");
        ok(&pinn(&["resume", d, "--quiet"]));
        assert_eq!(
            read(&dir.join("metrics.csv")),
            reference,
            "killed at {kill}"
        );
        assert_eq!(summary(&dir)["final_loss"], summary(&whole)["final_loss"]);
    }
    // The redraws change the run: the same schedule on fixed points ends elsewhere.
    let fixed = write(
        &root,
        "fixed.toml",
        &text.replace("resample = { every = 4, candidates = 4 }\n", ""),
    );
    ok(&train_quietly(&fixed, &root.join("fixed")));
    assert_ne!(read(&root.join("fixed").join("metrics.csv")), reference);
}
