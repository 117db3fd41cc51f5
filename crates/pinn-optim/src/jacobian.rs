//! The Jacobian `J̃ = ∂r̃/∂θ` of a PINN's weighted residual vector `r̃` (`L = ‖r̃‖²`) and its
//! products `J̃v`, `J̃ᵀw`, from reverse mode alone (burn 0.22 has neither forward mode, nor grad
//! of grad, nor per-sample gradients).
//!
//! A [`Probe`] in every layer makes the parameters differ from row to row:
//!
//! - `J̃` block by block: row `i` sees `θ + Δ_i` with leaves `Δ = 0`; one backward pass of
//!   `Σ_i r̃_i` gives `∂r̃_i/∂Δ_i = J̃_i` for a whole block of rows (per-sample gradients).
//! - `J̃v`: row `i` sees `θ + ε_i v`, so every jet stream carries the parameter tangent
//!   `ε_i ∂_θ(·) v`, and one backward pass of `Σ_i r̃_i` gives `∂r̃_i/∂ε_i = (J̃v)_i`.
//! - `J̃ᵀw`: one backward pass of `Σ_i w_i r̃_i`.
//!
//! Models whose parameters are not all in [`Dense`] layers fall back to one backward pass per
//! row for `J̃`. Rows are processed in chunks spread over threads (`crate::parallel`).

use burn::Tensor;
use burn::tensor::TensorData;
use faer::Mat;
use pinn_model::{Dense, Field, PerSampleRecord, Probe, params};

use crate::ResidualRows;
use crate::linear::{Block, LinearLeastSquares};
use crate::parallel::for_each_job;

/// Rows per chunk for per-sample Jacobians (bounds the `rows × params` probe memory).
const JACOBIAN_CHUNK: usize = 256;

/// A run of rows inside one term.
#[derive(Clone, Copy, Debug)]
struct Rows {
    term: usize,
    start: usize,
    len: usize,
}

/// The rows of `r̃` cut into runs of at most `max`, never straddling two terms.
fn row_chunks<M>(loss: &dyn ResidualRows<M>, max: usize) -> Vec<Rows> {
    let mut out = Vec::new();
    let mut offset = 0;
    for (term, rows) in loss.term_rows().into_iter().enumerate() {
        let mut done = 0;
        while done < rows {
            let len = max.min(rows - done);
            out.push(Rows {
                term,
                start: offset + done,
                len,
            });
            done += len;
        }
        offset += rows;
    }
    out
}

fn to_vec<const D: usize>(t: Tensor<D>) -> Vec<f64> {
    (t.into_data_as::<f64>().try_into_vec::<f64>()).expect("into_data_as gives f64")
}

/// `sum + t`, or `t` where nothing is summed yet.
fn plus<const D: usize>(sum: Option<Tensor<D>>, t: Tensor<D>) -> Tensor<D> {
    match sum {
        Some(s) => s + t,
        None => t,
    }
}

/// Whether the fast paths apply: every parameter lives in a [`Dense`] layer.
pub fn supports_probes<M: Field>(model: &M) -> bool {
    let mut count = 0;
    model
        .map_layers(&mut |d: Dense| {
            count += d.num_parameters();
            d
        })
        .is_some()
        && count == model.num_params()
}

/// `r̃` (`[len, 1]`) and `J̃` (`[len, n]`, columns in [`params::flatten`] order) on one chunk,
/// from per-sample probes, on the model's device: after one backward pass of `Σ_i r̃_i`, a
/// layer's rows are `Σ_s h_s,i ⊗ z̄_s,i` for its weight and `z̄_value,i` for its bias
/// ([`Probe::PerSample`]).
fn per_sample_tensors<M: Field>(
    loss: &dyn ResidualRows<M>,
    model: &M,
    rows: Rows,
) -> (Tensor<2>, Tensor<2>) {
    let mut layers = Vec::new();
    let probed = model
        .map_layers(&mut |d: Dense| {
            let record = PerSampleRecord::default();
            layers.push((record.clone(), d.shape(), d.bias.is_some()));
            d.with_probe(Some(Probe::PerSample(record)))
        })
        .expect("checked by supports_probes");
    let (_, r) = loss.weighted_rows(&probed, rows.start, rows.len);
    let values = r.clone().detach().reshape([rows.len, 1]);
    let device = values.device();
    let mut grads = r.sum().backward();
    let mut columns = Vec::new();
    for (record, [i, o], has_bias) in layers {
        let mut weight: Option<Tensor<3>> = None;
        let mut bias = None;
        for stream in record.take() {
            let Some(zbar) = stream.leaf.grad_remove(&mut grads) else {
                continue;
            };
            // h_s,i ⊗ z̄_s,i for every row i: [N or 1, in, 1] · [N, 1, out].
            let outer = stream.input.unsqueeze_dim::<3>(2) * zbar.clone().unsqueeze_dim::<3>(1);
            weight = Some(plus(weight, outer));
            if stream.value {
                // Every forward pass's value stream (a periodic term evaluates the model twice).
                bias = Some(plus(bias, zbar));
            }
        }
        let weight = weight.unwrap_or_else(|| Tensor::zeros([rows.len, i, o], &device));
        columns.push(weight.reshape([rows.len, i * o]));
        if has_bias {
            columns.push(bias.unwrap_or_else(|| Tensor::zeros([rows.len, o], &device)));
        }
    }
    (values, Tensor::cat(columns, 1))
}

