//! The `sweep` command line: one config trained over several seeds, test accuracy as mean and
//! standard deviation, so reported figures come from a command.

use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;

use crate::artifacts::RunMode;
use crate::config::{Overrides, RunConfig};
use crate::training::{train, TrainRequest};

/// Train a config once per seed (run folders <name>-seed<N>) and summarise test accuracy.
#[derive(Debug, Parser)]
#[command(name = "sweep", version)]
pub struct SweepArgs {
    /// The run configuration, e.g. configs/sgd.toml.
    #[arg(long, short)]
    pub config: PathBuf,
    /// Comma-separated seeds.
    #[arg(long, value_delimiter = ',', default_value = "1,2,3")]
    pub seeds: Vec<u64>,
    /// Compute device: cpu (= flex), and ndarray / gpu (= wgpu) when built with those features.
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

pub fn run(args: &SweepArgs) -> anyhow::Result<()> {
    anyhow::ensure!(!args.seeds.is_empty(), "--seeds needs at least one seed");
    let name = RunConfig::load(&args.config)?.name;
    let mut accuracies = Vec::new();
    let mut minutes = Vec::new();
    for &seed in &args.seeds {
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
            mode: if args.overwrite {
                RunMode::Overwrite
            } else {
                RunMode::Fresh
            },
            dashboard: false,
        })?;
        let elapsed = started.elapsed().as_secs_f64() / 60.0;
        println!(
            "seed {seed}: test accuracy {:.2}% ({:.2} min) -> {}",
            outcome.summary.test_accuracy,
            elapsed,
            outcome.run_dir.path.display()
        );
        accuracies.push(outcome.summary.test_accuracy);
        minutes.push(elapsed);
    }
    let (mean, sd) = mean_sd(&accuracies);
    let (min_mean, _) = mean_sd(&minutes);
    println!(
        "{name}: test accuracy {mean:.2} +- {sd:.2}% over seeds {:?}; {min_mean:.2} min per run",
        args.seeds
    );
    Ok(())
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
