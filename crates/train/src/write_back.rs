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
use burn::tensor::Tensor;
use mnist_model::Mlp;

/// Returns `read` (the model as the step read it) holding `updated`'s values, written into
/// `read`'s own buffers. `read` must be the only owner of its tensors by then.
pub(crate) fn write_back(read: Mlp, updated: Mlp) -> Mlp {
    let values = ParamValues::of(&updated);
    drop(updated);
    values.write_into(read)
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
        let require_grad = read.is_require_grad();
        let strategy = read.gradient_checkpointing_strategy();
        let written = read
            .inner()
            .slice_assign(dims.map(|d| 0..d), value.reshape(dims));
        let mut tensor = Tensor::from_inner(written);
        if let Some(strategy) = strategy {
            tensor = tensor.with_gradient_checkpointing_strategy(strategy);
        }
        if require_grad {
            tensor = tensor.require_grad();
        }
        Param::from_mapped_value(id, tensor, mapper)
    }
}
