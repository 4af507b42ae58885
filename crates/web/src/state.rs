//! What every request shares: where the runs are, the loaded models, a bound on parallel work.

use std::path::{Path, PathBuf};

use tokio::sync::Semaphore;

use crate::error::ApiError;
use crate::models::Models;

pub struct AppState {
    /// The folder holding the run folders.
    pub artifacts: PathBuf,
    pub models: Models,
    /// Permits for decoding and predicting, so a burst of requests queues instead of
    /// decoding hundreds of images at once.
    pub work: Semaphore,
}

impl AppState {
    pub fn new(artifacts: PathBuf, models: Models) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        AppState {
            artifacts,
            models,
            work: Semaphore::new(cores),
        }
    }

    /// What `infer --json` says about an image, plus the model's name and the 28x28 input.
    /// Blocking.
    pub fn predict(
        &self,
        bytes: &[u8],
        model: &str,
        name: &Path,
    ) -> Result<serde_json::Value, ApiError> {
        let classifier = self.models.get(model)?;
        let digit = infer::read_digit(bytes, name)?;
        let classifier = classifier
            .lock()
            .map_err(|_| ApiError::internal("the model is unusable after a crash"))?;
        let prediction = classifier.predict(&[digit])?.remove(0);
        let mut answer = infer::cli::json_report(
            &classifier,
            name,
            &prediction,
            infer::DEFAULT_MIN_CONFIDENCE,
        );
        answer["model"] = serde_json::json!(model);
        answer["input"] = serde_json::json!(digit.to_vec());
        Ok(answer)
    }
}
