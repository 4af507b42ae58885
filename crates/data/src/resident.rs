//! A data set kept on the compute device: every image uploaded once, each batch gathered there.
//!
//! Building a batch on the host means normalising 128 x 784 pixels and copying them to the
//! device for every step; on a GPU that upload, not the arithmetic, is much of a small MLP's
//! epoch. Here the normalised pixels and labels go up once, and a batch is one `select` by an
//! uploaded list of positions. The values are exactly the host batcher's (the same
//! [`normalize_pixel`], done on the host), so training does not change by a bit.

use burn::tensor::{Device, Int, Tensor, TensorData};

use crate::batcher::MnistBatch;
use crate::dataset::Split;
use crate::normalize::normalize_pixel;
use crate::IMAGE_PIXELS;

/// Where a loader keeps the pixels it batches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Residence {
    /// In host memory; each batch assembled there and uploaded (the only choice when the
    /// digits are distorted, which happens on the host).
    #[default]
    Host,
    /// Uploaded to the device once; each batch gathered on the device.
    Device,
}

/// A split's normalised images `[n, 784]` and labels `[n]` on one device.
#[derive(Debug, Clone)]
pub struct DeviceData {
    images: Tensor<2>,
    labels: Tensor<1, Int>,
}

impl DeviceData {
    /// Uploads every image and label of `split`, in the split's order.
    pub fn upload(split: &Split, device: &Device) -> Self {
        let n = split.len();
        let mut pixels = Vec::with_capacity(n * IMAGE_PIXELS);
        let mut labels = Vec::with_capacity(n);
        for i in 0..n {
            pixels.extend(split.image(i).iter().copied().map(normalize_pixel));
            labels.push(i64::from(split.label(i)));
        }
        DeviceData {
            images: Tensor::from_data(TensorData::new(pixels, [n, IMAGE_PIXELS]), device),
            labels: Tensor::from_data(TensorData::new(labels, [n]), device),
        }
    }

    /// The batch of the split's items at `positions`, gathered on the device.
    pub fn gather(&self, positions: &[usize]) -> MnistBatch {
        let index: Vec<i64> = positions.iter().map(|&p| p as i64).collect();
        let index = Tensor::<1, Int>::from_data(
            TensorData::new(index, [positions.len()]),
            &self.labels.device(),
        );
        MnistBatch {
            images: self.images.clone().select(0, index.clone()),
            targets: self.labels.clone().select(0, index),
        }
    }
}
