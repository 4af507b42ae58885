//! The run folders under an artifacts folder, as a person browsing them sees them: finished,
//! training now, or stopped; with their config, figures and per-epoch metrics.

use std::path::Path;

use serde::Serialize;

use crate::config::RunConfig;
use crate::error::RunsError;
use crate::metrics_log::{EpochRow, MetricsLog};
use crate::name::is_plain_run_name;
use crate::run_dir::RunDir;
use crate::run_lock::is_training;
use crate::summary::RunSummary;

/// Where a run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    /// `summary.json` is written: the model and its test accuracy are final.
    Finished,
    /// No summary yet, and a process is training it now (it holds the folder's lock).
    Training,
    /// No summary and no process training it: stopped, interrupted or crashed (`--resume`
    /// continues it from its last checkpoint).
    Stopped,
}

/// One run folder's headline facts (the row of a runs table).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunInfo {
    pub name: String,
    pub status: RunStatus,
    pub dataset: String,
    /// The recipe in a few words: network, optimiser, learning rate, schedule.
    pub recipe: String,
    pub epochs_completed: usize,
    pub epochs_planned: usize,
    /// The best validation accuracy of any epoch so far, in percent.
    pub best_valid_accuracy: Option<f64>,
    /// Test accuracy in percent, once finished.
    pub test_accuracy: Option<f64>,
    /// Seconds spent in the epochs so far.
    pub seconds: f64,
    /// Whether the folder holds a final model that `infer` can load.
    pub has_model: bool,
}

/// A run's facts plus every epoch's metrics (for curves).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunDetail {
    #[serde(flatten)]
    pub info: RunInfo,
    pub epochs: Vec<EpochMetrics>,
    /// The resolved configuration as TOML.
    pub config: String,
}

/// One epoch of `metrics.csv`; a figure Burn did not report is `None` (JSON `null`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct EpochMetrics {
    pub epoch: usize,
    pub train_loss: Option<f64>,
    pub train_accuracy: Option<f64>,
    pub valid_loss: Option<f64>,
    pub valid_accuracy: Option<f64>,
    pub lr: Option<f64>,
    pub seconds: Option<f64>,
}

impl From<&EpochRow> for EpochMetrics {
    fn from(r: &EpochRow) -> Self {
        let some = |v: f64| v.is_finite().then_some(v);
        EpochMetrics {
            epoch: r.epoch,
            train_loss: some(r.train_loss),
            train_accuracy: some(r.train_accuracy),
            valid_loss: some(r.valid_loss),
            valid_accuracy: some(r.valid_accuracy),
            lr: some(r.lr),
            seconds: some(r.seconds),
        }
    }
}

/// Every run folder (a folder holding a `config.toml`) under `artifacts`, by name. A folder that
/// does not exist holds no runs.
pub fn list_runs(artifacts: &Path) -> Result<Vec<RunInfo>, RunsError> {
    let entries = match std::fs::read_dir(artifacts) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(cause) => {
            return Err(RunsError::Io {
                path: artifacts.to_path_buf(),
                cause,
            })
        }
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| is_plain_run_name(n))
        .filter(|n| RunDir::new(artifacts, n).config().is_file())
        .collect();
    names.sort();
    // A run folder that cannot be read (say, a half-written one) is left out rather than
    // hiding all the others.
    Ok(names
        .iter()
        .filter_map(|n| run_detail(artifacts, n).ok().map(|d| d.info))
        .collect())
}

/// One run folder's facts and metrics. `name` must be a plain run name.
pub fn run_detail(artifacts: &Path, name: &str) -> Result<RunDetail, RunsError> {
    if !is_plain_run_name(name) {
        return Err(RunsError::RunFolder(format!(
            "{name:?} is not a run name (a folder name inside {})",
            artifacts.display()
        )));
    }
    let dir = RunDir::new(artifacts, name);
    if !dir.config().is_file() {
        return Err(RunsError::RunFolder(format!(
            "{} is not a run folder (it has no config.toml)",
            dir.path.display()
        )));
    }
    let config_text = std::fs::read_to_string(dir.config()).map_err(|cause| RunsError::Io {
        path: dir.config(),
        cause,
    })?;
    let config = RunConfig::parse(&config_text, &dir.config())?;
    let rows = MetricsLog::resume(&dir.metrics(), usize::MAX)?
        .rows()
        .to_vec();
    let summary = RunSummary::load(&dir.summary()).ok();
    let status = match &summary {
        Some(_) => RunStatus::Finished,
        None if is_training(&dir) => RunStatus::Training,
        None => RunStatus::Stopped,
    };
    let info = RunInfo {
        name: name.to_string(),
        status,
        dataset: config.data.dataset.dir_name().to_string(),
        recipe: recipe(&config),
        epochs_completed: summary.as_ref().map_or(rows.len(), |s| s.epochs_completed),
        epochs_planned: config.train.epochs,
        best_valid_accuracy: rows
            .iter()
            .map(|r| r.valid_accuracy)
            .filter(|v| v.is_finite())
            .reduce(f64::max),
        test_accuracy: summary.as_ref().map(|s| s.test_accuracy),
        seconds: summary.as_ref().map_or_else(
            || {
                rows.iter()
                    .map(|r| r.seconds)
                    .filter(|s| s.is_finite())
                    .sum()
            },
            |s| s.seconds,
        ),
        has_model: dir.model_file().is_file() && dir.model_config().is_file(),
    };
    Ok(RunDetail {
        info,
        epochs: rows.iter().map(EpochMetrics::from).collect(),
        config: config_text,
    })
}

/// The recipe in a few words, e.g. `784-784-32-10, adam lr 0.001, cosine`.
fn recipe(config: &RunConfig) -> String {
    let mut layers = vec![mnist_data::IMAGE_PIXELS.to_string()];
    layers.extend(config.model.hidden.iter().map(|h| h.to_string()));
    layers.push(mnist_data::NUM_CLASSES.to_string());
    format!(
        "{}, {} lr {}, {}",
        layers.join("-"),
        config.optimizer.name.as_str(),
        config.optimizer.lr(),
        config.schedule.name.as_str()
    )
}
