//! `cargo xtask bench`: seconds per training epoch (whole epochs, one device sync each, as the
//! PyTorch script times them; then a separate profile split into data, forward, backward and
//! optimizer step), eval throughput, infer latency and peak memory; with `--torch N`, the same
//! epoch in PyTorch interleaved with ours, N pairs, and the ratio per pair.
//!
//! A benchmark, not a test: it prints figures and writes `bench.json`; nothing here asserts a
//! speed. These machines are shared and noisy, so only ratios taken in the same run count.

mod capture_check;
mod captured_loop;
mod latency;
mod launch_profile;
mod launches;
mod report;
mod timed_training;
mod torch;

use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use mnist_data::Residence;
use mnist_model::device::{
    backend_label, backend_name, choose_device, data_residence, is_gpu, Workload,
};
use mnist_train::data_source::{load_data, training_splits};
use mnist_train::{workspace_root, RunConfig};

pub use capture_check::{check_capture, CaptureCheck};
pub use captured_loop::CapturedLoop;
pub use launch_profile::{count_launches, LaunchProfile};
pub use mnist_train::captured_step::{capture_refusal, CapturedStep};
pub use report::{BenchReport, Variant};

/// The middle value (the upper one of an even count); `None` when there is none.
pub(crate) fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.get(sorted.len() / 2).copied()
}
pub use timed_training::{flops_per_sample, sgemm_gflops, EpochTiming, Timing};

/// Measure training, evaluation and inference speed (and compare with PyTorch).
#[derive(Debug, Parser)]
#[command(name = "bench", version)]
pub struct BenchArgs {
    /// The recipe to train; the comparison is configs/sgd.toml.
    #[arg(long, default_value = "configs/sgd.toml")]
    pub config: PathBuf,
    /// Epochs timed per trial (the median is reported); one more is run first as a warm-up.
    #[arg(long, default_value_t = 3)]
    pub epochs: usize,
    /// Also run the recipe in PyTorch (bench/torch_mlp.py), alternating ours and theirs, this
    /// many pairs.
    #[arg(long, value_name = "PAIRS")]
    pub torch: Option<usize>,
    /// The Python that has torch installed. PyTorch runs on the CPU, or on CUDA when ours
    /// runs on wgpu.
    #[arg(long, default_value = "python3")]
    pub python: String,
    /// Whole-process `infer` runs to time (start to printed answer).
    #[arg(long, default_value_t = 20)]
    pub infer_runs: usize,
    /// Folder holding the four IDX files.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Compute device: cpu (= flex), and ndarray / gpu (= wgpu) / vulkan when built with those features.
    #[arg(long)]
    pub device: Option<String>,
    /// Only check that the training step captured and replayed (as the bench times it on a
    /// GPU) trains exactly as the plain step: the same losses and weights, bit for bit.
    #[arg(long)]
    pub check_capture: bool,
    /// Only count kernel launches on the GPU: per training step, phase by phase, per captured
    /// step and per evaluation of the test images, with each kernel's launches and own time per
    /// step (a build launches the same kernels on any GPU, so software Vulkan counts them too).
    #[arg(long, conflicts_with_all = ["check_capture", "torch"])]
    pub launches: bool,
    /// Where to write the figures as JSON.
    #[arg(long, default_value = "bench.json")]
    pub out: PathBuf,
}

/// The median of `epochs` timed epochs, after one more untimed as a warm-up (caches,
/// allocators, a GPU's kernel compilation; for [`Timing::CapturedStep`], the capture).
fn median_epoch(
    config: &RunConfig,
    split: &mnist_data::Split,
    device: &burn::tensor::Device,
    residence: Residence,
    epochs: usize,
    timing: Timing,
) -> anyhow::Result<EpochTiming> {
    let timings =
        timed_training::train_epochs(config, split, device, residence, epochs + 1, timing)?;
    Ok(EpochTiming::median(&timings[1..]))
}

/// Whether this recipe's step can be captured and, checked on `device` first, trains exactly
/// as the plain one there; if not, says why the captured step is not timed.
fn capture_trains_right(
    config: &RunConfig,
    split: &mnist_data::Split,
    device: &burn::tensor::Device,
) -> bool {
    if let Some(why) = capture_refusal(config) {
        println!("  (the captured step is not timed: {why})");
        return false;
    }
    match check_capture(config, split, device, CHECKED_REPLAYS) {
        Ok(check) if check.agrees() => {
            println!("  captured step checked first: {check}");
            true
        }
        Ok(check) => {
            println!("  (the captured step is not timed: it does not train as the plain one here: {check})");
            false
        }
        Err(e) => {
            println!("  (the captured step is not timed: checking it failed: {e:#})");
            false
        }
    }
}

/// How the table names the epochs with the sparse first layer off.
const DENSE_LABEL: &str = "every product dense";

