//! MNIST-format data: IDX files on disk -> in-memory splits -> Burn `Dataset`, `Batcher` and loader.
//!
//! This crate knows nothing of models or training: it reads, checks, splits and batches pixels.

mod augment;
mod batcher;
mod dataset;
mod elastic;
mod error;
mod idx;
mod kind;
mod letterforms;
mod loader;
mod locate;
mod normalize;
mod prefetch;
mod resident;
mod shuffle;

pub use augment::{Affine, Augmentation};
pub use batcher::{MnistBatch, MnistBatcher};
pub use dataset::{MnistData, MnistDataset, MnistItem, Split};
pub use error::DataError;
pub use idx::{read_idx_images, read_idx_labels, IdxImages};
pub use kind::DatasetKind;
pub use loader::MnistLoader;
pub use locate::{
    env_name, locate_data_dir, missing_data_message, workspace_root, DataDirSource, LocatedDir,
    DATA_DIR_ENV, FILE_NAMES,
};
pub use normalize::{normalize_image, normalize_pixel};
pub use resident::{is_cpu, DeviceData, Residence, MAX_CHUNK_BYTES};
pub use shuffle::permutation;

/// Side length of an MNIST image in pixels.
pub const IMAGE_SIDE: usize = 28;
/// Number of pixels in one image (28 x 28).
pub const IMAGE_PIXELS: usize = IMAGE_SIDE * IMAGE_SIDE;
/// Number of classes in MNIST and Fashion-MNIST.
pub const NUM_CLASSES: usize = 10;

/// A 28x28 test picture: `value` in columns `xs` of rows `ys`, background elsewhere.
#[cfg(test)]
pub(crate) fn rectangle(
    xs: std::ops::Range<usize>,
    ys: std::ops::Range<usize>,
    value: u8,
) -> [u8; IMAGE_PIXELS] {
    let mut img = [0u8; IMAGE_PIXELS];
    for y in ys {
        img[y * IMAGE_SIDE + xs.start..y * IMAGE_SIDE + xs.end].fill(value);
    }
    img
}
