//! Recognising a person's own digit images: decode, MNIST-style preprocessing, prediction.

pub mod cli;
mod decode;
mod error;
mod predict;
pub mod preprocess;
mod rules;
pub mod score;
pub mod stroke;

pub use decode::{decode_bytes, decode_file, MAX_ALLOC, MAX_SIDE};
pub use error::InferError;
pub use predict::{Classifier, Prediction, DEFAULT_MIN_CONFIDENCE};
pub use preprocess::preprocess;

use std::path::{Path, PathBuf};

/// The model shipped in the repository, used when no `--model` is given.
pub fn shipped_model_dir() -> PathBuf {
    mnist_data::workspace_root()
        .join(mnist_model::ARTIFACTS_DIR)
        .join("shipped")
}

/// Reads and preprocesses one image file: the 28x28 digit the network will see.
pub fn load_digit(path: &Path) -> Result<[u8; mnist_data::IMAGE_PIXELS], InferError> {
    let image = decode_file(path)?;
    preprocess(&image).ok_or_else(|| InferError::NoDigit(path.to_path_buf()))
}

/// The same for image bytes received some other way (an upload); `name` names them in errors.
pub fn read_digit(bytes: &[u8], name: &Path) -> Result<[u8; mnist_data::IMAGE_PIXELS], InferError> {
    let image = decode_bytes(bytes, name)?;
    preprocess(&image).ok_or_else(|| InferError::NoDigit(name.to_path_buf()))
}
