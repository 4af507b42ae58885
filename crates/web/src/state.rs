//! What every request shares: where the runs are, the loaded models, a bound on parallel work.

use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::error::ApiError;
use crate::mistakes::TestSets;
use crate::models::Models;
use crate::train_command::TrainCommand;
use crate::training::Trainer;

pub struct AppState {
    /// The folder holding the run folders.
    pub artifacts: PathBuf,
    pub models: Models,
    /// Permits for decoding and predicting, so a burst of requests queues instead of
    /// decoding hundreds of images at once.
    pub work: Semaphore,
    pub timeouts: Timeouts,
    /// The page's training slot: one run at a time.
    pub trainer: std::sync::Arc<Trainer>,
    pub test_sets: TestSets,
}

/// How long a client may take to send a request, before it is answered 408.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// From connecting (or the previous answer) to the end of the request's headers.
    pub headers: Duration,
    /// From the headers to the end of the body (an upload).
    pub body: Duration,
}

impl Default for Timeouts {
    /// Ten seconds each: an upload of the largest image accepted takes well under a second on
    /// any network a person draws on.
    fn default() -> Self {
        Timeouts {
            headers: Duration::from_secs(10),
            body: Duration::from_secs(10),
        }
    }
}

impl AppState {
    pub fn new(artifacts: PathBuf, models: Models) -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        AppState {
            artifacts,
            models,
            work: Semaphore::new(cores),
            timeouts: Timeouts::default(),
            trainer: std::sync::Arc::new(Trainer::new(
                mnist_data::workspace_root().join("configs"),
                true,
                TrainCommand::find(&mnist_data::workspace_root()),
            )),
            test_sets: TestSets::default(),
        }
    }

    /// The same state with training from the page allowed or not, its recipes in `recipes`,
    /// and `command` starting each run.
    pub fn with_training(self, recipes: PathBuf, allowed: bool, command: TrainCommand) -> Self {
        AppState {
            trainer: std::sync::Arc::new(Trainer::new(recipes, allowed, command)),
            ..self
        }
    }

    /// The same state with other deadlines for slow clients.
    pub fn with_timeouts(self, timeouts: Timeouts) -> Self {
        AppState { timeouts, ..self }
    }

    /// What `infer --json` says about an image (one digit, or a number digit by digit), plus
    /// the model's name and the 28x28 inputs the network saw: `input` for one digit, `inputs`
    /// (one per digit, left to right) for a number. Blocking.
    pub fn predict(
        &self,
        bytes: &[u8],
        model: &str,
        name: &Path,
    ) -> Result<serde_json::Value, ApiError> {
        self.with_classifier(model, |classifier| {
            Self::answer(classifier, bytes, model, name)
        })
    }

    /// A turn at the bounded pool that decodes, predicts and evaluates: held while the work runs.
    pub async fn permit(&self) -> Result<tokio::sync::SemaphorePermit<'_>, ApiError> {
        self.work
            .acquire()
            .await
            .map_err(|_| ApiError::internal("the server is shutting down"))
    }

    /// Runs `f` with model `name`'s classifier, loaded on first use and held for the call.
    /// Blocking: call off the async threads.
    pub fn with_classifier<T>(
        &self,
        name: &str,
        f: impl FnOnce(&infer::Classifier) -> Result<T, ApiError>,
    ) -> Result<T, ApiError> {
        let classifier = self.models.get(name)?;
        let classifier = classifier
            .lock()
            .map_err(|_| ApiError::internal("the model is unusable after a crash"))?;
        f(&classifier)
    }

    fn answer(
        classifier: &infer::Classifier,
        bytes: &[u8],
        model: &str,
        name: &Path,
    ) -> Result<serde_json::Value, ApiError> {
        let digits = infer::read_for(classifier, bytes, name)?;
        let predictions = classifier.predict(&digits)?;
        let mut answer = infer::cli::number_json(
            classifier,
            name,
            &predictions,
            infer::DEFAULT_MIN_CONFIDENCE,
        );
        answer["model"] = serde_json::json!(model);
        match digits.as_slice() {
            [digit] => answer["input"] = serde_json::json!(digit.to_vec()),
            _ => {
                let inputs: Vec<Vec<u8>> = digits.iter().map(|d| d.to_vec()).collect();
                answer["inputs"] = serde_json::json!(inputs);
            }
        }
        Ok(answer)
    }
}
