//! `train --capture`: the captured step of `mnist-capture` as the Learner's training strategy.
//! Only the GPU builds have it (the `capture` feature, on with `wgpu`): on the CPU a captured
//! step would re-run every batch and save nothing, so the CPU build neither compiles it nor
//! accepts `--capture`.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use burn::tensor::Device;
use burn::train::SupervisedTraining;
use mnist_model::Mlp;
use mnist_runs::{RunConfig, RunDir};

/// Why `config` cannot be trained with `--capture` in this build, if it cannot.
#[cfg(feature = "capture")]
pub fn refusal(config: &RunConfig) -> Option<String> {
    mnist_capture::capture_refusal(config)
}

/// Why `config` cannot be trained with `--capture` in this build: none can.
#[cfg(not(feature = "capture"))]
pub fn refusal(_config: &RunConfig) -> Option<String> {
    Some(
        "this build has no captured step (it saves a GPU's kernel launches, so only the GPU \
         builds have it: cargo xtask train --features wgpu ... --capture)"
            .to_string(),
    )
}

/// `training` with its step captured once and replayed (`resume_from`: the epoch whose
/// optimiser checkpoint it continues from), and the flag that says whether the step really was
/// recorded (it re-runs on a backend that records nothing).
#[cfg(feature = "capture")]
pub fn captured(
    training: SupervisedTraining<Mlp>,
    device: &Device,
    config: &RunConfig,
    run_dir: &RunDir,
    resume_from: Option<usize>,
) -> (SupervisedTraining<Mlp>, Arc<AtomicBool>) {
    use burn::train::TrainingStrategy;
    let resumed_optimizer = resume_from.map(|epoch| run_dir.checkpoint_file("optim", epoch));
    let strategy = mnist_capture::CapturedTraining::new(device.clone(), config, resumed_optimizer);
    let recorded = strategy.recorded();
    let training = training.with_training_strategy(TrainingStrategy::Custom(Arc::new(strategy)));
    (training, recorded)
}

/// Without the `capture` feature `--capture` is refused before training ([`refusal`]).
#[cfg(not(feature = "capture"))]
pub fn captured(
    training: SupervisedTraining<Mlp>,
    _device: &Device,
    _config: &RunConfig,
    _run_dir: &RunDir,
    _resume_from: Option<usize>,
) -> (SupervisedTraining<Mlp>, Arc<AtomicBool>) {
    (training, Arc::new(AtomicBool::new(false)))
}
