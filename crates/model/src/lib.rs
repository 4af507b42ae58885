//! The multilayer perceptron: a Burn `Module` with configurable hidden sizes, its summary and train steps.
//!
//! This crate reads no data sets: it only knows the shape of a batch.

mod mlp;
mod step;
mod summary;

pub use mlp::{Init, Mlp, MlpConfig};
pub use summary::{LayerSummary, ModelSummary};
