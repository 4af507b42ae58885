//! The `train` command line: flags, overrides, and the closing report.

use std::path::PathBuf;

use clap::Parser;

use crate::renderer::Progress;
use crate::training::{train, TrainRequest};
use mnist_runs::config::Overrides;
use mnist_runs::run_dir::RunMode;
use mnist_runs::summary::CapturedStepUse;

/// Train an MLP on MNIST or Fashion-MNIST from a TOML config; results go to
/// <artifacts.dir>/<name>/.
#[derive(Debug, Parser)]
#[command(name = "train", bin_name = "train", version)]
pub struct TrainArgs {
    /// The run configuration, e.g. configs/sgd.toml.
    #[arg(long, short)]
    pub config: PathBuf,
    /// Override train.epochs (with --resume: train on to this many epochs).
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Override train.batch_size.
    #[arg(long)]
    pub batch_size: Option<usize>,
    /// Override optimizer.lr.
    #[arg(long, allow_negative_numbers = true)]
    pub lr: Option<f64>,
    /// Override seed.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Folder holding the four IDX files (outranks MNIST_DIR and data.dir).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Compute device: cpu (= flex), and ndarray / gpu (= wgpu) / vulkan when built with those features.
    #[arg(long)]
    pub device: Option<String>,
    /// Override name (the run folder's name).
    #[arg(long)]
    pub run_name: Option<String>,
    /// Override artifacts.dir (the parent of run folders).
    #[arg(long)]
    pub artifacts_dir: Option<PathBuf>,
    /// Continue the run from its last checkpoint.
    #[arg(long, conflicts_with = "overwrite")]
    pub resume: bool,
    /// Delete an existing run folder of the same name and start again.
    #[arg(long)]
    pub overwrite: bool,
    /// Print one line per epoch even in a terminal (no dashboard).
    #[arg(long)]
    pub no_dashboard: bool,
    /// Record the training step (forward, backward and the optimiser's update, every
    /// optimiser and schedule) once and replay it for every batch: a GPU's launches without
    /// Burn's host work, the same weights as without. Not with dropout. GPU builds only
    /// (--features wgpu).
    #[arg(long)]
    pub capture: bool,
}

impl TrainArgs {
    pub fn request(&self) -> TrainRequest {
        TrainRequest {
            config: self.config.clone(),
            overrides: Overrides {
                epochs: self.epochs,
                batch_size: self.batch_size,
                lr: self.lr,
                seed: self.seed,
                data_dir: self.data_dir.clone(),
                run_name: self.run_name.clone(),
                artifacts_dir: self.artifacts_dir.clone(),
            },
            device: self.device.clone(),
            capture: self.capture,
            mode: if self.resume {
                RunMode::Resume
            } else if self.overwrite {
                RunMode::Overwrite
            } else {
                RunMode::Fresh
            },
            progress: if self.no_dashboard {
                Progress::Lines
            } else {
                Progress::Dashboard
            },
        }
    }
}

/// The end of every binary: success, or the error with its causes (`{:#}`) and exit status 1.
pub fn finish(result: anyhow::Result<()>) -> std::process::ExitCode {
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            match e.downcast_ref::<crate::TrainError>() {
                Some(crate::TrainError::Interrupted { .. }) => {
                    std::process::ExitCode::from(crate::interrupt::INTERRUPTED_EXIT)
                }
                _ => std::process::ExitCode::FAILURE,
            }
        }
    }
}

/// Where a saved run's data comes from and what computes: shared by `eval` and `report`.
#[derive(Debug, Clone, clap::Args)]
pub struct DataArgs {
    /// Folder holding the four IDX files (outranks MNIST_DIR and the run's data.dir).
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Compute device: cpu (= flex), and ndarray / gpu (= wgpu) / vulkan when built with those features.
    #[arg(long)]
    pub device: Option<String>,
}

impl DataArgs {
    /// The device named by `--device`, or the default one for reading a data set (the GPU
    /// when built in and it answers).
    pub fn device(&self) -> anyhow::Result<burn::tensor::Device> {
        use mnist_model::device::{choose_device, Workload};
        Ok(choose_device(self.device.as_deref(), Workload::Batches)?
            .announce()
            .1)
    }
}

/// Runs the command and prints the closing report.
pub fn run(args: &TrainArgs) -> anyhow::Result<()> {
    if let Err(e) = crate::interrupt::install_signal_handler() {
        eprintln!("warning: Ctrl-C will not stop training cleanly: {e}");
    }
    let outcome = train(&args.request())?;
    let s = &outcome.summary;
    if s.captured_step == Some(CapturedStepUse::ReRun) {
        println!(
            "--capture: the {} backend records no graph, so the step re-ran for every batch \
             (a speed-up needs a GPU backend)",
            s.backend
        );
    }
    if let Some(reason) = &s.stopped_early {
        println!("stopped after epoch {}: {reason}", s.epochs_completed);
    }
    println!(
        "test accuracy {:.2}% (loss {:.4}) on {} test images after {} epochs, {:.1} s of training",
        s.test_accuracy, s.test_loss, s.test_images, s.epochs_completed, s.seconds
    );
    println!(
        "saved to {}; its pictures and figures: {}",
        outcome.run_dir.path.display(),
        outcome.run_dir.report().display()
    );
    if let Some(note) = &outcome.about {
        println!("about this recipe: {note}");
    }
    Ok(())
}
