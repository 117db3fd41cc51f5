//! Work on a model spread over threads, each thread with its own copy of the parameters.
//!
//! burn's CPU backends run each tensor op on one core, so the loss, its gradient and the
//! Jacobian rows are computed in independent pieces (shards of the collocation points, chunks
//! of rows) on the threads of rayon's pool, which live as long as the process: their
//! allocator heaps stay warm from one step to the next, where threads spawned per step started
//! every step with fresh memory to map. Every worker uses its own copy of the parameters,
//! made on its own thread: fresh autodiff leaves with the same parameter ids and the same
//! values ([`params::fresh_leaves`]; the values are shared, not copied). Graphs that shared
//! leaves made burn 0.22's autodiff merge them across threads, which deadlocked with three or
//! more threads (seen on a 16-core machine; `tests/training.rs` and the evaluator tests run 2,
//! 3, 5 and 8 threads).

use pinn_model::{Field, params};
use rayon::prelude::*;

/// `work(model, job)` for every job, dealt round-robin to at most `threads` workers on
/// rayon's pool; the results in job order. The first worker uses `model` itself, the others
/// copies of it; with one worker (or one job) everything runs on the calling thread.
pub(crate) fn for_each_job<M, J, T>(
    model: &M,
    jobs: &[J],
    threads: usize,
    work: impl Fn(&M, &J) -> T + Sync,
) -> Vec<T>
where
    M: Field + Sync,
    J: Sync,
    T: Send,
{
    let threads = threads.clamp(1, jobs.len().max(1));
    if threads == 1 {
        return jobs.iter().map(|job| work(model, job)).collect();
    }
    let mut parts: Vec<(usize, T)> = (0..threads)
        .into_par_iter()
        .with_max_len(1)
        .flat_map_iter(|worker| {
            let copy = (worker > 0).then(|| params::fresh_leaves(model.clone()));
            let m = copy.as_ref().unwrap_or(model);
            (worker..jobs.len())
                .step_by(threads)
                .map(|k| (k, work(m, &jobs[k])))
                .collect::<Vec<_>>()
        })
        .collect();
    parts.sort_by_key(|p| p.0);
    parts.into_iter().map(|p| p.1).collect()
}