/// `r̃` and `J̃` on one chunk, from per-sample probes: `(values, rows × n row-major)`.
fn per_sample_rows<M: Field>(
    loss: &dyn ResidualRows<M>,
    model: &M,
    rows: Rows,
) -> (Vec<f64>, Vec<f64>) {
    let (values, jacobian) = per_sample_tensors(loss, model, rows);
    (to_vec(values), to_vec(jacobian))
}

/// The Gauss–Newton system assembled on the model's device: `A = J̃ᵀJ̃`, `g = J̃ᵀr̃` and
/// `‖r̃‖²`, summed over chunks of at most `rows` rows, then read back as `f64`. `J̃` never
/// leaves the device (a GPU backend reads back `n² + n` numbers instead of `rows × n`, and
/// forms `A` with the device's matrix product). `None` when the model has parameters outside
/// [`Dense`] layers or a term's rows are not pointwise ([`ResidualRows::pointwise`]).
pub fn gram_on_device<M: Field>(
    loss: &dyn ResidualRows<M>,
    model: &M,
    rows: usize,
) -> Option<(Mat<f64>, Vec<f64>, f64)> {
    let terms = loss.term_names().len();
    if !supports_probes(model) || (0..terms).any(|t| !loss.pointwise(t)) {
        return None;
    }
    let mut sums: Option<(Tensor<2>, Tensor<2>, Tensor<1>)> = None;
    for chunk in row_chunks(loss, rows) {
        let (r, j) = per_sample_tensors(loss, model, chunk);
        let jt = j.clone().transpose();
        let part = (
            jt.clone().matmul(j),
            jt.matmul(r.clone()),
            r.powi_scalar(2).sum(),
        );
        sums = Some(match sums {
            None => part,
            Some((a, g, l)) => (a + part.0, g + part.1, l + part.2),
        });
    }
    let n = model.num_params();
    let Some((a, g, l)) = sums else {
        return Some((Mat::zeros(n, n), vec![0.0; n], 0.0));
    };
    let a = to_vec(a);
    Some((
        Mat::from_fn(n, n, |i, j| a[i * n + j]),
        to_vec(g),
        to_vec(l)[0],
    ))
}

/// `r̃` and `J̃` on one chunk, one backward pass per row.
fn row_by_row<M: Field>(loss: &dyn ResidualRows<M>, model: &M, rows: Rows) -> (Vec<f64>, Vec<f64>) {
    let mut values = Vec::with_capacity(rows.len);
    let mut out = Vec::with_capacity(rows.len * model.num_params());
    for i in rows.start..rows.start + rows.len {
        let (_, r) = loss.weighted_rows(model, i, 1);
        values.push(r.clone().detach().into_scalar());
        let grads = r.sum().backward();
        out.extend(params::flatten_grads(model, &grads));
    }
    (values, out)
}

/// `J̃` as one block per loss term (the equations, then the boundary-type terms), each with its
/// rows `∂r̃_i/∂θ` and targets `J̃θ − r̃` (so that the blocks' Gauss–Newton model is exact for
/// a linear model and the local linearisation otherwise). Weights are 1: `r̃` is weighted.
pub fn jacobian_blocks<M: Field + Sync>(
    loss: &dyn ResidualRows<M>,
    model: &M,
    threads: usize,
) -> LinearLeastSquares {
    let fast = supports_probes(model);
    let chunks = row_chunks(loss, if fast { JACOBIAN_CHUNK } else { 16 });
    let parts = for_each_job(model, &chunks, threads, |m, &rows| {
        if fast && loss.pointwise(rows.term) {
            per_sample_rows(loss, m, rows)
        } else {
            row_by_row(loss, m, rows)
        }
    });
    let theta = params::flatten(model);
    let n = theta.len();
    let names = loss.term_names();
    let blocks = (0..names.len())
        .filter_map(|term| {
            let ours: Vec<_> = (chunks.iter().zip(&parts))
                .filter(|(c, _)| c.term == term)
                .collect();
            let m: usize = ours.iter().map(|(c, _)| c.len).sum();
            if m == 0 {
                return None;
            }
            // Each chunk's rows, row-major, copied into their rows of the column-major block.
            let mut jacobian = Mat::<f64>::zeros(m, n);
            let mut target = Vec::with_capacity(m);
            let mut row = 0;
            for (c, (values, jac)) in ours {
                (jacobian.as_mut().submatrix_mut(row, 0, c.len, n))
                    .copy_from(faer::MatRef::from_row_major_slice(jac, c.len, n));
                target.extend((jac.chunks_exact(n).zip(values)).map(|(j, value)| {
                    j.iter().zip(&theta).map(|(a, b)| a * b).sum::<f64>() - value
                }));
                row += c.len;
            }
            Some(Block {
                name: names[term].clone(),
                jacobian,
                target,
                weight: 1.0,
            })
        })
        .collect();
    LinearLeastSquares { blocks }
}

