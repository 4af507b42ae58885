//! The typed errors of the training library.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: {message}")]
    ParseConfig { file: PathBuf, message: String },
    #[error("{file}: `{key}` {message}")]
    InvalidConfig {
        file: PathBuf,
        key: String,
        message: String,
    },
    #[error(transparent)]
    Data(#[from] mnist_data::DataError),
    #[error(transparent)]
    UnknownDevice(#[from] mnist_model::device::UnknownDevice),
    #[error("learning-rate schedule: {message}")]
    Scheduler { message: String },
    #[error("{0}")]
    RunFolder(String),
    #[error("cannot save {path}: {message}")]
    Save { path: PathBuf, message: String },
    #[error("training failed: {0}")]
    Training(String),
}
