//! Test-set evaluation: mean cross-entropy and accuracy of a trained model over a whole split.

use burn::data::dataloader::DataLoader;
use burn::tensor::Device;
use mnist_data::{MnistDataset, MnistLoader, Split};
use mnist_model::Mlp;

use crate::error::TrainError;

/// Loss and accuracy (a percentage) over every image of a split.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evaluation {
    pub loss: f64,
    pub accuracy: f64,
    pub images: usize,
}

/// Batches used for evaluation: large, since the size does not change the figures.
const EVAL_BATCH: usize = 1000;

/// Runs `model` (not on an autodiff device) over all of `split`.
pub fn evaluate(model: &Mlp, split: &Split, device: &Device) -> Result<Evaluation, TrainError> {
    let loader = MnistLoader::new(MnistDataset::new(split.clone()), EVAL_BATCH, None, device);
    let mut loss_sum = 0.0;
    let mut correct = 0i64;
    let mut seen = 0usize;
    for batch in loader.iter() {
        let batch = batch.map_err(|e| TrainError::Training(e.to_string()))?;
        let n = batch.targets.dims()[0];
        let out = model.forward_classification(batch.images, batch.targets);
        let batch_loss: f64 = out.loss.into_scalar::<f64>();
        let hits: i64 = out
            .output
            .argmax(1)
            .squeeze_dim::<1>(1)
            .equal(out.targets)
            .int()
            .sum()
            .into_scalar::<i64>();
        loss_sum += batch_loss * n as f64;
        correct += hits;
        seen += n;
    }
    if seen == 0 {
        return Ok(Evaluation {
            loss: f64::NAN,
            accuracy: f64::NAN,
            images: 0,
        });
    }
    Ok(Evaluation {
        loss: loss_sum / seen as f64,
        accuracy: 100.0 * correct as f64 / seen as f64,
        images: seen,
    })
}
