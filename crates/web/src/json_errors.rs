//! Every error the server answers has the API's one shape, `{"error": "..."}`: the ones our
//! handlers make, and the ones axum makes itself (a method a route does not take, a query
//! that does not parse), which would otherwise be plain text or empty.

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;

/// Rewrites a 4xx or 5xx answer that is not JSON into the API's error shape, keeping its status
/// and headers.
pub async fn json_errors(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_string();
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    let message = if status == StatusCode::METHOD_NOT_ALLOWED {
        // axum adds the `Allow` header on the way out, past this layer.
        format!("{method} is not allowed on {path}")
    } else {
        format!(
            "{method} {path}: {}",
            status.canonical_reason().unwrap_or("refused")
        )
    };
    let rewritten = ApiError::new(status, message).into_response();
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let (_, body) = rewritten.into_parts();
    Response::from_parts(parts, body)
}
