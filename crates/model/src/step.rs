//! Burn's train and inference steps for the MLP on MNIST batches: cross-entropy on logits.

use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::GradientsParams;
use burn::tensor::{Device, Int, Tensor};
use burn::train::{ClassificationOutput, InferenceStep, TrainOutput, TrainStep};
use mnist_data::{is_cpu, MnistBatch};

use crate::sparse_input::SparseFirstLayer;
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

    fn classify(
        &self,
        images: Tensor<2>,
        targets: Tensor<1, Int>,
        smoothing: f32,
    ) -> ClassificationOutput {
        self.classification(self.forward(images), targets, smoothing)
    }

    /// The loss of `output` (logits) against `targets`, with them.
    pub(crate) fn classification(
        &self,
        output: Tensor<2>,
        targets: Tensor<1, Int>,
        smoothing: f32,
    ) -> ClassificationOutput {
        let loss = CrossEntropyLossConfig::new()
            .with_smoothing((smoothing > 0.0).then_some(smoothing))
            .init(&output.device())
            .forward(output.clone(), targets.clone());
        ClassificationOutput::new(loss, output, targets)
    }
}

/// A training step's forward pass, ready for its backward pass.
pub struct TrainingForward {
    /// The loss (with the model's label smoothing, if any), logits and targets.
    pub item: ClassificationOutput,
    /// Set when the first layer ran sparse: its weight gradient is computed apart.
    sparse: Option<SparseFirstLayer>,
}

impl Mlp {
    /// The training step's forward pass. On the CPU a mostly-background batch takes the
    /// sparse first layer (`sparse_input.rs`); otherwise Burn's autodiff does every layer.
    pub fn training_forward(&self, batch: MnistBatch) -> TrainingForward {
        let device = batch.images.device();
        on_cpu_pool(&device, || self.training_forward_here(batch))
    }

    fn training_forward_here(&self, batch: MnistBatch) -> TrainingForward {
        let rows = batch.images.dims()[0];
        let sparse = self
            .sparse_images(&batch.images)
            .and_then(|images| self.sparse_training_logits(images, rows, &batch.images.device()));
        let (logits, sparse) = match sparse {
            Some((logits, sparse)) => (logits, Some(sparse)),
            None => (self.forward(batch.images), None),
        };
        TrainingForward {
            item: self.classification(logits, batch.targets, self.label_smoothing()),
            sparse,
        }
    }
}

impl TrainingForward {
    /// Whether the first layer ran sparse (`sparse_input.rs`).
    pub fn first_layer_sparse(&self) -> bool {
        self.sparse.is_some()
    }

    /// The backward pass: the gradient of every parameter of `model`, the model that made
    /// this forward pass.
    ///
    /// # Panics
    /// If the sparse first layer's gradients cannot be read back (an internal error: the
    /// output they are computed from was readable).
    pub fn backward(self, model: &Mlp) -> TrainOutput<ClassificationOutput> {
        let device = self.item.loss.device();
        on_cpu_pool(&device, || self.backward_here(model))
    }

    fn backward_here(self, model: &Mlp) -> TrainOutput<ClassificationOutput> {
        let mut grads = self.item.loss.backward();
        let Some(sparse) = self.sparse else {
            return TrainOutput::new(model, grads, self.item);
        };
        let Some(first) = sparse.gradients(model, &mut grads) else {
            panic!("the sparse first layer's gradients could not be read back");
        };
        let mut params = GradientsParams::from_grads(grads, model);
        params.register(first.weight.0, first.weight.1);
        if let Some((bias, gradient)) = first.bias {
            params.register(bias, gradient);
        }
        TrainOutput {
            grads: params,
            item: self.item,
        }
    }
}

/// Runs `work` on a thread of rayon's pool when `device` is the CPU (else here). The step's
/// parallel parts (the sparse products, gemm's) then share out their work from inside the
/// pool, where the thread that splits it does its own share and takes back what a sleeping
/// thread has not started yet, instead of waiting, blocked, for threads to wake: a wake-up
/// took about 0.15 ms on this project's 2-core virtual machine, and a step has several parallel
/// parts. GPU devices keep the caller's thread (their work queues are per thread).
fn on_cpu_pool<R: Send>(device: &Device, work: impl FnOnce() -> R + Send) -> R {
    if is_cpu(device) {
        rayon::scope(|_| work())
    } else {
        work()
    }
}

impl TrainStep for Mlp {
    type Input = MnistBatch;
    type Output = ClassificationOutput;

    fn step(&self, batch: MnistBatch) -> TrainOutput<ClassificationOutput> {
        self.training_forward(batch).backward(self)
    }
}

impl InferenceStep for Mlp {
    type Input = MnistBatch;
    type Output = ClassificationOutput;

    fn step(&self, batch: MnistBatch) -> ClassificationOutput {
        self.forward_classification(batch.images, batch.targets)
    }
}
