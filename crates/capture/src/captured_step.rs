//! A training step recorded once and replayed (`burn::tensor::capture`): on a GPU, a step
//! without Burn's host-side work.
//!
//! A small MLP's step on a GPU costs what the host does for each of its kernel launches
//! (autodiff bookkeeping, finding, binding and enqueueing every kernel), not the arithmetic.
//! `capture` runs the step three times as a warm-up, then records the launches of a fourth run
//! without executing it; the weights the model had are then put back: capturing trains on
//! nothing, so a captured run trains exactly as a plain one. Each replay enqueues the recorded
//! launches again, against the same buffers (cubecl re-encodes the recorded passes on wgpu; a
//! CUDA graph on CUDA). A backend without graph support (the CPU) re-runs the step.
//!
//! A replay knows nothing of tensors, only of the buffers the recording touched, and freezes
//! every scalar it was recorded with. Hence the rules this type keeps:
//! - the batch is written into the recorded input tensors in place before each replay;
//! - the optimiser is recorded with the step as a [`RecordedOptimizer`]: Burn's arithmetic
//!   for the recipe's optimiser (SGD with or without momentum, RMSprop, Adam, AdamW), with the
//!   numbers that change from step to step (the rate a schedule moves, Adam's bias
//!   corrections) read from a device tensor written before each step ([`CapturedStep::step`]
//!   takes the step's rate), and its state (velocity, averages, moments) in buffers of the
//!   step's own;
//! - each replay starts from the weights the last step ended with: the recorded update writes
//!   them into the buffers the recording reads ([`write_back`]), since an optimiser may put an
//!   update in a new buffer (Burn's fusion does). Those buffers belong to the step alone: its
//!   model is a copy, and [`CapturedStep::model`] hands out copies;
//! - a batch of another shape than the recorded one (an epoch's last, partial batch) runs the
//!   same step plainly, not replayed, on the same weights;
//! - dropout draws a mask from a seed, a scalar a replay would freeze: refused.
//!
//! `bench --check-capture` proves these on a real device (replayed steps, and a partial batch
//! after them, give the plain steps' losses and weights bit for bit), and `cargo xtask
//! wgpu-smoke` that `train --capture` logs the plain run's metrics and test loss (bit for bit
//! on wgpu; within rounding with Burn's fusion, whose autotuning may pick kernels that round
//! differently from one process to the next).

use std::cell::RefCell;
use std::rc::Rc;

use burn::optim::OptimizerRecord;
use burn::store::RecordError;
use burn::tensor::{capture, Device, Graph, Tensor};
use mnist_data::MnistBatch;
use mnist_model::Mlp;

use crate::recorded_optimizer::RecordedOptimizer;
use crate::write_back::{copied_model, write_back, ParamValues};
use mnist_runs::RunConfig;

/// What one step computed, without autodiff: the batch's mean loss and its logits.
#[derive(Debug)]
pub struct StepOutput {
    pub loss: Tensor<1>,
    pub logits: Tensor<2>,
}

/// Why a recipe's step cannot be captured, or `None` when it can.
pub fn capture_refusal(config: &RunConfig) -> Option<String> {
    (config.model.dropout > 0.0).then(|| {
        "dropout draws a new mask each step, and a replay would freeze its seed".to_string()
    })
}

/// A training step captured on an example batch; [`CapturedStep::step`] replays it.
pub struct CapturedStep {
    graph: Graph<StepOutput, Box<dyn FnMut() -> StepOutput>>,
    /// The recorded input tensors, refreshed in place.
    input: Rc<RefCell<MnistBatch>>,
    /// The model and optimiser the step works on, shared with the recorded closure.
    state: Rc<RefCell<StepState>>,
}

/// What the step reads and updates.
struct StepState {
    /// Always present, except while the step runs.
    model: Option<Mlp>,
    optimizer: RecordedOptimizer,
}

impl StepState {
    /// Forward, backward and the update: the step as the recording runs it, and as a batch of
    /// another shape runs it plainly.
    fn run(&mut self, batch: MnistBatch) -> StepOutput {
        let Some(current) = self.model.take() else {
            unreachable!("the captured model is put back after every step")
        };
        let forward = current.training_forward(batch);
        let loss = forward.item.loss.clone().detach();
        let logits = forward.item.output.clone().detach();
        let grads = forward.backward(&current).grads;
        // The parameters as read, to write the update back into (see `write_back`).
        let read = current.clone();
        let updated = self.optimizer.update(current, grads);
        self.model = Some(write_back(read, updated));
        StepOutput { loss, logits }
    }
}

