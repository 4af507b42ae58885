//! The models the page can ask: the shipped one and every run folder with a final model,
//! loaded once and kept (reloaded when a run's weights change).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use burn::tensor::Device;
use infer::Classifier;
use mnist_runs::is_plain_run_name;
use mnist_runs::RunDir;

use crate::error::ApiError;

/// The name that stands for the model shipped in the repository.
pub const SHIPPED: &str = "shipped";

type Loaded = (Option<SystemTime>, Arc<Mutex<Classifier>>);

/// Loaded classifiers by model folder.
pub struct Models {
    artifacts: PathBuf,
    shipped: PathBuf,
    device: Device,
    loaded: Mutex<HashMap<PathBuf, Loaded>>,
}

impl Models {
    pub fn new(artifacts: PathBuf, shipped: PathBuf, device: Device) -> Self {
        Models {
            artifacts,
            shipped,
            device,
            loaded: Mutex::new(HashMap::new()),
        }
    }

    /// The folder of model `name`: `shipped`, or a run folder inside the artifacts folder.
    pub fn folder(&self, name: &str) -> Result<PathBuf, ApiError> {
        if name == SHIPPED {
            return Ok(self.shipped.clone());
        }
        if !is_plain_run_name(name) {
            return Err(ApiError::bad_request(format!(
                "model {name:?}: not a run name (a folder name inside the artifacts folder)"
            )));
        }
        let dir = RunDir::new(&self.artifacts, name);
        if !dir.model_file().is_file() || !dir.model_config().is_file() {
            return Err(ApiError::not_found(format!(
                "model {name:?}: no finished run of that name holds a model"
            )));
        }
        Ok(dir.path)
    }

    /// The classifier of model `name`, loaded on first use (blocking: call off the async
    /// threads).
    pub fn get(&self, name: &str) -> Result<Arc<Mutex<Classifier>>, ApiError> {
        let folder = self.folder(name)?;
        let stamp = weights_stamp(&folder);
        let mut loaded = self
            .loaded
            .lock()
            .map_err(|_| ApiError::internal("the model cache is unusable after a crash"))?;
        if let Some((seen, classifier)) = loaded.get(&folder) {
            if *seen == stamp {
                return Ok(classifier.clone());
            }
        }
        let classifier = Classifier::load(&folder, &self.device).map_err(|e| {
            eprintln!("model {name:?}: {e}");
            ApiError::internal(format!(
                "model {name:?} cannot be loaded (the server's log says why)"
            ))
        })?;
        let classifier = Arc::new(Mutex::new(classifier));
        loaded.insert(folder, (stamp, classifier.clone()));
        Ok(classifier)
    }
}

/// When the weights file was last written: a retrained run is loaded again.
fn weights_stamp(folder: &Path) -> Option<SystemTime> {
    std::fs::metadata(folder.join(mnist_model::MODEL_WEIGHTS_FILE))
        .and_then(|m| m.modified())
        .ok()
}
