//! A training loop around a captured step ([`CapturedStep`]), its optimiser
//! recorded with it, as `train --capture` runs it.

use crate::captured_step::CapturedStep;
use crate::recorded_optimizer::RecordedOptimizer;
use burn::tensor::{Device, Tensor};
use mnist_data::MnistBatch;
use mnist_model::Mlp;
use mnist_runs::RunConfig;

/// A captured step and the constant rate it trains at.
pub struct CapturedLoop {
    step: CapturedStep,
    lr: f64,
}

impl CapturedLoop {
    /// Captures `model`'s step on `example` (see [`CapturedStep::capture`]) with `config`'s
    /// optimiser, recorded, at the constant rate `lr`.
    pub fn capture(
        config: &RunConfig,
        model: Mlp,
        lr: f64,
        example: MnistBatch,
        device: &Device,
    ) -> Self {
        let optimizer = RecordedOptimizer::new(&config.optimizer, &model, device);
        let step = CapturedStep::capture(model, optimizer, example, device);
        CapturedLoop { step, lr }
    }

    /// Whether the step replays recorded launches (`false`: it re-runs, as on the CPU).
    pub fn is_recorded(&self) -> bool {
        self.step.is_recorded()
    }

    /// Trains on `batch`; returns its loss (in a buffer the next step may overwrite).
    pub fn train(&mut self, batch: MnistBatch) -> Tensor<1> {
        self.step.step(batch, self.lr).loss
    }

    /// The model as trained so far.
    pub fn model(&self) -> Option<Mlp> {
        self.step.model()
    }
}