/// Replayed steps that `--check-capture` (and the bench, before timing them) compare.
const CHECKED_REPLAYS: usize = 8;

/// `--check-capture`: eight replayed steps and one plain one on a half batch, against plain
/// steps.
fn run_capture_check(
    config: &RunConfig,
    split: &mnist_data::Split,
    device: &burn::tensor::Device,
    device_label: &str,
) -> anyhow::Result<()> {
    let check = check_capture(config, split, device, CHECKED_REPLAYS)?;
    println!("captured training step on {device_label}: {check}");
    anyhow::ensure!(
        check.recorded,
        "nothing was recorded on {device_label}: a captured step needs a GPU backend (--device wgpu)"
    );
    anyhow::ensure!(
        check.agrees(),
        "the captured training step does not train as the plain one on {device_label}"
    );
    Ok(())
}

/// The launch counts and the figures they come with, as `--launches` writes them.
#[derive(serde::Serialize)]
struct LaunchFigures<'a> {
    recipe: &'a str,
    device: &'a str,
    data_on_device: bool,
    launches: &'a LaunchProfile,
}

/// `--launches`: counts the launches of the recipe's step, prints them and the kernels that
/// take a step's time, and writes them to `out`.
fn run_launch_count(
    config: &RunConfig,
    (train, test): (&mnist_data::Split, &mnist_data::Split),
    (device_name, device): (&str, &burn::tensor::Device),
    out: &std::path::Path,
) -> anyhow::Result<()> {
    let device_label = format!("{device_name} ({})", backend_label(device_name));
    let how = if cfg!(feature = "wgpu") {
        "pass `--device wgpu`"
    } else {
        "build the bench with `--features wgpu` and pass `--device wgpu`"
    };
    anyhow::ensure!(
        is_gpu(device_name),
        "--launches counts a GPU's kernel launches; {device_label} launches none: {how}"
    );
    let residence = training_residence(config, device_name);
    let capture = capture_trains_right(config, train, device);
    let profile = count_launches(config, train, test, device, residence, capture)?;
    println!(
        "kernel launches of {} on {device_label}{}:\n| figure | value |\n|---|---|\n{profile}\nthe kernels of one step (as timed): launches and time per step, the most time first:\n{}",
        config.name,
        match residence {
            Residence::Device => ", data on the device",
            Residence::Host => "",
        },
        profile.top_kernels(12)
    );
    let figures = LaunchFigures {
        recipe: &config.name,
        device: &device_label,
        data_on_device: residence == Residence::Device,
        launches: &profile,
    };
    std::fs::write(out, serde_json::to_string_pretty(&figures)?)
        .with_context(|| format!("cannot write {}", out.display()))?;
    println!("figures written to {}", out.display());
    Ok(())
}

/// Where `train` keeps this recipe's training set on the device called `device_name`: on a
/// GPU, there, unless the digits are distorted (which happens on the host).
fn training_residence(config: &RunConfig, device_name: &str) -> Residence {
    if config.data.augment.is_off() {
        data_residence(device_name)
    } else {
        Residence::Host
    }
}

