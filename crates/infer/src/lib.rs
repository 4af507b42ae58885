//! Recognising a person's own digit images: decode, MNIST-style preprocessing, prediction.

pub mod cli;
mod closing;
mod decode;
mod doubt;
mod error;
pub mod explain;
mod grey;
mod item;
mod number;
mod predict;
pub mod preprocess;
mod rules;
pub mod score;
mod shading;
mod skew;
pub mod steps;
pub mod stroke;
mod trace;

pub use decode::{decode_bytes, decode_file, MAX_ALLOC, MAX_SIDE};
pub use doubt::{shape_doubt, Doubt};
pub use error::InferError;
pub use item::prepare_item;
pub use number::MAX_DIGITS;
pub use predict::{Classifier, Prediction, DEFAULT_MIN_CONFIDENCE};
pub use preprocess::{preprocess, preprocess_number};
pub use trace::Step;

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

/// Reads and preprocesses one image file that may hold a number: its digits, left to right
/// (one for an image of one digit, exactly as [`load_digit`] reads it).
pub fn load_number(path: &Path) -> Result<Vec<[u8; mnist_data::IMAGE_PIXELS]>, InferError> {
    number_digits(&decode_file(path)?, path)
}

/// Reads one image file of a garment, shoe or bag as Fashion-MNIST's images were made (see
/// [`prepare_item`]).
pub fn load_item(path: &Path) -> Result<[u8; mnist_data::IMAGE_PIXELS], InferError> {
    prepare_item(&decode_file(path)?).ok_or_else(|| InferError::NoDigit(path.to_path_buf()))
}

/// What `classifier` reads in an image file: a number, digit by digit, for a digit model; the
/// one item the picture shows for a Fashion-MNIST model.
pub fn load_for(
    classifier: &Classifier,
    path: &Path,
) -> Result<Vec<[u8; mnist_data::IMAGE_PIXELS]>, InferError> {
    if classifier.reads_digits() {
        load_number(path)
    } else {
        Ok(vec![load_item(path)?])
    }
}

/// [`load_for`] for image bytes received some other way (an upload); `name` names them in
/// errors.
pub fn read_for(
    classifier: &Classifier,
    bytes: &[u8],
    name: &Path,
) -> Result<Vec<[u8; mnist_data::IMAGE_PIXELS]>, InferError> {
    if classifier.reads_digits() {
        read_number(bytes, name)
    } else {
        let image = decode_bytes(bytes, name)?;
        let item = prepare_item(&image).ok_or_else(|| InferError::NoDigit(name.to_path_buf()))?;
        Ok(vec![item])
    }
}

/// [`load_number`] for image bytes received some other way (an upload): what `infer` reads
/// in the same image, digit for digit; `name` names them in errors.
pub fn read_number(
    bytes: &[u8],
    name: &Path,
) -> Result<Vec<[u8; mnist_data::IMAGE_PIXELS]>, InferError> {
    number_digits(&decode_bytes(bytes, name)?, name)
}

/// The digits of a decoded image, at most [`MAX_DIGITS`] of them.
fn number_digits(
    image: &image::DynamicImage,
    name: &Path,
) -> Result<Vec<[u8; mnist_data::IMAGE_PIXELS]>, InferError> {
    let digits = preprocess_number(image).ok_or_else(|| InferError::NoDigit(name.to_path_buf()))?;
    if digits.len() > MAX_DIGITS {
        return Err(InferError::TooManyDigits {
            path: name.to_path_buf(),
            count: digits.len(),
        });
    }
    Ok(digits)
}
