//! What the bench works on: the recipe, the device and the data, loaded once for every
//! measurement of a run.

use std::path::PathBuf;

use burn::tensor::Device;
use mnist_data::{Residence, Split};
use mnist_model::device::{backend_label, choose_device, data_residence, is_gpu, Workload};
use mnist_runs::RunConfig;
use mnist_train::data_source::{load_data, training_splits};
use mnist_train::workspace_root;

use crate::args::BenchArgs;
use crate::timed_training::{train_epochs, EpochTiming, Timing};
use crate::torch::TorchRunner;

/// The recipe, the device and the data of one bench run.
pub struct Workbench {
    /// The workspace root (the PyTorch script and the sample image are found from it).
    pub root: PathBuf,
    pub config_path: PathBuf,
    pub config: RunConfig,
    /// The device as named on the command line: `cpu`, `wgpu`, `vulkan`.
    pub device_name: String,
    pub device: Device,
    /// The device and the build timed: `wgpu (wgpu+fusion, 256 launches per submission)`.
    pub device_label: String,
    /// The folder the IDX files were read from.
    pub data_dir: PathBuf,
    /// The training images (the recipe's, validation held out) and the test images.
    pub train: Split,
    pub test: Split,
}

/// On a GPU, how many kernel launches go into one submission (see
/// `mnist_model::wgpu_runtime`), as the label of the figures says it; nothing elsewhere.
fn submission_note(device_name: &str) -> String {
    #[cfg(feature = "wgpu")]
    if is_gpu(device_name) {
        if let Ok(tasks) = mnist_model::wgpu_runtime::tasks_per_submission() {
            return format!(", {tasks} launches per submission");
        }
    }
    let _ = device_name;
    String::new()
}

impl Workbench {
    /// Loads `args`' recipe (relative to the workspace root unless it exists as given), picks
    /// the device and reads the data.
    pub fn open(args: &BenchArgs) -> anyhow::Result<Self> {
        let root = workspace_root();
        let config_path = if args.config.is_relative() && !args.config.exists() {
            root.join(&args.config)
        } else {
            args.config.clone()
        };
        let config = RunConfig::load(&config_path)?;
        let (device_name, device) =
            choose_device(args.device.as_deref(), Workload::Batches)?.announce();
        let device_label = format!(
            "{device_name} ({}{})",
            backend_label(&device_name),
            submission_note(&device_name)
        );
        let kind = config.data.dataset;
        let (located, data) =
            load_data(args.data_dir.as_deref(), config.data.dir.as_deref(), kind)?;
        let (train, _) = training_splits(&data, &config)?;
        Ok(Workbench {
            root,
            config_path,
            config,
            device_name,
            device,
            device_label,
            data_dir: located.path,
            train,
            test: data.test,
        })
    }

    /// Whether the device is a GPU (where launches count and a step can be captured).
    pub fn is_gpu(&self) -> bool {
        is_gpu(&self.device_name)
    }

    /// Where `train` keeps this recipe's training set on this device: on a GPU, there, unless
    /// the digits are distorted (which happens on the host).
    pub fn training_residence(&self) -> Residence {
        if self.config.data.augment.is_off() {
            data_residence(&self.device_name)
        } else {
            Residence::Host
        }
    }

    /// The median of `epochs` timed epochs, after one more untimed as a warm-up (caches,
    /// allocators, a GPU's kernel compilation; for [`Timing::CapturedStep`], the capture).
    pub fn median_epoch(
        &self,
        residence: Residence,
        epochs: usize,
        timing: Timing,
    ) -> anyhow::Result<EpochTiming> {
        let timings = train_epochs(
            &self.config,
            &self.train,
            &self.device,
            residence,
            epochs + 1,
            timing,
        )?;
        Ok(EpochTiming::median(&timings[1..]))
    }

    /// The same recipe in PyTorch, through `python`: on CUDA when ours runs on a GPU.
    pub fn torch(&self, python: &str) -> anyhow::Result<TorchRunner> {
        TorchRunner::probe(
            python,
            &self.root,
            &self.data_dir,
            &self.config,
            self.train.len(),
            if self.is_gpu() { "cuda" } else { "cpu" },
        )
    }
}
