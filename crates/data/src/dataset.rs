//! MNIST-format data in memory: the four IDX files checked and loaded, seeded splits, a Burn `Dataset`.

use std::path::Path;
use std::sync::Arc;

use burn::data::dataset::{Dataset, DatasetError};
use sha2::{Digest, Sha256};

use crate::error::DataError;
use crate::idx::{read_idx_images, read_idx_labels};
use crate::shuffle::permutation;
use crate::{IMAGE_PIXELS, IMAGE_SIDE, NUM_CLASSES};

/// A view on a set of images and labels: shared storage plus the indices that belong to it.
#[derive(Debug, Clone)]
pub struct Split {
    pixels: Arc<[u8]>,
    labels: Arc<[u8]>,
    indices: Arc<[u32]>,
}

impl Split {
    fn whole(pixels: Vec<u8>, labels: Vec<u8>) -> Self {
        let n = labels.len() as u32;
        Split {
            pixels: pixels.into(),
            labels: labels.into(),
            indices: (0..n).collect(),
        }
    }

    fn select(&self, positions: &[usize]) -> Split {
        Split {
            pixels: self.pixels.clone(),
            labels: self.labels.clone(),
            indices: positions.iter().map(|&p| self.indices[p]).collect(),
        }
    }

    /// Number of images in the split.
    pub fn len(&self) -> usize {
        self.indices.len()
    }

    /// Whether the split holds no image.
    pub fn is_empty(&self) -> bool {
        self.indices.is_empty()
    }

    /// The 784 grey levels of image `i` of the split (panics when out of range, like a slice).
    pub fn image(&self, i: usize) -> &[u8] {
        let at = self.indices[i] as usize * IMAGE_PIXELS;
        &self.pixels[at..at + IMAGE_PIXELS]
    }

    /// The label of image `i` of the split.
    pub fn label(&self, i: usize) -> u8 {
        self.labels[self.indices[i] as usize]
    }

    /// How many images of each class the split holds.
    pub fn class_counts(&self) -> [usize; NUM_CLASSES] {
        let mut counts = [0; NUM_CLASSES];
        for i in 0..self.len() {
            counts[self.label(i) as usize] += 1;
        }
        counts
    }

    /// The first `n` images (all of them when `n >= len`), for quick runs.
    pub fn take(&self, n: usize) -> Split {
        let n = n.min(self.len());
        self.select(&(0..n).collect::<Vec<_>>())
    }

    /// Splits off a seeded random `fraction` as validation: returns `(train, validation)`.
    /// The validation size is `round(len * fraction)`; 0.1 of 60,000 gives 54,000/6,000.
    pub fn split_validation(&self, fraction: f64, seed: u64) -> Result<(Split, Split), DataError> {
        if !(0.0..1.0).contains(&fraction) {
            return Err(DataError::BadSplit(fraction));
        }
        let n_valid = (self.len() as f64 * fraction).round() as usize;
        let order = permutation(self.len(), seed);
        let (valid, train) = order.split_at(n_valid);
        Ok((self.select(train), self.select(valid)))
    }
}

/// The training and test images of one data set, as read from a folder of four IDX files.
#[derive(Debug, Clone)]
pub struct MnistData {
    /// The 60,000 training images (before any validation split).
    pub train: Split,
    /// The 10,000 test images, kept apart from training and validation.
    pub test: Split,
    /// `(file name, sha256 hex)` of each file read, for the run summary.
    pub checksums: Vec<(String, String)>,
}

fn sha256_hex(path: &Path) -> Result<String, DataError> {
    let bytes = std::fs::read(path).map_err(|source| DataError::Io {
        path: path.to_path_buf(),
        cause: source,
    })?;
    Ok(Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Reads one images/labels pair and checks shapes, counts and label range.
fn load_pair(images_path: &Path, labels_path: &Path) -> Result<Split, DataError> {
    let images = read_idx_images(images_path)?;
    if images.rows != IMAGE_SIDE || images.cols != IMAGE_SIDE {
        return Err(DataError::BadDimensions {
            path: images_path.to_path_buf(),
            rows: images.rows as u32,
            cols: images.cols as u32,
            expected: IMAGE_SIDE,
        });
    }
    let labels = read_idx_labels(labels_path)?;
    if labels.len() != images.count {
        return Err(DataError::CountMismatch {
            images_path: images_path.to_path_buf(),
            images: images.count,
            labels_path: labels_path.to_path_buf(),
            labels: labels.len(),
        });
    }
    if let Some((index, &label)) = labels
        .iter()
        .enumerate()
        .find(|(_, &l)| l as usize >= NUM_CLASSES)
    {
        return Err(DataError::LabelOutOfRange {
            path: labels_path.to_path_buf(),
            index,
            label,
            max: NUM_CLASSES - 1,
        });
    }
    Ok(Split::whole(images.pixels, labels))
}

impl MnistData {
    /// Loads `train-*` and `t10k-*` IDX files (gzip or raw) from `dir`.
    ///
    /// Each of the four names in [`crate::FILE_NAMES`] may also appear without `.gz`.
    pub fn load(dir: impl AsRef<Path>) -> Result<Self, DataError> {
        let dir = dir.as_ref();
        let find = |name: &str| crate::locate::find_file(dir, name);
        let [train_images, train_labels, test_images, test_labels] = crate::FILE_NAMES.map(find);
        let (train_images, train_labels, test_images, test_labels) =
            (train_images?, train_labels?, test_images?, test_labels?);
        let train = load_pair(&train_images, &train_labels)?;
        let test = load_pair(&test_images, &test_labels)?;
        let checksums = [&train_images, &train_labels, &test_images, &test_labels]
            .into_iter()
            .map(|p| {
                let name = p
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                sha256_hex(p).map(|sum| (name, sum))
            })
            .collect::<Result<_, _>>()?;
        Ok(MnistData {
            train,
            test,
            checksums,
        })
    }
}

/// One image with its label: 784 grey levels (0..=255) and the class.
#[derive(Debug, Clone)]
pub struct MnistItem {
    pub image: [u8; IMAGE_PIXELS],
    pub label: u8,
}

/// A Burn `Dataset` over a [`Split`].
#[derive(Debug, Clone)]
pub struct MnistDataset {
    split: Split,
}

impl MnistDataset {
    pub fn new(split: Split) -> Self {
        MnistDataset { split }
    }

    /// The split this dataset reads from.
    pub fn split(&self) -> &Split {
        &self.split
    }
}

impl Dataset<MnistItem> for MnistDataset {
    fn get(&self, index: usize) -> Result<MnistItem, DatasetError> {
        if index >= self.split.len() {
            return Err(DatasetError::new(DataError::IndexOutOfRange {
                index,
                len: self.split.len(),
            }));
        }
        let mut image = [0u8; IMAGE_PIXELS];
        image.copy_from_slice(self.split.image(index));
        Ok(MnistItem {
            image,
            label: self.split.label(index),
        })
    }

    fn len(&self) -> usize {
        self.split.len()
    }
}
