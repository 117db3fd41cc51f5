//! The training loop (argmin's executor): runs the stages of a schedule on a loss
//! ([`ResidualRows`]: a [`pinn_loss::PinnLoss`] or a user's own), one
//! [`Stepper`](crate::Stepper) at a time, and alone owns step counting, the evaluation cadence,
//! reporting, the non-finite policy, the loss weights, the stopping rules and the hand-over
//! between stages.
//!
//! Reporting rules: a first-order stepper's iterate `θ_k` is reported with its own terms
//! before its update, any other stepper's accepted iterate after its step, so every reported
//! model has a finite loss. When a loss term turns NaN or ±∞ at step `k`, training stops with
//! [`Termination::NonFinite`] at `k` and returns the model of step `k − 1`. A stage that ends
//! early (converged, stalled) hands over to the next one; the last stage's reason is the run's.
//!
//! Resuming: every evaluation step hands the observer a [`TrainState`] beside the model it
//! reports; [`resume`] continues from the two as if the run had never stopped. The state is
//! taken where the iteration it continues at begins: for a first-order stage, before the
//! loss weights are rebalanced and the iterate reported (both are replayed), otherwise after
//! the step.

use std::time::Instant;

use pinn_loss::L2Error;

use crate::ResidualRows;
use pinn_model::Field;

use crate::balance::{self, Balance};
use crate::evaluator::{Evaluator, first_non_finite, total};
use crate::observer::{Observer, Outcome, Progress};
use crate::phases::Phases;
use crate::schedule::TrainSettings;
use crate::state::TrainState;
use crate::termination::Termination;

/// Train `model` on `loss` with the schedule in `settings`, reporting to `observer`.
///
/// Errors before the first step when a stage cannot run on this model (the message names the
/// stage and what to use instead), and when [`Observer::observe_final`] fails.
pub fn train<M: Field + Sync>(
    model: M,
    loss: &dyn ResidualRows<M>,
    settings: &TrainSettings,
    l2: Option<&L2Error>,
    observer: &mut dyn Observer<M>,
) -> Result<Outcome<M>, String> {
    run(model, loss, settings, l2, observer, None)
}

/// Continue a run from `state` and the model reported with it ([`Progress::state`]): with the
/// same settings, loss and thread count, the steps reported from here on are those the
/// uninterrupted run reports, bit for bit. Errors when the state does not fit the schedule
/// or the loss.
pub fn resume<M: Field + Sync>(
    model: M,
    loss: &dyn ResidualRows<M>,
    settings: &TrainSettings,
    l2: Option<&L2Error>,
    observer: &mut dyn Observer<M>,
    state: TrainState,
) -> Result<Outcome<M>, String> {
    run(model, loss, settings, l2, observer, Some(state))
}

