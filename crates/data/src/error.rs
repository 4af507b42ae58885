//! The typed errors of the data crate: each names the file and what was wrong.

use std::path::PathBuf;

/// Everything that can go wrong while reading or preparing a data set.
#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("cannot read {path}: {cause}")]
    Io {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("{path}: bad magic number {found} (0x{found:08x}); expected {expected} (0x{expected:08x}) for an IDX {kind} file")]
    BadMagic {
        path: PathBuf,
        kind: &'static str,
        expected: u32,
        found: u32,
    },
    #[error("{path}: truncated: the header promises {expected} bytes of data but the file holds {found}")]
    Truncated {
        path: PathBuf,
        expected: usize,
        found: usize,
    },
    #[error("{path}: trailing data: the header promises {expected} bytes of data but the file holds {found}")]
    TrailingData {
        path: PathBuf,
        expected: usize,
        found: usize,
    },
    #[error("{path}: images are {rows}x{cols}; expected {expected}x{expected}")]
    BadDimensions {
        path: PathBuf,
        rows: u32,
        cols: u32,
        expected: usize,
    },
    #[error("{images_path} holds {images} images but {labels_path} holds {labels} labels; the counts must agree")]
    CountMismatch {
        images_path: PathBuf,
        images: usize,
        labels_path: PathBuf,
        labels: usize,
    },
    #[error("{path}: label {label} at index {index} is out of range; labels must be 0..={max}")]
    LabelOutOfRange {
        path: PathBuf,
        index: usize,
        label: u8,
        max: usize,
    },
    #[error("{path}: decompresses to more than {limit} bytes, far beyond any MNIST-format file; refusing it")]
    TooLarge { path: PathBuf, limit: u64 },
    #[error("{0}")]
    NotFound(String),
    #[error("validation_split must be in [0, 1); got {0}")]
    BadSplit(f64),
    #[error("index {index} is out of range for a split of {len} items")]
    IndexOutOfRange { index: usize, len: usize },
}
