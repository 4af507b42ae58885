//! The run folder `<artifacts.dir>/<run-name>/`: its layout, its guard against overwriting, atomic writes.

use std::path::{Path, PathBuf};

use crate::error::RunsError;

/// Writes `bytes` to `path` whole or not at all (see `mnist_atomic_files`).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), RunsError> {
    mnist_atomic_files::write_atomic(path, bytes).map_err(|cause| RunsError::Io {
        path: path.to_path_buf(),
        cause,
    })
}

/// What to do when the run folder already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunMode {
    /// Refuse to touch an existing run.
    Fresh,
    /// Continue the run from its last checkpoint.
    Resume,
    /// Delete the existing run and start again.
    Overwrite,
}

const CONFIG_FILE: &str = "config.toml";
const METRICS_FILE: &str = "metrics.csv";
const SUMMARY_FILE: &str = "summary.json";
const WRITE_PROBE: &str = ".write-probe";
/// What Burn's Learner writes into the run folder besides checkpoints.
const LEARNER_ENTRIES: [&str; 3] = ["train", "valid", "experiment.log"];

/// Whether `name` is something training, Burn's Learner or the report writes into a run
/// folder (a folder holding anything else is not replaced by `--overwrite`).
fn is_run_entry(name: &str) -> bool {
    let ours = [
        CONFIG_FILE,
        METRICS_FILE,
        SUMMARY_FILE,
        mnist_model::CHECKPOINT_DIR,
        WRITE_PROBE,
        mnist_model::MODEL_CONFIG_FILE,
        mnist_model::MODEL_WEIGHTS_FILE,
        mnist_report::REPORT_FILE,
        crate::run_lock::LOCK_FILE,
    ];
    ours.contains(&name)
        || LEARNER_ENTRIES.contains(&name)
        || mnist_report::FILES.contains(&name)
        // Scratch files of atomic writes: ours, and Burn's `model.bpk.<pid>-<n>.tmp`.
        || mnist_atomic_files::is_scratch_name(name)
        || (name.starts_with(mnist_model::MODEL_WEIGHTS_FILE) && name.ends_with(".tmp"))
}

/// The files of one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunDir {
    pub path: PathBuf,
}

impl RunDir {
    pub fn new(parent: &Path, name: &str) -> Self {
        RunDir {
            path: parent.join(name),
        }
    }

    /// The resolved configuration, as TOML.
    pub fn config(&self) -> PathBuf {
        self.path.join(CONFIG_FILE)
    }
    /// The network's shape (Burn `MlpConfig` as JSON), needed to rebuild the model for inference.
    pub fn model_config(&self) -> PathBuf {
        self.path.join(mnist_model::MODEL_CONFIG_FILE)
    }
    /// The final weights; Burn adds the `.bpk` extension.
    pub fn model_stem(&self) -> PathBuf {
        self.path.join(mnist_model::MODEL_WEIGHTS_STEM)
    }
    pub fn model_file(&self) -> PathBuf {
        self.path.join(mnist_model::MODEL_WEIGHTS_FILE)
    }
    pub fn metrics(&self) -> PathBuf {
        self.path.join(METRICS_FILE)
    }
    pub fn summary(&self) -> PathBuf {
        self.path.join(SUMMARY_FILE)
    }
    /// The run's report, which links its pictures.
    pub fn report(&self) -> PathBuf {
        self.path.join(mnist_report::REPORT_FILE)
    }
    /// The lock a training holds while it trains the run (`run_lock.rs`).
    pub fn lock(&self) -> PathBuf {
        self.path.join(crate::run_lock::LOCK_FILE)
    }
    pub fn checkpoints(&self) -> PathBuf {
        self.path.join(mnist_model::CHECKPOINT_DIR)
    }
    /// Epoch `epoch`'s checkpoint of `kind` (`model`, `optim` or `scheduler`), as Burn's
    /// file checkpointer names it.
    pub fn checkpoint_file(&self, kind: &str, epoch: usize) -> PathBuf {
        self.checkpoints().join(format!("{kind}-{epoch}.bpk"))
    }

