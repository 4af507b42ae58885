//! A training step recorded once and replayed (`burn::tensor::capture`): on a GPU, a step
//! without Burn's host-side work.
//!
//! A small MLP's step on a GPU costs what the host does for each of its kernel launches
//! (autodiff bookkeeping, finding, binding and enqueueing every kernel), not the arithmetic.
//! `capture` runs the whole step (forward, backward, optimiser) three times as a warm-up,
//! then records the launches of a fourth run without executing it, then puts back the weights
//! the model had before: capturing trains on nothing, so a captured run trains exactly as a
//! plain one. Each replay enqueues the recorded launches again, against the same buffers
//! (cubecl re-encodes the recorded passes on wgpu; a CUDA graph on CUDA). A backend without
//! graph support (the CPU) re-runs the step.
//!
//! A replay knows nothing of tensors, only of the buffers the recording touched, hence the
//! rules this type keeps:
//! - the batch is written into the recorded input tensors in place before each replay;
//! - each replay starts from the previous one's weights: the step writes its updated
//!   parameters back into the buffers it read them from ([`write_back`]), since an optimiser
//!   may put the update in a new buffer (Burn's fusion does); SGD's momentum lives in the
//!   optimiser's state, which is not written back (checked on Mesa's Vulkan: replays differ);
//! - every scalar is recorded as it was: the learning rate must be constant, the optimiser
//!   must not count steps on the host (Adam's bias correction does), so only plain SGD
//!   qualifies (weight decay allowed), and there is no dropout (its random seed is a scalar);
//! - every batch must have the recorded shape.
//!
//! `bench --check-capture` proves the first two on a real device (replayed steps give the plain
//! steps' losses and weights bit for bit), and `cargo xtask wgpu-smoke` that `train --capture`
//! logs the plain run's metrics and test loss (bit for bit on wgpu; within rounding with Burn's
//! fusion, whose autotuning may pick kernels that round differently from one process to the next).

use std::cell::RefCell;
use std::rc::Rc;

use burn::optim::ModuleOptimizer;
use burn::tensor::{capture, Device, Graph, Tensor};
use mnist_data::MnistBatch;
use mnist_model::Mlp;

use crate::config::{OptimizerName, ScheduleName};
use crate::error::TrainError;
use crate::write_back::{write_back, ParamValues};
use crate::RunConfig;

/// What one step computed, without autodiff: the batch's mean loss and its logits.
#[derive(Debug, Clone)]
pub struct StepOutput {
    pub loss: Tensor<1>,
    pub logits: Tensor<2>,
}

/// The recorded step.
type StepGraph = Graph<StepOutput, Box<dyn FnMut() -> StepOutput>>;

/// Why a recipe's step cannot be captured, or `None` when it can.
pub fn capture_refusal(config: &RunConfig, training_images: usize) -> Option<String> {
    if config.optimizer.name != OptimizerName::Sgd {
        return Some(format!(
            "optimizer {} keeps a step count on the host, which a replay would freeze",
            config.optimizer.name.as_str()
        ));
    }
    if config.optimizer.momentum.is_some_and(|m| m > 0.0) {
        return Some(
            "SGD's momentum is not updated in place, so replays would not carry it forward".into(),
        );
    }
    if config.schedule.name != ScheduleName::Constant {
        return Some("a learning-rate schedule changes the rate a replay would freeze".into());
    }
    if config.model.dropout > 0.0 {
        return Some(
            "dropout draws a new mask each step, and a replay would freeze its seed".into(),
        );
    }
    let batch = config.train.batch_size;
    if training_images % batch != 0 {
        return Some(format!(
            "the last batch of {} images differs in shape from the recorded {batch}",
            training_images % batch
        ));
    }
    None
}

/// A training step captured on an example batch; [`CapturedStep::step`] replays it.
pub struct CapturedStep {
    graph: StepGraph,
    /// The recorded input tensors, refreshed in place.
    input: Rc<RefCell<MnistBatch>>,
    /// The model the recorded step reads and updates (taken and put back inside the step).
    model: Rc<RefCell<Option<Mlp>>>,
}

impl CapturedStep {
    /// Captures `model`'s training step on `example` (a batch of the shape every later batch
    /// has): trains on it three times (the warm-up), records, then puts the weights `model`
    /// came with back. `device` is the model's device without autodiff (capture is started on
    /// the backend's own stream, which the autodiff device shares).
    pub fn capture(
        model: Mlp,
        mut optimizer: ModuleOptimizer,
        lr: f64,
        example: MnistBatch,
        device: &Device,
    ) -> Self {
        let before = ParamValues::copied(&model);
        // The recorded inputs are refreshed in place, which needs buffers the step alone owns:
        // copies (`* 1.0` and `+ 0` are exact), not the caller's tensors.
        let input = Rc::new(RefCell::new(MnistBatch {
            images: example.images.mul_scalar(1.0),
            targets: example.targets.add_scalar(0),
        }));
        let model = Rc::new(RefCell::new(Some(model)));
        let (step_input, step_model) = (input.clone(), model.clone());
        let step: Box<dyn FnMut() -> StepOutput> = Box::new(move || {
            let batch = step_input.borrow().clone();
            // The model is always put back before the step returns: it is only absent inside it.
            let Some(current) = step_model.borrow_mut().take() else {
                unreachable!("the captured model is put back after every step")
            };
            // The parameters as read, to write the update back into (see `write_back`).
            let read = current.clone();
            let forward = current.training_forward(batch);
            let computed = StepOutput {
                loss: forward.item.loss.clone().detach(),
                logits: forward.item.output.clone().detach(),
            };
            let grads = forward.backward(&current).grads;
            let updated = optimizer.step(lr, current, grads);
            *step_model.borrow_mut() = Some(write_back(read, updated));
            computed
        });
        let graph = capture(device, step);
        // Capturing trained on the example: back to the weights the model came with, written
        // into the buffers the recording reads.
        let trained = model.borrow_mut().take();
        *model.borrow_mut() = trained.map(|trained| before.write_into(trained));
        CapturedStep {
            graph,
            input,
            model,
        }
    }

    /// Whether the step replays as recorded launches (`false`: it re-runs, as on the CPU).
    pub fn is_recorded(&self) -> bool {
        self.graph.is_hardware()
    }

    /// Trains on `batch`: writes it into the recorded inputs, then replays. Returns the loss
    /// and logits, in buffers the next step overwrites; an error for a batch of another shape
    /// than the recorded one.
    pub fn step(&mut self, batch: MnistBatch) -> Result<StepOutput, TrainError> {
        {
            let mut input = self.input.borrow_mut();
            let [rows, cols] = input.images.dims();
            if batch.images.dims() != [rows, cols] || batch.targets.dims() != [rows] {
                return Err(TrainError::Training(format!(
                    "a batch of {:?} images cannot replay a step recorded for {rows}",
                    batch.images.dims()
                )));
            }
            input
                .images
                .inplace(|t| t.slice_assign([0..rows, 0..cols], batch.images));
            input
                .targets
                .inplace(|t| t.slice_assign([0..rows], batch.targets));
        }
        // Safety: every tensor the step touches is owned by the step's closure (the model,
        // the optimiser's state) or by `self` (the inputs, the outputs), and lives as long as
        // the graph; inputs are refreshed and outputs read on this thread, the graph's
        // stream; nothing else uses these tensors while the replay runs.
        Ok(unsafe { self.graph.replay() }.clone())
    }

    /// The model as trained so far (a copy of its handles; only for reading between steps).
    pub fn model(&self) -> Option<Mlp> {
        self.model.borrow().clone()
    }
}
