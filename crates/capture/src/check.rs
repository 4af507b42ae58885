//! The captured step against plain steps: a captured and replayed training step trains exactly
//! as the plain one does, the same losses and the same weights, bit for bit, on the device it
//! runs on (`bench --check-capture`, and the bench before it times the captured step).
//!
//! This is what makes the captured timing honest: a replay that read a stale input buffer, or
//! a parameter update that was not in place (so that every replay started again from the
//! recorded weights), would run just as fast and train wrongly. Before the last replay comes a
//! batch of another shape (half a batch, as an epoch's last may be), which the step runs
//! plainly on the replays' weights: the replay after it goes wrong if that step left its
//! weights anywhere but in the recorded buffers. On the CPU the step is not recorded and
//! re-runs, so only the bookkeeping around it is checked there.

use burn::optim::ModuleOptimizer;
use burn::tensor::{Device, Tensor, TensorData};
use mnist_data::MnistBatch;
use mnist_model::Mlp;
use mnist_runs::RunConfig;

use crate::captured_loop::CapturedLoop;
use crate::captured_step::capture_refusal;

/// Why the check could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("this recipe's step cannot be captured: {0}")]
    NotCapturable(String),
    #[error("the check needs at least 2 replays and a batch of at least 2 images: {0}")]
    TooLittle(String),
    #[error("{0}")]
    Device(String),
}

/// The plain side of the check: the recipe's model from its seed and Burn's own optimiser for
/// it, fresh for each call, at the rate `lr`.
pub struct PlainTraining<'a> {
    pub model: &'a dyn Fn() -> Mlp,
    pub optimizer: &'a dyn Fn() -> ModuleOptimizer,
    pub lr: f64,
}

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

/// Trains the first batches of an epoch (`batches`, in the loader's seeded order) both ways
/// from the same start and compares: `replays` replayed steps and one plain step on a half
/// batch before the last of them (see [`checked_batches`]), against `plain` steps (twice, to
/// see whether plain training repeats itself).
pub fn check_capture(
    config: &RunConfig,
    batches: impl Iterator<Item = MnistBatch>,
    replays: usize,
    plain: &PlainTraining,
    device: &Device,
) -> Result<CaptureCheck, CheckError> {
    if let Some(why) = capture_refusal(config) {
        return Err(CheckError::NotCapturable(why));
    }
    let batches = &checked_batches(batches, replays)?;
    let (replay_losses, recorded, replayed_model) = train_replayed(config, plain, device, batches)?;
    let (plain_losses, plain_model, initial) = train_plainly(plain, batches)?;
    let (rerun_losses, rerun_model, _) = train_plainly(plain, batches)?;

    let (plain_values, replayed) = (parameters(&plain_model)?, parameters(&replayed_model)?);
    let plain_is_repeatable = differing(&plain_losses, &rerun_losses) == 0
        && differing(&plain_values, &parameters(&rerun_model)?) == 0;
    Ok(CaptureCheck {
        recorded,
        replays,
        partial_batch: batches[replays - 1].images.dims()[0],
        differing_losses: differing(&plain_losses, &replay_losses),
        differing_parameters: differing(&plain_values, &replayed),
        parameters: plain_values.len(),
        largest_loss_gap: largest_gap(&plain_losses, &replay_losses),
        largest_parameter_gap: largest_gap(&plain_values, &replayed),
        largest_training_change: largest_gap(&plain_values, &initial),
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

/// The first `replays + 1` of an epoch's `batches` (the loader's seeded order), the one
/// before the last cut to its first half: `replays` of the recorded shape with one of another
/// shape before the last.
fn checked_batches(
    batches: impl Iterator<Item = MnistBatch>,
    replays: usize,
) -> Result<Vec<MnistBatch>, CheckError> {
    let count = replays + 1;
    let mut batches: Vec<MnistBatch> = batches.take(count).collect();
    if replays < 2 || batches.len() != count {
        return Err(CheckError::TooLittle(format!(
            "{replays} replays of {} batches",
            batches.len()
        )));
    }
    let rows = batches[0].images.dims()[0];
    if rows < 2 {
        return Err(CheckError::TooLittle(format!("a batch of {rows} image")));
    }
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
    plain: &PlainTraining,
    batches: &[MnistBatch],
) -> Result<(Vec<f32>, Mlp, Vec<f32>), CheckError> {
    let mut model = (plain.model)();
    let mut optimizer = (plain.optimizer)();
    let initial = parameters(&model)?;
    let mut losses = Vec::new();
    for batch in batches {
        let forward = model.training_forward(batch.clone());
        losses.push(read_loss(forward.item.loss.clone())?);
        let grads = forward.backward(&model).grads;
        model = optimizer.step(plain.lr, model, grads);
    }
    Ok((losses, model, initial))
}

/// The step captured on the first batch (which capturing leaves untrained), then replayed on
/// every batch (run plainly on the one of another shape): the losses of the steps, whether the
/// step was recorded, and the model trained.
fn train_replayed(
    config: &RunConfig,
    plain: &PlainTraining,
    device: &Device,
    batches: &[MnistBatch],
) -> Result<(Vec<f32>, bool, Mlp), CheckError> {
    let mut step = CapturedLoop::capture(
        config,
        (plain.model)(),
        plain.lr,
        batches[0].clone(),
        device,
    );
    let mut losses = Vec::new();
    for batch in batches {
        losses.push(read_loss(step.train(batch.clone()))?);
    }
    let model = step
        .model()
        .ok_or_else(|| CheckError::Device("the captured step lost its model".into()))?;
    Ok((losses, step.is_recorded(), model))
}

fn read_loss(loss: Tensor<1>) -> Result<f32, CheckError> {
    loss.try_into_scalar::<f32>()
        .map_err(|e| CheckError::Device(format!("reading a loss: {e:?}")))
}

/// Every weight and bias of the model, layer after layer.
fn parameters(model: &Mlp) -> Result<Vec<f32>, CheckError> {
    let mut values = Vec::new();
    for layer in model.layers() {
        let read = |data: TensorData| {
            data.try_to_vec::<f32>()
                .map_err(|e| CheckError::Device(format!("reading parameters: {e:?}")))
        };
        values.extend(read(layer.weight.val().into_data())?);
        if let Some(bias) = &layer.bias {
            values.extend(read(bias.val().into_data())?);
        }
    }
    Ok(values)
}