    fn holds_anything(&self) -> bool {
        std::fs::read_dir(&self.path)
            .map(|mut entries| entries.next().is_some())
            .unwrap_or(false)
    }

    /// The latest epoch for which model, optimiser and scheduler checkpoints all exist.
    pub fn latest_checkpoint(&self) -> Option<usize> {
        mnist_model::checkpointed_epochs(&self.path)
            .into_iter()
            .filter(|&n| {
                ["optim", "scheduler"]
                    .iter()
                    .all(|kind| self.checkpoint_file(kind, n).is_file())
            })
            .max()
    }

    /// Checks that `mode` makes sense for what is on disk. Nothing is changed here.
    pub fn check(&self, mode: RunMode) -> Result<(), RunsError> {
        crate::run_lock::check_not_training(self)?;
        let shown = self.path.display();
        match mode {
            RunMode::Fresh if self.summary().is_file() => Err(RunsError::RunFolder(format!(
                "{shown} already holds a finished run; pass --run-name NAME to start a new one, \
                 --resume --epochs N (more epochs than it has) to train it further, or \
                 --overwrite to replace it"
            ))),
            RunMode::Fresh if self.holds_anything() => Err(RunsError::RunFolder(format!(
                "{shown} already holds a run that did not finish; pass --resume to continue it, \
                 --overwrite to replace it, or --run-name NAME to start a new one"
            ))),
            RunMode::Resume if !self.path.is_dir() => Err(RunsError::RunFolder(format!(
                "nothing to resume: {shown} does not exist"
            ))),
            RunMode::Resume if self.latest_checkpoint().is_none() => {
                Err(RunsError::RunFolder(format!(
                    "nothing to resume in {shown}: no complete checkpoint (model-N, optim-N and \
                     scheduler-N .bpk files) in {}",
                    self.checkpoints().display()
                )))
            }
            RunMode::Overwrite if self.holds_anything() => match self.foreign_entry() {
                Some(entry) => Err(RunsError::RunFolder(format!(
                    "{shown} does not look like a burn-mnist run folder (it holds {entry:?}, \
                     which training never writes); --overwrite only replaces run folders, so \
                     nothing was deleted: choose another --run-name or --artifacts-dir"
                ))),
                None => Ok(()),
            },
            _ => Ok(()),
        }
    }

    /// The first entry of the folder that is not one a run writes, or `None` when the folder is
    /// recognisably a run (its `config.toml` present and nothing else of a stranger's in it).
    fn foreign_entry(&self) -> Option<String> {
        let entries = match std::fs::read_dir(&self.path) {
            Ok(entries) => entries,
            Err(e) => return Some(format!("an unreadable listing: {e}")),
        };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
            .collect();
        names.sort();
        if let Some(stranger) = names.iter().find(|n| !is_run_entry(n)) {
            return Some(stranger.clone());
        }
        (!self.config().is_file()).then(|| "no config.toml".to_string())
    }

    /// Makes the folder ready to be written: removes an old run when overwriting.
    pub fn prepare(&self, mode: RunMode) -> Result<(), RunsError> {
        let io = |source| RunsError::Io {
            path: self.path.clone(),
            cause: source,
        };
        if mode == RunMode::Overwrite && self.path.exists() {
            std::fs::remove_dir_all(&self.path).map_err(io)?;
        }
        std::fs::create_dir_all(&self.path).map_err(io)?;
        // A read-only or full disk must fail here, not after an hour of training.
        let probe = self.path.join(WRITE_PROBE);
        let written = std::fs::write(&probe, b"burn-mnist write probe\n");
        let _ = std::fs::remove_file(&probe);
        written.map_err(|source| {
            RunsError::RunFolder(format!(
                "cannot write into {} ({source}); free some space or choose another \
                 folder with --artifacts-dir",
                self.path.display()
            ))
        })
    }
}
