//! The training loop: run the stages of a schedule on a [`PinnLoss`], report every step to an
//! [`Observer`], stop on non-finite losses with the name of the term, and return the model at
//! the last good parameters.
//!
//! Shaped like argmin's executor: the optimizers do not print; termination reasons are values.

use burn::optim::AdamConfig;
use pinn_loss::{L2Error, PinnLoss};
use pinn_model::{Field, params};

use crate::balance::{Balance, kappa_optimal, rebalance};
use crate::evaluator::Evaluator;
use crate::gauss_newton::{DenseSystem, GaussNewton, GaussNewtonStatus, MatrixFreeSystem, Solver};
use crate::jacobian::jacobian_blocks;
use crate::lbfgs::{Lbfgs, LbfgsConfig, LbfgsStatus};
use crate::stage::Stage;

/// Why training stopped.
#[derive(Clone, Debug, PartialEq)]
pub enum Termination {
    /// Every stage ran its steps.
    MaxSteps,
    /// The last stage's optimizer converged (gradient or change below tolerance).
    Converged,
    /// The L-BFGS line search found no acceptable step (usually the round-off floor).
    LineSearchFailed,
    /// Gauss–Newton found no damping that decreases the loss (the round-off floor).
    Stalled,
    /// The stage cannot run on this model (the message says why and what to use instead).
    Unsupported(String),
    /// A loss term became NaN or ±∞ at `step`; the model is the one of step `step − 1`.
    NonFinite {
        /// The first non-finite term.
        term: String,
        /// The step at which it was seen.
        step: usize,
    },
}

/// What an observer sees after each step.
#[derive(Clone, Debug)]
pub struct Progress<'a> {
    /// Steps completed (1-based).
    pub step: usize,
    /// Steps in the whole schedule.
    pub total_steps: usize,
    /// The optimizer of the current stage.
    pub optimizer: &'a str,
    /// `(name, value)` of each loss term at the start of the step.
    pub terms: &'a [(String, f64)],
    /// Their sum.
    pub loss: f64,
    /// Relative L² error, on evaluation steps.
    pub rel_l2: Option<f64>,
}

