//! `bench --check-capture`: a captured and replayed training step trains exactly as the plain
//! one does: the same losses and the same weights, bit for bit, on the device it runs on.
//!
//! This is what makes the captured timing honest: a replay that read a stale input buffer, or
//! a parameter update that was not in place (so that every replay started again from the
//! recorded weights), would run just as fast and train wrongly. Before the last replay comes a
//! batch of another shape (half a batch, as an epoch's last may be), which the step runs
//! plainly on the replays' weights: the replay after it goes wrong if that step left its
//! weights anywhere but in the recorded buffers. Run on a GPU (CI runs it on Mesa's software
//! Vulkan); on the CPU the step is not recorded and the check says so.

use burn::data::dataloader::DataLoader;
use burn::tensor::Device;
use mnist_data::{MnistBatch, Residence, Split};
use mnist_model::Mlp;
use mnist_runs::RunConfig;
use mnist_train::captured_step::capture_refusal;

use crate::captured_loop::CapturedLoop;
use crate::timed_training::Setup;
use crate::workbench::Workbench;

/// What the check compared.
#[derive(Debug, Clone, PartialEq)]
pub struct CaptureCheck {
    /// Whether the step was recorded (`false`: it re-ran, as on the CPU; nothing was proven).
    pub recorded: bool,
    /// Replayed steps compared.
    pub replays: usize,
    /// The images of the batch of another shape, run plainly among the replays.
    pub partial_batch: usize,
    /// Losses of the steps (the replays and the plain one) that differ from the plain steps'.
    pub differing_losses: usize,
    /// Weights and biases (all layers) that differ after the last step.
    pub differing_parameters: usize,
    /// Parameters compared.
    pub parameters: usize,
    /// The largest difference between a replay's loss and the plain step's.
    pub largest_loss_gap: f32,
    /// The largest difference between a replayed and a plainly trained parameter.
    pub largest_parameter_gap: f32,
    /// How far training moved the parameters (the largest change of one, plain steps): the
    /// scale of `largest_parameter_gap` (a replay that never updated the weights is off by it).
    pub largest_training_change: f32,
    /// Whether training plainly twice gives the same losses and weights bit for bit: where it
    /// does not, the device itself is not repeatable and bit-for-bit agreement cannot be asked.
    pub plain_is_repeatable: bool,
}

impl CaptureCheck {
    /// True when the step was recorded and trained exactly as the plain one.
    pub fn agrees(&self) -> bool {
        self.recorded && self.differing_losses == 0 && self.differing_parameters == 0
    }
}

impl std::fmt::Display for CaptureCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.recorded {
            write!(
                f,
                "the step was not recorded on this device (it re-runs), so no replay was checked; "
            )?;
        }
        let steps = self.replays + 1;
        write!(
            f,
            "{} replayed steps (the optimiser's update recorded with them) and one plain step on \
             a batch of {} among them: {} of {} losses and {} of {} parameters differ from \
             plain steps (largest gaps: loss {:.3e}, parameter {:.3e}, against a largest \
             training change of {:.3e}); plain training {} repeatable bit for bit",
            self.replays,
            self.partial_batch,
            self.differing_losses,
            steps,
            self.differing_parameters,
            self.parameters,
            self.largest_loss_gap,
            self.largest_parameter_gap,
            self.largest_training_change,
            if self.plain_is_repeatable {
                "is"
            } else {
                "is not"
            },
        )
    }
}

/// Trains the first batches of `split` both ways from the same seed and compares: `replays`
/// replayed steps and one plain step on a half batch before the last of them.
pub fn check_capture(
    config: &RunConfig,
    split: &Split,
    device: &Device,
    replays: usize,
) -> anyhow::Result<CaptureCheck> {
    if let Some(why) = capture_refusal(config) {
        anyhow::bail!("this recipe's step cannot be captured: {why}");
    }
    let batches = checked_batches(config, split, device, replays)?;
    let (replay_losses, step, replayed_model) = train_replayed(config, split, device, &batches)?;
    let (plain_losses, plain_model, initial) = train_plainly(config, split, device, &batches)?;
    let (rerun_losses, rerun_model, _) = train_plainly(config, split, device, &batches)?;

    let (plain, replayed) = (parameters(&plain_model)?, parameters(&replayed_model)?);
    let plain_is_repeatable = differing(&plain_losses, &rerun_losses) == 0
        && differing(&plain, &parameters(&rerun_model)?) == 0;
    Ok(CaptureCheck {
        recorded: step.is_recorded(),
        replays,
        partial_batch: batches[replays - 1].images.dims()[0],
        differing_losses: differing(&plain_losses, &replay_losses),
        differing_parameters: differing(&plain, &replayed),
        parameters: plain.len(),
        largest_loss_gap: largest_gap(&plain_losses, &replay_losses),
        largest_parameter_gap: largest_gap(&plain, &replayed),
        largest_training_change: largest_gap(&plain, &initial),
        plain_is_repeatable,
    })
}

/// How many values differ in their bits (values one side lacks count as differing).
fn differing(a: &[f32], b: &[f32]) -> usize {
    a.iter()
        .zip(b)
        .filter(|(x, y)| x.to_bits() != y.to_bits())
        .count()
        + a.len().abs_diff(b.len())
}

