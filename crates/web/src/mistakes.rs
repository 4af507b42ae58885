//! `GET /api/runs/{name}/mistakes`: what a model gets wrong on its data set's test images, with
//! the confusion matrix to filter them by (true class x answer).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Path as UrlPath, State};
use axum::http::StatusCode;
use axum::Json;
use mnist_data::{locate_data_dir, workspace_root, DatasetKind, MnistData, Split, NUM_CLASSES};
use serde_json::json;

use crate::error::ApiError;
use crate::state::AppState;

/// The test splits read so far, by data set: read once, kept.
#[derive(Default)]
pub struct TestSets(Mutex<HashMap<DatasetKind, Arc<Split>>>);

impl TestSets {
    /// The test split of `kind`, found as `train` and `eval` find the data.
    fn get(&self, kind: DatasetKind) -> Result<Arc<Split>, ApiError> {
        let mut sets = self
            .0
            .lock()
            .map_err(|_| ApiError::internal("the test sets are unusable after a crash"))?;
        if let Some(split) = sets.get(&kind) {
            return Ok(split.clone());
        }
        let missing = |e: mnist_data::DataError| {
            eprintln!("{kind:?}'s test set: {e}");
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!(
                    "the {} test set is not on the server's machine (`cargo xtask fetch-data` \
                     gets it)",
                    kind.dir_name()
                ),
            )
        };
        let dir = locate_data_dir(None, None, kind, &workspace_root()).map_err(missing)?;
        let split = Arc::new(MnistData::load(&dir.path).map_err(missing)?.test);
        sets.insert(kind, split.clone());
        Ok(split)
    }
}

/// Every test image model `name` misreads (its pixels, label, answer and confidence), and the
/// confusion matrix of all its answers, rows the true class.
pub async fn mistakes(
    State(state): State<Arc<AppState>>,
    UrlPath(name): UrlPath<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let _permit = state.permit().await?;
    let worker = state.clone();
    tokio::task::spawn_blocking(move || {
        worker.with_classifier(&name, |classifier| {
            misread(classifier, &name, &worker.test_sets)
        })
    })
    .await
    .map_err(|e| ApiError::internal(format!("the evaluation failed: {e}")))?
}

/// Every test image `classifier` misreads and the confusion matrix of all its answers.
fn misread(
    classifier: &infer::Classifier,
    name: &str,
    test_sets: &TestSets,
) -> Result<Json<serde_json::Value>, ApiError> {
    let kind = if classifier.reads_digits() {
        DatasetKind::Mnist
    } else {
        DatasetKind::FashionMnist
    };
    let test = test_sets.get(kind)?;
    let mut confusion = [[0usize; NUM_CLASSES]; NUM_CLASSES];
    let mut wrong = Vec::new();
    for start in (0..test.len()).step_by(1000) {
        let end = (start + 1000).min(test.len());
        let images: Vec<[u8; mnist_data::IMAGE_PIXELS]> = (start..end)
            .map(|i| {
                let mut image = [0u8; mnist_data::IMAGE_PIXELS];
                image.copy_from_slice(test.image(i));
                image
            })
            .collect();
        for (offset, prediction) in classifier.predict(&images)?.iter().enumerate() {
            let index = start + offset;
            let (label, answer) = (usize::from(test.label(index)), prediction.digit());
            confusion[label][answer] += 1;
            if label != answer {
                wrong.push(json!({
                    "index": index,
                    "label": label,
                    "answer": answer,
                    "confidence": prediction.confidence(),
                    "pixels": images[offset].to_vec(),
                }));
            }
        }
    }
    let class_names: Vec<&str> = (0..NUM_CLASSES).map(|c| classifier.class_name(c)).collect();
    Ok(Json(json!({
        "model": name,
        "dataset": kind.dir_name(),
        "class_names": class_names,
        "test_images": test.len(),
        "right": test.len() - wrong.len(),
        "confusion": confusion,
        "mistakes": wrong,
    })))
}
