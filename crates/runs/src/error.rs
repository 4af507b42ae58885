//! The typed errors of reading and writing recipes and run folders.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum RunsError {
    #[error("{path}: {cause}")]
    Io {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("{file}: {message}")]
    ParseConfig { file: PathBuf, message: String },
    #[error("{file}: `{key}` {message}")]
    InvalidConfig {
        file: PathBuf,
        key: String,
        message: String,
    },
    /// A run folder that is not one, is busy, or cannot be used as asked.
    #[error("{0}")]
    RunFolder(String),
    #[error("cannot save {path}: {message}")]
    Save { path: PathBuf, message: String },
}
