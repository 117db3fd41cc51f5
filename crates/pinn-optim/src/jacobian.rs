//! The Jacobian `J̃ = ∂r̃/∂θ` of a PINN's weighted residual vector, one backward pass per row
//! (burn 0.22 has neither forward mode nor per-sample gradients), rows split over threads.

use faer::Mat;
use pinn_loss::PinnLoss;
use pinn_model::{Field, params};

use crate::linear::{Block, LinearLeastSquares};

/// `J̃` as one block per loss term (`residual`, then the boundary-type terms), each with its
/// rows `∂r̃_i/∂θ` and targets `J̃θ − r̃` (so that the blocks' Gauss–Newton model is exact for
/// a linear model and the local linearisation otherwise). Weights are 1: `r̃` is weighted.
pub fn jacobian_blocks<M: Field + Sync>(
    loss: &PinnLoss,
    model: &M,
    threads: usize,
) -> LinearLeastSquares {
    let rows = loss.num_rows();
    let theta = params::flatten(model);
    let threads = threads.clamp(1, rows.max(1));
    let chunk = rows.div_ceil(threads);
    let work = |model: &M, lo: usize, hi: usize| -> Vec<(usize, f64, Vec<f64>)> {
        (lo..hi)
            .map(|i| {
                let (term, r) = loss.weighted_rows(model, i, 1);
                let value: f64 = r.clone().detach().into_scalar();
                let grads = r.sum().backward();
                (term, value, params::flatten_grads(model, &grads))
            })
            .collect()
    };
    // One copy of the parameters per thread (fresh leaves): graphs sharing leaves across
    // threads deadlock burn's autodiff (see `Evaluator`).
    let copies: Vec<M> = (0..threads)
        .map(|_| params::unflatten(model.clone(), &theta))
        .collect();
    let parts: Vec<(usize, f64, Vec<f64>)> = std::thread::scope(|s| {
        let handles: Vec<_> = copies
            .iter()
            .enumerate()
            .map(|(t, m)| {
                let (lo, hi) = (t * chunk, ((t + 1) * chunk).min(rows));
                let work = &work;
                s.spawn(move || work(m, lo, hi))
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("jacobian worker"))
            .collect()
    });
    let names = loss.term_names();
    let n = theta.len();
    let blocks = (0..names.len())
        .filter_map(|term| {
            let mine: Vec<&(usize, f64, Vec<f64>)> = parts.iter().filter(|p| p.0 == term).collect();
            if mine.is_empty() {
                return None;
            }
            let jacobian = Mat::from_fn(mine.len(), n, |r, c| mine[r].2[c]);
            let target = mine
                .iter()
                .map(|(_, value, row)| {
                    row.iter().zip(&theta).map(|(a, b)| a * b).sum::<f64>() - value
                })
                .collect();
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
