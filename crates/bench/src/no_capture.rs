//! The bench of a build without the captured step (the CPU build): it neither times nor checks
//! one, and says so when asked.

use burn::tensor::Device;
use mnist_data::{Residence, Split};
use mnist_runs::RunConfig;

use crate::timed_training::EpochTiming;
use crate::workbench::Workbench;

/// What a captured step needs that this build lacks.
const NOT_BUILT: &str = "this bench is built without the captured step, which only the GPU \
                         builds have (cargo xtask bench --features wgpu --device wgpu ...)";

/// `--check-capture`: refused.
pub(crate) fn run_capture_check(_bench: &Workbench) -> anyhow::Result<()> {
    anyhow::bail!("--check-capture: {NOT_BUILT}")
}

/// No captured step to time.
pub(crate) fn capture_trains_right(_bench: &Workbench) -> bool {
    println!("  (the captured step is not timed: {NOT_BUILT})");
    false
}

/// No captured step to time.
pub(crate) fn train_epochs_captured(
    _config: &RunConfig,
    _split: &Split,
    _device: &Device,
    _residence: Residence,
    _epochs: usize,
) -> anyhow::Result<(Vec<EpochTiming>, bool)> {
    anyhow::bail!("{NOT_BUILT}")
}
