//! Runs the trained network on preprocessed 28x28 digits: class probabilities by softmax.

use std::path::Path;

use burn::tensor::activation::softmax;
use burn::tensor::{Device, Tensor, TensorData};
use mnist_data::{normalize_image, IMAGE_PIXELS, NUM_CLASSES};
use mnist_model::{load_weights, LoadError, Mlp};

use crate::doubt::{shape_doubt, Doubt};
use crate::error::InferError;

/// A trained network ready to classify.
pub struct Classifier {
    model: Mlp,
    class_names: Vec<String>,
    /// Whether the classes are the digits (not, say, Fashion-MNIST's clothes): only then is
    /// the input's shape judged.
    reads_digits: bool,
    device: Device,
}

/// One image's result: the probability of each class.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    pub probabilities: [f32; NUM_CLASSES],
    /// What the input's shape says against it being a digit, whatever the network answered.
    pub shape: Option<Doubt>,
}

impl Prediction {
    /// Classes by falling probability: `(digit, probability)`.
    pub fn ranked(&self) -> Vec<(usize, f32)> {
        let mut ranked: Vec<(usize, f32)> =
            self.probabilities.iter().copied().enumerate().collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        ranked
    }

    pub fn digit(&self) -> usize {
        self.ranked()[0].0
    }

    /// The probability of the answer (the top class).
    pub fn confidence(&self) -> f32 {
        self.ranked()[0].1
    }

    /// Why the answer cannot stand on its own, if it cannot: the input does not look like a
    /// digit, or the answer's probability is below `min_confidence`.
    pub fn doubt(&self, min_confidence: f32) -> Option<Doubt> {
        self.shape
            .or_else(|| (self.confidence() < min_confidence).then_some(Doubt::Weak))
    }

    /// Whether the answer is marked "not sure" ([`Prediction::doubt`]).
    pub fn unsure(&self, min_confidence: f32) -> bool {
        self.doubt(min_confidence).is_some()
    }
}

/// The probability below which an answer is marked "not sure" unless `--min-confidence` says
/// otherwise. Chosen with the shipped model on MNIST's validation split and digits-dev (the
/// docs/handwriting.md's "How sure is it?" has the table): on digits-dev 2.5% of the answers fall below it
/// and more than half of those are wrong; the others are 98.05% right (99.31% on the
/// validation split, where 0.83% fall below).
pub const DEFAULT_MIN_CONFIDENCE: f32 = 0.7;

impl Classifier {
    /// Loads the model saved in a run folder (`model.json` + `model.bpk`).
    pub fn load(dir: &Path, device: &Device) -> Result<Self, LoadError> {
        Self::load_checkpoint(dir, None, device)
    }

    /// [`Classifier::load`], or with `checkpoint: Some(N)` the weights of epoch N's checkpoint.
    pub fn load_checkpoint(
        dir: &Path,
        checkpoint: Option<usize>,
        device: &Device,
    ) -> Result<Self, LoadError> {
        let (model, config) = load_weights(dir, checkpoint, device)?;
        Ok(Classifier {
            model,
            class_names: (0..NUM_CLASSES).map(|i| config.class_name(i)).collect(),
            reads_digits: config.class_names.is_empty(),
            device: device.clone(),
        })
    }

    pub(crate) fn model(&self) -> &Mlp {
        &self.model
    }

    pub(crate) fn device(&self) -> &Device {
        &self.device
    }

    /// Whether the model reads digits (MNIST), not Fashion-MNIST's clothes: which preparation
    /// an image gets.
    pub fn reads_digits(&self) -> bool {
        self.reads_digits
    }

    /// The name of class `label`: the digit itself for MNIST, e.g. "Sneaker" for Fashion-MNIST.
    pub fn class_name(&self, label: usize) -> &str {
        self.class_names.get(label).map_or("?", |s| s.as_str())
    }

    /// Probabilities for each 28x28 digit (grey levels, 0 = background), normalised exactly
    /// as in training.
    pub fn predict(&self, digits: &[[u8; IMAGE_PIXELS]]) -> Result<Vec<Prediction>, InferError> {
        if digits.is_empty() {
            return Ok(Vec::new());
        }
        let pixels: Vec<f32> = digits.iter().flat_map(|d| normalize_image(d)).collect();
        let input = Tensor::<2>::from_data(
            TensorData::new(pixels, [digits.len(), IMAGE_PIXELS]),
            &self.device,
        );
        let probabilities = softmax(self.model.forward(input), 1)
            .into_data()
            .try_into_vec_as::<f32>()
            .map_err(|e| InferError::Model(format!("cannot read the network's output: {e:?}")))?;
        Ok(probabilities
            .chunks_exact(NUM_CLASSES)
            .zip(digits)
            .map(|(c, digit)| Prediction {
                probabilities: std::array::from_fn(|i| c[i]),
                shape: if self.reads_digits {
                    shape_doubt(digit)
                } else {
                    None
                },
            })
            .collect())
    }
}
