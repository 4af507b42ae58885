//! Turns the validated optimiser and schedule sections into Burn's optimiser and LR scheduler.

use burn::optim::decay::WeightDecayConfig;
use burn::optim::lr_scheduler::cosine::CosineAnnealingLrSchedulerConfig;
use burn::optim::lr_scheduler::module_lr_scheduler::ModuleLrScheduler;
use burn::optim::lr_scheduler::step::StepLrSchedulerConfig;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{AdamConfig, AdamWConfig, ModuleOptimizer, RmsPropConfig, SgdConfig};

use crate::config::{OptimizerName, OptimizerSection, ScheduleName, ScheduleSection};
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
        OptimizerName::Adam => AdamConfig::new()
            .with_beta_1(beta1)
            .with_beta_2(beta2)
            .with_epsilon(eps)
            .with_weight_decay(l2(o.weight_decay))
            .init(),
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
    let scheduler = match s.name {
        ScheduleName::Constant => Ok(lr.into()),
        ScheduleName::Cosine => {
            CosineAnnealingLrSchedulerConfig::new(lr, (epochs * iters_per_epoch).max(1))
                .with_min_lr(s.min_lr.unwrap_or(0.0))
                .init()
        }
        ScheduleName::Step => StepLrSchedulerConfig::new(
            lr,
            s.step_epochs.unwrap_or(1).max(1) * iters_per_epoch.max(1),
        )
        .with_gamma(s.gamma())
        .init(),
    };
    scheduler.map_err(|message| TrainError::Scheduler { message })
}
