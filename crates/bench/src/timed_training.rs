//! Training epochs of a recipe, timed two ways: whole epochs with one device sync at the end
//! (what the PyTorch script times, and the figure compared with it), or each step's phases
//! (data loading, forward, backward, optimizer) with a sync after each, a profile that stops a
//! GPU from overlapping launches with work and so runs slower than the whole-epoch timing; or
//! whole epochs of a step captured once and replayed (`captured_epochs.rs`, in a GPU build).
//!
//! The loop is the Learner's own step (the model's `TrainStep` work, then the optimiser), without
//! the metrics and dashboard around it, so that it does what the PyTorch script does.

use std::time::Instant;

use burn::data::dataloader::DataLoader;
use burn::optim::ModuleOptimizer;
use burn::tensor::{Device, Tensor};
use mnist_data::{MnistDataset, MnistLoader, Residence, Split};
use mnist_model::{Mlp, MlpConfig};
use mnist_runs::RunConfig;
use mnist_train::optim::build_optimizer;
use serde::Serialize;

use crate::launches::issued;

/// How an epoch is timed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timing {
    /// One device sync at the end of the epoch; only `total` is measured.
    WholeEpoch,
    /// A device sync after each phase of each step, so that each phase can be timed.
    PerPhase,
    /// As [`Timing::WholeEpoch`], the training step captured once and replayed
    /// ([`train_epochs_captured`]).
    CapturedStep,
    /// As [`Timing::WholeEpoch`], with every product dense: the CPU's sparse first layer off
    /// ([`Mlp::with_sparse_input`]), as before it existed.
    DenseWholeEpoch,
}

/// Seconds spent in one epoch and, when timed [`Timing::PerPhase`], in each of its phases.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct EpochTiming {
    pub total: f64,
    pub data: f64,
    pub forward: f64,
    pub backward: f64,
    pub step: f64,
    /// Training steps (batches) in the epoch.
    pub steps: usize,
    /// Kernel launches the epoch issued, while they were counted ([`crate::launches`]).
    pub launches: Launches,
}

/// Kernel launches of an epoch: in all and, timed [`Timing::PerPhase`], in each phase.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Launches {
    pub total: u64,
    pub data: u64,
    pub forward: u64,
    pub backward: u64,
    pub step: u64,
}

impl EpochTiming {
    /// The epoch of median total time (its phases with it).
    pub fn median(epochs: &[EpochTiming]) -> EpochTiming {
        let mut sorted = epochs.to_vec();
        sorted.sort_by(|a, b| a.total.total_cmp(&b.total));
        sorted.get(sorted.len() / 2).copied().unwrap_or_default()
    }

    /// `0.153 s/epoch`.
    pub fn total_line(&self) -> String {
        format!("{:.3} s/epoch", self.total)
    }

    /// `0.160 s/epoch (data 0.010, forward ..., step ...)`, for a [`Timing::PerPhase`] epoch.
    pub fn line(&self) -> String {
        format!(
            "{:.3} s/epoch (data {:.3}, forward {:.3}, backward {:.3}, step {:.3})",
            self.total, self.data, self.forward, self.backward, self.step
        )
    }
}

/// Floating-point operations to train on one sample: forward (2 per weight), weight gradients
/// (2 per weight) and input gradients of every layer but the first (2 per weight).
pub fn flops_per_sample(model: &MlpConfig) -> f64 {
    let shapes = model.layer_shapes();
    let weights: usize = shapes.iter().map(|(i, o)| i * o).sum();
    let first = shapes.first().map_or(0, |(i, o)| i * o);
    (2 * weights + 2 * weights + 2 * (weights - first)) as f64
}

fn sync(device: &Device) -> anyhow::Result<()> {
    device
        .sync()
        .map_err(|e| anyhow::anyhow!("device sync failed: {e:?}"))
}

/// What an epoch trains with: the model, its optimiser and the batches.
pub(crate) struct Setup {
    pub autodiff: Device,
    pub model: Mlp,
    pub optimizer: ModuleOptimizer,
    pub lr: f64,
    pub loader: MnistLoader,
}

impl Setup {
    /// `config`'s model, seeded, its optimiser at the recipe's base rate, and a loader of
    /// `split` that assembles batches where `residence` says.
    pub fn new(config: &RunConfig, split: &Split, device: &Device, residence: Residence) -> Self {
        let autodiff = device.clone().autodiff();
        Setup {
            loader: Self::loader(config, split, &autodiff, residence),
            model: Self::model(config, &autodiff),
            autodiff,
            optimizer: build_optimizer(&config.optimizer),
            lr: config.optimizer.lr(),
        }
    }

    /// `config`'s model, seeded, on `autodiff`.
    pub fn model(config: &RunConfig, autodiff: &Device) -> Mlp {
        config
            .model
            .to_burn(config.data.dataset)
            .init_seeded(config.seed, autodiff)
            .with_label_smoothing(config.train.label_smoothing as f32)
    }

