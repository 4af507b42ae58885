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
//! - what the recording covers depends on the optimiser ([`StepUpdate`]). Plain SGD at a
//!   constant rate has no number that changes from step to step, so its update is recorded
//!   with forward and backward. Adam changes numbers every step (its bias corrections count
//!   steps, a schedule moves the rate) and keeps moments: it is recorded as
//!   [`RecordedAdam`], which reads those numbers from a device tensor written before each
//!   step ([`CapturedStep::step`] takes the step's rate) and keeps its moments in buffers of
//!   the step's own. Any other optimiser (momentum, RMSprop, AdamW) runs after each replay,
//!   the recording ending with the gradients, exactly as in plain training;
//! - each replay starts from the weights the last step ended with: those are written into the
//!   buffers the recording reads ([`write_back`]; by the recorded update itself, or by
//!   [`CapturedStep::load_parameters`] after the caller's), since an optimiser may put an
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

use burn::module::{Module, ModuleVisitor, Param};
use burn::optim::{GradientsParams, ModuleOptimizer, OptimizerRecord};
use burn::store::RecordError;
use burn::tensor::{capture, Device, Graph, Tensor};
use mnist_data::MnistBatch;
use mnist_model::Mlp;

use crate::config::{OptimizerName, ScheduleName};
use crate::recorded_adam::RecordedAdam;
use crate::write_back::{copied_model, write_back, ParamValues};
use crate::RunConfig;

/// What one step computed, without autodiff: the batch's mean loss, its logits and, where the
/// caller updates the model ([`StepUpdate::ByCaller`]), every parameter's gradient.
#[derive(Debug)]
pub struct StepOutput {
    pub loss: Tensor<1>,
    pub logits: Tensor<2>,
    pub grads: Option<GradientsParams>,
}

/// Who updates the model after the recorded forward and backward passes.
pub enum StepUpdate {
    /// Plain SGD (no momentum) at a constant rate, recorded with the step.
    Sgd { optimizer: ModuleOptimizer, lr: f64 },
    /// Adam, recorded with the step, at the rate each [`CapturedStep::step`] is given.
    Adam(RecordedAdam),
    /// The caller, with the gradients each step returns; it then hands the new weights back
    /// with [`CapturedStep::load_parameters`].
    ByCaller,
}

/// Why a recipe's step cannot be captured, or `None` when it can.
pub fn capture_refusal(config: &RunConfig) -> Option<String> {
    (config.model.dropout > 0.0).then(|| {
        "dropout draws a new mask each step, and a replay would freeze its seed".to_string()
    })
}

/// Whether `config`'s optimiser can be part of the recording: plain SGD (weight decay allowed,
/// no momentum) at a constant rate, whose scalars never change, and Adam on any schedule
/// ([`RecordedAdam`]).
pub fn optimizer_is_recorded(config: &RunConfig) -> bool {
    let plain_sgd = config.optimizer.name == OptimizerName::Sgd
        && !config.optimizer.momentum.is_some_and(|m| m > 0.0)
        && config.schedule.name == ScheduleName::Constant;
    plain_sgd || config.optimizer.name == OptimizerName::Adam
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
    /// The recorded update; `None`: the caller's ([`StepUpdate::ByCaller`]).
    update: Option<RecordedUpdate>,
}

/// An optimiser recorded with the step.
enum RecordedUpdate {
    /// Plain SGD and its constant rate.
    Sgd(ModuleOptimizer, f64),
    Adam(RecordedAdam),
}

impl RecordedUpdate {
    /// `current` after one update with `grads`.
    fn apply(&mut self, current: Mlp, grads: GradientsParams) -> Mlp {
        match self {
            RecordedUpdate::Sgd(optimizer, lr) => optimizer.step(*lr, current, grads),
            RecordedUpdate::Adam(adam) => adam.update(current, grads),
        }
    }
}

impl StepState {
    /// Forward and backward on `batch`, then the update where it is recorded: the step as the
    /// recording runs it, and as a batch of another shape runs it plainly.
    fn run(&mut self, batch: MnistBatch) -> StepOutput {
        let Some(current) = self.model.take() else {
            unreachable!("the captured model is put back after every step")
        };
        let forward = current.training_forward(batch);
        let loss = forward.item.loss.clone().detach();
        let logits = forward.item.output.clone().detach();
        let grads = forward.backward(&current).grads;
        match &mut self.update {
            Some(update) => {
                // The parameters as read, to write the update back into (see `write_back`).
                let read = current.clone();
                let updated = update.apply(current, grads);
                self.model = Some(write_back(read, updated));
                StepOutput {
                    loss,
                    logits,
                    grads: None,
                }
            }
            None => {
                self.model = Some(current);
                StepOutput {
                    loss,
                    logits,
                    grads: Some(grads),
                }
            }
        }
    }
}

