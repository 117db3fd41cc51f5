//! In f64: the Jacobian from per-sample probes equals the one from a backward pass per row,
//! and the matrix-free products `J̃v` (parameter-tangent probes) and `J̃ᵀw` agree with the dense
//! `J̃`, so `A v = J̃ᵀ(J̃ v)` is the dense Gauss–Newton matrix applied to `v`; `2 J̃ᵀr̃` is the
//! loss gradient. Also for a system (Navier–Stokes: three equations, three fields).

use burn::module::Module;
use pinn_loss::pde::PdeConfig;
use pinn_loss::{PinnLoss, PointsConfig, Sampler};
use pinn_model::backend::{Backend, Dtype, autodiff_device};
use pinn_model::{FeaturesConfig, Model, ModelConfig, params};
use pinn_optim::jacobian::{jacobian_blocks, jvp, supports_probes, vjp};

/// `J̃` by one backward pass per row, the reference.
fn reference_jacobian(loss: &PinnLoss, model: &Model) -> Vec<Vec<f64>> {
    (0..loss.num_rows())
        .map(|i| {
            let (_, r) = loss.weighted_rows(model, i, 1);
            params::flatten_grads(model, &r.sum().backward())
        })
        .collect()
}

fn max_abs(v: &[f64]) -> f64 {
    v.iter().fold(0.0, |m, x| m.max(x.abs()))
}

fn max_abs_diff(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).fold(0.0, |m, (x, y)| m.max((x - y).abs()))
}

fn check(pde: PdeConfig, model_cfg: ModelConfig) {
    let device = autodiff_device(Backend::Flex, Dtype::F64).unwrap();
    let problem = pde.problem().unwrap();
    let pde = problem.name.clone();
    let points = PointsConfig {
        interior: 37,
        boundary: 9,
        sampler: Sampler::Halton,
    };
    let loss = PinnLoss::new(&problem, &points, 3, &device).unwrap();
    let (lo, hi) = (problem.domain.lo().to_vec(), problem.domain.hi().to_vec());
    let fields = problem.residual.fields().len();
    let model = model_cfg
        .init_with_symbol(&lo, &hi, fields, 7, &device, &|_| None)
        .unwrap();
    assert!(supports_probes(&model));
    let n = model.num_params();
    let reference = reference_jacobian(&loss, &model);
    let ls = jacobian_blocks(&loss, &model, 3);
    let rows: Vec<Vec<f64>> = ls
        .blocks
        .iter()
        .flat_map(|b| {
            (0..b.jacobian.nrows()).map(|r| (0..n).map(|c| b.jacobian[(r, c)]).collect::<Vec<_>>())
        })
        .collect();
    assert_eq!(rows.len(), reference.len());
    let scale = reference
        .iter()
        .flatten()
        .fold(0.0_f64, |m, v| m.max(v.abs()));
    let worst = rows
        .iter()
        .flatten()
        .zip(reference.iter().flatten())
        .fold(0.0_f64, |m, (a, b)| m.max((a - b).abs()));
    println!(
        "{pde}: {} rows × {n}: max |J_probe − J_rows| = {worst:e} (max |J| {scale:e})",
        rows.len()
    );
    assert!(worst <= 1e-12 * scale, "{worst:e}");

    let v: Vec<f64> = (0..n)
        .map(|i| ((i * 7919) % 13) as f64 / 6.0 - 1.0)
        .collect();
    let (r, jv) = jvp(&loss, &model, &v, 2).unwrap();
    let dense_jv: Vec<f64> = reference
        .iter()
        .map(|row| row.iter().zip(&v).map(|(a, b)| a * b).sum())
        .collect();
    let (jv_scale, jv_err) = (max_abs(&dense_jv), max_abs_diff(&jv, &dense_jv));
    println!("{pde}: max |J̃v − dense| = {jv_err:e} (max |J̃v| {jv_scale:e})");
    assert!(jv_err <= 1e-12 * jv_scale, "{jv_err:e}");
    let loss_value: f64 = loss.terms(&model).total().into_scalar();
    let rr: f64 = r.iter().map(|x| x * x).sum();
    assert!(
        (rr - loss_value).abs() <= 1e-12 * loss_value,
        "{rr} vs {loss_value}"
    );
    // ∇L = 2 J̃ᵀ r̃, against burn's gradient of the loss terms.
    let grad = params::flatten_grads(&model, &loss.terms(&model).total().backward());
    let twice_r: Vec<f64> = r.iter().map(|x| 2.0 * x).collect();
    let jtr = vjp(&loss, &model, &twice_r, 2);
    let (g_scale, g_err) = (max_abs(&grad), max_abs_diff(&jtr, &grad));
    println!("{pde}: max |2J̃ᵀr̃ − ∇L| = {g_err:e} (max |∇L| {g_scale:e})");
    assert!(g_err <= 1e-12 * g_scale, "{g_err:e}");

    // A v = J̃ᵀ(J̃ v) against the dense A = J̃ᵀJ̃.
    let av = vjp(&loss, &model, &jv, 2);
    let a = ls.matrix();
    let dense_av: Vec<f64> = (0..n)
        .map(|i| (0..n).map(|j| a[(i, j)] * v[j]).sum())
        .collect();
    let (av_scale, av_err) = (max_abs(&dense_av), max_abs_diff(&av, &dense_av));
    println!("{pde}: max |J̃ᵀ(J̃v) − A v| = {av_err:e} (max |Av| {av_scale:e})");
    assert!(av_err <= 1e-11 * av_scale, "{av_err:e}");
}

#[test]
fn probes_match_row_by_row_on_poisson2d_mlp() {
    check(
        PdeConfig::Poisson2d {},
        ModelConfig {
            width: 8,
            depth: 2,
            ..ModelConfig::default()
        },
    );
}

#[test]
fn probes_match_row_by_row_on_heat_with_fourier_features() {
    check(
        PdeConfig::Heat1d {
            nu: 0.1,
            unknown_nu: None,
        },
        ModelConfig {
            width: 6,
            depth: 2,
            features: Some(FeaturesConfig::Random {
                count: 4,
                sigma: 1.0,
            }),
            ..ModelConfig::default()
        },
    );
}

#[test]
fn probes_match_row_by_row_on_periodic_advection() {
    check(
        PdeConfig::Advection { beta: 3.0 },
        ModelConfig {
            width: 6,
            depth: 1,
            activation: pinn_model::Activation::Sin,
            ..ModelConfig::default()
        },
    );
}

#[test]
fn probes_match_row_by_row_on_the_navier_stokes_system() {
    check(
        PdeConfig::Kovasznay { re: 20.0 },
        ModelConfig {
            width: 6,
            depth: 2,
            ..ModelConfig::default()
        },
    );
}
