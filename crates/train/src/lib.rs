//! Training of the MNIST MLP with Burn's Learner: configs, devices, run folders, metrics, summaries.

pub mod artifacts;
pub mod captured_step;
pub mod captured_training;
pub mod cli;
pub mod config;
pub mod data_source;
mod error;
pub mod eval_cli;
pub mod evaluate;
pub mod export;
pub mod inspect_cli;
pub mod interrupt;
pub mod metrics_log;
pub mod optim;
mod optimizer_record;
pub mod recorded_optimizer;
pub mod renderer;
pub mod report;
pub mod report_cli;
pub mod run_lock;
pub mod runs;
pub mod runs_cli;
pub mod summary;
pub mod sweep_cli;
pub mod training;
mod update_rule;
mod write_back;

pub use artifacts::{RunDir, RunMode};
pub use config::{Overrides, RunConfig};
pub use error::TrainError;
pub use run_lock::RunLock;
pub use summary::RunSummary;
pub use training::{train, workspace_root, TrainOutcome, TrainRequest};
