//! The captured step's optimiser state ([`RecordedOptimizer`]) as Burn's own record of that
//! optimiser and back: the `optim-N.bpk` a plain run checkpoints, so a captured run's
//! checkpoints resume plainly and the other way round.
//!
//! Burn's `ModuleOptimizer` writes, per parameter, its optimiser's state (`SgdState`,
//! `RmsPropState`, `AdamState`, `AdamWState`) flattened by Burn's own [`RecordState`] under the
//! parameter's id (`{id}.momentum.moment_1`, `.moment_2`, `.time` for Adam), the state's rank as
//! the scalar `{id}.__rank`, and the parameter's module path as metadata, in a burnpack
//! container; `OptimizerRecord` is built only from such bytes. This file writes and reads that
//! container with Burn's state types and burn-pack, the crate Burn uses for it.

use std::collections::{BTreeSet, HashMap};

use burn::module::{Module, ModuleVisitor, Param, ParamId};
use burn::optim::momentum::MomentumState;
use burn::optim::{
    join_path, AdamState, AdamWState, AdaptiveMomentumState, CenteredState, OptimizerRecord,
    RecordState, RmsPropState, SgdState, SquareAvgState, StateSink, StateSource,
};
use burn::store::RecordError;
use burn::tensor::{Device, Tensor, TensorData};
use burn_pack::{Reader, Scalar, Writer};
use mnist_model::Mlp;

use crate::recorded_optimizer::{Buffers, RecordedOptimizer};
use mnist_runs::config::OptimizerSection;
use mnist_runs::update_rule::UpdateRule;

/// The scalar Burn keeps each parameter state's rank under (`RANK_KEY` in Burn's
/// `module_optimizer.rs`).
const RANK_KEY: &str = "__rank";

/// `optimizer`'s state for `model`'s parameters as Burn's record of that optimiser. Before the
/// first step Burn holds no state, and neither does the record.
pub(crate) fn write(
    optimizer: &RecordedOptimizer,
    model: &Mlp,
) -> Result<OptimizerRecord, RecordError> {
    if optimizer.time == 0 {
        return Ok(OptimizerRecord::default());
    }
    let mut writer = StateWriter {
        optimizer,
        path: Vec::new(),
        tensors: Vec::new(),
        scalars: Vec::new(),
        paths: Vec::new(),
    };
    model.visit(&mut writer);
    let mut pack = Writer::new(writer.tensors);
    for (key, value) in &writer.scalars {
        pack = pack.with_scalar(key, *value);
    }
    for (key, value) in &writer.paths {
        pack = pack.with_metadata(key, value);
    }
    OptimizerRecord::from_bytes(pack.into_bytes()?)
}

/// The step count and each parameter's state (flattened, on `device`) in `record`, Burn's
/// record of `rule`'s optimiser for `model`; none for an empty record (a run not yet stepped).
/// A record with a state for only some parameters, or with different step counts, is refused:
/// Burn would start the others afresh (Adam at their own bias corrections). SGD and RMSprop
/// count no steps: their record's count is 1.
/// The recipe's optimiser for `model`, recorded with the step, resumed from `record` (Burn's
/// record of that optimiser, as a plain or captured run checkpointed it).
pub fn resume(
    optimizer: &OptimizerSection,
    record: OptimizerRecord,
    model: &Mlp,
    device: &Device,
) -> Result<RecordedOptimizer, RecordError> {
    let state = read(&UpdateRule::of(optimizer), record, model, device)?;
    Ok(RecordedOptimizer::resumed(optimizer, model, state, device))
}

fn read(
    rule: &UpdateRule,
    record: OptimizerRecord,
    model: &Mlp,
    device: &Device,
) -> Result<(usize, HashMap<ParamId, Buffers>), RecordError> {
    let reader = Reader::from_bytes(record.into_bytes()?)?;
    let mut source = StateSource::new(reader.scalars().clone());
    for tensor in reader.into_tensors()? {
        let (name, dtype, shape, _, bytes) = tensor.into_parts()?;
        source.insert_tensor(name, TensorData::from_bytes(bytes, shape, dtype));
    }
    let mut states = StateReader {
        rule,
        source,
        device,
        state: HashMap::new(),
        times: BTreeSet::new(),
        without: 0,
        misshapen: 0,
    };
    model.visit(&mut states);
    let StateReader {
        state,
        times,
        without,
        misshapen,
        ..
    } = states;
    if misshapen > 0 {
        return Err(RecordError::Validation(format!(
            "the optimiser's state has another size than the parameter for {misshapen} of the \
             network's parameter tensors"
        )));
    }
    let time = match (times.first(), times.len(), without) {
        (None, _, _) => 0,
        (Some(&time), 1, 0) => time,
        (Some(_), 1, without) => {
            return Err(RecordError::Validation(format!(
                "the optimiser's state is missing for {without} of the network's parameter \
                 tensors"
            )))
        }
        _ => {
            return Err(RecordError::Validation(format!(
                "the optimiser's state holds different step counts ({times:?}) for the \
                 network's parameter tensors"
            )))
        }
    };
    Ok((time, state))
}

/// Flattens each parameter's state as Burn's `ModuleOptimizer::to_record` does.
struct StateWriter<'a> {
    optimizer: &'a RecordedOptimizer,
    /// The module path walked so far (Burn records it per parameter).
    path: Vec<String>,
    tensors: Vec<burn_pack::Tensor>,
    scalars: Vec<(String, Scalar)>,
    paths: Vec<(String, String)>,
}

