//! The JSON API: thin handlers over the same library calls the command lines make.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{to_bytes, Body};
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{header, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use mnist_runs::{is_plain_run_name, list_runs, run_detail, RunInfo};
use mnist_runs::{RunDir, RunsError};
use serde::Serialize;

use crate::error::ApiError;
use crate::models::SHIPPED;
use crate::state::AppState;

/// The largest image accepted by `POST /api/predict`.
pub const MAX_UPLOAD: usize = 10 * 1024 * 1024;

/// `POST /api/predict[?model=NAME]`, body: image bytes. Answers `infer --json`'s object for
/// the image, plus `model` and `input` (the 28x28 grey levels the network saw, row by row).
pub async fn predict(
    State(state): State<Arc<AppState>>,
    Query(query): Query<HashMap<String, String>>,
    body: Body,
) -> Result<Json<serde_json::Value>, ApiError> {
    let bytes = read_upload(body, state.timeouts.body).await?;
    let model = model_of(&query);
    let name = query
        .get("name")
        .cloned()
        .unwrap_or_else(|| "the uploaded image".into());
    let _permit = state.permit().await?;
    let worker = state.clone();
    tokio::task::spawn_blocking(move || worker.predict(&bytes, &model, Path::new(&name)))
        .await
        .map_err(|e| ApiError::internal(format!("the prediction failed: {e}")))?
        .map(Json)
}

/// The model a request names (`?model=NAME`), the shipped one by default.
pub fn model_of(query: &HashMap<String, String>) -> String {
    query
        .get("model")
        .map_or(SHIPPED, String::as_str)
        .to_string()
}

/// The whole body of an upload, within the size limit and the time a client has to send it.
pub async fn read_upload(body: Body, deadline: Duration) -> Result<axum::body::Bytes, ApiError> {
    match tokio::time::timeout(deadline, to_bytes(body, MAX_UPLOAD)).await {
        Err(_) => Err(ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            format!(
                "the upload did not arrive within {} s",
                deadline.as_secs_f64()
            ),
        )),
        Ok(Err(_)) => Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the upload is over {} MiB", MAX_UPLOAD >> 20),
        )),
        Ok(Ok(bytes)) => Ok(bytes),
    }
}

/// One model the page can choose.
#[derive(Serialize)]
pub struct ModelChoice {
    pub name: String,
    pub dataset: String,
    pub test_accuracy: Option<f64>,
}

/// `GET /api/models`: the shipped model, then every finished run that holds a model.
pub async fn models(
    State(state): State<Arc<AppState>>,
) -> Result<Json<Vec<ModelChoice>>, ApiError> {
    let shipped = state.models.folder(SHIPPED)?;
    let mut choices = Vec::new();
    if let (Some(parent), Some(dir)) = (shipped.parent(), shipped.file_name()) {
        if let Ok(detail) = run_detail(parent, &dir.to_string_lossy()) {
            choices.push(choice(SHIPPED, &detail.info));
        }
    }
    for run in runs_of(&state).await? {
        let same_as_shipped = RunDir::new(&state.artifacts, &run.name).path == shipped;
        if run.has_model && !same_as_shipped {
            choices.push(choice(&run.name, &run));
        }
    }
    Ok(Json(choices))
}

fn choice(name: &str, run: &RunInfo) -> ModelChoice {
    ModelChoice {
        name: name.to_string(),
        dataset: run.dataset.clone(),
        test_accuracy: run.test_accuracy,
    }
}

async fn runs_of(state: &Arc<AppState>) -> Result<Vec<RunInfo>, ApiError> {
    let artifacts = state.artifacts.clone();
    tokio::task::spawn_blocking(move || list_runs(&artifacts))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?
        .map_err(|e| {
            eprintln!("listing the runs: {e}");
            ApiError::internal("the runs cannot be listed (the server's log says why)")
        })
}

/// `GET /api/runs`: every run folder's facts.
pub async fn runs(State(state): State<Arc<AppState>>) -> Result<Json<Vec<RunInfo>>, ApiError> {
    runs_of(&state).await.map(Json)
}

/// `GET /api/runs/{name}`: one run's facts, per-epoch metrics, config and pictures.
pub async fn run(
    State(state): State<Arc<AppState>>,
    UrlPath(name): UrlPath<String>,
) -> Result<Json<serde_json::Value>, ApiError> {
    check_run_name(&name)?;
    let artifacts = state.artifacts.clone();
    let detail = tokio::task::spawn_blocking(move || {
        let detail = run_detail(&artifacts, &name).map_err(|e| run_error(&name, e))?;
        let dir = RunDir::new(&artifacts, &name);
        let pictures: Vec<&str> = mnist_report::FILES
            .iter()
            .copied()
            .filter(|f| dir.path.join(f).is_file())
            .collect();
        let mut value = serde_json::to_value(&detail)
            .map_err(|e| ApiError::internal(format!("run {name:?}: {e}")))?;
        value["pictures"] = serde_json::json!(pictures);
        Ok::<_, ApiError>(value)
    })
    .await
    .map_err(|e| ApiError::internal(e.to_string()))??;
    Ok(Json(detail))
}

/// `GET /api/runs/{name}/{picture}`: one of the pictures `train` draws (PNG), nothing else.
pub async fn picture(
    State(state): State<Arc<AppState>>,
    UrlPath((name, picture)): UrlPath<(String, String)>,
) -> Result<Response, ApiError> {
    check_run_name(&name)?;
    if !mnist_report::FILES.contains(&picture.as_str()) {
        return Err(ApiError::not_found(format!(
            "{picture:?} is not a run picture (one of {})",
            mnist_report::FILES.join(", ")
        )));
    }
    let path = RunDir::new(&state.artifacts, &name).path.join(&picture);
    let bytes = tokio::fs::read(&path)
        .await
        .map_err(|_| ApiError::not_found(format!("run {name:?} has no {picture}")))?;
    Ok(([(header::CONTENT_TYPE, "image/png")], bytes).into_response())
}

/// A run folder that cannot be read, said without the server's paths: a missing run is the
/// client's mistake (404); anything else is the server's, logged where the server runs.
fn run_error(name: &str, error: RunsError) -> ApiError {
    match error {
        RunsError::RunFolder(_) => ApiError::not_found(format!("run {name:?} not found")),
        other => {
            eprintln!("run {name:?}: {other}");
            ApiError::internal(format!(
                "run {name:?} cannot be read (the server's log says why)"
            ))
        }
    }
}

fn check_run_name(name: &str) -> Result<(), ApiError> {
    if is_plain_run_name(name) {
        Ok(())
    } else {
        Err(ApiError::bad_request(format!(
            "{name:?} is not a run name (a folder name inside the artifacts folder)"
        )))
    }
}

/// Any other route.
pub async fn unknown(method: Method, uri: Uri) -> ApiError {
    ApiError::not_found(format!("no such route: {method} {}", uri.path()))
}
