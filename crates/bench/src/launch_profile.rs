//! `bench --launches` (and the bench on a GPU): the kernel launches of a training step, phase
//! by phase, of the epoch the bench times, of a replayed step, and of an evaluation of the test images,
//! with the kernels a step launches most. Counted on a few batches: a step launches the same
//! kernels every time, once compiled (and, with `fusion`, tuned).

use std::fmt;
use std::path::Path;

use anyhow::Context;
use burn::tensor::Device;
use mnist_data::{Residence, Split};
use mnist_model::Mlp;
use mnist_runs::RunConfig;
use mnist_train::evaluate::{eval_batch, evaluate};
use serde::Serialize;

use crate::capture_check::capture_trains_right;
use crate::launches::{issued, Counting};
use crate::timed_training::{train_epochs, EpochTiming, Timing};
use crate::workbench::Workbench;

/// Batches an epoch of the count trains on.
const COUNTED_STEPS: usize = 8;

/// Kernel launches per training step, and per evaluation of the test images.
#[derive(Debug, Clone, Serialize)]
pub struct LaunchProfile {
    /// Per step, a device sync after each phase (as the profile times it): data, forward,
    /// backward, optimiser step.
    pub data: f64,
    pub forward: f64,
    pub backward: f64,
    pub step: f64,
    /// Per step of the epoch as the bench times it (one sync at its end): with `fusion`,
    /// fewer than the phases' sum, since kernels fuse across phases.
    pub whole_step: f64,
    /// Per step replayed from a recording, where the recipe's step can be captured: what runs
    /// outside the recording (the batch's gather and its copy into the recorded inputs, the
    /// copy of the step's rate where it changed).
    pub captured_step: Option<f64>,
    /// Per evaluation of the test images (in batches of [`eval_batch`]), and its batches.
    pub eval_pass: u64,
    pub eval_batches: usize,
    pub test_images: usize,
    /// Seconds per step of the epoch as timed, its launches counted (the count costs a
    /// lock per launch).
    pub step_seconds: f64,
    /// Seconds per step in kernels, each launch timed alone (it waits for its kernel, so the
    /// kernels run one at a time): what the device itself spends on a step. Far below
    /// `step_seconds`, the step is bound by launching, not by its arithmetic.
    pub kernel_seconds: f64,
    /// Whether some kernel times came from the host's clock around a blocking submit (the
    /// device gave no timestamps, as Mesa's software Vulkan does not): then they include the
    /// submit and the wait, and say little about the kernels.
    pub host_clock: bool,
    /// The kernels of one step (timed as the bench times it), the most time first.
    pub kernels: Vec<KernelLaunches>,
    pub batch_size: usize,
}

/// One kernel's launches per training step, and their time.
#[derive(Debug, Clone, Serialize)]
pub struct KernelLaunches {
    /// Its type name, without module paths.
    pub kernel: String,
    pub per_step: f64,
    /// Seconds per step in its launches, each run alone (see [`LaunchProfile::kernel_seconds`]).
    pub seconds_per_step: Option<f64>,
}

/// One counted epoch's launches per step, of `launches` (its total or a phase's).
fn per_step(epoch: &EpochTiming, launches: u64) -> f64 {
    launches as f64 / epoch.steps as f64
}

/// Runs of a piece of work before its launches are taken as settled regardless.
const MAX_RUNS: usize = 6;

/// Runs `work` until it issues as many launches as the run before it, and gives that run's
/// result: the first run compiles kernels, and with `fusion` autotuning launches kernels of
/// its own for the first few runs of a new shape (an evaluation took 103 launches on its
/// second run, 21 from the third on).
fn settled<T>(mut work: impl FnMut() -> anyhow::Result<T>) -> anyhow::Result<T> {
    let mut last = None;
    for _ in 0..MAX_RUNS {
        let before = issued();
        let out = work()?;
        let launched = issued() - before;
        if last == Some(launched) {
            return Ok(out);
        }
        last = Some(launched);
    }
    println!(
        "  (the launches still changed from run to run after {MAX_RUNS} runs; the last is counted)"
    );
    work()
}

/// The second of two epochs of `config`'s recipe on `split`, timed as `timing` says (for a
/// captured step, the first records it).
fn second_epoch(
    config: &RunConfig,
    split: &Split,
    device: &Device,
    residence: Residence,
    timing: Timing,
) -> anyhow::Result<EpochTiming> {
    let epochs = train_epochs(config, split, device, residence, 2, timing)?;
    match epochs.get(1) {
        Some(epoch) if epoch.steps > 0 => Ok(*epoch),
        _ => anyhow::bail!("the counted epoch trained no batch"),
    }
}

