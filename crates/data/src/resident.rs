//! A data set kept on the compute device: every image uploaded once, each batch gathered there.
//!
//! Building a batch on the host means normalising 500 x 784 pixels and copying them to the
//! device for every step; on a GPU that upload, not the arithmetic, is much of a small MLP's
//! epoch. Here the normalised pixels and labels go up once, and a batch is gathered by an
//! uploaded list of positions. The values are exactly the host batcher's (the same
//! [`normalize_pixel`], done on the host), so training does not change by a bit.
//!
//! The images are stored in chunks of at most [`MAX_CHUNK_BYTES`]: a GPU binds one buffer of
//! at most 128 MiB by default (WebGPU's `maxStorageBufferBindingSize`, also Mesa's), and
//! MNIST's 54,000 training images are 169 MB as floats. A single tensor that large fails on
//! wgpu ("the bytes were never written").

use burn::tensor::{Device, Int, Tensor, TensorData};

use crate::batcher::MnistBatch;
use crate::dataset::Split;
use crate::normalize::normalize_pixel;
use crate::IMAGE_PIXELS;

/// The largest image tensor uploaded in one piece: under the 128 MiB a GPU binds by default.
pub const MAX_CHUNK_BYTES: usize = 120 << 20;

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

/// Whether `device` is the CPU (flex), with or without autodiff: where batches are made one
/// ahead (the loader), and the sparse first layer and the training step's thread pool apply
/// (the model).
pub fn is_cpu(device: &Device) -> bool {
    device.clone().without_autodiff() == Device::flex()
}

/// A split's normalised images (`[rows, 784]` chunks, in order) and labels `[n]` on one device.
#[derive(Debug, Clone)]
pub struct DeviceData {
    chunks: Vec<Tensor<2>>,
    rows_per_chunk: usize,
    labels: Tensor<1, Int>,
}

impl DeviceData {
    /// Uploads every image and label of `split`, in the split's order, in chunks of at most
    /// [`MAX_CHUNK_BYTES`].
    pub fn upload(split: &Split, device: &Device) -> Self {
        let row_bytes = IMAGE_PIXELS * std::mem::size_of::<f32>();
        Self::upload_in_chunks(split, device, MAX_CHUNK_BYTES / row_bytes)
    }

    /// [`DeviceData::upload`] with chunks of `rows_per_chunk` images (at least one).
    pub fn upload_in_chunks(split: &Split, device: &Device, rows_per_chunk: usize) -> Self {
        let rows_per_chunk = rows_per_chunk.max(1);
        let n = split.len();
        let chunks = (0..n)
            .step_by(rows_per_chunk)
            .map(|start| {
                let rows = start..(start + rows_per_chunk).min(n);
                let count = rows.len();
                let pixels: Vec<f32> = rows
                    .flat_map(|i| split.image(i).iter().copied().map(normalize_pixel))
                    .collect();
                Tensor::from_data(TensorData::new(pixels, [count, IMAGE_PIXELS]), device)
            })
            .collect();
        let labels: Vec<i64> = (0..n).map(|i| i64::from(split.label(i))).collect();
        DeviceData {
            chunks,
            rows_per_chunk,
            labels: Tensor::from_data(TensorData::new(labels, [n]), device),
        }
    }

    /// The batch of the split's items at `positions`, gathered on the device.
    pub fn gather(&self, positions: &[usize]) -> MnistBatch {
        MnistBatch {
            images: self.gather_images(positions),
            targets: self.labels.clone().select(0, self.index(positions)),
        }
    }

    /// An index tensor of `positions` on the data's device.
    fn index(&self, positions: &[usize]) -> Tensor<1, Int> {
        let values: Vec<i64> = positions.iter().map(|&p| p as i64).collect();
        Tensor::from_data(
            TensorData::new(values, [positions.len()]),
            &self.labels.device(),
        )
    }

    /// The rows at `positions`: one `select` when the data is one chunk; otherwise one per
    /// chunk the batch touches, joined, then put back in the batch's order.
    fn gather_images(&self, positions: &[usize]) -> Tensor<2> {
        if let [only] = self.chunks.as_slice() {
            return only.clone().select(0, self.index(positions));
        }
        let mut parts = Vec::new();
        // For each row of the joined parts, its place in the batch.
        let mut slots = Vec::with_capacity(positions.len());
        for (c, chunk) in self.chunks.iter().enumerate() {
            let first = c * self.rows_per_chunk;
            let (batch_slots, local): (Vec<usize>, Vec<usize>) = positions
                .iter()
                .enumerate()
                .filter(|(_, &p)| p / self.rows_per_chunk == c)
                .map(|(slot, &p)| (slot, p - first))
                .unzip();
            if !local.is_empty() {
                parts.push(chunk.clone().select(0, self.index(&local)));
                slots.extend(batch_slots);
            }
        }
        // Row `k` of the joined parts belongs at batch slot `slots[k]`.
        let mut order = vec![0; slots.len()];
        for (k, &slot) in slots.iter().enumerate() {
            order[slot] = k;
        }
        Tensor::cat(parts, 0).select(0, self.index(&order))
    }
}
