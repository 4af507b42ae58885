//! Turns MNIST items into tensors: `[batch, 784]` floats in [0, 1] and `[batch]` integer targets.

use burn::data::dataloader::batcher::Batcher;
use burn::tensor::{Device, Int, Tensor, TensorData};

use crate::dataset::MnistItem;
use crate::normalize::normalize_pixel;
use crate::IMAGE_PIXELS;

/// A batch ready for the model.
#[derive(Debug, Clone)]
pub struct MnistBatch {
    /// `[batch, 784]`, each pixel scaled by [`normalize_pixel`].
    pub images: Tensor<2>,
    /// `[batch]`, the class of each image.
    pub targets: Tensor<1, Int>,
}

/// Stacks items into an [`MnistBatch`] on the requested device.
#[derive(Debug, Clone, Copy, Default)]
pub struct MnistBatcher;

impl Batcher<MnistItem, MnistBatch> for MnistBatcher {
    fn batch(&self, items: Vec<MnistItem>, device: &Device) -> MnistBatch {
        let n = items.len();
        let mut pixels = Vec::with_capacity(n * IMAGE_PIXELS);
        let mut labels = Vec::with_capacity(n);
        for item in &items {
            pixels.extend(item.image.iter().copied().map(normalize_pixel));
            labels.push(i64::from(item.label));
        }
        MnistBatch {
            images: Tensor::from_data(TensorData::new(pixels, [n, IMAGE_PIXELS]), device),
            targets: Tensor::from_data(TensorData::new(labels, [n]), device),
        }
    }
}
