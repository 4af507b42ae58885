//! Writing a step's updated parameters back into the buffers the step read them from, so that
//! a replayed step trains on from where the last one ended whatever the optimiser allocated.
//!
//! A replay re-runs the recorded launches against the recorded buffers: it reads the
//! parameters from the buffers the recording read them from and writes the update where the
//! recording wrote it. Plain wgpu updates a parameter in its own buffer (its only owner), so
//! those are the same buffers; Burn's fusion writes the update to a new one (measured on Mesa's
//! Vulkan with `bench --check-capture`: every replay started again from the recorded weights,
//! the loss never fell). An explicit copy of each updated parameter into the buffer it was read
//! from (a `slice_assign` over the whole tensor, whose target has no other owner by then) closes
//! the loop on both: one copy of 640,890 floats per step. The same write puts the weights a
//! model had before capturing back once it is recorded ([`ParamValues::copied`]).

use std::collections::HashMap;

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::tensor::{GradientCheckpointingStrategy, Tensor};
use mnist_model::Mlp;

/// Returns `read` (the model as the step read it) holding `updated`'s values, written into
/// `read`'s own buffers. `read` must be the only owner of its tensors by then.
pub(crate) fn write_back(read: Mlp, updated: Mlp) -> Mlp {
    let values = ParamValues::of(&updated);
    drop(updated);
    values.write_into(read)
}

/// `model` with every parameter copied into a buffer of its own (`* 1.0` is exact): a model
/// whose buffers nothing else holds, so that writes into them are in place.
pub(crate) fn copied_model(model: &Mlp) -> Mlp {
    model.clone().map(&mut Copier)
}

struct Copier;

impl ModuleMapper for Copier {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let (id, read, mapper) = param.consume();
        let wrapping = Wrapping::of(&read);
        let copy = read.inner().mul_scalar(1.0);
        Param::from_mapped_value(id, wrapping.wrap(copy), mapper)
    }
}

/// What makes a parameter's value more than its numbers: gradient checkpointing and
/// `require_grad`, taken from it before its tensor is consumed.
pub(crate) struct Wrapping {
    require_grad: bool,
    strategy: Option<GradientCheckpointingStrategy>,
}

impl Wrapping {
    pub(crate) fn of<const D: usize>(value: &Tensor<D>) -> Self {
        Wrapping {
            require_grad: value.is_require_grad(),
            strategy: value.gradient_checkpointing_strategy(),
        }
    }

    /// `inner` as a parameter value like the one this was taken from.
    pub(crate) fn wrap<const D: usize>(self, inner: Tensor<D>) -> Tensor<D> {
        let mut tensor = Tensor::from_inner(inner);
        if let Some(strategy) = self.strategy {
            tensor = tensor.with_gradient_checkpointing_strategy(strategy);
        }
        if self.require_grad {
            tensor = tensor.require_grad();
        }
        tensor
    }
}

/// Every float parameter's value by id, flattened and without autodiff.
#[derive(Default)]
pub(crate) struct ParamValues(HashMap<ParamId, Tensor<1>>);

impl ParamValues {
    /// `model`'s values, sharing its buffers.
    pub(crate) fn of(model: &Mlp) -> Self {
        let mut values = ParamValues::default();
        model.visit(&mut values);
        values
    }

    /// `model`'s values as they are now, copied into new buffers (`* 1.0` is exact), so that
    /// they survive later writes into the model's buffers.
    pub(crate) fn copied(model: &Mlp) -> Self {
        let ParamValues(shared) = ParamValues::of(model);
        let copies = shared
            .into_iter()
            .map(|(id, value)| (id, value.mul_scalar(1.0)));
        ParamValues(copies.collect())
    }

    /// `read` holding these values, written into `read`'s own buffers. `read` must be the only
    /// owner of its tensors.
    pub(crate) fn write_into(mut self, read: Mlp) -> Mlp {
        read.map(&mut self)
    }
}

impl ModuleVisitor for ParamValues {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let value = param.val().inner();
        let count = value.shape().num_elements();
        self.0.insert(param.id, value.reshape([count]));
    }
}

impl ModuleMapper for ParamValues {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let (id, read, mapper) = param.consume();
        let Some(value) = self.0.remove(&id) else {
            // Not a parameter the optimiser updated: left as it was.
            return Param::from_mapped_value(id, read, mapper);
        };
        let dims = read.dims();
        let wrapping = Wrapping::of(&read);
        // `read` is consumed here, so that the write is into its own buffer, in place.
        let written = read
            .inner()
            .slice_assign(dims.map(|d| 0..d), value.reshape(dims));
        Param::from_mapped_value(id, wrapping.wrap(written), mapper)
    }
}