impl CapturedStep {
    /// Captures `model`'s training step on `example` (a batch of the shape most later batches
    /// have): runs it three times (the warm-up), records, then puts the weights `model` came
    /// with back (and a recorded Adam's state). The step works on a copy of `model`. `device`
    /// is the model's device without
    /// autodiff (capture is started on the backend's own stream, which the autodiff device
    /// shares).
    pub fn capture(model: Mlp, update: StepUpdate, example: MnistBatch, device: &Device) -> Self {
        let model = copied_model(&model);
        let before = ParamValues::copied(&model);
        // The recorded inputs are refreshed in place, which needs buffers the step alone owns:
        // copies (`* 1.0` and `+ 0` are exact), not the caller's tensors.
        let input = Rc::new(RefCell::new(MnistBatch {
            images: example.images.mul_scalar(1.0),
            targets: example.targets.add_scalar(0),
        }));
        let update = match update {
            StepUpdate::Sgd { optimizer, lr } => Some(RecordedUpdate::Sgd(optimizer, lr)),
            StepUpdate::Adam(adam) => Some(RecordedUpdate::Adam(adam)),
            StepUpdate::ByCaller => None,
        };
        let adam_before = match &update {
            Some(RecordedUpdate::Adam(adam)) => Some(adam.snapshot()),
            _ => None,
        };
        let state = Rc::new(RefCell::new(StepState {
            model: Some(model),
            update,
        }));
        let (step_input, step_state) = (input.clone(), state.clone());
        let step: Box<dyn FnMut() -> StepOutput> = Box::new(move || {
            let batch = step_input.borrow().clone();
            step_state.borrow_mut().run(batch)
        });
        let graph = capture(device, step);
        // Capturing trained on the example: back to the weights the model came with, written
        // into the buffers the recording reads.
        let mut step = CapturedStep {
            graph,
            input,
            state,
        };
        step.write_values(before);
        if let (Some(mut adam), Some(snapshot)) = (step.adam(), adam_before) {
            adam.restore(snapshot);
        }
        step
    }

    /// The recorded Adam, where the step records one.
    fn adam(&mut self) -> Option<std::cell::RefMut<'_, RecordedAdam>> {
        std::cell::RefMut::filter_map(self.state.borrow_mut(), |state| match &mut state.update {
            Some(RecordedUpdate::Adam(adam)) => Some(adam),
            _ => None,
        })
        .ok()
    }

    /// Whether the step replays recorded launches (`false`: it re-runs, as on the CPU).
    pub fn is_recorded(&self) -> bool {
        self.graph.is_hardware()
    }

    /// Whether the caller updates the model after each step ([`StepUpdate::ByCaller`]).
    pub fn caller_updates(&self) -> bool {
        self.state.borrow().update.is_none()
    }

    /// A recorded Adam's state as Burn's Adam record (for the Learner's checkpoints); `None`
    /// for another update.
    pub fn optimizer_record(&self) -> Option<Result<OptimizerRecord, RecordError>> {
        let state = self.state.borrow();
        match (&state.update, &state.model) {
            (Some(RecordedUpdate::Adam(adam)), Some(model)) => Some(adam.to_record(model)),
            _ => None,
        }
    }

    /// Trains on `batch` (with [`StepUpdate::ByCaller`], computes its gradients): replays the
    /// recording with `batch` written into its inputs or, for a batch of another shape, runs
    /// the same step plainly. `lr` is this step's rate, which a recorded Adam uses (recorded
    /// SGD keeps the constant rate it was given). Returns the loss, logits and gradients, in
    /// buffers the next step may overwrite.
    pub fn step(&mut self, batch: MnistBatch, lr: f64) -> StepOutput {
        if let Some(mut adam) = self.adam() {
            adam.prepare(lr);
        }
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
                .inplace(|t| t.slice_assign([0..rows], batch.targets));
        }
        // Safety: every tensor the step touches is owned by the step's closure (the model,
        // the optimiser's state and numbers) or by `self` (the inputs, the outputs), and lives as long as
        // the graph; inputs are refreshed and outputs read on this thread, the graph's
        // stream; nothing else uses these tensors while the replay runs.
        let output = unsafe { self.graph.replay() };
        Self::share(output, self.state.borrow().model.as_ref())
    }

    /// Writes `model`'s parameters (the caller's update, [`StepUpdate::ByCaller`]) into the
    /// buffers the recording reads: the next step starts from them.
    pub fn load_parameters(&mut self, model: &Mlp) {
        self.write_values(ParamValues::of(model));
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

    fn write_values(&mut self, values: ParamValues) {
        let mut state = self.state.borrow_mut();
        state.model = state.model.take().map(|model| values.write_into(model));
    }

    /// A copy of `output`'s handles (the gradients looked up by `model`'s parameters). The
    /// step keeps its own: an optimiser given the only handle to a gradient may update it in
    /// place, in a buffer the next replay writes.
    fn share(output: &StepOutput, model: Option<&Mlp>) -> StepOutput {
        let grads = output.grads.as_ref().zip(model).map(|(grads, model)| {
            let mut sharer = GradSharer {
                from: grads,
                into: GradientsParams::new(),
            };
            model.visit(&mut sharer);
            sharer.into
        });
        StepOutput {
            loss: output.loss.clone(),
            logits: output.logits.clone(),
            grads,
        }
    }
}

/// Copies the handles of every parameter's gradient into a new set.
struct GradSharer<'a> {
    from: &'a GradientsParams,
    into: GradientsParams,
}

impl ModuleVisitor for GradSharer<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        if let Some(grad) = self.from.get::<D>(param.id) {
            self.into.register(param.id, grad);
        }
    }
}
