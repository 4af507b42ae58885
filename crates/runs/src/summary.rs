//! `summary.json`: the headline figures of a finished run and what produced them.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::RunsError;
use crate::run_dir::write_atomic;

/// Everything a reader needs to trust (or reproduce) a run's test accuracy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunSummary {
    pub run: String,
    pub dataset: String,
    /// Accuracy on the held-out test images, in percent.
    pub test_accuracy: f64,
    pub test_loss: f64,
    pub test_images: usize,
    pub train_images: usize,
    pub valid_images: usize,
    pub epochs_completed: usize,
    pub epochs_planned: usize,
    /// Why training ended before `epochs_planned`, if it did (early stopping, interruption).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped_early: Option<String>,
    /// With `train.keep_best`: the epoch whose weights were saved as the final model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub best_epoch: Option<usize>,
    /// With `train --capture`: whether the step replayed recorded launches or, on a backend
    /// without graph support, re-ran.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub captured_step: Option<CapturedStepUse>,
    /// Wall-clock seconds of all epochs in `metrics.csv` (training and validation).
    pub seconds: f64,
    pub backend: String,
    pub device: String,
    pub seed: u64,
    pub params: usize,
    /// `git rev-parse HEAD` of the source tree, when it is a git checkout.
    pub git_commit: Option<String>,
    /// Whether the source tree had uncommitted changes (then the commit alone does not
    /// describe the code that ran).
    pub git_dirty: Option<bool>,
    pub data_dir: String,
    /// sha256 of each data file read.
    pub dataset_checksums: BTreeMap<String, String>,
}

/// How a `train --capture` run's step ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CapturedStepUse {
    /// Replays of the recorded launches.
    Replayed,
    /// Re-runs of the step: the backend records nothing (the CPU).
    ReRun,
}

impl CapturedStepUse {
    pub fn from_recorded(recorded: bool) -> Self {
        if recorded {
            CapturedStepUse::Replayed
        } else {
            CapturedStepUse::ReRun
        }
    }
}

impl RunSummary {
    pub fn save(&self, path: &Path) -> Result<(), RunsError> {
        let text = serde_json::to_string_pretty(self).map_err(|e| RunsError::Save {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        write_atomic(path, format!("{text}\n").as_bytes())
    }

    pub fn load(path: &Path) -> Result<Self, RunsError> {
        let text = std::fs::read_to_string(path).map_err(|source| RunsError::Io {
            path: path.to_path_buf(),
            cause: source,
        })?;
        serde_json::from_str(&text).map_err(|e| RunsError::ParseConfig {
            file: path.to_path_buf(),
            message: e.to_string(),
        })
    }
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    Some(String::from_utf8(out.stdout).ok()?.trim().to_string())
}

/// The commit of the source tree in `dir`, and whether it has uncommitted changes, if git can tell.
pub fn git_state(dir: &Path) -> (Option<String>, Option<bool>) {
    let commit = git(dir, &["rev-parse", "HEAD"]).filter(|c| !c.is_empty());
    let dirty = commit
        .as_ref()
        .and_then(|_| git(dir, &["status", "--porcelain", "--untracked-files=no"]))
        .map(|status| !status.is_empty());
    (commit, dirty)
}
