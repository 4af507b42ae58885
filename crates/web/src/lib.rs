//! The burn-mnist web page: draw a digit and watch the network read it and what lights up
//! inside it, train a recipe, browse runs and what they get wrong, watch training live. A thin
//! HTTP layer (axum) over the library calls `infer` and `runs` make, and the `train` command.

mod api;
mod assets;
pub mod cli;
mod error;
mod inside;
mod json_errors;
mod mistakes;
mod models;
mod serve;
mod state;
mod train_command;
mod training;

use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;

pub use api::MAX_UPLOAD;
pub use error::ApiError;
pub use models::{Models, SHIPPED};
pub use state::{AppState, Timeouts};
pub use train_command::TrainCommand;
pub use training::MAX_EPOCHS;

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
        .route("/api/runs/{name}/mistakes", get(mistakes::mistakes))
        .route("/api/runs/{name}/resume", post(training::resume_route))
        .route("/api/runs/{name}/{picture}", get(api::picture))
        .route("/api/explain", post(inside::explain))
        .route("/api/weights", get(inside::weights))
        .route("/api/recipes", get(training::recipes_route))
        .route(
            "/api/train",
            get(training::state_route).post(training::start_route),
        )
        .route("/api/train/stop", post(training::stop_route))
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