impl CapturedStep {
    /// Captures `model`'s training step, updated by `optimizer`, on `example` (a batch of the
    /// shape most later batches have): runs it three times (the warm-up), records, then puts
    /// back the weights `model` came with and the optimiser's state. The step works on a copy
    /// of `model`. `device` is the model's device without autodiff (capture is started on the
    /// backend's own stream, which the autodiff device shares).
    pub fn capture(
        model: Mlp,
        optimizer: RecordedOptimizer,
        example: MnistBatch,
        device: &Device,
    ) -> Self {
        let model = copied_model(&model);
        let before = ParamValues::copied(&model);
        let optimizer_before = optimizer.snapshot();
        // The recorded inputs are refreshed in place, which needs buffers the step alone owns:
        // copies (`* 1.0` and `+ 0` are exact), not the caller's tensors.
        let input = Rc::new(RefCell::new(MnistBatch {
            images: example.images.mul_scalar(1.0),
            targets: example.targets.add_scalar(0),
        }));
        let state = Rc::new(RefCell::new(StepState {
            model: Some(model),
            optimizer,
        }));
        let (step_input, step_state) = (input.clone(), state.clone());
        let step: Box<dyn FnMut() -> StepOutput> = Box::new(move || {
            let batch = step_input.borrow().clone();
            step_state.borrow_mut().run(batch)
        });
        let graph = capture(device, step);
        // Capturing trained on the example: back to the weights the model came with, written
        // into the buffers the recording reads, and to the optimiser's state.
        let step = CapturedStep {
            graph,
            input,
            state,
        };
        {
            let mut state = step.state.borrow_mut();
            state.model = state.model.take().map(|model| before.write_into(model));
            state.optimizer.restore(optimizer_before);
        }
        step
    }

    /// Whether the step replays recorded launches (`false`: it re-runs, as on the CPU).
    pub fn is_recorded(&self) -> bool {
        self.graph.is_hardware()
    }

    /// The optimiser's state as Burn's record of that optimiser (for the Learner's
    /// checkpoints).
    pub fn optimizer_record(&self) -> Option<Result<OptimizerRecord, RecordError>> {
        let state = self.state.borrow();
        let model = state.model.as_ref()?;
        Some(crate::optimizer_record::write(&state.optimizer, model))
    }

    /// Trains on `batch` at rate `lr`: replays the recording with `batch` written into its
    /// inputs or, for a batch of another shape, runs the same step plainly. Returns the loss
    /// and logits, in buffers the next step may overwrite.
    pub fn step(&mut self, batch: MnistBatch, lr: f64) -> StepOutput {
        self.state.borrow_mut().optimizer.prepare(lr);
        if !self.fits(&batch) {
            return self.state.borrow_mut().run(batch);
        }
        {
            let mut input = self.input.borrow_mut();
            let [rows, cols] = input.images.dims();
            input
                .images
                .inplace(|t| t.slice_assign([0..rows, 0..cols], batch.images));
            input
                .targets
                .inplace(|t| t.slice_assign(0..rows, batch.targets));
        }
        // Safety: every tensor the step touches is owned by the step's closure (the model,
        // the optimiser's state and numbers) or by `self` (the inputs, the outputs), and lives
        // as long as the graph; inputs are refreshed and outputs read on this thread, the
        // graph's stream; nothing else uses these tensors while the replay runs.
        let output = unsafe { self.graph.replay() };
        StepOutput {
            loss: output.loss.clone(),
            logits: output.logits.clone(),
        }
    }

    /// The model as trained so far: a copy, in buffers of its own.
    pub fn model(&self) -> Option<Mlp> {
        self.state.borrow().model.as_ref().map(copied_model)
    }

    /// Whether `batch` has the recorded batch's shape.
    fn fits(&self, batch: &MnistBatch) -> bool {
        let input = self.input.borrow();
        batch.images.dims() == input.images.dims() && batch.targets.dims() == input.targets.dims()
    }
}
