//! The training loop (argmin's executor): runs the stages of a schedule on a [`PinnLoss`],
//! one [`Stepper`](crate::Stepper) at a time, and alone owns step counting, the evaluation cadence,
//! reporting, the non-finite policy, the loss weights and the hand-over between stages.
//!
//! Reporting rules: a first-order stepper's iterate `θ_k` is reported with its own terms
//! before its update, any other stepper's accepted iterate after its step, so every reported
//! model has a finite loss. When a loss term turns NaN or ±∞ at step `k`, training stops with
//! [`Termination::NonFinite`] at `k` and returns the model of step `k − 1`. A stage that ends
//! early (converged, stalled) hands over to the next one; the last stage's reason is the run's.

use pinn_loss::{L2Error, PinnLoss};
use pinn_model::Field;

use crate::balance::{self, Balance};
use crate::evaluator::{Evaluator, first_non_finite, total};
use crate::observer::{Observer, Outcome, Progress};
use crate::schedule::TrainSettings;
use crate::termination::Termination;

/// Train `model` on `loss` with the schedule in `settings`, reporting to `observer`.
///
/// Errors before the first step when a stage cannot run on this model (the message names the
/// stage and what to use instead), and when [`Observer::observe_final`] fails.
pub fn train<M: Field + Sync>(
    model: M,
    loss: &PinnLoss,
    settings: &TrainSettings,
    l2: Option<&L2Error>,
    observer: &mut dyn Observer<M>,
) -> Result<Outcome<M>, String> {
    for (index, stage) in settings.stages.iter().enumerate() {
        stage
            .check(&model)
            .map_err(|e| format!("train.stages[{index}] ({}): {e}", stage.name()))?;
    }
    let threads = settings.threads;
    let mut loss = loss.clone();
    if settings.balance == Some(Balance::KappaOptimal) {
        balance::scale_to_kappa_optimal(&mut loss, &model, threads);
    }
    let mut eval = Evaluator::new(&loss, threads);
    let mut reporter = Reporter {
        observer,
        settings,
        l2,
    };
    let mut model = model;
    let mut step = 0;
    let mut termination = Termination::MaxSteps;
    let last_stage = settings.stages.len().saturating_sub(1);

    'stages: for (index, stage) in settings.stages.iter().enumerate() {
        let name = stage.name();
        let mut stepper = stage.stepper::<M>();
        let first_order = stepper.first_order();
        reporter.observer.observe_stage(index, stage);
        let mut terms = stepper.start(&eval, &model);
        if let Some(term) = first_non_finite(&terms) {
            termination = Termination::NonFinite {
                term,
                step: step + 1,
            };
            break;
        }
        let mut ended = None;
        for k in 0..stage.steps() {
            if first_order {
                if let Some(alpha) = settings.balance.as_ref().and_then(|b| b.grad_norm_due(k)) {
                    balance::rebalance(&mut loss, &model, threads, alpha);
                    eval = Evaluator::new(&loss, threads);
                    terms = stepper.start(&eval, &model);
                }
                step += 1;
                reporter.report(step, name, &terms, false, &model);
            }
            let next = stepper.step(&eval, &model);
            if let Some(term) = first_non_finite(&next.terms) {
                termination = Termination::NonFinite {
                    term,
                    step: step + 1,
                };
                break 'stages;
            }
            (model, terms, ended) = (next.model, next.terms, next.end);
            if !first_order {
                step += 1;
                reporter.report(step, name, &terms, ended.is_some(), &model);
            }
            if ended.is_some() {
                break;
            }
        }
        if index == last_stage
            && let Some(reason) = ended
        {
            termination = reason;
        }
    }
    let terms = eval.terms(&model);
    let outcome = Outcome {
        loss: total(&terms),
        rel_l2: l2.map(|e| e.relative(&model)),
        model,
        termination,
        steps: step,
        terms,
        weights: loss.weights(),
    };
    reporter.observer.observe_final(&outcome)?;
    Ok(outcome)
}

/// Hands reported steps to the observer, with the relative L² error when it is due.
struct Reporter<'a, M> {
    observer: &'a mut dyn Observer<M>,
    settings: &'a TrainSettings,
    l2: Option<&'a L2Error>,
}

impl<M: Field> Reporter<'_, M> {
    /// Report `model` at `step` of `stage`; `last`: the stage ends here (the error is due).
    fn report(&mut self, step: usize, stage: &str, terms: &[(String, f64)], last: bool, model: &M) {
        let rel_l2 = (self.settings.eval_due(step) || last)
            .then(|| self.l2.map(|e| e.relative(model)))
            .flatten();
        let progress = Progress {
            step,
            total_steps: self.settings.total_steps(),
            optimizer: stage,
            terms,
            loss: total(terms),
            rel_l2,
        };
        self.observer.observe(&progress, model);
    }
}
