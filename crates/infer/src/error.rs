//! The typed errors of inference: each names the file and what was wrong with it.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum InferError {
    #[error("{0}: no such file")]
    NotFound(PathBuf),
    #[error("{0}: is a directory, not an image")]
    IsDirectory(PathBuf),
    #[error("{path}: cannot read: {cause}")]
    Io {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("{0}: the file is empty")]
    Empty(PathBuf),
    #[error("{0}: not an image in a supported format (PNG, JPEG, BMP, GIF, TIFF, WebP)")]
    UnsupportedFormat(PathBuf),
    #[error("{path}: the image is too large to decode safely ({message})")]
    TooLarge { path: PathBuf, message: String },
    #[error("{path}: cannot decode the {format} image (truncated or corrupt?): {message}")]
    Decode {
        path: PathBuf,
        format: String,
        message: String,
    },
    #[error("{0}")]
    Model(String),
    #[error("{path}: {message}")]
    Labels { path: PathBuf, message: String },
    #[error("{0}: no digit found (the image has no ink that stands out from its background)")]
    NoDigit(PathBuf),
    #[error("{path}: {count} separate marks: more than a number of up to {} digits (is it a page of text?)", crate::MAX_DIGITS)]
    TooManyDigits { path: PathBuf, count: usize },
}
