//! Turns the validated optimiser and schedule sections into Burn's optimiser and LR scheduler.

use burn::optim::decay::WeightDecayConfig;
use burn::optim::lr_scheduler::cosine::CosineAnnealingLrSchedulerConfig;
use burn::optim::lr_scheduler::linear::LinearLrSchedulerConfig;
use burn::optim::lr_scheduler::module_lr_scheduler::ModuleLrScheduler;
use burn::optim::lr_scheduler::sequential::SequentialLrSchedulerConfig;
use burn::optim::lr_scheduler::step::StepLrSchedulerConfig;
use burn::optim::lr_scheduler::LrSchedulerConfig;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{AdamConfig, AdamWConfig, ModuleOptimizer, RmsPropConfig, SgdConfig};

use crate::error::TrainError;
use mnist_runs::config::{OptimizerSection, ScheduleName, ScheduleSection, ONECYCLE_DIV};
use mnist_runs::update_rule::UpdateRule;

/// Burn's optimiser for the recipe's rule ([`UpdateRule::of`]: PyTorch's SGD with dampening 0,
/// RMSprop without momentum, Keras' defaults).
pub fn build_optimizer(o: &OptimizerSection) -> ModuleOptimizer {
    let l2 = |penalty: Option<f32>| penalty.map(WeightDecayConfig::new);
    match UpdateRule::of(o) {
        UpdateRule::Sgd { penalty, momentum } => SgdConfig::new()
            .with_momentum(momentum.map(|m| MomentumConfig {
                momentum: m.factor,
                dampening: 0.0,
                nesterov: m.nesterov,
            }))
            .with_weight_decay(l2(penalty))
            .init(),
        UpdateRule::RmsProp {
            alpha,
            epsilon,
            penalty,
        } => RmsPropConfig::new()
            .with_alpha(alpha)
            .with_momentum(0.0)
            .with_epsilon(epsilon)
            .with_weight_decay(l2(penalty))
            .init(),
        UpdateRule::Adam(moments) => AdamConfig::new()
            .with_beta_1(moments.beta_1)
            .with_beta_2(moments.beta_2)
            .with_epsilon(moments.epsilon)
            .with_weight_decay(l2(moments.penalty))
            .init(),
        UpdateRule::AdamW { moments, decay } => AdamWConfig::new()
            .with_beta_1(moments.beta_1)
            .with_beta_2(moments.beta_2)
            .with_epsilon(moments.epsilon)
            .with_weight_decay(decay)
            .init(),
    }
}

/// Builds the per-iteration LR schedule for `epochs` epochs of `iters_per_epoch` steps.
pub fn build_scheduler(
    s: &ScheduleSection,
    lr: f64,
    epochs: usize,
    iters_per_epoch: usize,
) -> Result<ModuleLrScheduler, TrainError> {
    let per_epoch = iters_per_epoch.max(1);
    let total = (epochs * per_epoch).max(1);
    let scheduler = match s.name {
        ScheduleName::Constant => Ok(lr.into()),
        ScheduleName::Cosine | ScheduleName::Onecycle => {
            let warmup = s.warmup_steps(total, per_epoch).min(total - 1);
            let cosine = CosineAnnealingLrSchedulerConfig::new(lr, (total - warmup).max(1))
                .with_min_lr(s.min_lr(lr));
            if warmup == 0 {
                cosine.init()
            } else {
                let start = match s.name {
                    ScheduleName::Onecycle => lr / ONECYCLE_DIV,
                    _ => lr / warmup as f64,
                };
                SequentialLrSchedulerConfig::new(
                    vec![
                        LrSchedulerConfig::Linear(LinearLrSchedulerConfig::new(start, lr, warmup)),
                        LrSchedulerConfig::Cosine(cosine),
                    ],
                    vec![warmup],
                )
                .init()
            }
        }
        ScheduleName::Step => {
            StepLrSchedulerConfig::new(lr, s.step_epochs.unwrap_or(1).max(1) * per_epoch)
                .with_gamma(s.gamma())
                .init()
        }
    };
    scheduler.map_err(|message| TrainError::Scheduler { message })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lrs(s: &ScheduleSection, lr: f64, epochs: usize, per_epoch: usize) -> Vec<f64> {
        let mut scheduler = build_scheduler(s, lr, epochs, per_epoch).unwrap();
        (0..epochs * per_epoch)
            .map(|_| scheduler.step().base())
            .collect()
    }

    #[test]
    fn cosine_warm_up_rises_linearly_to_the_peak_then_decays() {
        let s = ScheduleSection {
            name: ScheduleName::Cosine,
            warmup_epochs: Some(1),
            ..Default::default()
        };
        let lr = lrs(&s, 0.1, 4, 10);
        assert!((lr[0] - 0.01).abs() < 1e-9, "{lr:?}");
        assert!(lr[..10].windows(2).all(|w| w[1] > w[0]), "{lr:?}");
        assert!((lr[10] - 0.1).abs() < 1e-9, "{lr:?}");
        assert!(lr[10..].windows(2).all(|w| w[1] <= w[0]), "{lr:?}");
        assert!(lr[39] < 0.001, "{lr:?}");
    }

    #[test]
    fn one_cycle_starts_at_a_25th_peaks_at_30_percent_and_ends_near_zero() {
        let s = ScheduleSection {
            name: ScheduleName::Onecycle,
            ..Default::default()
        };
        let lr = lrs(&s, 0.1, 10, 10);
        assert!((lr[0] - 0.004).abs() < 1e-9, "{lr:?}");
        let peak = lr.iter().cloned().fold(0.0, f64::max);
        assert_eq!(lr.iter().position(|&v| v == peak), Some(30), "{lr:?}");
        assert!((peak - 0.1).abs() < 1e-9);
        assert!(lr[99] < 1e-4 && lr[99] >= 0.1 / 25e4 - 1e-12, "{lr:?}");
    }
}
