//! Work on a model spread over threads, each thread with its own copy of the parameters.
//!
//! burn's CPU backends run each tensor op on one core, so the loss, its gradient and the
//! Jacobian rows are computed in independent pieces (shards of the collocation points, chunks
//! of rows) on scoped threads. Every thread works on its own copy of the parameters: fresh
//! autodiff leaves with the same parameter ids ([`params::unflatten`]). Graphs that shared
//! leaves made burn 0.22's autodiff merge them across threads, which deadlocked with three or
//! more threads (seen on a 16-core machine; `tests/training.rs` and the evaluator tests run 2,
//! 3, 5 and 8 threads).

use pinn_model::{Field, params};

/// `work(model, job)` for every job, dealt round-robin to at most `threads` workers; the
/// results in job order. The first worker uses `model` itself, the others copies of it; with
/// one worker (or one job) nothing is spawned.
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
    let theta = params::flatten(model);
    let copies: Vec<M> = (1..threads)
        .map(|_| params::unflatten(model.clone(), &theta))
        .collect();
    let mut parts: Vec<(usize, T)> = std::thread::scope(|scope| {
        let handles: Vec<_> = std::iter::once(model)
            .chain(copies.iter())
            .enumerate()
            .map(|(worker, m)| {
                let work = &work;
                scope.spawn(move || {
                    (worker..jobs.len())
                        .step_by(threads)
                        .map(|k| (k, work(m, &jobs[k])))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("a worker thread panicked"))
            .collect()
    });
    parts.sort_by_key(|p| p.0);
    parts.into_iter().map(|p| p.1).collect()
}
