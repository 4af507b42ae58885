//! Picks the compute device by name; backends are compiled in by cargo features.
//!
//! Never `Device::default()`: with a GPU backend compiled in, Burn picks it even on a
//! machine without a GPU. The choice here is always explicit: a named device or, when none
//! is named, the default for the kind of work ([`Workload`]); a GPU is asked to answer first
//! ([`crate::gpu_probe`]).

use burn::tensor::Device;
use mnist_data::Residence;

/// The device names this build accepts, in the order shown to users.
pub fn device_names() -> Vec<&'static str> {
    let mut names = vec!["cpu", "flex"];
    if cfg!(feature = "ndarray") {
        names.push("ndarray");
    }
    if cfg!(feature = "wgpu") {
        names.extend(["gpu", "wgpu"]);
    }
    if cfg!(feature = "vulkan") {
        names.push("vulkan");
    }
    names
}

/// What a command does on its device, which decides the device it takes when none is named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    /// Many batches (`train`, `eval`, `sweep`, the bench): the GPU when this build has one
    /// and it answers, the CPU otherwise.
    Batches,
    /// A few images read one at a time, or weights read once (`infer`, the web page,
    /// `inspect`, `export`): the CPU even in a GPU build, since starting a GPU takes longer
    /// (half a second on an H100) than the CPU takes for the whole answer (a few ms), and a
    /// batch of one image gains nothing from it.
    Interactive,
}

/// The device a command takes when none is named: `wgpu` for [`Workload::Batches`] when that
/// backend is compiled in, `cpu` (flex) otherwise.
pub fn default_device_name(workload: Workload) -> &'static str {
    match workload {
        Workload::Batches if cfg!(feature = "wgpu") => "wgpu",
        _ => "cpu",
    }
}

/// The device a command runs on: its name (as given, or the default's) and, where the default
/// GPU did not answer and the CPU took over, why. [`ChosenDevice::announce`] hands the device
/// out, so that no command can forget to say so.
#[derive(Debug, Clone)]
pub struct ChosenDevice {
    name: String,
    device: Device,
    fell_back: Option<String>,
}

impl ChosenDevice {
    /// Says on stderr that the default GPU did not answer and the CPU took over, if it did,
    /// then gives the device's name and the device.
    pub fn announce(self) -> (String, Device) {
        if let Some(why) = &self.fell_back {
            eprintln!("note: {why}");
        }
        (self.name, self.device)
    }
}

/// The backend a device name stands for, as recorded in run summaries.
pub fn backend_name(name: &str) -> &'static str {
    match name {
        "cpu" | "flex" => "flex",
        "ndarray" => "ndarray",
        "gpu" | "wgpu" => "wgpu",
        "vulkan" => "vulkan",
        _ => "unknown",
    }
}

/// [`backend_name`], with `+fusion` for wgpu when built with the `fusion` feature (kernel
/// fusion and autotuning): the bench labels its figures with it, so that the two GPU builds'
/// figures are told apart.
pub fn backend_label(name: &str) -> String {
    match backend_name(name) {
        backend @ ("wgpu" | "vulkan") if cfg!(feature = "fusion") => format!("{backend}+fusion"),
        backend => backend.to_string(),
    }
}

/// Whether the device called `name` is a GPU (wgpu, or wgpu pinned to Vulkan).
pub fn is_gpu(name: &str) -> bool {
    matches!(backend_name(name), "wgpu" | "vulkan")
}

/// Whether `device` (with or without autodiff) is one of the CPU backends, flex or ndarray,
/// not a GPU.
pub fn on_the_cpu(device: &Device) -> bool {
    let device = device.clone().without_autodiff();
    #[cfg(feature = "ndarray")]
    #[allow(deprecated)]
    if device == Device::ndarray() {
        return true;
    }
    device == Device::flex()
}

/// Where the training loader keeps the data set for the device called `name`: on a GPU the
/// whole set is uploaded once and batches are gathered there (a batch built on the host costs
/// an upload per step); on the CPU there is nothing to upload, and gathering through the
/// tensor library measured no faster than the host batcher (`cargo xtask bench`).
pub fn data_residence(name: &str) -> Residence {
    if is_gpu(name) {
        Residence::Device
    } else {
        Residence::Host
    }
}

/// A device name this build does not know, or a backend it was built without.
#[derive(Debug, thiserror::Error)]
pub enum UnknownDevice {
    #[error("unknown device {given:?}; this build supports: {allowed}")]
    Unknown { given: String, allowed: String },
    #[error("device {given:?}: this build has no {feature} backend; build it in with the `{feature}` feature, e.g. `cargo xtask train --features {feature} --config configs/sgd.toml --device {given}` or `cargo run -p infer --features {feature} -- --device {given} IMAGE`")]
    NotBuiltIn {
        given: String,
        feature: &'static str,
    },
    #[error("device {given:?}: {message}")]
    BadSetting { given: String, message: String },
    #[error("device {given:?}: no GPU answered: {reason}. Is there a GPU with a Vulkan (or Metal, DX12) driver? `--device cpu` runs on the CPU")]
    Unavailable { given: String, reason: String },
}

