//! Test-set evaluation: loss, accuracy, per-class accuracy and the confusion matrix of a model.

use burn::data::dataloader::DataLoader;
use burn::tensor::activation::softmax;
use burn::tensor::{Device, Int, Tensor};
use infer::score::SureTally;
use mnist_data::{DatasetKind, MnistDataset, MnistLoader, Split, IMAGE_PIXELS, NUM_CLASSES};
use mnist_model::device::on_the_cpu;
use mnist_model::Mlp;
use serde::Serialize;

use crate::error::TrainError;

/// Figures over every image of a split. Accuracies are percentages.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    pub loss: f64,
    pub accuracy: f64,
    pub images: usize,
    /// `confusion[label][predicted]`: how many images of class `label` got `predicted`.
    pub confusion: [[usize; NUM_CLASSES]; NUM_CLASSES],
    /// The predicted class of each image, in split order.
    #[serde(skip)]
    pub predictions: Vec<u8>,
    /// Each image's label, in split order.
    #[serde(skip)]
    pub labels: Vec<u8>,
    /// The probability of each prediction (the softmax's top value), in split order.
    #[serde(skip)]
    pub confidences: Vec<f32>,
}

impl Evaluation {
    /// The answers marked "not sure" as `infer` marks them: probability below
    /// `min_confidence`, or an image that does not look like a digit (`odd_shapes`, from
    /// [`odd_shapes`], in split order).
    pub fn sure(&self, min_confidence: f32, odd_shapes: &[bool]) -> SureTally {
        let answers = self
            .predictions
            .iter()
            .zip(&self.labels)
            .zip(&self.confidences)
            .zip(odd_shapes.iter().chain(std::iter::repeat(&false)))
            .map(|(((p, l), &c), &odd)| (p == l, odd || c < min_confidence));
        SureTally::new(answers, min_confidence)
    }

    /// Accuracy within each class (NaN for a class with no image).
    pub fn class_accuracy(&self) -> [f64; NUM_CLASSES] {
        std::array::from_fn(|c| {
            let total: usize = self.confusion[c].iter().sum();
            100.0 * self.confusion[c][c] as f64 / total as f64
        })
    }

    /// The confusion matrix as a text table, rows = true label, columns = prediction.
    /// The confusion matrix as text, each row ending with the class's accuracy and name.
    pub fn confusion_table(&self, class_names: &[&str]) -> String {
        let mut out = String::from("true\\pred");
        for c in 0..NUM_CLASSES {
            out.push_str(&format!("{c:>6}"));
        }
        out.push_str("   accuracy\n");
        let class_accuracy = self.class_accuracy();
        for (label, row) in self.confusion.iter().enumerate() {
            out.push_str(&format!("{label:>9}"));
            for n in row {
                out.push_str(&format!("{n:>6}"));
            }
            // Digits name themselves; only other data sets' names are worth a column.
            let name = class_names
                .get(label)
                .copied()
                .filter(|n| *n != label.to_string())
                .unwrap_or("");
            let tail = format!("   {:>7.2}%  {name}", class_accuracy[label]);
            out.push_str(tail.trim_end());
            out.push('\n');
        }
        out
    }
}

/// For each image of `split`, whether `infer` would say it does not look like a digit
/// ([`infer::shape_doubt`]); never for a data set of something other than digits.
pub fn odd_shapes(split: &Split, kind: DatasetKind) -> Vec<bool> {
    (0..split.len())
        .map(|i| {
            kind == DatasetKind::Mnist
                && <&[u8; IMAGE_PIXELS]>::try_from(split.image(i))
                    .is_ok_and(|digit| infer::shape_doubt(digit).is_some())
        })
        .collect()
}

/// Images per evaluation batch on `device`; the size does not change the figures. On the CPU
/// (flex or ndarray), 1,000: large, yet a batch's activations stay within the caches. On a GPU, 10,000: a batch
/// costs about 20 kernel launches whatever its size (`bench --launches`), and on a GPU this
/// network is launch-bound; 10,000 images are 31 MB, well within the 128 MiB a GPU binds in one
/// buffer by default.
pub fn eval_batch(device: &Device) -> usize {
    if on_the_cpu(device) {
        1000
    } else {
        10_000
    }
}

