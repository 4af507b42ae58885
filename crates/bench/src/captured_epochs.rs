//! The bench's timing of whole epochs with the training step captured once and replayed
//! ([`CapturedLoop`]), as `train --capture` trains on a GPU.

use std::time::Instant;

use burn::data::dataloader::DataLoader;
use burn::tensor::Device;
use mnist_capture::CapturedLoop;
use mnist_data::{Residence, Split};
use mnist_runs::RunConfig;

use crate::launches::issued;
use crate::timed_training::{finish_epoch, EpochTiming, Launches, Setup};

/// Whole epochs with the training step captured on the first batch and replayed for every
/// batch ([`CapturedLoop`]; the recipe must pass
/// [`capture_refusal`](mnist_capture::capture_refusal)). Also says whether the step really
/// replays recorded launches.
pub(crate) fn train_epochs_captured(
    config: &RunConfig,
    split: &Split,
    device: &Device,
    residence: Residence,
    epochs: usize,
) -> anyhow::Result<(Vec<EpochTiming>, bool)> {
    let Setup {
        autodiff,
        model,
        lr,
        loader,
        ..
    } = Setup::new(config, split, device, residence);
    let mut start = Some(model);
    let mut captured: Option<CapturedLoop> = None;

    let mut timings = Vec::with_capacity(epochs);
    for _ in 0..epochs {
        let epoch_start = Instant::now();
        let launches_before = issued();
        let mut steps = 0;
        let mut last_loss = None;
        for batch in loader.iter() {
            let batch = batch.map_err(|e| anyhow::anyhow!("loading a batch: {e}"))?;
            let step = match &mut captured {
                Some(step) => step,
                None => {
                    let model = start
                        .take()
                        .ok_or_else(|| anyhow::anyhow!("the step was captured twice"))?;
                    let step = CapturedLoop::capture(config, model, lr, batch.clone(), device);
                    captured.insert(step)
                }
            };
            last_loss = Some(step.train(batch));
            steps += 1;
        }
        finish_epoch(&autodiff, last_loss)?;
        timings.push(EpochTiming {
            total: epoch_start.elapsed().as_secs_f64(),
            steps,
            launches: Launches {
                total: issued() - launches_before,
                ..Launches::default()
            },
            ..EpochTiming::default()
        });
    }
    let recorded = captured.as_ref().is_some_and(CapturedLoop::is_recorded);
    Ok((timings, recorded))
}
