//! The typed errors of the training library.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error("{path}: {cause}")]
    Io {
        path: PathBuf,
        cause: std::io::Error,
    },
    /// A recipe or a run folder: unreadable, invalid, busy or not one.
    #[error(transparent)]
    Runs(#[from] mnist_runs::RunsError),
    #[error(transparent)]
    Data(#[from] mnist_data::DataError),
    /// The data set is nowhere and could not be downloaded: where we looked, and why not.
    #[error("{0}")]
    DataDownload(String),
    #[error(transparent)]
    UnknownDevice(#[from] mnist_model::device::UnknownDevice),
    #[error("learning-rate schedule: {message}")]
    Scheduler { message: String },
    #[error("{0}")]
    RunFolder(String),
    #[error("cannot save {path}: {message}")]
    Save { path: PathBuf, message: String },
    /// `train --capture` on a recipe whose step a replay would not train exactly.
    #[error("--capture: the training step of {config} cannot be captured: {why}")]
    CannotCapture { config: PathBuf, why: String },
    #[error("training failed: {0}")]
    Training(String),
    /// Stopped by a signal or the dashboard before the last epoch; the finished epochs'
    /// checkpoints are on disk and `--resume` continues from the last of them.
    #[error("{reason}: stopped during epoch {epoch}; {saved}. Continue with the same command and --resume")]
    Interrupted {
        reason: String,
        epoch: usize,
        saved: String,
    },
    /// A checkpoint that cannot be resumed from (torn, foreign, or of another network).
    #[error("cannot resume from {path}: {message}")]
    BadCheckpoint { path: PathBuf, message: String },
}
