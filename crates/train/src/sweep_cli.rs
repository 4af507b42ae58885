//! The `sweep` command line: one config trained over several seeds, test accuracy as mean and
//! standard deviation, so reported figures come from a command.

use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;
use serde::Serialize;

use crate::renderer::Progress;
use crate::training::{train, TrainRequest};
use mnist_runs::config::{Overrides, RunConfig};
use mnist_runs::run_dir::RunMode;

/// Train a config once per seed (run folders <name>-seed<N>) and summarise test accuracy.
#[derive(Debug, Parser)]
#[command(name = "sweep", bin_name = "sweep", version)]
pub struct SweepArgs {
    /// The run configuration, e.g. configs/sgd.toml.
    #[arg(long, short)]
    pub config: PathBuf,
    /// Comma-separated seeds.
    #[arg(long, value_delimiter = ',', default_value = "1,2,3")]
    pub seeds: Vec<u64>,
    /// Compute device: cpu (= flex), and ndarray / gpu (= wgpu) / vulkan when built with those features.
    #[arg(long)]
    pub device: Option<String>,
    /// Folder holding the four IDX files.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Override artifacts.dir.
    #[arg(long)]
    pub artifacts_dir: Option<PathBuf>,
    /// Replace run folders left by an earlier sweep of the same config.
    #[arg(long)]
    pub overwrite: bool,
    /// Print the figures as one JSON object (the training's progress goes to stderr).
    #[arg(long)]
    pub json: bool,
    /// Train each seed with its step captured once and replayed (as `train --capture`).
    #[arg(long)]
    pub capture: bool,
}

/// Mean and sample standard deviation (0 for a single value).
pub fn mean_sd(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    if values.len() < 2 {
        return (mean, 0.0);
    }
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var.sqrt())
}

/// One seed's run, as `--json` gives it.
#[derive(Debug, Serialize)]
pub struct SeedRun {
    pub seed: u64,
    pub run_dir: PathBuf,
    /// Percent, on the held-out test images.
    pub test_accuracy: f64,
    pub minutes: f64,
}

/// The whole sweep, as `--json` gives it.
#[derive(Debug, Serialize)]
pub struct SweepSummary {
    pub name: String,
    pub config: PathBuf,
    pub runs: Vec<SeedRun>,
    pub test_accuracy_mean: f64,
    /// Sample standard deviation over the seeds (0 for one seed).
    pub test_accuracy_sd: f64,
    pub minutes_per_run: f64,
}

pub fn run(args: &SweepArgs) -> anyhow::Result<()> {
    anyhow::ensure!(!args.seeds.is_empty(), "--seeds needs at least one seed");
    let name = RunConfig::load(&args.config)?.name;
    // With --json, stdout carries only the answer; the training's progress goes to stderr.
    let progress = if args.json {
        Progress::Stderr
    } else {
        Progress::Lines
    };
    let mut runs = Vec::new();
    for &seed in &args.seeds {
        let run = train_seed(args, &name, seed, progress)?;
        progress.say(format!(
            "seed {seed}: test accuracy {:.2}% ({:.2} min) -> {}",
            run.test_accuracy,
            run.minutes,
            run.run_dir.display()
        ));
        runs.push(run);
    }
    let summary = summarise(name, args.config.clone(), runs);
    if args.json {
        println!("{}", serde_json::to_string(&summary)?);
    } else {
        println!(
            "{}: test accuracy {:.2} +- {:.2}% over seeds {:?}; {:.2} min per run",
            summary.name,
            summary.test_accuracy_mean,
            summary.test_accuracy_sd,
            args.seeds,
            summary.minutes_per_run
        );
    }
    Ok(())
}

/// Trains the config once with `seed`, in the run folder `<name>-seed<seed>`.
fn train_seed(
    args: &SweepArgs,
    name: &str,
    seed: u64,
    progress: Progress,
) -> anyhow::Result<SeedRun> {
    let started = Instant::now();
    let outcome = train(&TrainRequest {
        config: args.config.clone(),
        overrides: Overrides {
            seed: Some(seed),
            run_name: Some(format!("{name}-seed{seed}")),
            data_dir: args.data_dir.clone(),
            artifacts_dir: args.artifacts_dir.clone(),
            ..Overrides::default()
        },
        device: args.device.clone(),
        capture: args.capture,
        mode: if args.overwrite {
            RunMode::Overwrite
        } else {
            RunMode::Fresh
        },
        progress,
    })?;
    Ok(SeedRun {
        seed,
        run_dir: outcome.run_dir.path,
        test_accuracy: outcome.summary.test_accuracy,
        minutes: started.elapsed().as_secs_f64() / 60.0,
    })
}

/// Mean and spread of the seeds' test accuracy, and the mean time per run.
fn summarise(name: String, config: PathBuf, runs: Vec<SeedRun>) -> SweepSummary {
    let accuracies: Vec<f64> = runs.iter().map(|r| r.test_accuracy).collect();
    let minutes: Vec<f64> = runs.iter().map(|r| r.minutes).collect();
    let (test_accuracy_mean, test_accuracy_sd) = mean_sd(&accuracies);
    let (minutes_per_run, _) = mean_sd(&minutes);
    SweepSummary {
        name,
        config,
        runs,
        test_accuracy_mean,
        test_accuracy_sd,
        minutes_per_run,
    }
}

#[cfg(test)]
mod tests {
    use super::mean_sd;

    #[test]
    fn mean_and_sample_standard_deviation() {
        assert_eq!(mean_sd(&[92.0]), (92.0, 0.0));
        let (mean, sd) = mean_sd(&[92.44, 92.35, 92.24]);
        assert!((mean - 92.343333).abs() < 1e-5);
        assert!((sd - 0.100167).abs() < 1e-5);
    }
}
