//! The bench's training loop around a captured step ([`CapturedStep`]): the optimiser recorded
//! with the step where it can be (plain SGD, Adam), otherwise run after each replayed forward
//! and backward pass, as `train --capture` runs the Learner's.

use burn::optim::ModuleOptimizer;
use burn::tensor::{Device, Tensor};
use mnist_data::MnistBatch;
use mnist_model::Mlp;
use mnist_train::captured_step::{optimizer_is_recorded, CapturedStep, StepUpdate};
use mnist_train::recorded_adam::RecordedAdam;
use mnist_train::RunConfig;

/// A captured step and, where the optimiser is not recorded, the model and optimiser that
/// update the step's weights after each replay.
pub struct CapturedLoop {
    step: CapturedStep,
    /// With [`StepUpdate::ByCaller`]: the model as trained so far and its optimiser.
    outside: Option<(Mlp, ModuleOptimizer)>,
    lr: f64,
}

impl CapturedLoop {
    /// Captures `model`'s step on `example` (see [`CapturedStep::capture`]) with `config`'s
    /// optimiser (`optimizer`, Burn's, or its recorded form), at the constant rate `lr`.
    pub fn capture(
        config: &RunConfig,
        model: Mlp,
        optimizer: ModuleOptimizer,
        lr: f64,
        example: MnistBatch,
        device: &Device,
    ) -> anyhow::Result<Self> {
        if optimizer_is_recorded(config) {
            let update = match RecordedAdam::new(&config.optimizer, &model, None, device)? {
                Some(adam) => StepUpdate::Adam(adam),
                None => StepUpdate::Sgd { optimizer, lr },
            };
            let step = CapturedStep::capture(model, update, example, device);
            return Ok(CapturedLoop {
                step,
                outside: None,
                lr,
            });
        }
        let step = CapturedStep::capture(model.clone(), StepUpdate::ByCaller, example, device);
        Ok(CapturedLoop {
            step,
            outside: Some((model, optimizer)),
            lr,
        })
    }

    /// Whether the step replays recorded launches (`false`: it re-runs, as on the CPU).
    pub fn is_recorded(&self) -> bool {
        self.step.is_recorded()
    }

    /// Whether the optimiser is part of the recording.
    pub fn optimizer_recorded(&self) -> bool {
        self.outside.is_none()
    }

    /// Trains on `batch`; returns its loss (in a buffer the next step may overwrite).
    pub fn train(&mut self, batch: MnistBatch) -> Tensor<1> {
        let output = self.step.step(batch, self.lr);
        if let (Some(grads), Some((model, mut optimizer))) = (output.grads, self.outside.take()) {
            let model = optimizer.step(self.lr, model, grads);
            self.step.load_parameters(&model);
            self.outside = Some((model, optimizer));
        }
        output.loss
    }

    /// The model as trained so far.
    pub fn model(&self) -> Option<Mlp> {
        match &self.outside {
            Some((model, _)) => Some(model.clone()),
            None => self.step.model(),
        }
    }
}
