//! The captured training step of a GPU build: forward, backward and the optimiser's update
//! recorded once and replayed for every batch (Burn's graph capture), the recorded optimiser and
//! its state in Burn's own checkpoint record, the parameters written back into the recorded
//! buffers, and the Learner's loop around it (`train --capture`). On a backend that records
//! nothing (the CPU) the step re-runs, through the same code.

pub mod captured_loop;
pub mod captured_step;
pub mod captured_training;
pub mod check;
mod optimizer_record;
pub mod recorded_optimizer;
mod update;
mod write_back;

pub use captured_loop::CapturedLoop;
pub use captured_step::{capture_refusal, CapturedStep};
pub use captured_training::CapturedTraining;
pub use recorded_optimizer::RecordedOptimizer;