/// Counts the launches of `config`'s training step on `device` (a GPU), its batches
/// assembled where `residence` says; the captured step's too when `capture` (the recipe's
/// step can be captured and trains right there). Evaluation's on `test`. Each count is taken
/// once it has settled ([`settled`]).
pub fn count_launches(
    config: &RunConfig,
    train: &Split,
    test: &Split,
    device: &Device,
    residence: Residence,
    capture: bool,
) -> anyhow::Result<LaunchProfile> {
    let batch = config.train.batch_size;
    let split = train.take(COUNTED_STEPS * batch);
    let counting = Counting::start()?;
    let epoch = |timing| second_epoch(config, &split, device, residence, timing);

    let phases = settled(|| epoch(Timing::PerPhase))?;
    // The epoch as timed; its data upload issues no kernel.
    let whole_epoch = || epoch(Timing::WholeEpoch);
    settled(whole_epoch)?;
    let whole = whole_epoch()?;
    // Once more, each launch timed; `second_epoch` ran two epochs.
    let (_, kernels) = counting.timed_kernels_of(whole_epoch)?;
    let host_clock = kernels.iter().any(|k| k.host_clock);
    let per_timed_step = |x: f64| x / (2.0 * whole.steps as f64);
    let kernels: Vec<KernelLaunches> = kernels
        .into_iter()
        .map(|k| KernelLaunches {
            kernel: k.kernel,
            per_step: per_timed_step(k.launches as f64),
            seconds_per_step: k.seconds.map(per_timed_step),
        })
        .collect();
    let kernel_seconds = kernels.iter().filter_map(|k| k.seconds_per_step).sum();
    let captured_step = if capture {
        let epoch = settled(|| epoch(Timing::CapturedStep))?;
        Some(per_step(&epoch, epoch.launches.total))
    } else {
        None
    };
    let (eval_pass, eval_batches) = eval_launches(config, test, device)?;
    drop(counting);

    let phase = |n: u64| per_step(&phases, n);
    let l = phases.launches;
    Ok(LaunchProfile {
        data: phase(l.data),
        forward: phase(l.forward),
        backward: phase(l.backward),
        step: phase(l.step),
        whole_step: per_step(&whole, whole.launches.total),
        step_seconds: whole.total / whole.steps as f64,
        kernel_seconds,
        host_clock,
        captured_step,
        eval_pass,
        eval_batches,
        test_images: test.len(),
        kernels,
        batch_size: batch,
    })
}

/// Launches of an evaluation of `test`, once they have settled, and its batches.
fn eval_launches(
    config: &RunConfig,
    test: &Split,
    device: &Device,
) -> anyhow::Result<(u64, usize)> {
    let model: Mlp = config.model.to_burn(config.data.dataset).init(device);
    settled(|| evaluate(&model, test, device).map_err(anyhow::Error::from))?;
    let before = issued();
    evaluate(&model, test, device)?;
    Ok((issued() - before, test.len().div_ceil(eval_batch(device))))
}

impl fmt::Display for LaunchProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "| kernel launches per training step (batch {}), a device sync after each phase: data / forward / backward / step | {:.1}: {:.1} / {:.1} / {:.1} / {:.1} |",
            self.batch_size,
            self.data + self.forward + self.backward + self.step,
            self.data,
            self.forward,
            self.backward,
            self.step
        )?;
        writeln!(
            f,
            "| kernel launches per training step, one sync per epoch (as timed) | {:.1} |",
            self.whole_step
        )?;
        writeln!(
            f,
            "| time per step of that epoch / its kernels' own time, each run alone{} | {:.3} / {:.3} ms |",
            if self.host_clock {
                " (host clock: no device timestamps here)"
            } else {
                " (device timestamps)"
            },
            self.step_seconds * 1e3,
            self.kernel_seconds * 1e3
        )?;
        if let Some(captured) = self.captured_step {
            writeln!(
                f,
                "| kernel launches per captured step (a replay issues none; what runs outside the recording) | {captured:.1} |"
            )?;
        }
        writeln!(
            f,
            "| kernel launches per evaluation of the {} test images (batches: {}) | {} |",
            self.test_images, self.eval_batches, self.eval_pass
        )
    }
}

impl LaunchProfile {
    /// The `n` kernels a step launches most, one line each.
    pub fn top_kernels(&self, n: usize) -> String {
        self.kernels
            .iter()
            .take(n)
            .map(|k| {
                let ms = k
                    .seconds_per_step
                    .map_or("        ".into(), |s| format!("{:8.3}", s * 1e3));
                format!("  {:5.1} x {ms} ms  {}\n", k.per_step, k.kernel)
            })
            .collect()
    }
}

/// The launch counts and the figures they come with, as `--launches` writes them.
#[derive(Serialize)]
struct LaunchFigures<'a> {
    recipe: &'a str,
    device: &'a str,
    data_on_device: bool,
    launches: &'a LaunchProfile,
}

/// `--launches`: counts the launches of the bench's recipe (its captured step's too, when it
/// trains right), prints them and the kernels that take a step's time, and writes them to
/// `out`.
pub(crate) fn run_launch_count(bench: &Workbench, out: &Path) -> anyhow::Result<()> {
    let device_label = &bench.device_label;
    let how = if cfg!(feature = "wgpu") {
        "pass `--device wgpu`"
    } else {
        "build the bench with `--features wgpu` and pass `--device wgpu`"
    };
    anyhow::ensure!(
        bench.is_gpu(),
        "--launches counts a GPU's kernel launches; {device_label} launches none: {how}"
    );
    let residence = bench.training_residence();
    let capture = capture_trains_right(bench);
    let profile = launches_of(bench, capture)?;
    println!(
        "kernel launches of {} on {device_label}{}:\n| figure | value |\n|---|---|\n{profile}\nthe kernels of one step (as timed): launches and time per step, the most time first:\n{}",
        bench.config.name,
        match residence {
            Residence::Device => ", data on the device",
            Residence::Host => "",
        },
        profile.top_kernels(12)
    );
    let figures = LaunchFigures {
        recipe: &bench.config.name,
        device: device_label,
        data_on_device: residence == Residence::Device,
        launches: &profile,
    };
    std::fs::write(out, serde_json::to_string_pretty(&figures)?)
        .with_context(|| format!("cannot write {}", out.display()))?;
    println!("figures written to {}", out.display());
    Ok(())
}

/// The launches of the bench's recipe on its device, its batches where `train` keeps them
/// there; the captured step's too when `capture`.
pub(crate) fn launches_of(bench: &Workbench, capture: bool) -> anyhow::Result<LaunchProfile> {
    count_launches(
        &bench.config,
        &bench.train,
        &bench.test,
        &bench.device,
        bench.training_residence(),
        capture,
    )
}
