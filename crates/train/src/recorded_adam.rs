//! Adam's update in a form a captured step can record: the numbers that change from step to
//! step in a device tensor written before each step, the moments in buffers the step owns.
//!
//! Burn's Adam ([`burn::optim::Adam`]) hands its bias corrections (which count steps) and the
//! rate (which a schedule moves) to each kernel as host scalars, and a replay would freeze them
//! at the recorded step's values. This is the same arithmetic, operation for operation and in
//! the same order, so it trains bit for bit as Burn's Adam does (`train --capture` is compared
//! with plain `train` on the CPU, where every step re-runs this code), with those three numbers
//! read from a three-element tensor that [`RecordedAdam::prepare`] rewrites in place before
//! each step. The new moments are written into the buffers the step read them from, as
//! [`write_back`](crate::write_back) does for the weights. The state goes to and comes from
//! Burn's own Adam record ([`crate::adam_record`]): a captured run's checkpoints are a plain
//! run's, and either resumes the other's.

use std::collections::HashMap;

use burn::module::{Module, ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::optim::{GradientsParams, OptimizerRecord};
use burn::store::RecordError;
use burn::tensor::{Device, Tensor};
use mnist_model::Mlp;

use crate::config::{OptimizerName, OptimizerSection};
use crate::optim::AdamSettings;
use crate::write_back::Wrapping;

/// Adam with its per-step numbers on the device: what a captured step records.
pub struct RecordedAdam {
    settings: AdamSettings,
    /// Steps taken (Burn's `time`): the bias corrections' exponent.
    pub(crate) time: usize,
    /// This step's `[rate, first moment's factor, epsilon's term]`, rewritten in place.
    scalars: Tensor<1>,
    /// Each parameter's moments, flattened.
    pub(crate) moments: HashMap<ParamId, Moments>,
}

/// One parameter's first and second moments, flattened.
pub(crate) struct Moments {
    pub(crate) first: Tensor<1>,
    pub(crate) second: Tensor<1>,
}

impl Moments {
    /// Zero moments for a parameter of `count` elements: Adam before its first step.
    fn zeros(count: usize, device: &Device) -> Moments {
        Moments {
            first: Tensor::zeros([count], device),
            second: Tensor::zeros([count], device),
        }
    }

    /// Copies of both, in buffers of their own (`* 1.0` is exact).
    fn copied(&self) -> Moments {
        Moments {
            first: self.first.clone().mul_scalar(1.0),
            second: self.second.clone().mul_scalar(1.0),
        }
    }

    /// Writes `values` into these moments' own buffers.
    fn overwrite(&mut self, values: Moments) {
        overwrite(&mut self.first, values.first);
        overwrite(&mut self.second, values.second);
    }
}

/// Writes `value` into `target`'s buffer, in place where `target` is its only owner.
fn overwrite(target: &mut Tensor<1>, value: Tensor<1>) {
    let [count] = target.dims();
    target.inplace(|t| t.slice_assign([0..count], value));
}

/// A state to return to: the step count and copies of the moments.
pub(crate) struct AdamSnapshot {
    time: usize,
    moments: HashMap<ParamId, Moments>,
}

impl RecordedAdam {
    /// Adam for `model`'s parameters, as `optimizer` sets it up (`None` for another
    /// optimiser), starting from `record` (Burn's Adam record, as checkpointed: a resumed run)
    /// or from zero moments. The state lives on `device`: the model's, without autodiff.
    pub fn new(
        optimizer: &OptimizerSection,
        model: &Mlp,
        record: Option<OptimizerRecord>,
        device: &Device,
    ) -> Result<Option<Self>, RecordError> {
        if optimizer.name != OptimizerName::Adam {
            return Ok(None);
        }
        let (time, mut moments) = match record {
            Some(record) => crate::adam_record::read(record, model, device)?,
            None => (0, HashMap::new()),
        };
        for (id, count) in parameter_sizes(model) {
            moments
                .entry(id)
                .or_insert_with(|| Moments::zeros(count, device));
        }
        let mut adam = RecordedAdam {
            settings: AdamSettings::of(optimizer),
            time,
            scalars: Tensor::zeros([3], device),
            moments,
        };
        // Finite numbers for whatever runs before the first `prepare` (a capture's warm-up).
        adam.write_scalars(0.0, time + 1);
        Ok(Some(adam))
    }

    /// Makes the next step the `time + 1`-th, at rate `lr`: writes its numbers into the tensor
    /// the recorded update reads.
    pub fn prepare(&mut self, lr: f64) {
        self.time += 1;
        self.write_scalars(lr, self.time);
    }

    /// The numbers Burn's Adam computes on the host for step `time`, in the same precision:
    /// the rate (converted to f32 as `mul_scalar` converts it), `sqrt(1 - b2^t) / (1 - b1^t)`
    /// and `epsilon * sqrt(1 - b2^t)`.
    fn write_scalars(&mut self, lr: f64, time: usize) {
        let AdamSettings {
            beta_1,
            beta_2,
            epsilon,
            ..
        } = self.settings;
        let time = i32::try_from(time).unwrap_or(i32::MAX);
        let bias_correction2_sqrt = (1.0 - beta_2.powi(time)).sqrt();
        let factor = bias_correction2_sqrt / (1.0 - beta_1.powi(time));
        let values = [lr as f32, factor, epsilon * bias_correction2_sqrt];
        let values = Tensor::<1>::from_floats(values, &self.scalars.device());
        overwrite(&mut self.scalars, values);
    }

    /// Adam's step on every parameter of `model` that has a gradient in `grads`, with the
    /// numbers last written by [`RecordedAdam::prepare`]. The new moments go into the buffers
    /// they were read from; the new parameters are returned (in new buffers, as Burn's).
    pub(crate) fn update(&mut self, model: Mlp, grads: GradientsParams) -> Mlp {
        model.map(&mut AdamStep { adam: self, grads })
    }

    /// One parameter's update, flattened: Burn's `Adam::step` and `AdaptiveMomentum::transform`
    /// with the moments' earlier values always present (zero before the first step, which
    /// gives Burn's first-step moments exactly).
    fn step_one(&mut self, id: ParamId, tensor: Tensor<1>, grad: Tensor<1>) -> Tensor<1> {
        let AdamSettings {
            beta_1,
            beta_2,
            penalty,
            ..
        } = self.settings;
        let grad = match penalty {
            Some(penalty) => tensor.clone().mul_scalar(penalty).add(grad),
            None => grad,
        };
        let [count] = tensor.dims();
        let device = tensor.device();
        let moments = self
            .moments
            .entry(id)
            .or_insert_with(|| Moments::zeros(count, &device));
        let first = moments
            .first
            .clone()
            .mul_scalar(beta_1)
            .add(grad.clone().mul_scalar(1.0 - beta_1));
        let second = moments
            .second
            .clone()
            .mul_scalar(beta_2)
            .add(grad.square().mul_scalar(1.0 - beta_2));
        let rate = self.scalars.clone().slice([0..1]);
        let factor = self.scalars.clone().slice([1..2]);
        let epsilon = self.scalars.clone().slice([2..3]);
        let delta = first
            .clone()
            .mul(factor)
            .div(second.clone().sqrt().add(epsilon));
        moments.overwrite(Moments { first, second });
        tensor - delta.mul(rate)
    }

    /// The step count and copies of the moments, to go back to with [`RecordedAdam::restore`].
    pub(crate) fn snapshot(&self) -> AdamSnapshot {
        AdamSnapshot {
            time: self.time,
            moments: self
                .moments
                .iter()
                .map(|(id, moments)| (*id, moments.copied()))
                .collect(),
        }
    }

    /// Back to `snapshot`'s state, written into the moments' own buffers.
    pub(crate) fn restore(&mut self, snapshot: AdamSnapshot) {
        self.time = snapshot.time;
        for (id, values) in snapshot.moments {
            if let Some(moments) = self.moments.get_mut(&id) {
                moments.overwrite(values);
            }
        }
        self.write_scalars(0.0, self.time + 1);
    }

    /// The state as Burn's Adam record (what the Learner checkpoints).
    pub fn to_record(&self, model: &Mlp) -> Result<OptimizerRecord, RecordError> {
        crate::adam_record::write(self, model)
    }
}

/// Applies [`RecordedAdam::step_one`] to each parameter, as Burn's optimiser does: on the
/// value without autodiff, wrapped back as the parameter was.
struct AdamStep<'a> {
    adam: &'a mut RecordedAdam,
    grads: GradientsParams,
}

impl ModuleMapper for AdamStep<'_> {
    fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        let (id, value, mapper) = param.consume();
        let Some(grad) = self.grads.remove::<D>(id) else {
            return Param::from_mapped_value(id, value, mapper);
        };
        let wrapping = Wrapping::of(&value);
        let dims = value.dims();
        let count: usize = dims.iter().product();
        let updated = self
            .adam
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
