//! The wgpu runtime, started once per process through Burn's `Device::wgpu_options()`, with
//! the number of kernel launches cubecl gathers into one GPU submission said out loud.
//!
//! cubecl encodes launches into a command buffer and submits it every `tasks_max` launches,
//! and a read of the device submits what is queued. A training step of `sgd.toml` launches 62
//! kernels, and a replayed step ([`burn::tensor::capture`]) re-encodes as many: at cubecl's
//! 32, two queue submissions a step. Fewer, larger submissions cost the host less but start
//! the device later: on an H100 (one run each) 256 gave a faster `sgd.toml` epoch
//! than 32 (0.517 against 0.545 s), on Mesa's software Vulkan a slower one (three alternating
//! pairs, about a tenth). Until a GPU settles it the number is cubecl's own, 32;
//! `CUBECL_WGPU_MAX_TASKS` sets another (a bad value is refused here, naming the variable,
//! where cubecl would panic on its device thread), and the bench names the number it ran with.

use std::sync::OnceLock;

use burn::tensor::Device;

/// Launches per submission unless [`TASKS_VARIABLE`] is set: cubecl's own default.
pub const DEFAULT_TASKS_PER_SUBMISSION: usize = 32;

/// cubecl's variable for the launches per submission.
pub const TASKS_VARIABLE: &str = "CUBECL_WGPU_MAX_TASKS";

/// The graphics API a wgpu device is started on: whichever wgpu settles on, or Vulkan alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Api {
    Auto,
    #[cfg(feature = "vulkan")]
    Vulkan,
}

/// Why the wgpu runtime did not start.
#[derive(Debug, Clone, thiserror::Error)]
pub(crate) enum StartError {
    /// [`TASKS_VARIABLE`] is set to something other than a positive whole number.
    #[error("{TASKS_VARIABLE}={value:?} is not a positive whole number (kernel launches per GPU submission)")]
    BadTasks { value: String },
    /// No adapter answered, or it refused a device.
    #[error("{0}")]
    NoDevice(String),
}

/// Kernel launches per GPU submission in this process: [`TASKS_VARIABLE`]'s value where it is
/// set, [`DEFAULT_TASKS_PER_SUBMISSION`] otherwise.
pub fn tasks_per_submission() -> Result<usize, String> {
    match std::env::var(TASKS_VARIABLE) {
        Err(std::env::VarError::NotPresent) => Ok(DEFAULT_TASKS_PER_SUBMISSION),
        Ok(value) => match value.trim().parse::<usize>() {
            Ok(tasks) if tasks > 0 => Ok(tasks),
            _ => Err(value),
        },
        Err(std::env::VarError::NotUnicode(value)) => Err(value.to_string_lossy().into_owned()),
    }
}

/// The default wgpu device on `api`, its runtime started the first time it is asked for (with
/// [`tasks_per_submission`]) and the same device, or the same error, every time after.
pub(crate) fn started(api: Api) -> Result<Device, StartError> {
    static AUTO: OnceLock<Result<Device, StartError>> = OnceLock::new();
    #[cfg(feature = "vulkan")]
    static VULKAN: OnceLock<Result<Device, StartError>> = OnceLock::new();
    let once = match api {
        Api::Auto => &AUTO,
        #[cfg(feature = "vulkan")]
        Api::Vulkan => &VULKAN,
    };
    once.get_or_init(|| start(api)).clone()
}

/// Starts the runtime: asks for an adapter and a device on `api`.
fn start(api: Api) -> Result<Device, StartError> {
    let tasks = tasks_per_submission().map_err(|value| StartError::BadTasks { value })?;
    let options = Device::wgpu_options().tasks_max(tasks);
    let options = match api {
        Api::Auto => options,
        #[cfg(feature = "vulkan")]
        Api::Vulkan => options.graphics_api(burn::tensor::wgpu::WgpuBackend::Vulkan),
    };
    options
        .init()
        .map_err(|error| StartError::NoDevice(error.to_string()))
}
