//! Training from the page: one run at a time, started, stopped and resumed with the command a
//! terminal runs (`cargo xtask train --config ... --epochs ...`, see `train_command.rs`). Stop is
//! Ctrl-C's stop: the batch finishes, finished epochs stay checkpointed.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitStatus;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::http::StatusCode;
use mnist_runs::{is_plain_run_name, list_runs, RunConfig, RunDir, RunStatus, RunSummary};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;
use crate::train_command::{TrainCommand, Training};

/// The exit status of `train` stopped by Ctrl-C (128 + SIGINT), as shells report it.
const INTERRUPTED_EXIT: i32 = 130;

/// The most epochs a run started from the page may have.
pub const MAX_EPOCHS: usize = 100;

/// What `POST /api/train` asks for.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartRequest {
    /// A recipe of the recipes folder, by file stem (`sgd` for `configs/sgd.toml`).
    pub recipe: String,
    pub epochs: Option<usize>,
    pub seed: Option<u64>,
    /// The run folder's name; the recipe's own `name` by default.
    pub run_name: Option<String>,
}

/// The run training now.
#[derive(Debug, Clone, Serialize)]
pub struct Current {
    pub run: String,
    pub recipe: String,
    pub resumed: bool,
    #[serde(skip)]
    started: Instant,
    pub stopping: bool,
    /// The process training it.
    #[serde(skip)]
    process: Training,
}

/// How the last run started from the page ended.
#[derive(Debug, Clone, Serialize)]
pub struct Ended {
    pub run: String,
    /// `finished`, `stopped` (checkpoints kept: it can be resumed) or `failed`.
    pub outcome: &'static str,
    pub message: String,
    pub test_accuracy: Option<f64>,
}

/// What the page shows about training from it.
#[derive(Debug, Clone, Serialize)]
pub struct TrainingState {
    pub allowed: bool,
    pub current: Option<Current>,
    pub seconds: Option<f64>,
    pub last: Option<Ended>,
}

/// The run training now and how the last one ended.
type Slot = (Option<Current>, Option<Ended>);

/// The one training slot of the server.
pub struct Trainer {
    recipes: PathBuf,
    allowed: bool,
    command: TrainCommand,
    slot: Mutex<Slot>,
}

impl Trainer {
    pub fn new(recipes: PathBuf, allowed: bool, command: TrainCommand) -> Self {
        Trainer {
            recipes,
            allowed,
            command,
            slot: Mutex::new((None, None)),
        }
    }

    /// The recipes a run can be started from: the `.toml` files of the recipes folder, by stem.
    pub fn recipes(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(&self.recipes)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                    .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
                    .filter(|name| is_plain_run_name(name))
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        names
    }