/// Receives progress (logging, progress bars, checkpoints).
pub trait Observer<M> {
    /// Called after every step with the model it produced.
    fn observe(&mut self, progress: &Progress<'_>, model: &M);
}

impl<M> Observer<M> for () {
    fn observe(&mut self, _: &Progress<'_>, _: &M) {}
}

/// Schedule and evaluation settings.
#[derive(Clone, Debug)]
pub struct TrainSettings {
    /// The stages, in order.
    pub stages: Vec<Stage>,
    /// Compute the relative L² error every this many steps (and at the last step).
    pub eval_every: usize,
    /// Worker threads for the loss (shards of the collocation points); 1 on GPU backends.
    pub threads: usize,
    /// How the weights of the boundary-type terms are chosen (none: as configured).
    pub balance: Option<Balance>,
}

impl TrainSettings {
    /// The stages with `eval_every = 100` and one thread per available core.
    pub fn new(stages: Vec<Stage>) -> Self {
        Self {
            stages,
            eval_every: 100,
            threads: default_threads(),
            balance: None,
        }
    }
}

/// One worker per available core.
pub fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The result of training.
#[derive(Debug)]
pub struct Outcome<M> {
    /// The trained model (at the last finite loss).
    pub model: M,
    /// Why it stopped.
    pub termination: Termination,
    /// Steps completed.
    pub steps: usize,
    /// The loss terms of the returned model.
    pub terms: Vec<(String, f64)>,
    /// Their sum.
    pub loss: f64,
    /// Relative L² error of the returned model, when the problem has an exact solution.
    pub rel_l2: Option<f64>,
    /// The final weights of the boundary-type terms.
    pub weights: Vec<(String, f64)>,
}

fn first_non_finite(terms: &[(String, f64)]) -> Option<String> {
    terms
        .iter()
        .find(|(_, v)| !v.is_finite())
        .map(|(n, _)| n.clone())
}

fn sum(terms: &[(String, f64)]) -> f64 {
    terms.iter().map(|(_, v)| v).sum()
}

/// Train `model` on `loss` with the schedule in `settings`.
///
/// Each reported step pairs a model with its own loss terms (Adam reports `θ_k` before its
/// update, L-BFGS the iterate after its line search), so an observer that checkpoints on
/// report only ever saves parameters with a finite loss.
pub fn train<M: Field + Sync>(
    mut model: M,
    loss: &PinnLoss,
    settings: &TrainSettings,
    l2: Option<&L2Error>,
    observer: &mut dyn Observer<M>,
) -> Outcome<M> {
    let mut loss = loss.clone();
    if settings.balance == Some(Balance::KappaOptimal)
        && let Some((lambda, _)) = kappa_optimal(&loss, &model, settings.threads)
    {
        for (name, w) in loss.weights() {
            loss.set_weight(&name, w * lambda);
        }
    }
    // The memory α when gradient-norm balancing is due at step `k` of a first-order stage.
    let rebalance_due = |k: usize| match settings.balance {
        Some(Balance::GradNorm { every, alpha }) if k > 0 && k.is_multiple_of(every) => Some(alpha),
        _ => None,
    };
    let mut eval = Evaluator::new(&loss, settings.threads);
    let total_steps: usize = settings.stages.iter().map(Stage::steps).sum();
    let mut step = 0;
    let mut termination = Termination::MaxSteps;
    let eval_due =
        |step: usize| step.is_multiple_of(settings.eval_every.max(1)) || step == total_steps;
    let last = settings.stages.len().saturating_sub(1);

    'stages: for (index, stage) in settings.stages.iter().enumerate() {
        let ended = match stage {
            Stage::Adam {
                steps,
                lr,
                lr_final,
            } => {
                let mut optim = AdamConfig::new().with_epsilon(1e-8).init();
                let ratio = lr_final.unwrap_or(*lr) / lr;
                let (mut terms, mut grads) = eval.terms_and_grads(&model);
                if let Some(term) = first_non_finite(&terms) {
                    termination = Termination::NonFinite {
                        term,
                        step: step + 1,
                    };
                    break 'stages;
                }
                for k in 0..*steps {
                    step += 1;
                    let rel = eval_due(step)
                        .then(|| l2.map(|e| e.relative(&model)))
                        .flatten();
                    report(observer, step, total_steps, "adam", &terms, rel, &model);
                    if let Some(alpha) = rebalance_due(k) {
                        rebalance(&mut loss, &model, settings.threads, alpha);
                        eval = Evaluator::new(&loss, settings.threads);
                        grads = eval.terms_and_grads(&model).1;
                    }
                    let lr_k = lr * ratio.powf(k as f64 / (*steps).max(1) as f64);
                    let candidate = optim.step(lr_k, model.clone(), grads);
                    // Keep θ_k (finite loss) until θ_{k+1} is known to be finite.
                    let (next_terms, next_grads) = eval.terms_and_grads(&candidate);
                    if let Some(term) = first_non_finite(&next_terms) {
                        termination = Termination::NonFinite {
                            term,
                            step: step + 1,
                        };
                        break 'stages;
                    }
                    (model, terms, grads) = (candidate, next_terms, next_grads);
                }
                None
            }
            Stage::Lbfgs {
                steps,
                history,
                tolerance_grad,
                tolerance_change,
            } => {
                let config = LbfgsConfig {
                    history: *history,
                    tolerance_grad: *tolerance_grad,
                    tolerance_change: *tolerance_change,
                };
                let template = model.clone();
                let mut obj = |theta: &[f64]| {
                    let m = params::unflatten(template.clone(), theta);
                    let (terms, grad) = eval.value_grad(&m);
                    let value = sum(&terms);
                    // A non-finite value makes the line search back off.
                    (
                        if value.is_finite() {
                            value
                        } else {
                            f64::INFINITY
                        },
                        grad,
                    )
                };
                let mut opt = Lbfgs::new(config, params::flatten(&model), &mut obj);
                if !opt.value().is_finite() {
                    let terms = eval.terms(&model);
                    let term = first_non_finite(&terms).unwrap_or_else(|| "residual".into());
                    termination = Termination::NonFinite {
                        term,
                        step: step + 1,
                    };
                    break 'stages;
                }
                let mut ended = None;
                for _ in 0..*steps {
                    let status = opt.step(&mut obj);
                    step += 1;
                    // The line search only accepts finite values, so the iterate is good.
                    model = params::unflatten(template.clone(), opt.theta());
                    let terms = eval.terms(&model);
                    let done = status != LbfgsStatus::Running;
                    let rel = (eval_due(step) || done)
                        .then(|| l2.map(|e| e.relative(&model)))
                        .flatten();
                    report(observer, step, total_steps, "lbfgs", &terms, rel, &model);
                    ended = match status {
                        LbfgsStatus::Running => None,
                        LbfgsStatus::Converged => Some(Termination::Converged),
                        LbfgsStatus::LineSearchFailed => Some(Termination::LineSearchFailed),
                    };
                    if ended.is_some() {
                        break;
                    }
                }
                ended
            }
            Stage::GradientDescent { steps, lr } => {
                let template = model.clone();
                let mut theta = params::flatten(&model);
                let (mut terms, mut grad) = eval.value_grad(&model);
                if let Some(term) = first_non_finite(&terms) {
                    termination = Termination::NonFinite {
                        term,
                        step: step + 1,
                    };
                    break 'stages;
                }
                for k in 0..*steps {
                    if let Some(alpha) = rebalance_due(k) {
                        rebalance(&mut loss, &model, settings.threads, alpha);
                        eval = Evaluator::new(&loss, settings.threads);
                        (terms, grad) = eval.value_grad(&model);
                    }
                    step += 1;
                    let rel = eval_due(step)
                        .then(|| l2.map(|e| e.relative(&model)))
                        .flatten();
                    report(observer, step, total_steps, "gd", &terms, rel, &model);
                    let next: Vec<f64> = theta.iter().zip(&grad).map(|(t, g)| t - lr * g).collect();
                    let candidate = params::unflatten(template.clone(), &next);
                    let (next_terms, next_grad) = eval.value_grad(&candidate);
                    if let Some(term) = first_non_finite(&next_terms) {
                        termination = Termination::NonFinite {
                            term,
                            step: step + 1,
                        };
                        break 'stages;
                    }
                    (model, theta, terms, grad) = (candidate, next, next_terms, next_grad);
                }
                None
            }
            Stage::GaussNewton { steps, .. } => {
                let (solver, config) = stage.gauss_newton_config().expect("a gauss_newton stage");
                let mut gn = GaussNewton::new(config.clone());
                let template = model.clone();
                let mut ended = None;
                for _ in 0..*steps {
                    let theta = params::flatten(&model);
                    let objective = |t: &[f64]| {
                        let value = sum(&eval.terms(&params::unflatten(template.clone(), t)));
                        if value.is_finite() {
                            value
                        } else {
                            f64::INFINITY
                        }
                    };
                    let (next, _, status) = match solver {
                        Solver::Cholesky => {
                            let blocks = jacobian_blocks(&loss, &model, settings.threads);
                            gn.step(&mut DenseSystem::new(&blocks, &theta), &theta, objective)
                        }
                        Solver::Cg => {
                            let Some(mut system) =
                                MatrixFreeSystem::new(&loss, &model, settings.threads, &config)
                            else {
                                ended = Some(Termination::Unsupported(
                                    "the matrix-free Gauss–Newton stage needs a model whose \
                                     parameters all live in Dense layers; use solver = \
                                     \"cholesky\""
                                        .into(),
                                ));
                                break;
                            };
                            gn.step(&mut system, &theta, objective)
                        }
                    };
                    step += 1;
                    model = params::unflatten(template.clone(), &next);
                    let terms = eval.terms(&model);
                    let stalled = status == GaussNewtonStatus::Stalled;
                    let rel = (eval_due(step) || stalled)
                        .then(|| l2.map(|e| e.relative(&model)))
                        .flatten();
                    report(
                        observer,
                        step,
                        total_steps,
                        "gauss_newton",
                        &terms,
                        rel,
                        &model,
                    );
                    if stalled {
                        ended = Some(Termination::Stalled);
                        break;
                    }
                }
                ended
            }
        };
        // An optimizer that stops early hands over to the next stage; the last one's reason
        // is the run's.
        if let Some(reason) = ended
            && index == last
        {
            termination = reason;
        }
    }
    let terms = eval.terms(&model);
    let loss_value = sum(&terms);
    let rel_l2 = l2.map(|e| e.relative(&model));
    Outcome {
        model,
        termination,
        steps: step,
        terms,
        loss: loss_value,
        rel_l2,
        weights: loss.weights(),
    }
}

fn report<M>(
    observer: &mut dyn Observer<M>,
    step: usize,
    total_steps: usize,
    optimizer: &str,
    terms: &[(String, f64)],
    rel_l2: Option<f64>,
    model: &M,
) {
    let loss = terms.iter().map(|(_, v)| v).sum();
    observer.observe(
        &Progress {
            step,
            total_steps,
            optimizer,
            terms,
            loss,
            rel_l2,
        },
        model,
    );
}
