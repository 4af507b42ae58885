//! The multilayer perceptron: a Burn `Module` with configurable hidden sizes, its summary and train steps.
//!
//! This crate reads no data sets: it only knows the shape of a batch (and reads its own
//! saved weights).

pub mod device;
mod gpu_probe;
mod mlp;
mod sparse;
mod sparse_input;
mod step;
mod summary;
mod trained;
#[cfg(feature = "wgpu")]
pub mod wgpu_runtime;

pub use mlp::{hold_random_generator, Init, Mlp, MlpConfig};
pub use sparse_input::SPARSE_DENSITY_LIMIT;
pub use step::TrainingForward;
pub use summary::{LayerSummary, ModelSummary};
pub use trained::{
    checkpoint_weights, checkpointed_epochs, load_trained, load_weights, LoadError, ARTIFACTS_DIR,
    CHECKPOINT_DIR, MODEL_CONFIG_FILE, MODEL_WEIGHTS_FILE, MODEL_WEIGHTS_STEM,
};