/// `(r̃, J̃v)`, every row, from tangent probes (a term whose rows are not pointwise: from its
/// rows of `J̃`, one backward pass each); `None` when the model has parameters outside
/// [`Dense`] layers.
pub fn jvp<M: Field + Sync>(
    loss: &dyn ResidualRows<M>,
    model: &M,
    v: &[f64],
    threads: usize,
) -> Option<(Vec<f64>, Vec<f64>)> {
    assert_eq!(v.len(), model.num_params(), "direction length");
    if !supports_probes(model) {
        return None;
    }
    let rows = loss.num_rows();
    let chunks = row_chunks(loss, rows.div_ceil(threads.max(1)).max(1));
    let parts = for_each_job(model, &chunks, threads, |m, &rows| {
        if !loss.pointwise(rows.term) {
            let (values, jacobian) = row_by_row(loss, m, rows);
            let jv = jacobian
                .chunks(v.len())
                .map(|row| row.iter().zip(v).map(|(a, b)| a * b).sum())
                .collect();
            return (values, jv);
        }
        let mut offset = 0;
        let mut eps_leaf = None;
        let probed = m
            .map_layers(&mut |d: Dense| {
                let [i, o] = d.shape();
                let device = d.weight.val().device();
                let eps = eps_leaf
                    .get_or_insert_with(|| {
                        Tensor::<2>::zeros([rows.len, 1], &device).require_grad()
                    })
                    .clone();
                let weight = Tensor::from_data(
                    TensorData::new(v[offset..offset + i * o].to_vec(), [i, o]),
                    &device,
                );
                offset += i * o;
                let bias = d.bias.as_ref().map(|_| {
                    let b = Tensor::from_data(
                        TensorData::new(v[offset..offset + o].to_vec(), [1, o]),
                        &device,
                    );
                    offset += o;
                    b
                });
                d.with_probe(Some(Probe::Tangent { weight, bias, eps }))
            })
            .expect("checked by supports_probes");
        let (_, r) = loss.weighted_rows(&probed, rows.start, rows.len);
        let values = to_vec(r.clone().detach());
        let grads = r.sum().backward();
        let eps = eps_leaf.expect("a model with parameters has a layer");
        let jv = eps.grad(&grads).map_or_else(|| vec![0.0; rows.len], to_vec);
        (values, jv)
    });
    let (r, jv) = parts
        .into_iter()
        .fold((vec![], vec![]), |(mut r, mut j), p| {
            r.extend(p.0);
            j.extend(p.1);
            (r, j)
        });
    Some((r, jv))
}

/// `J̃ᵀw` (one backward pass of `Σ_i w_i r̃_i` per chunk), `w` over every row of `r̃`.
pub fn vjp<M: Field + Sync>(
    loss: &dyn ResidualRows<M>,
    model: &M,
    w: &[f64],
    threads: usize,
) -> Vec<f64> {
    assert_eq!(w.len(), loss.num_rows(), "one weight per row of r̃");
    let chunks = row_chunks(loss, loss.num_rows().div_ceil(threads.max(1)).max(1));
    let parts = for_each_job(model, &chunks, threads, |m, &rows| {
        let (_, r) = loss.weighted_rows(m, rows.start, rows.len);
        let device = r.device();
        let weights = Tensor::<2>::from_data(
            TensorData::new(w[rows.start..rows.start + rows.len].to_vec(), [rows.len, 1]),
            &device,
        );
        let grads = (r * weights).sum().backward();
        params::flatten_grads(m, &grads)
    });
    let mut out = vec![0.0; model.num_params()];
    for p in parts {
        for (o, g) in out.iter_mut().zip(p) {
            *o += g;
        }
    }
    out
}

/// `r̃`, every row (values only: the parameters are detached, no graph is built).
pub fn residual_vector<M: Field + Sync>(
    loss: &dyn ResidualRows<M>,
    model: &M,
    threads: usize,
) -> Vec<f64> {
    let chunks = row_chunks(loss, loss.num_rows().div_ceil(threads.max(1)).max(1));
    let model = &model.clone().no_grad();
    for_each_job(model, &chunks, threads, |m, &rows| {
        to_vec(loss.weighted_rows(m, rows.start, rows.len).1.detach())
    })
    .concat()
}
