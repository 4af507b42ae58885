//! A trained model on disk: `model.json` (the shape) and `model.bpk` (the weights) in one folder.

use std::path::{Path, PathBuf};

use burn::module::Module;
use burn::tensor::Device;

use crate::{Mlp, MlpConfig};

/// The folder (relative to the workspace or the working directory) that holds run folders,
/// unless a config or `--artifacts-dir` says otherwise; the shipped model is a run folder in it.
pub const ARTIFACTS_DIR: &str = "artifacts";
/// The file holding the network's shape, as Burn config JSON.
pub const MODEL_CONFIG_FILE: &str = "model.json";
/// The file stem of the weights; Burn adds the `.bpk` extension when saving.
pub const MODEL_WEIGHTS_STEM: &str = "model";
/// The weights file as it lies on disk.
pub const MODEL_WEIGHTS_FILE: &str = "model.bpk";
/// The folder of a run's per-epoch checkpoints: `model-N.bpk` (and Burn's optimiser and
/// scheduler states).
pub const CHECKPOINT_DIR: &str = "checkpoint";

/// The weights checkpointed after epoch `epoch` of the run in `dir`.
pub fn checkpoint_weights(dir: &Path, epoch: usize) -> PathBuf {
    dir.join(CHECKPOINT_DIR).join(format!("model-{epoch}.bpk"))
}

/// The epochs whose weights are checkpointed in the run `dir`, in order.
pub fn checkpointed_epochs(dir: &Path) -> Vec<usize> {
    let mut epochs: Vec<usize> = std::fs::read_dir(dir.join(CHECKPOINT_DIR))
        .map(|entries| {
            entries
                .filter_map(|e| {
                    let name = e.ok()?.file_name().to_string_lossy().into_owned();
                    name.strip_prefix("model-")?
                        .strip_suffix(".bpk")?
                        .parse::<usize>()
                        .ok()
                })
                .collect()
        })
        .unwrap_or_default();
    epochs.sort_unstable();
    epochs
}

/// Why a model folder could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{0} is not a model folder: it has no {MODEL_CONFIG_FILE} (train one with `cargo xtask train`, or pass --model DIR)")]
    NotAModel(PathBuf),
    #[error("{path}: {message}")]
    BadConfig { path: PathBuf, message: String },
    #[error("{path}: cannot load the weights: {message}")]
    BadWeights { path: PathBuf, message: String },
    #[error("{dir} was interrupted at epoch {}: it has no final model; run its train command again with --resume to finish it, or use a finished epoch's weights with --checkpoint N (checkpointed: {})", last + 1, epochs.iter().map(|e| e.to_string()).collect::<Vec<_>>().join(", "))]
    Interrupted {
        dir: PathBuf,
        last: usize,
        epochs: Vec<usize>,
    },
    #[error("{dir} has no checkpoint of epoch {epoch} (checkpointed: {})", if epochs.is_empty() { "none".to_string() } else { epochs.iter().map(|e| e.to_string()).collect::<Vec<_>>().join(", ") })]
    NoCheckpoint {
        dir: PathBuf,
        epoch: usize,
        epochs: Vec<usize>,
    },
}

/// Reads the shape and weights saved in `dir` and builds the network on `device`.
pub fn load_trained(dir: &Path, device: &Device) -> Result<(Mlp, MlpConfig), LoadError> {
    load_weights(dir, None, device)
}

/// [`load_trained`], or with `checkpoint: Some(N)` the weights checkpointed after epoch N
/// (of a finished or an interrupted run).
pub fn load_weights(
    dir: &Path,
    checkpoint: Option<usize>,
    device: &Device,
) -> Result<(Mlp, MlpConfig), LoadError> {
    let config_path = dir.join(MODEL_CONFIG_FILE);
    if !config_path.is_file() {
        return Err(LoadError::NotAModel(dir.to_path_buf()));
    }
    let config = read_config(&config_path)?;
    if config.hidden.contains(&0) || config.inputs == 0 || config.classes == 0 {
        return Err(LoadError::BadConfig {
            path: config_path,
            message: "every layer needs at least one unit".into(),
        });
    }
    if !(0.0..1.0).contains(&config.dropout) {
        return Err(LoadError::BadConfig {
            path: config_path,
            message: format!("dropout must be in [0, 1); got {}", config.dropout),
        });
    }
    let weights = match checkpoint {
        Some(epoch) => {
            let file = checkpoint_weights(dir, epoch);
            if !file.is_file() {
                return Err(LoadError::NoCheckpoint {
                    dir: dir.to_path_buf(),
                    epoch,
                    epochs: checkpointed_epochs(dir),
                });
            }
            file
        }
        None => dir.join(MODEL_WEIGHTS_FILE),
    };
    let epochs = checkpointed_epochs(dir);
    if checkpoint.is_none() && !weights.is_file() && !epochs.is_empty() {
        return Err(LoadError::Interrupted {
            dir: dir.to_path_buf(),
            last: epochs.last().copied().unwrap_or(0),
            epochs,
        });
    }
    if !weights.is_file() {
        return Err(LoadError::BadWeights {
            path: weights,
            message: "file not found".into(),
        });
    }
    let model = config
        .init(device)
        .try_load_file(&weights)
        .map_err(|e| LoadError::BadWeights {
            path: weights,
            message: format!(
                "{e} ({MODEL_CONFIG_FILE} describes a {} network)",
                crate::ModelSummary::shape_label(&config)
            ),
        })?;
    Ok((model, config))
}

/// The value a setting had before it was saved.
type OldValue = fn() -> serde_json::Value;

/// Settings added after the first models were saved, with the values those models had.
const LATER_KEYS: [(&str, OldValue); 2] = [
    ("dropout", || serde_json::json!(0.0)),
    ("class_names", || serde_json::json!([])),
];

/// Parses `model.json`; a file saved before a key existed gets that key's old behaviour.
fn read_config(path: &Path) -> Result<MlpConfig, LoadError> {
    let bad = |message: String| LoadError::BadConfig {
        path: path.to_path_buf(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
    let mut value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| bad(format!("not JSON: {e}")))?;
    let object = value
        .as_object_mut()
        .ok_or_else(|| bad("expected a JSON object".into()))?;
    for (key, default) in LATER_KEYS {
        object.entry(key).or_insert_with(default);
    }
    serde_json::from_value(value).map_err(|e| bad(e.to_string()))
}