    pub fn state(&self) -> Result<TrainingState, ApiError> {
        let slot = self.lock()?;
        Ok(TrainingState {
            allowed: self.allowed,
            seconds: slot.0.as_ref().map(|c| c.started.elapsed().as_secs_f64()),
            current: slot.0.clone(),
            last: slot.1.clone(),
        })
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Slot>, ApiError> {
        self.slot
            .lock()
            .map_err(|_| ApiError::internal("the training slot is unusable after a crash"))
    }

    /// Starts a fresh run of `request` in `artifacts`, refusing what `train` would refuse,
    /// before anything starts.
    pub fn start(
        self: &Arc<Self>,
        artifacts: &Path,
        request: StartRequest,
    ) -> Result<Current, ApiError> {
        self.check_allowed()?;
        let config = self.recipe_file(&request.recipe)?;
        if let Some(epochs) = request.epochs {
            if !(1..=MAX_EPOCHS).contains(&epochs) {
                return Err(ApiError::bad_request(format!(
                    "epochs {epochs}: from 1 to {MAX_EPOCHS}"
                )));
            }
        }
        let run = match &request.run_name {
            Some(name) => name.clone(),
            None => recipe_run_name(&config)?,
        };
        if !is_plain_run_name(&run) {
            return Err(ApiError::bad_request(format!(
                "run name {run:?}: letters, digits, '-', '_' and '.', not starting with '.'"
            )));
        }
        if RunDir::new(artifacts, &run).path.exists() {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                format!("run {run:?} exists: choose another name, or resume it from the Runs tab"),
            ));
        }
        let mut args = flags(&config, artifacts, &run);
        if let Some(epochs) = request.epochs {
            args.extend(["--epochs".into(), epochs.to_string().into()]);
        }
        if let Some(seed) = request.seed {
            args.extend(["--seed".into(), seed.to_string().into()]);
        }
        self.launch(artifacts, args, false, &request.recipe, run)
    }

    /// Resumes the stopped run `run` from its last checkpoint, with the settings it was
    /// started with (its own `config.toml`).
    pub fn resume(self: &Arc<Self>, artifacts: &Path, run: &str) -> Result<Current, ApiError> {
        self.check_allowed()?;
        let config = RunDir::new(artifacts, run).config();
        if !config.is_file() {
            return Err(ApiError::not_found(format!("run {run:?} not found")));
        }
        let mut args = flags(&config, artifacts, run);
        args.push("--resume".into());
        self.launch(artifacts, args, true, run, run.to_string())
    }

    /// Asks the run in progress to stop; `false` when none is.
    pub fn stop(&self) -> Result<Option<String>, ApiError> {
        let mut slot = self.lock()?;
        match slot.0.as_mut() {
            Some(current) => {
                current.stopping = true;
                current.process.interrupt();
                Ok(Some(current.run.clone()))
            }
            None => Ok(None),
        }
    }

    fn check_allowed(&self) -> Result<(), ApiError> {
        if self.allowed {
            Ok(())
        } else {
            Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "training from the page is off: the server does not listen on loopback only \
                 (start it with --allow-training to allow it)",
            ))
        }
    }

    fn recipe_file(&self, recipe: &str) -> Result<PathBuf, ApiError> {
        let file = self.recipes.join(format!("{recipe}.toml"));
        if !is_plain_run_name(recipe) || !file.is_file() {
            return Err(ApiError::bad_request(format!(
                "unknown recipe {recipe:?} (one of {})",
                self.recipes().join(", ")
            )));
        }
        Ok(file)
    }

    /// Takes the slot (one run at a time, whoever started it), starts `train` with `args` and a
    /// thread that waits for it.
    fn launch(
        self: &Arc<Self>,
        artifacts: &Path,
        args: Vec<OsString>,
        resumed: bool,
        recipe: &str,
        run: String,
    ) -> Result<Current, ApiError> {
        let mut slot = self.lock()?;
        if let Some(current) = &slot.0 {
            return Err(in_progress(&current.run));
        }
        if let Some(other) = training_elsewhere(artifacts) {
            return Err(in_progress(&other));
        }
        let process = self.command.spawn(&args).map_err(|e| {
            eprintln!("cannot start `{}`: {e}", self.command.shown());
            ApiError::internal(format!(
                "cannot start `{}`, which the page trains with: {e}",
                self.command.shown()
            ))
        })?;
        let current = Current {
            run: run.clone(),
            recipe: recipe.to_string(),
            resumed,
            started: Instant::now(),
            stopping: false,
            process: process.clone(),
        };
        slot.0 = Some(current.clone());
        let trainer = self.clone();
        let run_dir = RunDir::new(artifacts, &run);
        std::thread::spawn(move || {
            let ended = ended(&run_dir, &run, process.wait());
            if let Ok(mut slot) = trainer.slot.lock() {
                *slot = (None, Some(ended));
            }
        });
        Ok(current)
    }
}

/// `train`'s flags for the recipe `config`, the run folder `artifacts/run` and the CPU.
fn flags(config: &Path, artifacts: &Path, run: &str) -> Vec<OsString> {
    vec![
        "--config".into(),
        config.into(),
        "--run-name".into(),
        run.into(),
        "--artifacts-dir".into(),
        artifacts.into(),
        "--device".into(),
        "cpu".into(),
        "--no-dashboard".into(),
    ]
}

fn in_progress(run: &str) -> ApiError {
    ApiError::new(
        StatusCode::CONFLICT,
        format!("run {run:?} is training: one run at a time (stop it first)"),
    )
}

/// A run another process (a terminal's `train`) is training in the same artifacts folder.
fn training_elsewhere(artifacts: &Path) -> Option<String> {
    list_runs(artifacts)
        .ok()?
        .into_iter()
        .find(|r| r.status == RunStatus::Training)
        .map(|r| r.name)
}

/// The recipe's own run name (its `name` key).
fn recipe_run_name(config: &Path) -> Result<String, ApiError> {
    RunConfig::load(config)
        .map(|c| c.name)
        .map_err(|e| ApiError::bad_request(e.to_string()))
}