fn run<M: Field + Sync>(
    model: M,
    loss: &dyn ResidualRows<M>,
    settings: &TrainSettings,
    l2: Option<&L2Error>,
    observer: &mut dyn Observer<M>,
    from: Option<TrainState>,
) -> Result<Outcome<M>, String> {
    for (index, stage) in settings.stages.iter().enumerate() {
        stage
            .check(&model)
            .map_err(|e| format!("train.stages[{index}] ({}): {e}", stage.name()))?;
    }
    loss.check(&model)?;
    let threads = settings.threads;
    let mut loss = loss.boxed();
    match &from {
        Some(state) => {
            if state.stage > settings.stages.len()
                || settings
                    .stages
                    .get(state.stage)
                    .is_some_and(|s| state.iteration >= s.steps())
            {
                return Err(format!(
                    "the saved state continues at iteration {} of stage {}, beyond the schedule",
                    state.iteration, state.stage
                ));
            }
            for (name, w) in &state.weights {
                if !loss.set_weight(name, *w) {
                    return Err(format!(
                        "the saved state weighs a loss term `{name}` this problem does not have"
                    ));
                }
            }
            if let Some(points) = &state.interior {
                loss = loss
                    .on_interior(points)
                    .map_err(|e| format!("the saved collocation points: {e}"))?;
            }
        }
        None if settings.balance == Some(Balance::KappaOptimal) => {
            balance::scale_to_kappa_optimal(loss.as_mut(), &model, threads);
        }
        None => {}
    }
    let mut eval = Evaluator::new(loss.as_ref(), threads)
        .with_shard_points(settings.shard_points)
        .with_gram_on_device(settings.gram_on_device);
    let mut reporter = Reporter {
        observer,
        settings,
        l2,
        clock: Instant::now(),
        last_state: None,
    };
    let mut model = model;
    let mut step = from.as_ref().map_or(0, |s| s.steps_before);
    // The interior points adaptive collocation drew last (`None`: the seed's).
    let mut interior = from.as_ref().and_then(|s| s.interior.clone());
    let mut termination = Termination::MaxSteps;
    let mut phases = Phases::default();
    let last_stage = settings.stages.len().saturating_sub(1);
    let mut from = from;

    'stages: for (index, stage) in settings.stages.iter().enumerate() {
        if from.as_ref().is_some_and(|s| index < s.stage) {
            continue;
        }
        let name = stage.name();
        let mut stepper = stage.stepper::<M>();
        let first_order = stepper.first_order();
        reporter.observer.observe_stage(index, stage);
        let first = match from.take() {
            Some(state) if state.iteration > 0 => {
                stepper.restore(state.stepper, &model)?;
                state.iteration
            }
            _ => 0,
        };
        // A first-order stepper needs the gradient at the iterate; any other resumed stepper
        // holds what its next step needs.
        let mut terms = if first == 0 || first_order {
            stepper.start(&eval, &model)
        } else {
            Vec::new()
        };
        if let Some(term) = first_non_finite(&terms) {
            termination = Termination::NonFinite {
                term,
                step: step + 1,
            };
            break;
        }
        let mut ended = None;
        for k in first..stage.steps() {
            if let Some(resample) = settings.resample.as_ref().filter(|r| r.due(step)) {
                let (redrawn, points) = loss.redrawn(&model, resample, step)?;
                loss = redrawn;
                eval = Evaluator::new(loss.as_ref(), threads)
                    .with_shard_points(settings.shard_points)
                    .with_gram_on_device(settings.gram_on_device);
                interior = Some(points);
                if first_order {
                    terms = stepper.start(&eval, &model);
                }
            }
            if first_order {
                let before = loss.weights();
                if let Some(alpha) = settings.balance.as_ref().and_then(|b| b.grad_norm_due(k)) {
                    balance::rebalance(loss.as_mut(), &model, threads, alpha);
                    eval = Evaluator::new(loss.as_ref(), threads)
                        .with_shard_points(settings.shard_points)
                        .with_gram_on_device(settings.gram_on_device);
                    terms = stepper.start(&eval, &model);
                }
                let steps_before = step;
                let mut saved = || {
                    Ok(TrainState {
                        stage: index,
                        iteration: k,
                        steps_before,
                        stepper: stepper.save()?,
                        weights: before.clone(),
                        interior: interior.clone(),
                    })
                };
                step += 1;
                if let Some(stop) =
                    reporter.report(step, name, &terms, false, &model, &mut saved)?
                {
                    termination = stop;
                    break 'stages;
                }
            }
            let next = stepper.step(&eval, &model);
            if let Some(term) = first_non_finite(&next.terms) {
                termination = Termination::NonFinite {
                    term,
                    step: step + 1,
                };
                break 'stages;
            }
            phases.merge(name, &next.phases);
            (model, terms, ended) = (next.model, next.terms, next.end);
            if !first_order {
                step += 1;
                let last = ended.is_some();
                let steps_before = step;
                let mut saved = || {
                    Ok(if last || k + 1 == stage.steps() {
                        TrainState {
                            stage: index + 1,
                            iteration: 0,
                            steps_before,
                            stepper: Default::default(),
                            weights: loss.weights(),
                            interior: interior.clone(),
                        }
                    } else {
                        TrainState {
                            stage: index,
                            iteration: k + 1,
                            steps_before,
                            stepper: stepper.save()?,
                            weights: loss.weights(),
                            interior: interior.clone(),
                        }
                    })
                };
                if let Some(stop) = reporter.report(step, name, &terms, last, &model, &mut saved)? {
                    termination = stop;
                    break 'stages;
                }
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
    let state = match termination {
        Termination::NonFinite { .. } => None,
        Termination::TimeLimit | Termination::TargetReached => reporter.last_state.take(),
        _ => Some(TrainState {
            stage: settings.stages.len(),
            iteration: 0,
            steps_before: step,
            stepper: Default::default(),
            weights: loss.weights(),
            interior,
        }),
    };
    let terms = eval.terms(&model);
    let outcome = Outcome {
        state,
        loss: total(&terms),
        rel_l2: l2.map(|e| e.relative(&model)),
        model,
        termination,
        steps: step,
        terms,
        weights: loss.weights(),
        phases,
    };
    reporter.observer.observe_final(&outcome)?;
    Ok(outcome)
}

/// Hands reported steps to the observer, with the relative L² error and the state to resume
/// from when they are due, and applies the stopping rules.
struct Reporter<'a, M> {
    observer: &'a mut dyn Observer<M>,
    settings: &'a TrainSettings,
    l2: Option<&'a L2Error>,
    clock: Instant,
    /// The state of the last step reported with one.
    last_state: Option<TrainState>,
}

impl<M: Field> Reporter<'_, M> {
    /// Report `model` at `step` of `stage`; `last`: the stage ends here. On evaluation steps,
    /// at the end of a stage and where training stops, the report carries the relative L²
    /// error and `state()`. Returns why training stops here: the time limit ran out or a
    /// target of [`TrainSettings::target`] was reached.
    fn report(
        &mut self,
        step: usize,
        stage: &str,
        terms: &[(String, f64)],
        last: bool,
        model: &M,
        state: &mut dyn FnMut() -> Result<TrainState, String>,
    ) -> Result<Option<Termination>, String> {
        let settings = self.settings;
        let loss = total(terms);
        let mut stop = if settings
            .time_limit
            .is_some_and(|t| self.clock.elapsed() >= t)
        {
            Some(Termination::TimeLimit)
        } else if settings.target.loss.is_some_and(|t| loss <= t) {
            Some(Termination::TargetReached)
        } else {
            None
        };
        let due = settings.eval_due(step) || last || stop.is_some();
        let rel_l2 = due.then(|| self.l2.map(|e| e.relative(model))).flatten();
        if stop.is_none()
            && settings
                .target
                .rel_l2
                .is_some_and(|t| rel_l2.is_some_and(|e| e <= t))
        {
            stop = Some(Termination::TargetReached);
        }
        let progress = Progress {
            step,
            total_steps: settings.total_steps(),
            optimizer: stage,
            terms,
            loss,
            rel_l2,
            state: if due { Some(state()?) } else { None },
        };
        self.observer.observe(&progress, model);
        if progress.state.is_some() {
            self.last_state = progress.state;
        }
        Ok(stop)
    }
}
