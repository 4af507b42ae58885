//! `POST /api/explain` and `GET /api/weights`: inside the network, for the page to draw (every
//! layer's activations for an image, the weights into any unit), from `infer::explain`.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Query, State};
use axum::Json;
use serde_json::json;

use crate::api::{model_of, read_upload};
use crate::error::ApiError;
use crate::state::AppState;

/// `POST /api/explain[?model=NAME][&digit=K]`, body: image bytes. The image is read as
/// `/api/predict` reads it; for digit K of it (0, the first, by default): the 28x28 input,
/// each hidden layer's activations, the output layer's logits and probabilities, and the last
/// hidden layer's units by what they added to the answer.
pub async fn explain(
    State(state): State<Arc<AppState>>,
    Query(query): Query<HashMap<String, String>>,
    body: Body,
) -> Result<Json<serde_json::Value>, ApiError> {
    let bytes = read_upload(body, state.timeouts.body).await?;
    let model = model_of(&query);
    let digit: usize = match query.get("digit") {
        None => 0,
        Some(k) => k
            .parse()
            .map_err(|_| ApiError::bad_request(format!("digit={k:?}: not a digit's position")))?,
    };
    let _permit = state.permit().await?;
    let worker = state.clone();
    tokio::task::spawn_blocking(move || {
        worker.with_classifier(&model, |classifier| {
            explained(classifier, &model, &bytes, digit)
        })
    })
    .await
    .map_err(|e| ApiError::internal(format!("the explanation failed: {e}")))?
}

/// The explanation of digit `digit` of the image `bytes`, as `/api/explain` answers it.
fn explained(
    classifier: &infer::Classifier,
    model: &str,
    bytes: &[u8],
    digit: usize,
) -> Result<Json<serde_json::Value>, ApiError> {
    let digits = infer::read_for(classifier, bytes, Path::new("the uploaded image"))?;
    let seen = digits.get(digit).ok_or_else(|| {
        ApiError::bad_request(format!(
            "digit={digit}: the image holds {} digit(s)",
            digits.len()
        ))
    })?;
    let explanation = classifier.explain(seen)?;
    let class_names: Vec<&str> = (0..explanation.logits.len())
        .map(|c| classifier.class_name(c))
        .collect();
    Ok(Json(json!({
        "model": model,
        "digit": digit,
        "digits": digits.len(),
        "class_names": class_names,
        "answer": explanation.answer,
        "class": classifier.class_name(explanation.answer),
        "seen": seen.to_vec(),
        "explanation": explanation,
    })))
}

/// `GET /api/weights?model=NAME&layer=L&unit=U`: the weights into unit U of dense layer L (0 =
/// the first hidden layer), one per input, and its bias.
pub async fn weights(
    State(state): State<Arc<AppState>>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let model = model_of(&query);
    let number = |key: &str| -> Result<usize, ApiError> {
        let value = query
            .get(key)
            .ok_or_else(|| ApiError::bad_request(format!("{key}=N is missing")))?;
        value
            .parse()
            .map_err(|_| ApiError::bad_request(format!("{key}={value:?}: not a number")))
    };
    let (layer, unit) = (number("layer")?, number("unit")?);
    let worker = state.clone();
    tokio::task::spawn_blocking(move || {
        let layers = worker.with_classifier(&model, |c| Ok(c.layer_weights()?))?;
        let count = layers.len();
        let dense = layers.get(layer).ok_or_else(|| {
            ApiError::bad_request(format!(
                "layer={layer}: the network has layers 0 to {}",
                count - 1
            ))
        })?;
        let incoming = dense.incoming(unit).ok_or_else(|| {
            ApiError::bad_request(format!(
                "unit={unit}: layer {layer} has units 0 to {}",
                dense.outputs - 1
            ))
        })?;
        Ok(Json(json!({
            "model": model,
            "layer": layer,
            "unit": unit,
            "inputs": dense.inputs,
            "weights": incoming,
            "bias": dense.biases[unit],
        })))
    })
    .await
    .map_err(|e| ApiError::internal(format!("the weights cannot be read: {e}")))?
}