/// How a run's process ended, in the page's words.
fn ended(run_dir: &RunDir, run: &str, status: std::io::Result<ExitStatus>) -> Ended {
    let ended = |outcome, message: String, test_accuracy| Ended {
        run: run.to_string(),
        outcome,
        message,
        test_accuracy,
    };
    match status {
        Ok(status) if status.success() => match RunSummary::load(&run_dir.summary()) {
            Ok(summary) => ended(
                "finished",
                format!("test accuracy {:.2}%", summary.test_accuracy),
                Some(summary.test_accuracy),
            ),
            Err(e) => failed(run, &e.to_string()),
        },
        Ok(status) if was_interrupted(status) => {
            let message = match run_dir.latest_checkpoint() {
                None => "stopped during epoch 1: nothing was checkpointed yet".to_string(),
                Some(done) => format!(
                    "stopped during epoch {}; epochs 1 to {done} are checkpointed: Resume \
                     continues from there",
                    done + 1
                ),
            };
            ended("stopped", message, None)
        }
        Ok(status) => failed(run, &status.to_string()),
        Err(e) => failed(run, &e.to_string()),
    }
}

/// Whether `train` ended by Ctrl-C's signal: its own clean stop (exit status 130), or, stopped
/// while `cargo xtask` was still building it, the signal's default end.
fn was_interrupted(status: ExitStatus) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if status.signal() == Some(libc::SIGINT) {
            return true;
        }
    }
    status.code() == Some(INTERRUPTED_EXIT)
}

fn failed(run: &str, why: &str) -> Ended {
    eprintln!("run {run:?}: {why}");
    Ended {
        run: run.to_string(),
        outcome: "failed",
        message: format!("run {run:?} failed (the server's log says why)"),
        test_accuracy: None,
    }
}

/// `GET /api/recipes`: the recipes a run can be started from.
pub async fn recipes_route(
    axum::extract::State(state): axum::extract::State<Arc<crate::AppState>>,
) -> axum::Json<Vec<String>> {
    axum::Json(state.trainer.recipes())
}

/// `GET /api/train`: the run training from the page, if any, and how the last one ended.
pub async fn state_route(
    axum::extract::State(state): axum::extract::State<Arc<crate::AppState>>,
) -> Result<axum::Json<TrainingState>, ApiError> {
    state.trainer.state().map(axum::Json)
}

/// `POST /api/train`, body `{"recipe": "sgd", "epochs": 3, "seed": 7, "run_name": "mine"}`:
/// starts the run (202), or says why not (4xx).
pub async fn start_route(
    axum::extract::State(state): axum::extract::State<Arc<crate::AppState>>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, axum::Json<Current>), ApiError> {
    let request: StartRequest = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("the request: {e}")))?;
    let trainer = state.trainer.clone();
    let artifacts = state.artifacts.clone();
    tokio::task::spawn_blocking(move || trainer.start(&artifacts, request))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?
        .map(|current| (StatusCode::ACCEPTED, axum::Json(current)))
}

/// `POST /api/runs/{name}/resume`: continues a stopped run from its last checkpoint (202).
pub async fn resume_route(
    axum::extract::State(state): axum::extract::State<Arc<crate::AppState>>,
    axum::extract::Path(name): axum::extract::Path<String>,
) -> Result<(StatusCode, axum::Json<Current>), ApiError> {
    if !is_plain_run_name(&name) {
        return Err(ApiError::bad_request(format!("{name:?} is not a run name")));
    }
    let trainer = state.trainer.clone();
    let artifacts = state.artifacts.clone();
    tokio::task::spawn_blocking(move || trainer.resume(&artifacts, &name))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?
        .map(|current| (StatusCode::ACCEPTED, axum::Json(current)))
}

/// `POST /api/train/stop`: stops the run training from the page, as Ctrl-C stops `train`.
pub async fn stop_route(
    axum::extract::State(state): axum::extract::State<Arc<crate::AppState>>,
) -> Result<axum::Json<serde_json::Value>, ApiError> {
    match state.trainer.stop()? {
        Some(run) => Ok(axum::Json(serde_json::json!({ "stopping": run }))),
        None => Err(ApiError::new(
            StatusCode::CONFLICT,
            "no run is training from the page",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trainer_that_cannot_start_says_so_and_keeps_its_slot_free() {
        let artifacts = tempfile::tempdir().unwrap();
        let missing = artifacts.path().join("no-such-train");
        let trainer = Arc::new(Trainer::new(
            mnist_data::workspace_root().join("configs"),
            true,
            TrainCommand::binary(missing),
        ));
        for _ in 0..2 {
            let request = StartRequest {
                recipe: "smoke".into(),
                epochs: Some(1),
                seed: None,
                run_name: None,
            };
            let refused = trainer.start(artifacts.path(), request).unwrap_err();
            assert_eq!(refused.status, StatusCode::INTERNAL_SERVER_ERROR);
            assert!(
                refused.message.contains("cannot start"),
                "{}",
                refused.message
            );
            assert!(
                refused.message.contains("no-such-train"),
                "{}",
                refused.message
            );
        }
        assert!(trainer.state().unwrap().current.is_none());
    }
}