impl ModuleVisitor for StateWriter<'_> {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_string());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let Some(buffers) = self.optimizer.state.get(&param.id) else {
            return;
        };
        let dims = param.val().dims();
        let shaped: Vec<Tensor<D>> = buffers.0.iter().map(|t| t.clone().reshape(dims)).collect();
        let id = param.id.val();
        let prefix = id.to_string();
        let mut sink = StateSink::default();
        flatten(
            &self.optimizer.rule,
            self.optimizer.time,
            shaped,
            &prefix,
            &mut sink,
        );
        for (name, data) in sink.tensors {
            let (bytes, shape, dtype) = data.into_parts();
            let tensor = burn_pack::Tensor::new(name, dtype, shape, Some(id), bytes);
            self.tensors.push(tensor);
        }
        self.scalars.extend(sink.scalars);
        self.scalars
            .push((join_path(&prefix, RANK_KEY), Scalar::from(D)));
        self.paths.push((prefix, self.path.join(".")));
    }
}

/// One parameter's state (`buffers`, shaped as the parameter) as Burn's state type for `rule`,
/// flattened under `prefix`.
fn flatten<const D: usize>(
    rule: &UpdateRule,
    time: usize,
    buffers: Vec<Tensor<D>>,
    prefix: &str,
    sink: &mut StateSink,
) {
    let mut buffers = buffers.into_iter();
    let mut next = || buffers.next();
    match rule {
        UpdateRule::Sgd { .. } => {
            SgdState::new(next().map(MomentumState::new)).state_flatten(prefix, sink)
        }
        UpdateRule::RmsProp { .. } => {
            if let Some(square_avg) = next() {
                RmsPropState::new(
                    SquareAvgState::new(square_avg.clone()),
                    CenteredState::new(None, square_avg),
                    None,
                )
                .state_flatten(prefix, sink)
            }
        }
        UpdateRule::Adam(_) | UpdateRule::AdamW { .. } => {
            if let (Some(first), Some(second)) = (next(), next()) {
                let momentum = AdaptiveMomentumState::new(time, first, second);
                match rule {
                    UpdateRule::Adam(_) => AdamState::new(momentum).state_flatten(prefix, sink),
                    _ => AdamWState::new(momentum).state_flatten(prefix, sink),
                }
            }
        }
    }
}

/// Unflattens each parameter's state as Burn's `ModuleOptimizer::load_record` does.
struct StateReader<'a> {
    rule: &'a UpdateRule,
    source: StateSource,
    device: &'a Device,
    state: HashMap<ParamId, Buffers>,
    /// The step counts found.
    times: BTreeSet<usize>,
    /// Parameter tensors without a state.
    without: usize,
    /// Parameter tensors whose state has another size than theirs.
    misshapen: usize,
}

impl ModuleVisitor for StateReader<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let prefix = param.id.val().to_string();
        // Burn writes the rank of every parameter it holds a state for, even an empty state.
        let recorded =
            self.source.take_scalar(&prefix, RANK_KEY).is_some() || self.source.has_under(&prefix);
        let unflattened = recorded
            .then(|| unflatten::<D>(self.rule, &prefix, &mut self.source, self.device))
            .flatten();
        let Some((time, buffers)) = unflattened else {
            self.without += 1;
            return;
        };
        let count = param.val().shape().num_elements();
        if buffers.iter().any(|t| t.shape().num_elements() != count) {
            self.misshapen += 1;
            return;
        }
        self.times.insert(time);
        let flat = buffers.into_iter().map(|t| t.reshape([count])).collect();
        self.state.insert(param.id, Buffers(flat));
    }
}

/// One parameter's state of `rule`'s kind under `prefix`: its step count (1 for SGD and
/// RMSprop) and buffers; `None` if the record holds another kind, or misses part of it.
fn unflatten<const D: usize>(
    rule: &UpdateRule,
    prefix: &str,
    source: &mut StateSource,
    device: &Device,
) -> Option<(usize, Vec<Tensor<D>>)> {
    match rule {
        UpdateRule::Sgd { momentum, .. } => {
            let state = SgdState::<D>::state_unflatten(prefix, source, device)?;
            match (momentum, state.momentum) {
                (Some(_), Some(velocity)) => Some((1, vec![tensor_of(&velocity, device)?])),
                (Some(_), None) => None,
                (None, _) => Some((1, Vec::new())),
            }
        }
        UpdateRule::RmsProp { .. } => {
            let state = RmsPropState::<D>::state_unflatten(prefix, source, device)?;
            Some((1, vec![state.square_avg.square_avg]))
        }
        UpdateRule::Adam(_) => {
            let momentum = AdamState::<D>::state_unflatten(prefix, source, device)?.momentum;
            Some((momentum.time, vec![momentum.moment_1, momentum.moment_2]))
        }
        UpdateRule::AdamW { .. } => {
            let momentum = AdamWState::<D>::state_unflatten(prefix, source, device)?.momentum;
            Some((momentum.time, vec![momentum.moment_1, momentum.moment_2]))
        }
    }
}

/// The one tensor of a state whose field Burn keeps private (SGD's velocity), through Burn's
/// own flattening.
fn tensor_of<const D: usize, S: RecordState>(state: &S, device: &Device) -> Option<Tensor<D>> {
    let mut sink = StateSink::default();
    state.state_flatten("", &mut sink);
    let (_, data) = sink.tensors.into_iter().next()?;
    Some(Tensor::from_data(data, device))
}
