//! The burn-mnist web page: draw a digit and watch the network read it, browse runs and
//! watch training live. A thin HTTP layer (axum) over the library calls `infer` and `train` make.

mod api;
mod assets;
pub mod cli;
mod error;
mod json_errors;
mod models;
mod serve;
mod state;

use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;

pub use api::MAX_UPLOAD;
pub use error::ApiError;
pub use models::{Models, SHIPPED};
pub use state::{AppState, Timeouts};

/// Every route of the page and its API.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/", get(assets::index))
        .route("/app.js", get(assets::script))
        .route("/style.css", get(assets::style))
        .route("/api/predict", post(api::predict))
        .route("/api/models", get(api::models))
        .route("/api/runs", get(api::runs))
        .route("/api/runs/{name}", get(api::run))
        .route("/api/runs/{name}/{picture}", get(api::picture))
        .fallback(api::unknown)
        .layer(axum::middleware::from_fn(json_errors::json_errors))
        .with_state(state)
}

/// Serves the page on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<AppState>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let timeouts = state.timeouts;
    serve::serve(listener, router(state), timeouts, shutdown).await
}
