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

/// Why a model folder could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("{0} is not a model folder: it has no {MODEL_CONFIG_FILE} (train one with `cargo xtask train`, or pass --model DIR)")]
    NotAModel(PathBuf),
    #[error("{path}: {message}")]
    BadConfig { path: PathBuf, message: String },
    #[error("{path}: cannot load the weights: {message}")]
    BadWeights { path: PathBuf, message: String },
}

/// Reads the shape and weights saved in `dir` and builds the network on `device`.
pub fn load_trained(dir: &Path, device: &Device) -> Result<(Mlp, MlpConfig), LoadError> {
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
    let weights = dir.join(MODEL_WEIGHTS_FILE);
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

/// Settings added after the first models were saved, with the values those models had.
const LATER_KEYS: [(&str, fn() -> serde_json::Value); 2] = [
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
