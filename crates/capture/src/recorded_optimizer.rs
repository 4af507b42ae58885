//! The recipe's optimiser in a form a captured step can record: the numbers that change from
//! step to step in a device tensor written before each step, the optimiser's state in buffers
//! the step owns.
//!
//! Burn's optimisers hand the rate (which a schedule moves) and Adam's bias corrections (which
//! count steps) to each kernel as host scalars, and a replay would freeze them at the recorded
//! step's values. [`RecordedOptimizer`] runs the same arithmetic ([`update::step`]: SGD
//! with or without momentum, RMSprop, Adam, AdamW) with those numbers read from a small tensor
//! that [`RecordedOptimizer::prepare`] rewrites in place before each step (only when they
//! change: SGD at a constant rate writes it once). The new state (velocity, averages, moments)
//! is written into the buffers the step read it from, as [`write_back`](crate::write_back)
//! does for the weights. `optimizer_record.rs` turns the state into Burn's own optimiser
//! record and back (this file knows nothing of records): a captured run's checkpoints are a
//! plain run's, and either resumes the other's.

use std::collections::HashMap;

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::optim::GradientsParams;
use burn::tensor::{Device, Tensor};
use mnist_model::Mlp;

use crate::update;
use crate::write_back::Wrapping;
use mnist_runs::config::OptimizerSection;
use mnist_runs::update_rule::UpdateRule;

/// The recipe's optimiser with its per-step numbers on the device: what a captured step
/// records.
pub struct RecordedOptimizer {
    pub(crate) rule: UpdateRule,
    /// Steps taken (Burn's `time` for Adam): the bias corrections' exponent.
    pub(crate) time: usize,
    /// This step's numbers ([`update::scalars`]), rewritten in place.
    scalars: Tensor<1>,
    /// The numbers last written into `scalars`.
    written: Vec<f32>,
    /// Each parameter's state, flattened.
    pub(crate) state: HashMap<ParamId, Buffers>,
}

/// One parameter's optimiser state: [`update::buffers`] flattened tensors.
pub(crate) struct Buffers(pub(crate) Vec<Tensor<1>>);

impl Buffers {
    /// The zero state of a parameter of `count` elements: the optimiser before its first step.
    fn zeros(rule: &UpdateRule, count: usize, device: &Device) -> Buffers {
        Buffers(
            (0..update::buffers(rule))
                .map(|_| Tensor::zeros([count], device))
                .collect(),
        )
    }

    /// Copies, in buffers of their own (`* 1.0` is exact).
    fn copied(&self) -> Buffers {
        Buffers(self.0.iter().map(|t| t.clone().mul_scalar(1.0)).collect())
    }

    /// Writes `values` into these buffers, in place where each is its buffer's only owner.
    fn overwrite(&mut self, values: Vec<Tensor<1>>) {
        for (target, value) in self.0.iter_mut().zip(values) {
            overwrite(target, value);
        }
    }
}

/// Writes `value` into `target`'s buffer, in place where `target` is its only owner.
fn overwrite(target: &mut Tensor<1>, value: Tensor<1>) {
    let [count] = target.dims();
    target.inplace(|t| t.slice_assign(0..count, value));
}

/// A state to return to: the step count and copies of the buffers.
pub(crate) struct Snapshot {
    time: usize,
    state: HashMap<ParamId, Buffers>,
}

impl RecordedOptimizer {
    /// The optimiser `optimizer` names, for `model`'s parameters, from the zero state. The
    /// state lives on `device`: the model's, without autodiff.
    pub fn new(optimizer: &OptimizerSection, model: &Mlp, device: &Device) -> Self {
        Self::resumed(optimizer, model, (0, HashMap::new()), device)
    }

