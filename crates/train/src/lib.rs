//! Training of the MNIST MLP with Burn's Learner, into the run folders of `mnist-runs`: devices,
//! data, optimisers, the dashboard, checkpoints and resume, evaluation, exports, sweeps.

mod capture;
pub mod cli;
pub mod data_source;
mod error;
pub mod eval_cli;
pub mod evaluate;
pub mod export;
pub mod inspect_cli;
pub mod interrupt;
pub mod optim;
pub mod renderer;
pub mod report;
pub mod report_cli;
pub mod runs_cli;
pub mod sweep_cli;
pub mod training;

pub use error::TrainError;
pub use training::{train, workspace_root, TrainOutcome, TrainRequest};
