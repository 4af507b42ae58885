//! Picks the compute device by name; backends are compiled in by cargo features.
//!
//! Never `Device::default()`: with a GPU backend compiled in, Burn picks it even on a
//! machine without a GPU. The choice here is always explicit.

use burn::tensor::Device;

use crate::error::TrainError;

/// The device names this build accepts, in the order shown to users.
pub fn device_names() -> Vec<&'static str> {
    let mut names = vec!["cpu", "flex"];
    if cfg!(feature = "ndarray") {
        names.push("ndarray");
    }
    if cfg!(feature = "wgpu") {
        names.push("wgpu");
    }
    names
}

/// `wgpu` when that backend is compiled in, `cpu` (flex) otherwise.
pub fn default_device_name() -> &'static str {
    if cfg!(feature = "wgpu") {
        "wgpu"
    } else {
        "cpu"
    }
}

/// The backend a device name stands for, as recorded in run summaries.
pub fn backend_name(name: &str) -> &'static str {
    match name {
        "cpu" | "flex" => "flex",
        "ndarray" => "ndarray",
        "wgpu" => "wgpu",
        _ => "unknown",
    }
}

/// The (non-autodiff) device called `name`: `cpu`/`flex`, `ndarray`, `wgpu`.
pub fn parse_device(name: &str) -> Result<Device, TrainError> {
    match name {
        "cpu" | "flex" => Ok(Device::flex()),
        #[cfg(feature = "ndarray")]
        #[allow(deprecated)]
        "ndarray" => Ok(Device::ndarray()),
        #[cfg(feature = "wgpu")]
        "wgpu" => Ok(Device::wgpu(burn::tensor::DeviceKind::DefaultDevice)),
        other => Err(TrainError::UnknownDevice {
            given: other.to_string(),
            allowed: device_names().join(", "),
        }),
    }
}