    /// The same after `time` steps, with the state `state` holds for each parameter (a
    /// parameter without any starts from zero).
    pub(crate) fn resumed(
        optimizer: &OptimizerSection,
        model: &Mlp,
        (time, mut state): (usize, HashMap<ParamId, Buffers>),
        device: &Device,
    ) -> Self {
        let rule = UpdateRule::of(optimizer);
        for (id, count) in parameter_sizes(model) {
            state
                .entry(id)
                .or_insert_with(|| Buffers::zeros(&rule, count, device));
        }
        // Finite numbers for whatever runs before the first `prepare` (a capture's warm-up).
        let written = update::scalars(&rule, 0.0, time + 1);
        RecordedOptimizer {
            rule,
            time,
            scalars: Tensor::<1>::from_floats(written.as_slice(), device),
            written,
            state,
        }
    }

    /// Makes the next step the `time + 1`-th, at rate `lr`: writes its numbers into the tensor
    /// the recorded update reads, where they changed.
    pub fn prepare(&mut self, lr: f64) {
        self.time += 1;
        self.write_scalars(lr, self.time);
    }

    fn write_scalars(&mut self, lr: f64, time: usize) {
        let values = update::scalars(&self.rule, lr, time);
        if values == self.written {
            return;
        }
        let tensor = Tensor::<1>::from_floats(values.as_slice(), &self.scalars.device());
        overwrite(&mut self.scalars, tensor);
        self.written = values;
    }

    /// The optimiser's step on every parameter of `model` that has a gradient in `grads`,
    /// with the numbers last written by [`RecordedOptimizer::prepare`]. The new state goes
    /// into the buffers it was read from; the new parameters are returned (in new buffers, as
    /// Burn's).
    pub(crate) fn update(&mut self, model: Mlp, grads: GradientsParams) -> Mlp {
        model.map(&mut UpdateStep {
            optimizer: self,
            grads,
        })
    }

    /// One parameter's update, flattened.
    fn step_one(&mut self, id: ParamId, tensor: Tensor<1>, grad: Tensor<1>) -> Tensor<1> {
        let [count] = tensor.dims();
        let device = tensor.device();
        let rule = self.rule;
        let buffers = self
            .state
            .entry(id)
            .or_insert_with(|| Buffers::zeros(&rule, count, &device));
        let (updated, state) = update::step(&rule, tensor, grad, &buffers.0, &self.scalars);
        buffers.overwrite(state);
        updated
    }

    /// The step count and copies of the state, to go back to with
    /// [`RecordedOptimizer::restore`].
    pub(crate) fn snapshot(&self) -> Snapshot {
        Snapshot {
            time: self.time,
            state: self
                .state
                .iter()
                .map(|(id, buffers)| (*id, buffers.copied()))
                .collect(),
        }
    }

    /// Back to `snapshot`'s state, written into the state's own buffers.
    pub(crate) fn restore(&mut self, snapshot: Snapshot) {
        self.time = snapshot.time;
        for (id, values) in snapshot.state {
            if let Some(buffers) = self.state.get_mut(&id) {
                buffers.overwrite(values.0);
            }
        }
        self.write_scalars(0.0, self.time + 1);
    }
}

/// Applies [`RecordedOptimizer::step_one`] to each parameter, as Burn's optimiser does: on the
/// value without autodiff, wrapped back as the parameter was.
struct UpdateStep<'a> {
    optimizer: &'a mut RecordedOptimizer,
    grads: GradientsParams,
}

impl ModuleMapper for UpdateStep<'_> {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let (id, value, mapper) = param.consume();
        let Some(grad) = self.grads.remove::<D>(id) else {
            return Param::from_mapped_value(id, value, mapper);
        };
        let wrapping = Wrapping::of(&value);
        let dims = value.dims();
        let count: usize = dims.iter().product();
        let updated =
            self.optimizer
                .step_one(id, value.inner().reshape([count]), grad.reshape([count]));
        Param::from_mapped_value(id, wrapping.wrap(updated.reshape(dims)), mapper)
    }
}

/// Every float parameter's id and element count.
fn parameter_sizes(model: &Mlp) -> Vec<(ParamId, usize)> {
    struct Sizes(Vec<(ParamId, usize)>);
    impl ModuleVisitor for Sizes {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            self.0.push((param.id, param.val().shape().num_elements()));
        }
    }
    let mut sizes = Sizes(Vec::new());
    model.visit(&mut sizes);
    sizes.0
}
