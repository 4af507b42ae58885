//! Burn's train and inference steps for the MLP on MNIST batches: cross-entropy on logits.

use burn::nn::loss::CrossEntropyLossConfig;
use burn::tensor::{Int, Tensor};
use burn::train::{ClassificationOutput, InferenceStep, TrainOutput, TrainStep};
use mnist_data::MnistBatch;

use crate::Mlp;

impl Mlp {
    /// Logits, mean cross-entropy loss and targets for one batch.
    pub fn forward_classification(
        &self,
        images: Tensor<2>,
        targets: Tensor<1, Int>,
    ) -> ClassificationOutput {
        self.classify(images, targets, 0.0)
    }

    /// As in the training step: the loss with the model's label smoothing (if any).
    pub fn forward_training(
        &self,
        images: Tensor<2>,
        targets: Tensor<1, Int>,
    ) -> ClassificationOutput {
        self.classify(images, targets, self.label_smoothing())
    }

    fn classify(
        &self,
        images: Tensor<2>,
        targets: Tensor<1, Int>,
        smoothing: f32,
    ) -> ClassificationOutput {
        let output = self.forward(images);
        let loss = CrossEntropyLossConfig::new()
            .with_smoothing((smoothing > 0.0).then_some(smoothing))
            .init(&output.device())
            .forward(output.clone(), targets.clone());
        ClassificationOutput::new(loss, output, targets)
    }
}

impl TrainStep for Mlp {
    type Input = MnistBatch;
    type Output = ClassificationOutput;

    fn step(&self, batch: MnistBatch) -> TrainOutput<ClassificationOutput> {
        let item = self.forward_training(batch.images, batch.targets);
        TrainOutput::new(self, item.loss.backward(), item)
    }
}

impl InferenceStep for Mlp {
    type Input = MnistBatch;
    type Output = ClassificationOutput;

    fn step(&self, batch: MnistBatch) -> ClassificationOutput {
        self.forward_classification(batch.images, batch.targets)
    }
}
