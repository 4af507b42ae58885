//! The arithmetic of each update rule, repeated by the captured step's
//! [`RecordedOptimizer`](crate::recorded_optimizer::RecordedOptimizer) ([`step`]) with
//! the numbers that change from step to step read from a device tensor ([`scalars`]).
//!
//! Each rule's `step` is Burn 0.22.1's optimiser (`Sgd` with `Momentum`, `RmsProp`, `Adam`,
//! `AdamW`, L2 weight decay included) operation for operation, in the same order and
//! precision, with two differences that change no bit of the result: a scalar Burn computes on
//! the host per step is an element of that tensor (`x.mul(rate)` for `x.mul_scalar(lr)`, both
//! an f32 product), and the state Burn creates at the first step is a zero state updated the
//! usual way (`0 * b + g * (1 - b)` is `g * (1 - b)`; the first velocity `g * 1 + 0 * m` is
//! `g`). `train --capture` is compared with plain `train` bit for bit on the CPU, where every
//! step re-runs this code, for every rule.

use burn::tensor::Tensor;
use mnist_runs::update_rule::{Moments, Momentum, UpdateRule};

/// How many tensors of a parameter's size the rule keeps per parameter: SGD's velocity,
/// RMSprop's average of squared gradients, Adam's two moments.
pub(crate) fn buffers(rule: &UpdateRule) -> usize {
    match rule {
        UpdateRule::Sgd { momentum, .. } => usize::from(momentum.is_some()),
        UpdateRule::RmsProp { .. } => 1,
        UpdateRule::Adam(_) | UpdateRule::AdamW { .. } => 2,
    }
}

/// The numbers Burn computes on the host for step `time` (from 1) at rate `lr`, in the
/// same precision: the rate first (converted to f32 as `mul_scalar` converts it), then
/// Adam's `sqrt(1 - b2^t) / (1 - b1^t)` and `epsilon * sqrt(1 - b2^t)`, or AdamW's
/// `1 - b1^t`, `1 - b2^t` and `1 - lr * decay`.
pub(crate) fn scalars(rule: &UpdateRule, lr: f64, time: usize) -> Vec<f32> {
    let time = i32::try_from(time).unwrap_or(i32::MAX);
    match *rule {
        UpdateRule::Sgd { .. } | UpdateRule::RmsProp { .. } => vec![lr as f32],
        UpdateRule::Adam(Moments {
            beta_1,
            beta_2,
            epsilon,
            ..
        }) => {
            let bias_correction2_sqrt = (1.0 - beta_2.powi(time)).sqrt();
            let factor = bias_correction2_sqrt / (1.0 - beta_1.powi(time));
            vec![lr as f32, factor, epsilon * bias_correction2_sqrt]
        }
        UpdateRule::AdamW { moments, decay } => {
            let keep = 1.0 - lr * f64::from(decay);
            vec![
                lr as f32,
                1.0 - moments.beta_1.powi(time),
                1.0 - moments.beta_2.powi(time),
                keep as f32,
            ]
        }
    }
}

/// One parameter's update, flattened: `tensor` with its gradient `grad` and the rule's
/// buffers as they were (`state`, [`buffers`] of them, zero before the first
/// step), with this step's `scalars` ([`scalars`], on the device). Returns the
/// new parameter and the new buffers.
pub(crate) fn step(
    rule: &UpdateRule,
    tensor: Tensor<1>,
    grad: Tensor<1>,
    state: &[Tensor<1>],
    scalars: &Tensor<1>,
) -> (Tensor<1>, Vec<Tensor<1>>) {
    let scalar = |i: usize| scalars.clone().slice(i..i + 1);
    let with_penalty = |penalty: Option<f32>, grad: Tensor<1>| match penalty {
        Some(penalty) => tensor.clone().mul_scalar(penalty).add(grad),
        None => grad,
    };
    match *rule {
        UpdateRule::Sgd { penalty, momentum } => {
            let grad = with_penalty(penalty, grad);
            let (grad, state) = match (momentum, state.first()) {
                (Some(momentum), Some(velocity)) => {
                    let (grad, velocity) = transform(&momentum, grad, velocity.clone());
                    (grad, vec![velocity])
                }
                _ => (grad, Vec::new()),
            };
            (tensor.clone() - grad.mul(scalar(0)), state)
        }
        UpdateRule::RmsProp {
            alpha,
            epsilon,
            penalty,
        } => {
            let grad = with_penalty(penalty, grad);
            let Some(square_avg) = state.first() else {
                unreachable!("RMSprop keeps one buffer per parameter")
            };
            let square_avg = square_avg
                .clone()
                .mul_scalar(alpha)
                .add(grad.clone().square().mul_scalar(1. - alpha));
            let grad = grad.div(square_avg.clone().sqrt().add_scalar(epsilon));
            (tensor.clone() - grad.mul(scalar(0)), vec![square_avg])
        }
        UpdateRule::Adam(moments) => {
            let grad = with_penalty(moments.penalty, grad);
            let (first, second) = update(&moments, grad, state);
            let delta = first
                .clone()
                .mul(scalar(1))
                .div(second.clone().sqrt().add(scalar(2)));
            (tensor.clone() - delta.mul(scalar(0)), vec![first, second])
        }
        UpdateRule::AdamW { moments, .. } => {
            let (first, second) = update(&moments, grad, state);
            let first_corrected = first.clone().div(scalar(1));
            let second_corrected = second.clone().div(scalar(2));
            let delta = first_corrected.div(second_corrected.sqrt().add_scalar(moments.epsilon));
            let decayed = tensor.clone().mul(scalar(3));
            (decayed - delta.mul(scalar(0)), vec![first, second])
        }
    }
}

/// Burn's `Momentum::transform` with dampening 0: the new velocity, and the gradient to
/// apply (the velocity, or Nesterov's look-ahead).
fn transform(momentum: &Momentum, grad: Tensor<1>, velocity: Tensor<1>) -> (Tensor<1>, Tensor<1>) {
    // Burn keeps the factor as f32; `1 - dampening` is 1.
    let factor = momentum.factor as f32;
    let velocity = grad
        .clone()
        .mul_scalar(1.0)
        .add(velocity.mul_scalar(factor));
    let grad = match momentum.nesterov {
        true => velocity.clone().mul_scalar(factor).add(grad),
        false => velocity.clone(),
    };
    (grad, velocity)
}

/// Burn's moment updates (Adam's `AdaptiveMomentum`, AdamW's `AdaptiveMomentumW`: the
/// same arithmetic) from the earlier moments in `state`.
fn update(moments: &Moments, grad: Tensor<1>, state: &[Tensor<1>]) -> (Tensor<1>, Tensor<1>) {
    let [first, second] = state else {
        unreachable!("Adam keeps two buffers per parameter")
    };
    let first = first
        .clone()
        .mul_scalar(moments.beta_1)
        .add(grad.clone().mul_scalar(1.0 - moments.beta_1));
    let second = second
        .clone()
        .mul_scalar(moments.beta_2)
        .add(grad.square().mul_scalar(1.0 - moments.beta_2));
    (first, second)
}
