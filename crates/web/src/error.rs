//! API errors: an HTTP status and a one-line reason, answered as `{"error": "..."}`.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use infer::InferError;

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
            InferError::NoDigit(_) | InferError::TooManyDigits { .. } => {
                StatusCode::UNPROCESSABLE_ENTITY
            }
            _ => {
                // The server's own failure: its details (paths among them) stay in its log.
                eprintln!("predicting: {e}");
                return Self::internal("the prediction failed (the server's log says why)");
            }
        };
        Self::new(status, e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = Json(serde_json::json!({ "error": self.message }));
        (self.status, body).into_response()
    }
}
