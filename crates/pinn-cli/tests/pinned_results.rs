//! Refactoring must not change results: for one config per optimizer family (f64, flex, seed 0,
//! one loss thread) the final loss and relative L² error after a short schedule are pinned bit
//! for bit to what the code gave before the training loop was split into steppers (commit
//! f73d4f8). Every summation order was kept, so the comparison is exact. (faer's dense kernels
//! run on all cores; the values were taken on the 2-core CI machine.)

use std::path::{Path, PathBuf};
use std::process::Command;

/// A shipped config, by path from the repository root.
fn shipped(path: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// `text` with `threads = 1` in its `[train]` table.
fn one_thread(text: &str) -> String {
    assert!(text.contains("\n[train]\n"), "a [train] table");
    text.replacen("\n[train]\n", "\n[train]\nthreads = 1\n", 1)
}

/// Train `text` in f64 for `steps` steps; `(final_loss, rel_l2, steps, termination)`.
fn run(name: &str, text: &str, steps: usize) -> (f64, f64, u64, String) {
    let dir = std::env::temp_dir().join(format!("pinn-pinned-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join(format!("{name}.toml"));
    std::fs::write(&config, one_thread(text)).unwrap();
    let out: PathBuf = dir.join("out");
    let status = Command::new(env!("CARGO_BIN_EXE_pinn"))
        .args([
            "train",
            config.to_str().unwrap(),
            "--quiet",
            "--dtype",
            "f64",
        ])
        .args(["--steps", &steps.to_string(), "--seed", "0"])
        .args(["--out", out.to_str().unwrap()])
        .output()
        .expect("run pinn");
    assert!(
        status.status.success(),
        "{name}: {}",
        String::from_utf8_lossy(&status.stderr)
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    (
        summary["final_loss"].as_f64().unwrap(),
        summary["rel_l2"].as_f64().unwrap(),
        summary["steps"].as_u64().unwrap(),
        summary["termination"].as_str().unwrap().to_string(),
    )
}

fn check(name: &str, text: &str, steps: usize, loss: f64, rel_l2: f64, termination: &str) {
    let got = run(name, text, steps);
    let want = (loss, rel_l2, steps as u64, termination.to_string());
    assert!(
        got.0.to_bits() == want.0.to_bits()
            && got.1.to_bits() == want.1.to_bits()
            && got.2 == want.2
            && got.3 == want.3,
        "{name}: got (loss, rel_l2, steps, termination) = {got:?}, pinned {want:?}"
    );
}

#[test]
fn adam_then_lbfgs_is_unchanged() {
    // configs/poisson1d.toml: 10 Adam steps, then 10 L-BFGS iterations. Re-pinned when the
    // boundary term's values came from the interior's pass of the model (one product per layer
    // for both, `W̄` summed over all their rows at once): loss and error moved by 2.0e-14 and
    // 3.2e-14 relative (before: 3.9198587806767584, 0.09580670041382736).
    let text = shipped("configs/poisson1d.toml");
    check(
        "poisson1d",
        &text,
        20,
        3.91985878067668,
        0.09580670041382428,
        "max_steps",
    );
}

#[test]
fn adam_then_dense_gauss_newton_is_unchanged() {
    // configs/poisson1d_gauss_newton.toml: 15 Adam steps, then 15 Cholesky Gauss–Newton steps.
    // Re-pinned when Gauss–Newton moved to row space for fewer rows than parameters (130 rows,
    // 481 parameters): the same step, δ = −J̃ᵀ(J̃J̃ᵀ + μI)⁻¹r̃, rounded differently; the
    // loss moved by 2.5e-12 relative and the error by 3.9e-11 (before: 6.395088014518188e-5,
    // 8.428993036608775e-5). Re-pinned when the per-sample probes formed `J̃`'s rows as
    // `Σ_s h_s ⊗ z̄_s` instead of by batched products (the same terms summed in another
    // order): loss and error moved by 1.5e-13 and 3.5e-11 relative (before:
    // 6.395088014534113e-5, 8.428993036941598e-5). Re-pinned with the boundary term in the
    // interior's pass (see above; the Adam steps and the step's loss, not `J̃`'s rows) and each
    // term's scale applied before its sum, `Σ (λ/N) r²`: 3.8e-12 and 9.1e-11 (before:
    // 6.395088014535057e-5, 8.428993037238965e-5).
    let text = shipped("configs/poisson1d_gauss_newton.toml");
    check(
        "poisson1d_gn",
        &text,
        30,
        6.395088014510798e-5,
        8.428993036474249e-5,
        "max_steps",
    );
}

#[test]
fn hard_constrained_gauss_newton_is_unchanged() {
    // configs/accuracy/heat1d.toml: 4 Gauss–Newton steps under the hard-constraint ansatz.
    // Re-pinned with `J̃`'s rows as `Σ_s h_s ⊗ z̄_s` (see above): loss and error moved by
    // 4.4e-12 and 1.1e-11 relative (before: 1.3693680474983887e-5, 0.0007925590817986796).
    // Re-pinned with the scale applied before the sum (see above; the step's loss): 2.5e-12 and
    // 7.3e-12 (before: 1.369368047504475e-5, 0.0007925590818070576).
    let text = shipped("configs/accuracy/heat1d.toml");
    check(
        "heat1d_gn",
        &text,
        4,
        1.3693680475010924e-5,
        0.0007925590818012715,
        "max_steps",
    );
}

/// 1D Poisson with soft constraints and a schedule of every first-order optimizer.
const SCHEDULE: &str = r#"
[pde]
name = "poisson1d"

[model]
width = 12
depth = 2

[points]
interior = 64
boundary = 2
sampler = "grid"

[train]
eval_every = 3
BALANCE

[[train.stages]]
optimizer = "adam"
steps = 6
lr = 1e-2

[[train.stages]]
optimizer = "gd"
steps = 6
lr = 1e-3

[[train.stages]]
optimizer = "gauss_newton"
steps = 4
solver = "SOLVER"
"#;

#[test]
fn gradient_descent_cg_and_kappa_optimal_weights_are_unchanged() {
    let text = SCHEDULE
        .replace("BALANCE", "balance = { method = \"kappa_optimal\" }")
        .replace("SOLVER", "cg");
    // Re-pinned with `J̃`'s rows as `Σ_s h_s ⊗ z̄_s` (see above). The κ-optimal weight is found
    // by golden-section search to 1e-3 in log₁₀ λ, and κ of this rank-deficient `A` (66 rows,
    // 193 parameters) is round-off, so the change moved the weight within that bracket,
    // 1.20589e-4 → 1.20518e-4, and the loss and error by 5.1e-6 and 1.5e-5 relative (before:
    // 11.617692441942438, 2.54540082721852). Re-pinned with the boundary terms in the
    // interior's pass (see above): 9.4e-9 and 2.2e-9, more than elsewhere as the κ it
    // optimises is round-off (before: 11.617751884167692, 2.545437950060371).
    check(
        "gd_cg_kappa",
        &text,
        16,
        11.61775177521064,
        2.545437955744808,
        "max_steps",
    );
}

#[test]
fn gradient_norm_balancing_is_unchanged() {
    let text = SCHEDULE
        .replace(
            "BALANCE",
            "balance = { method = \"grad_norm\", every = 2, alpha = 0.5 }",
        )
        .replace("SOLVER", "cholesky");
    // Re-pinned with Gauss–Newton in row space (see above): loss and error moved by 7e-14 and
    // 6e-14 relative (before: 12.751711908993162, 0.2764632794839453); with `J̃`'s rows as
    // `Σ_s h_s ⊗ z̄_s`, the error by one unit in the last place (before: 0.2764632794839607);
    // with the boundary terms in the interior's pass (see above), 1.3e-15 and 4.0e-16 (before:
    // 12.751711908994029, 0.27646327948396066).
    check(
        "grad_norm",
        &text,
        16,
        12.751711908994045,
        0.27646327948396077,
        "max_steps",
    );
}
