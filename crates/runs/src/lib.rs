//! Recipes and the run folders they are trained into: what `train` writes and what `runs`, `eval`,
//! `report` and the web page read, with no training code (and no Burn training loop) in it.

pub mod config;
mod error;
pub mod listing;
pub mod metrics_log;
pub mod name;
pub mod run_dir;
pub mod run_lock;
pub mod summary;
pub mod update_rule;

pub use config::{Overrides, RunConfig};
pub use error::RunsError;
pub use listing::{list_runs, run_detail, RunDetail, RunInfo, RunStatus};
pub use name::is_plain_run_name;
pub use run_dir::{RunDir, RunMode};
pub use run_lock::RunLock;
pub use summary::RunSummary;
