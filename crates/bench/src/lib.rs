//! `cargo xtask bench`: seconds per training epoch (whole epochs, one device sync each, as the
//! PyTorch script times them; then a separate profile split into data, forward, backward and
//! optimizer step), eval throughput, infer latency and peak memory; with `--torch N`, the same
//! epoch in PyTorch interleaved with ours, N pairs, and the ratio per pair.
//!
//! A benchmark, not a test: it prints figures and writes `bench.json`; nothing here asserts a
//! speed. These machines are shared and noisy, so only ratios taken in the same run count.

mod args;
#[cfg(feature = "capture")]
mod capture_check;
#[cfg(feature = "capture")]
mod captured_epochs;
mod latency;
mod launch_profile;
mod launches;
mod report;
mod timed_training;
mod torch;
mod trials;
mod workbench;
// Without the captured step the same calls refuse or skip it.
#[cfg(not(feature = "capture"))]
mod no_capture;
#[cfg(not(feature = "capture"))]
use no_capture as capture_check;
#[cfg(not(feature = "capture"))]
use no_capture as captured_epochs;

use std::path::Path;

use anyhow::Context;
use mnist_data::Residence;

pub use args::BenchArgs;
pub use launch_profile::{count_launches, LaunchProfile};
pub use report::{BenchReport, Measured, Variant};
pub use timed_training::{flops_per_sample, sgemm_gflops, EpochTiming, Timing};

use capture_check::{capture_trains_right, run_capture_check};
use launch_profile::{launches_of, run_launch_count};
use trials::{run_trials, ways, Trials};
use workbench::Workbench;

/// The middle value (the upper one of an even count); `None` when there is none.
pub(crate) fn median(values: &[f64]) -> Option<f64> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.get(sorted.len() / 2).copied()
}

/// The bench: `--check-capture` or `--launches` alone, or else the trials (with PyTorch's
/// under `--torch`), the profile, the launches on a GPU, evaluation and `infer`, printed as a
/// table and written to `--out`.
pub fn run(args: &BenchArgs) -> anyhow::Result<()> {
    anyhow::ensure!(args.epochs >= 1, "--epochs must be at least 1");
    let bench = Workbench::open(args)?;
    if args.check_capture {
        return run_capture_check(&bench);
    }
    if args.launches {
        return run_launch_count(&bench, &args.out);
    }
    let torch = args
        .torch
        .map(|pairs| bench.torch(&args.python).map(|runner| (runner, pairs)));
    let torch = torch.transpose()?;
    println!(
        "bench {}: {} training images, batch {}, {} timed epochs per trial, device {}",
        bench.config_path.display(),
        bench.train.len(),
        bench.config.train.batch_size,
        args.epochs,
        bench.device_label
    );
    // A captured step only saves a GPU's launches; on the CPU it would re-run the step.
    let captured = bench.is_gpu() && capture_trains_right(&bench);
    let ways = ways(&bench, captured);
    let trials = run_trials(
        &bench,
        &ways,
        torch.as_ref().map(|(runner, pairs)| (runner, *pairs)),
        args.epochs,
    )?;
    let profile = profile(&bench, args.epochs)?;
    let launches = if bench.is_gpu() {
        Some(launches_per_step(&bench, captured)?)
    } else {
        None
    };
    let torch = torch.as_ref().map(|(runner, _)| runner);
    let measured = measure_the_rest(&bench, trials, profile, launches, torch, args.infer_runs)?;
    let report = BenchReport::new(
        &bench.config,
        &bench.device_label,
        bench.train.len(),
        measured,
    );
    println!("\n{report}");
    write_report(&report, &args.out)
}

/// The per-phase profile (a device sync after each phase), the data where `train` keeps it.
fn profile(bench: &Workbench, epochs: usize) -> anyhow::Result<EpochTiming> {
    let residence = bench.training_residence();
    let profile = bench.median_epoch(residence, epochs, Timing::PerPhase)?;
    println!(
        "  ours   profile, a device sync after each phase{}: {}",
        match residence {
            Residence::Device => ", data on the device",
            Residence::Host => "",
        },
        profile.line()
    );
    Ok(profile)
}

/// The launches of a step (and of the captured step, when `captured`), printed.
fn launches_per_step(bench: &Workbench, captured: bool) -> anyhow::Result<LaunchProfile> {
    let counted = launches_of(bench, captured)?;
    println!(
        "  ours   kernel launches per step: {:.1} (as timed){}",
        counted.whole_step,
        counted
            .captured_step
            .map_or(String::new(), |n| format!(", {n:.1} captured"))
    );
    Ok(counted)
}

/// Evaluation, sgemm and `infer` timed, with the trials, profile and launches: all the report
/// needs.
fn measure_the_rest(
    bench: &Workbench,
    trials: Trials,
    profile: EpochTiming,
    launches: Option<LaunchProfile>,
    torch: Option<&torch::TorchRunner>,
    infer_runs: usize,
) -> anyhow::Result<Measured> {
    let mut eval = latency::eval_throughput(&bench.config, &bench.test, &bench.device)?;
    eval.torch_seconds = median(&trials.their_evals);
    let our_sgemm_gflops = sgemm_gflops(&bench.device)?;
    let gpu = bench.is_gpu().then_some(bench.device_name.as_str());
    let infer = latency::infer_latency(&bench.root, &bench.device, gpu, infer_runs)?;
    Ok(Measured {
        variants: trials.variants(),
        ours: trials.ours,
        profile,
        profile_data_on_device: bench.training_residence() == Residence::Device,
        torch: trials.theirs,
        torch_setup: torch.map(|runner| runner.describe()),
        our_sgemm_gflops,
        torch_sgemm_gflops: torch.and_then(|runner| runner.sgemm_gflops()),
        eval,
        infer,
        launches,
    })
}

/// `bench.json`.
fn write_report(report: &BenchReport, out: &Path) -> anyhow::Result<()> {
    let json = serde_json::to_string_pretty(report)?;
    std::fs::write(out, json).with_context(|| format!("cannot write {}", out.display()))?;
    println!("figures written to {}", out.display());
    Ok(())
}
