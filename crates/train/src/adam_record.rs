//! The captured step's Adam state ([`RecordedAdam`]) as Burn's own Adam record and back: the
//! `optim-N.bpk` a plain run checkpoints, so a captured run's checkpoints resume plainly and
//! the other way round.
//!
//! Burn's `ModuleOptimizer` writes, per parameter, its [`AdamState`] flattened by Burn's own
//! [`RecordState`] under the parameter's id (`{id}.momentum.moment_1`, `.moment_2`, `.time`),
//! the state's rank as the scalar `{id}.__rank`, and the parameter's module path as metadata,
//! in a burnpack container; `OptimizerRecord` is built only from such bytes. This file writes
//! and reads that container with Burn's state types and burn-pack, the crate Burn uses for it.

use std::collections::{BTreeSet, HashMap};

use burn::module::{Module, ModuleVisitor, Param, ParamId};
use burn::optim::{
    join_path, AdamState, AdaptiveMomentumState, OptimizerRecord, RecordState, StateSink,
    StateSource,
};
use burn::store::RecordError;
use burn::tensor::{Device, Tensor, TensorData};
use burn_pack::{Reader, Scalar, Writer};
use mnist_model::Mlp;

use crate::recorded_adam::{Moments, RecordedAdam};

/// The scalar Burn keeps each parameter state's rank under (`RANK_KEY` in Burn's
/// `module_optimizer.rs`).
const RANK_KEY: &str = "__rank";

/// `adam`'s state for `model`'s parameters as Burn's Adam record. Before the first step Burn
/// holds no state, and neither does the record.
pub(crate) fn write(adam: &RecordedAdam, model: &Mlp) -> Result<OptimizerRecord, RecordError> {
    if adam.time == 0 {
        return Ok(OptimizerRecord::default());
    }
    let mut writer = StateWriter {
        adam,
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

/// The step count and each parameter's moments (flattened, on `device`) in `record`, Burn's
/// Adam record for `model`; none for an empty record (a run not yet stepped). A record with
/// Adam's state for only some parameters, or with different step counts, is refused: Burn
/// would start the others afresh, at their own bias corrections.
pub(crate) fn read(
    record: OptimizerRecord,
    model: &Mlp,
    device: &Device,
) -> Result<(usize, HashMap<ParamId, Moments>), RecordError> {
    let reader = Reader::from_bytes(record.into_bytes()?)?;
    let mut source = StateSource::new(reader.scalars().clone());
    for tensor in reader.into_tensors()? {
        let (name, dtype, shape, _, bytes) = tensor.into_parts()?;
        source.insert_tensor(name, TensorData::from_bytes(bytes, shape, dtype));
    }
    let mut states = StateReader {
        source,
        device,
        moments: HashMap::new(),
        times: BTreeSet::new(),
        without: 0,
    };
    model.visit(&mut states);
    let StateReader {
        moments,
        times,
        without,
        ..
    } = states;
    let time = match (times.first(), times.len(), without) {
        (None, _, _) => 0,
        (Some(&time), 1, 0) => time,
        (Some(_), 1, without) => {
            return Err(RecordError::Validation(format!(
                "Adam's state is missing for {without} of the network's parameter tensors"
            )))
        }
        _ => {
            return Err(RecordError::Validation(format!(
                "Adam's state holds different step counts ({times:?}) for the network's \
                 parameter tensors"
            )))
        }
    };
    Ok((time, moments))
}

/// Flattens each parameter's state as Burn's `ModuleOptimizer::to_record` does.
struct StateWriter<'a> {
    adam: &'a RecordedAdam,
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
        let Some(moments) = self.adam.moments.get(&param.id) else {
            return;
        };
        let dims = param.val().dims();
        let state = AdamState::new(AdaptiveMomentumState::new(
            self.adam.time,
            moments.first.clone().reshape(dims),
            moments.second.clone().reshape(dims),
        ));
        let id = param.id.val();
        let prefix = id.to_string();
        let mut sink = StateSink::default();
        state.state_flatten(&prefix, &mut sink);
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

/// Unflattens each parameter's state as Burn's `ModuleOptimizer::load_record` does.
struct StateReader<'a> {
    source: StateSource,
    device: &'a Device,
    moments: HashMap<ParamId, Moments>,
    /// The step counts found.
    times: BTreeSet<usize>,
    /// Parameter tensors without a state.
    without: usize,
}

impl ModuleVisitor for StateReader<'_> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let prefix = param.id.val().to_string();
        let Some(state) = AdamState::<D>::state_unflatten(&prefix, &mut self.source, self.device)
        else {
            self.without += 1;
            return;
        };
        let momentum = state.momentum;
        let count = momentum.moment_1.shape().num_elements();
        self.times.insert(momentum.time);
        self.moments.insert(
            param.id,
            Moments {
                first: momentum.moment_1.reshape([count]),
                second: momentum.moment_2.reshape([count]),
            },
        );
    }
}
