//! The optimisers a recipe can name, as update rules with their settings (Keras' defaults where
//! the recipe gives none): the trainer builds Burn's optimiser from them (`mnist-train`'s
//! `optim.rs`), and the captured step of a GPU build repeats their arithmetic (`mnist-capture`'s
//! `update.rs`), so both train with the same settings.

use crate::config::{OptimizerName, OptimizerSection};

/// Keras' epsilon for RMSprop, Adam and AdamW (Burn's default is 1e-5).
const KERAS_EPSILON: f64 = 1e-7;
/// Keras' RMSprop `rho` (Burn's `alpha` defaults to 0.99).
const KERAS_RHO: f64 = 0.9;
/// Keras' AdamW weight decay.
const KERAS_ADAMW_DECAY: f64 = 0.004;

/// A recipe's optimiser and its settings, as Burn's optimiser takes them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum UpdateRule {
    /// SGD with PyTorch's semantics (dampening 0), with or without momentum.
    Sgd {
        /// L2 weight decay's penalty (added to the gradient), if any.
        penalty: Option<f32>,
        momentum: Option<Momentum>,
    },
    /// RMSprop, not centred, without momentum (Keras' defaults).
    RmsProp {
        alpha: f32,
        epsilon: f32,
        penalty: Option<f32>,
    },
    Adam(Moments),
    /// AdamW: Adam's moments and a decoupled weight decay.
    AdamW {
        moments: Moments,
        decay: f32,
    },
}

/// SGD's momentum factor and kind.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Momentum {
    pub factor: f64,
    pub nesterov: bool,
}

/// Adam's and AdamW's moment settings, and Adam's L2 penalty.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moments {
    pub beta_1: f32,
    pub beta_2: f32,
    pub epsilon: f32,
    /// Adam's L2 weight decay (added to the gradient); AdamW's decay is its own.
    pub penalty: Option<f32>,
}

/// A positive L2 penalty, as Burn's `WeightDecayConfig` holds it.
fn penalty(weight_decay: Option<f64>) -> Option<f32> {
    weight_decay.filter(|&d| d > 0.0).map(|d| d as f32)
}

impl UpdateRule {
    /// The rule `o` names, with its settings.
    pub fn of(o: &OptimizerSection) -> Self {
        let moments = Moments {
            beta_1: o.beta1.unwrap_or(0.9) as f32,
            beta_2: o.beta2.unwrap_or(0.999) as f32,
            epsilon: o.epsilon.unwrap_or(KERAS_EPSILON) as f32,
            penalty: penalty(o.weight_decay),
        };
        match o.name {
            OptimizerName::Sgd => UpdateRule::Sgd {
                penalty: penalty(o.weight_decay),
                momentum: o.momentum.filter(|&m| m > 0.0).map(|factor| Momentum {
                    factor,
                    nesterov: o.nesterov.unwrap_or(false),
                }),
            },
            OptimizerName::Rmsprop => UpdateRule::RmsProp {
                alpha: o.rho.unwrap_or(KERAS_RHO) as f32,
                epsilon: moments.epsilon,
                penalty: moments.penalty,
            },
            OptimizerName::Adam => UpdateRule::Adam(moments),
            OptimizerName::Adamw => UpdateRule::AdamW {
                moments: Moments {
                    penalty: None,
                    ..moments
                },
                decay: o.weight_decay.unwrap_or(KERAS_ADAMW_DECAY) as f32,
            },
        }
    }
}
