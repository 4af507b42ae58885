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

use crate::config::{OptimizerName, OptimizerSection, ScheduleName, ScheduleSection, ONECYCLE_DIV};
use crate::error::TrainError;

/// Keras' epsilon for RMSprop, Adam and AdamW (Burn's default is 1e-5).
const KERAS_EPSILON: f64 = 1e-7;
/// Keras' RMSprop `rho` (Burn's `alpha` defaults to 0.99).
const KERAS_RHO: f64 = 0.9;
/// Keras' AdamW weight decay.
const KERAS_ADAMW_DECAY: f64 = 0.004;

fn l2(weight_decay: Option<f64>) -> Option<WeightDecayConfig> {
    weight_decay
        .filter(|&d| d > 0.0)
        .map(|d| WeightDecayConfig::new(d as f32))
}

/// Adam's settings as a recipe gives them (Keras' defaults where it does not): Burn's
/// [`AdamConfig`] is built from these, and so is the captured step's
/// [`RecordedAdam`](crate::recorded_adam::RecordedAdam).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct AdamSettings {
    pub beta_1: f32,
    pub beta_2: f32,
    pub epsilon: f32,
    /// L2 weight decay's penalty (added to the gradient), if any.
    pub penalty: Option<f32>,
}

impl AdamSettings {
    pub(crate) fn of(o: &OptimizerSection) -> Self {
        AdamSettings {
            beta_1: o.beta1.unwrap_or(0.9) as f32,
            beta_2: o.beta2.unwrap_or(0.999) as f32,
            epsilon: o.epsilon.unwrap_or(KERAS_EPSILON) as f32,
            penalty: l2(o.weight_decay).map(|decay| decay.penalty),
        }
    }
}

/// Builds the optimiser with Keras/PyTorch semantics (SGD dampening 0, RMSprop without momentum).
pub fn build_optimizer(o: &OptimizerSection) -> ModuleOptimizer {
    let eps = o.epsilon.unwrap_or(KERAS_EPSILON) as f32;
    let beta1 = o.beta1.unwrap_or(0.9) as f32;
    let beta2 = o.beta2.unwrap_or(0.999) as f32;
    match o.name {
        OptimizerName::Sgd => {
            let momentum = o.momentum.filter(|&m| m > 0.0).map(|m| MomentumConfig {
                momentum: m,
                dampening: 0.0,
                nesterov: o.nesterov.unwrap_or(false),
            });
            SgdConfig::new()
                .with_momentum(momentum)
                .with_weight_decay(l2(o.weight_decay))
                .init()
        }
        OptimizerName::Rmsprop => RmsPropConfig::new()
            .with_alpha(o.rho.unwrap_or(KERAS_RHO) as f32)
            .with_momentum(0.0)
            .with_epsilon(eps)
            .with_weight_decay(l2(o.weight_decay))
            .init(),
        OptimizerName::Adam => {
            let adam = AdamSettings::of(o);
            AdamConfig::new()
                .with_beta_1(adam.beta_1)
                .with_beta_2(adam.beta_2)
                .with_epsilon(adam.epsilon)
                .with_weight_decay(adam.penalty.map(WeightDecayConfig::new))
                .init()
        }
        OptimizerName::Adamw => AdamWConfig::new()
            .with_beta_1(beta1)
            .with_beta_2(beta2)
            .with_epsilon(eps)
            .with_weight_decay(o.weight_decay.unwrap_or(KERAS_ADAMW_DECAY) as f32)
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