    /// The recipe's loader of `split` on `autodiff`, shuffled by its seed.
    pub fn loader(
        config: &RunConfig,
        split: &Split,
        autodiff: &Device,
        residence: Residence,
    ) -> MnistLoader {
        MnistLoader::new(
            MnistDataset::new(split.clone()),
            config.train.batch_size,
            Some(config.seed),
            autodiff,
        )
        .with_augmentation(config.data.augment)
        .with_residence(residence)
    }
}

/// Waits for the epoch's work, then reads its last loss: a sync can return while a kernel
/// failed (wgpu reports that on the next read), and an epoch that did not really run must be
/// an error, not a fast time.
pub(crate) fn finish_epoch(autodiff: &Device, last_loss: Option<Tensor<1>>) -> anyhow::Result<()> {
    sync(autodiff)?;
    if let Some(loss) = last_loss {
        loss.try_into_scalar::<f32>()
            .map_err(|e| anyhow::anyhow!("reading the epoch's last loss: {e:?}"))?;
    }
    Ok(())
}

/// Trains `epochs` epochs of `config`'s recipe on `split`, its batches assembled where
/// `residence` says, and times each epoch as `timing` says. A captured step that the device
/// did not record is an error: it would time plain steps.
pub fn train_epochs(
    config: &RunConfig,
    split: &Split,
    device: &Device,
    residence: Residence,
    epochs: usize,
    timing: Timing,
) -> anyhow::Result<Vec<EpochTiming>> {
    if timing == Timing::CapturedStep {
        let (timings, recorded) = crate::captured_epochs::train_epochs_captured(
            config, split, device, residence, epochs,
        )?;
        anyhow::ensure!(recorded, "the device did not record the training step");
        return Ok(timings);
    }
    let per_phase = timing == Timing::PerPhase;
    // Only the profile waits for the device between phases.
    let phase_end = |device: &Device| if per_phase { sync(device) } else { Ok(()) };
    let Setup {
        autodiff,
        model,
        mut optimizer,
        lr,
        loader,
    } = Setup::new(config, split, device, residence);
    let mut model = model.with_sparse_input(timing != Timing::DenseWholeEpoch);

    let mut timings = Vec::with_capacity(epochs);
    for _ in 0..epochs {
        let mut t = EpochTiming::default();
        let epoch_start = Instant::now();
        let launches_before = issued();
        let mut batches = loader.iter();
        let mut last_loss = None;
        loop {
            let start = Instant::now();
            let launched = issued();
            let Some(batch) = batches.next() else { break };
            let batch = batch.map_err(|e| anyhow::anyhow!("loading a batch: {e}"))?;
            phase_end(&autodiff)?;
            let loaded = (Instant::now(), issued());
            // The Learner's step (`TrainStep`), in its two halves.
            let forward = model.training_forward(batch);
            phase_end(&autodiff)?;
            let forwarded = (Instant::now(), issued());
            last_loss = Some(forward.item.loss.clone().detach());
            let grads = forward.backward(&model).grads;
            phase_end(&autodiff)?;
            let backwarded = (Instant::now(), issued());
            model = optimizer.step(lr, model, grads);
            phase_end(&autodiff)?;
            t.steps += 1;
            if per_phase {
                let stepped = (Instant::now(), issued());
                t.data += (loaded.0 - start).as_secs_f64();
                t.forward += (forwarded.0 - loaded.0).as_secs_f64();
                t.backward += (backwarded.0 - forwarded.0).as_secs_f64();
                t.step += (stepped.0 - backwarded.0).as_secs_f64();
                t.launches.data += loaded.1 - launched;
                t.launches.forward += forwarded.1 - loaded.1;
                t.launches.backward += backwarded.1 - forwarded.1;
                t.launches.step += stepped.1 - backwarded.1;
            }
        }
        finish_epoch(&autodiff, last_loss)?;
        t.total = epoch_start.elapsed().as_secs_f64();
        t.launches.total = issued() - launches_before;
        timings.push(t);
    }
    Ok(timings)
}

/// The device's single-precision matrix-product rate on 2048x2048 matrices (best of 10), in
/// GFLOP/s: the "machine rate" that the epoch's arithmetic floor is computed from.
pub fn sgemm_gflops(device: &Device) -> anyhow::Result<f64> {
    use burn::tensor::Distribution;
    const N: usize = 2048;
    let a = Tensor::<2>::random([N, N], Distribution::Default, device);
    let b = Tensor::<2>::random([N, N], Distribution::Default, device);
    let _ = a.clone().matmul(b.clone());
    sync(device)?;
    let mut best = f64::INFINITY;
    for _ in 0..10 {
        let start = Instant::now();
        let c = a.clone().matmul(b.clone());
        sync(device)?;
        best = best.min(start.elapsed().as_secs_f64());
        drop(c);
    }
    Ok(2.0 * (N as f64).powi(3) / best / 1e9)
}