/// Runs `model` (not on an autodiff device) over all of `split`.
///
/// Every batch is launched before anything is read back: the outputs stay on the device and
/// come back in four reads at the end, not several per batch, so a GPU is not made to wait
/// for the host between batches.
pub fn evaluate(model: &Mlp, split: &Split, device: &Device) -> Result<Evaluation, TrainError> {
    let batch = eval_batch(device);
    let loader = MnistLoader::new(MnistDataset::new(split.clone()), batch, None, device);
    let mut logits = Vec::new();
    let mut targets = Vec::new();
    let mut batch_losses = Vec::new();
    let mut batch_sizes = Vec::new();
    for batch in loader.iter() {
        let batch = batch.map_err(|e| TrainError::Training(e.to_string()))?;
        batch_sizes.push(batch.targets.dims()[0]);
        let out = model.forward_classification(batch.images, batch.targets);
        batch_losses.push(out.loss);
        logits.push(out.output);
        targets.push(out.targets);
    }
    let outputs = if logits.is_empty() {
        Outputs::default()
    } else {
        read_outputs(
            Tensor::cat(logits, 0),
            Tensor::cat(targets, 0),
            Tensor::cat(batch_losses, 0),
        )?
    };
    Ok(tally(outputs, &batch_sizes))
}

/// What the host needs of a split's outputs: each image's class, label and top probability,
/// and each batch's mean loss.
#[derive(Debug, Default)]
struct Outputs {
    predicted: Vec<i64>,
    targets: Vec<i64>,
    top: Vec<f32>,
    batch_losses: Vec<f64>,
}

fn read_outputs(
    logits: Tensor<2>,
    targets: Tensor<1, Int>,
    batch_losses: Tensor<1>,
) -> Result<Outputs, TrainError> {
    let read_error = |e| TrainError::Training(format!("{e:?}"));
    let read_ints = |t: Tensor<1, Int>| {
        t.into_data()
            .convert::<i64>()
            .try_to_vec::<i64>()
            .map_err(read_error)
    };
    let top = softmax(logits.clone(), 1)
        .max_dim(1)
        .into_data()
        .try_into_vec_as::<f32>()
        .map_err(read_error)?;
    let batch_losses = batch_losses
        .into_data()
        .try_into_vec_as::<f64>()
        .map_err(read_error)?;
    Ok(Outputs {
        predicted: read_ints(logits.argmax(1).squeeze_dim::<1>(1))?,
        targets: read_ints(targets)?,
        top,
        batch_losses,
    })
}

/// The figures of a split from its outputs read back and the size of each batch.
fn tally(outputs: Outputs, batch_sizes: &[usize]) -> Evaluation {
    let Outputs {
        predicted,
        targets,
        top,
        batch_losses,
    } = outputs;
    let loss_sum: f64 = batch_losses
        .iter()
        .zip(batch_sizes)
        .map(|(loss, &n)| loss * n as f64)
        .sum();
    let mut confusion = [[0usize; NUM_CLASSES]; NUM_CLASSES];
    let mut predictions = Vec::with_capacity(targets.len());
    let mut labels = Vec::with_capacity(targets.len());
    let mut confidences = Vec::with_capacity(targets.len());
    for ((&p, &l), c) in predicted.iter().zip(&targets).zip(top) {
        confusion[l as usize][p as usize] += 1;
        predictions.push(p as u8);
        labels.push(l as u8);
        confidences.push(c);
    }
    let images = predictions.len();
    let correct: usize = (0..NUM_CLASSES).map(|c| confusion[c][c]).sum();
    let (loss, accuracy) = if images == 0 {
        (f64::NAN, f64::NAN)
    } else {
        (
            loss_sum / images as f64,
            100.0 * correct as f64 / images as f64,
        )
    };
    Evaluation {
        loss,
        accuracy,
        images,
        confusion,
        predictions,
        labels,
        confidences,
    }
}