/// The device named by a `--device` flag or, when the flag is absent, the default for
/// `workload`. A named GPU that does not answer is an error; a default one gives way to the CPU
/// (and [`ChosenDevice::announce`] says why).
pub fn choose_device(
    name: Option<&str>,
    workload: Workload,
) -> Result<ChosenDevice, UnknownDevice> {
    let given = name.unwrap_or(default_device_name(workload));
    let chosen = |name: &str, device, fell_back| ChosenDevice {
        name: name.to_string(),
        device,
        fell_back,
    };
    match parse_device(given) {
        Ok(device) => Ok(chosen(given, device, None)),
        Err(UnknownDevice::Unavailable { reason, .. }) if name.is_none() => Ok(chosen(
            "cpu",
            Device::flex(),
            Some(format!(
                "no GPU answered ({reason}); running on the CPU (`--device cpu` chooses it \
                 without asking the GPU; with `--device {given}` a missing GPU is an error)"
            )),
        )),
        Err(error) => Err(error),
    }
}

/// The (non-autodiff) device called `name`: `cpu`/`flex`, `ndarray`, `gpu`/`wgpu`, `vulkan`;
/// a GPU only once it has answered.
pub fn parse_device(name: &str) -> Result<Device, UnknownDevice> {
    let device = device_called(name)?;
    if is_gpu(name) {
        crate::gpu_probe::answers(&device).map_err(|reason| UnknownDevice::Unavailable {
            given: name.to_string(),
            reason,
        })?;
    }
    Ok(device)
}

/// The wgpu device called `name` on `api`, its runtime started.
#[cfg(feature = "wgpu")]
fn started_gpu(name: &str, api: crate::wgpu_runtime::Api) -> Result<Device, UnknownDevice> {
    use crate::wgpu_runtime::{started, StartError};
    started(api).map_err(|error| match error {
        StartError::BadTasks { .. } => UnknownDevice::BadSetting {
            given: name.to_string(),
            message: error.to_string(),
        },
        StartError::NoDevice(reason) => UnknownDevice::Unavailable {
            given: name.to_string(),
            reason,
        },
    })
}

/// The device called `name`; a GPU's runtime started, not yet used.
fn device_called(name: &str) -> Result<Device, UnknownDevice> {
    match name {
        "cpu" | "flex" => Ok(Device::flex()),
        #[cfg(feature = "ndarray")]
        #[allow(deprecated)]
        "ndarray" => Ok(Device::ndarray()),
        #[cfg(feature = "wgpu")]
        "gpu" | "wgpu" => started_gpu(name, crate::wgpu_runtime::Api::Auto),
        #[cfg(not(feature = "wgpu"))]
        "gpu" | "wgpu" => Err(UnknownDevice::NotBuiltIn {
            given: name.to_string(),
            feature: "wgpu",
        }),
        #[cfg(feature = "vulkan")]
        "vulkan" => started_gpu(name, crate::wgpu_runtime::Api::Vulkan),
        #[cfg(not(feature = "vulkan"))]
        "vulkan" => Err(UnknownDevice::NotBuiltIn {
            given: name.to_string(),
            feature: "vulkan",
        }),
        #[cfg(not(feature = "ndarray"))]
        "ndarray" => Err(UnknownDevice::NotBuiltIn {
            given: name.to_string(),
            feature: "ndarray",
        }),
        other => Err(UnknownDevice::Unknown {
            given: other.to_string(),
            allowed: device_names().join(", "),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_label_names_the_backend_and_the_fusion_build() {
        assert_eq!(backend_label("cpu"), "flex");
        assert_eq!(backend_label("ndarray"), "ndarray");
        let gpu = if cfg!(feature = "fusion") {
            "wgpu+fusion"
        } else {
            "wgpu"
        };
        assert_eq!(backend_label("gpu"), gpu);
        assert_eq!(backend_label("wgpu"), gpu);
        let vulkan = if cfg!(feature = "fusion") {
            "vulkan+fusion"
        } else {
            "vulkan"
        };
        assert_eq!(backend_label("vulkan"), vulkan);
    }

    #[test]
    fn the_cpu_backends_are_told_from_a_gpu() {
        assert!(on_the_cpu(&Device::flex()));
        assert!(on_the_cpu(&Device::flex().autodiff()));
        #[cfg(feature = "ndarray")]
        #[allow(deprecated)]
        {
            assert!(on_the_cpu(&Device::ndarray()));
        }
        #[cfg(feature = "wgpu")]
        assert!(!on_the_cpu(&Device::wgpu(
            burn::tensor::DeviceKind::DefaultDevice
        )));
    }

    #[test]
    fn only_a_gpu_keeps_the_training_data_on_the_device() {
        for name in ["gpu", "wgpu", "vulkan"] {
            assert_eq!(data_residence(name), Residence::Device, "{name}");
        }
        for name in ["cpu", "flex", "ndarray"] {
            assert_eq!(data_residence(name), Residence::Host, "{name}");
        }
    }
}
