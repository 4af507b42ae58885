//! API errors: an HTTP status and a one-line reason, answered as `{"error": "..."}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use infer::InferError;
use mnist_train::TrainError;

/// A request the server will not (or cannot) answer, and why.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    pub status: StatusCode,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }
}

impl From<InferError> for ApiError {
    /// What was wrong with an uploaded image: the client's fault (4xx), except a model that
    /// fails to run.
    fn from(e: InferError) -> Self {
        let status = match &e {
            InferError::UnsupportedFormat(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            InferError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            InferError::Empty(_) | InferError::Decode { .. } => StatusCode::BAD_REQUEST,
            InferError::NoDigit(_) => StatusCode::UNPROCESSABLE_ENTITY,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        Self::new(status, e.to_string())
    }
}

impl From<TrainError> for ApiError {
    /// Reading a run folder failed: a name that is not a run is the client's fault.
    fn from(e: TrainError) -> Self {
        match e {
            TrainError::RunFolder(message) => Self::not_found(message),
            other => Self::internal(other.to_string()),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Json(serde_json::json!({ "error": self.message }));
        (self.status, body).into_response()
    }
}