/// The largest absolute difference of two values at the same position (infinite where the
/// lengths differ or a value is not a number).
fn largest_gap(a: &[f32], b: &[f32]) -> f32 {
    if a.len() != b.len() {
        return f32::INFINITY;
    }
    a.iter().zip(b).fold(0.0, |worst, (x, y)| {
        let gap = (x - y).abs();
        if gap.is_nan() {
            f32::INFINITY
        } else {
            worst.max(gap)
        }
    })
}

/// The first `replays + 1` batches of the recipe's first epoch (the loader's seeded order),
/// the one before the last cut to its first half: `replays` of the recorded shape with one of
/// another shape before the last.
fn checked_batches(
    config: &RunConfig,
    split: &Split,
    device: &Device,
    replays: usize,
) -> anyhow::Result<Vec<MnistBatch>> {
    anyhow::ensure!(replays >= 2, "the check needs at least 2 replays");
    let count = replays + 1;
    let loader = Setup::loader(config, split, &device.clone().autodiff(), Residence::Host);
    let mut batches: Vec<MnistBatch> = loader.iter().take(count).collect::<Result<_, _>>()?;
    anyhow::ensure!(
        batches.len() == count,
        "the split has fewer than {count} batches"
    );
    let rows = batches[0].images.dims()[0];
    anyhow::ensure!(rows >= 2, "a batch of {rows} image cannot be halved");
    let partial = &mut batches[replays - 1];
    let half = rows / 2;
    *partial = MnistBatch {
        images: partial.images.clone().slice(0..half),
        targets: partial.targets.clone().slice(0..half),
    };
    Ok(batches)
}

/// Plain steps, one per batch. Returns the losses, the trained model and the parameters it
/// started from.
fn train_plainly(
    config: &RunConfig,
    split: &Split,
    device: &Device,
    batches: &[MnistBatch],
) -> anyhow::Result<(Vec<f32>, Mlp, Vec<f32>)> {
    let Setup {
        mut model,
        mut optimizer,
        lr,
        ..
    } = Setup::new(config, split, device, Residence::Host);
    let initial = parameters(&model)?;
    let mut losses = Vec::new();
    for batch in batches {
        let forward = model.training_forward(batch.clone());
        losses.push(read_loss(forward.item.loss.clone())?);
        let grads = forward.backward(&model).grads;
        model = optimizer.step(lr, model, grads);
    }
    Ok((losses, model, initial))
}

/// The step captured on the first batch (which capturing leaves untrained), then replayed on
/// every batch (run plainly on the one of another shape); the losses of the steps.
fn train_replayed(
    config: &RunConfig,
    split: &Split,
    device: &Device,
    batches: &[MnistBatch],
) -> anyhow::Result<(Vec<f32>, CapturedLoop, Mlp)> {
    let Setup { model, lr, .. } = Setup::new(config, split, device, Residence::Host);
    let mut step = CapturedLoop::capture(config, model, lr, batches[0].clone(), device)?;
    let mut losses = Vec::new();
    for batch in batches {
        losses.push(read_loss(step.train(batch.clone()))?);
    }
    let model = step
        .model()
        .ok_or_else(|| anyhow::anyhow!("the captured step lost its model"))?;
    Ok((losses, step, model))
}

fn read_loss(loss: burn::tensor::Tensor<1>) -> anyhow::Result<f32> {
    loss.try_into_scalar::<f32>()
        .map_err(|e| anyhow::anyhow!("reading a loss: {e:?}"))
}

/// Every weight and bias of the model, layer after layer.
fn parameters(model: &Mlp) -> anyhow::Result<Vec<f32>> {
    let mut values = Vec::new();
    for layer in model.layers() {
        let read = |data: burn::tensor::TensorData| {
            data.try_to_vec::<f32>()
                .map_err(|e| anyhow::anyhow!("reading parameters: {e:?}"))
        };
        values.extend(read(layer.weight.val().into_data())?);
        if let Some(bias) = &layer.bias {
            values.extend(read(bias.val().into_data())?);
        }
    }
    Ok(values)
}

/// Replayed steps that `--check-capture` (and the bench, before timing them) compare.
pub const CHECKED_REPLAYS: usize = 8;

/// `--check-capture`: [`CHECKED_REPLAYS`] replayed steps and one plain one on a half batch,
/// against plain steps; an error unless the step was recorded and trained exactly as the plain
/// one.
pub(crate) fn run_capture_check(bench: &Workbench) -> anyhow::Result<()> {
    let label = &bench.device_label;
    let check = check_capture(&bench.config, &bench.train, &bench.device, CHECKED_REPLAYS)?;
    println!("captured training step on {label}: {check}");
    anyhow::ensure!(
        check.recorded,
        "nothing was recorded on {label}: a captured step needs a GPU backend (--device wgpu)"
    );
    anyhow::ensure!(
        check.agrees(),
        "the captured training step does not train as the plain one on {label}"
    );
    Ok(())
}

/// Whether the bench's recipe can be captured and, checked on its device first, trains exactly
/// as the plain step there; if not, says why the captured step is not timed.
pub(crate) fn capture_trains_right(bench: &Workbench) -> bool {
    let not_timed = |why: String| {
        println!("  (the captured step is not timed: {why})");
        false
    };
    if let Some(why) = capture_refusal(&bench.config) {
        return not_timed(why);
    }
    match check_capture(&bench.config, &bench.train, &bench.device, CHECKED_REPLAYS) {
        Ok(check) if check.agrees() => {
            println!("  captured step checked first: {check}");
            true
        }
        Ok(check) => not_timed(format!("it does not train as the plain one here: {check}")),
        Err(e) => not_timed(format!("checking it failed: {e:#}")),
    }
}