pub fn run(args: &BenchArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.epochs >= 1, "--epochs must be at least 1");
    let root = workspace_root();
    let config_path = if args.config.is_relative() && !args.config.exists() {
        root.join(&args.config)
    } else {
        args.config.clone()
    };
    let config = RunConfig::load(&config_path)?;
    let (device_name, device) =
        choose_device(args.device.as_deref(), Workload::Batches)?.announce();
    // The build timed, as well as the device: `gpu (wgpu+fusion)`.
    let device_label = format!("{device_name} ({})", backend_label(&device_name));
    let kind = config.data.dataset;
    let (located, data) = load_data(args.data_dir.as_deref(), config.data.dir.as_deref(), kind)?;
    let (train_split, _) = training_splits(&data, &config)?;
    if args.check_capture {
        return run_capture_check(&config, &train_split, &device, &device_label);
    }
    if args.launches {
        return run_launch_count(
            &config,
            (&train_split, &data.test),
            (&device_name, &device),
            &args.out,
        );
    }

    let torch = match args.torch {
        Some(pairs) => Some(torch::TorchRunner::probe(
            &args.python,
            &root,
            &located.path,
            &config,
            train_split.len(),
            if is_gpu(&device_name) { "cuda" } else { "cpu" },
        )?)
        .map(|runner| (runner, pairs)),
        None => None,
    };

    println!(
        "bench {}: {} training images, batch {}, {} timed epochs per trial, device {device_label}",
        config_path.display(),
        train_split.len(),
        config.train.batch_size,
        args.epochs
    );
    let mut ours = Vec::new();
    let mut ours_on_device = Vec::new();
    let mut ours_captured = Vec::new();
    let mut ours_dense = Vec::new();
    let mut theirs = Vec::new();
    let mut their_evals = Vec::new();
    // Batches gathered on the device are the alternative only where the digits are not
    // distorted (distortion happens on the host).
    let compare_residence = config.data.augment.is_off();
    // The profile, and the captured step, keep the data where `train` keeps it on this device.
    let train_residence = training_residence(&config, &device_name);
    // A captured step only saves a GPU's launches; on the CPU it would re-run the step.
    let time_captured =
        is_gpu(&device_name) && capture_trains_right(&config, &train_split, &device);
    let captured_label = match train_residence {
        Residence::Device => "captured step, data on the device",
        Residence::Host => "captured step",
    };
    // The sparse first layer is the CPU's (flex); the same epochs with dense products show
    // what it saves.
    let compare_dense = backend_name(&device_name) == "flex";
    let trials = torch.as_ref().map_or(1, |(_, pairs)| (*pairs).max(1));
    for trial in 0..trials {
        let epoch = |residence| {
            median_epoch(
                &config,
                &train_split,
                &device,
                residence,
                args.epochs,
                Timing::WholeEpoch,
            )
        };
        let ours_trial = epoch(Residence::Host)?;
        println!("  ours   trial {}: {}", trial + 1, ours_trial.total_line());
        ours.push(ours_trial);
        if compare_residence {
            let resident = epoch(Residence::Device)?;
            println!(
                "  ours, data on the device, trial {}: {}",
                trial + 1,
                resident.total_line()
            );
            ours_on_device.push(resident);
        }
        if compare_dense {
            let dense = median_epoch(
                &config,
                &train_split,
                &device,
                Residence::Host,
                args.epochs,
                Timing::DenseWholeEpoch,
            )?;
            println!(
                "  ours, {DENSE_LABEL}, trial {}: {}",
                trial + 1,
                dense.total_line()
            );
            ours_dense.push(dense);
        }
        if time_captured {
            let replayed = median_epoch(
                &config,
                &train_split,
                &device,
                train_residence,
                args.epochs,
                Timing::CapturedStep,
            )?;
            println!(
                "  ours, {captured_label}, trial {}: {}",
                trial + 1,
                replayed.total_line()
            );
            ours_captured.push(replayed);
        }
        if let Some((runner, _)) = &torch {
            let trial_figures = runner
                .trial(args.epochs)
                .with_context(|| format!("PyTorch trial {}", trial + 1))?;
            let seconds = trial_figures.epoch_seconds;
            println!("  torch  trial {}: {seconds:.3} s/epoch", trial + 1);
            theirs.push(seconds);
            their_evals.extend(trial_figures.eval_seconds);
        }
    }

    let profile = median_epoch(
        &config,
        &train_split,
        &device,
        train_residence,
        args.epochs,
        Timing::PerPhase,
    )?;
    println!(
        "  ours   profile, a device sync after each phase{}: {}",
        if train_residence == Residence::Device {
            ", data on the device"
        } else {
            ""
        },
        profile.line()
    );

    let launches = if is_gpu(&device_name) {
        let counted = count_launches(
            &config,
            &train_split,
            &data.test,
            &device,
            train_residence,
            time_captured,
        )?;
        println!(
            "  ours   kernel launches per step: {:.1} (as timed){}",
            counted.whole_step,
            counted
                .captured_step
                .map_or(String::new(), |n| format!(", {n:.1} captured"))
        );
        Some(counted)
    } else {
        None
    };

    let mut eval = latency::eval_throughput(&config, &data.test, &device)?;
    eval.torch_seconds = median(&their_evals);
    let our_sgemm = sgemm_gflops(&device)?;
    let gpu = is_gpu(&device_name).then_some(device_name.as_str());
    let infer = latency::infer_latency(&root, &device, gpu, args.infer_runs)?;
    let variants = [
        ("data on the device", ours_on_device),
        (captured_label, ours_captured),
        (DENSE_LABEL, ours_dense),
    ]
    .into_iter()
    .filter(|(_, epochs)| !epochs.is_empty())
    .map(|(label, epochs)| Variant::new(label, epochs, &theirs, &ours))
    .collect();
    let mut report = BenchReport::new(
        &config,
        &device_label,
        train_split.len(),
        ours,
        variants,
        profile,
        theirs,
        torch.as_ref().map(|(r, _)| r.describe()),
        our_sgemm,
        torch.as_ref().and_then(|(r, _)| r.sgemm_gflops()),
        eval,
        infer,
    );
    report.profile_data_on_device = train_residence == Residence::Device;
    report.launches = launches;
    println!("\n{report}");
    let json = serde_json::to_string_pretty(&report)?;
    std::fs::write(&args.out, json)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    println!("figures written to {}", args.out.display());
    Ok(())
}
