//! The bench's command line.

use std::path::PathBuf;

use clap::Parser;

/// Measure training, evaluation and inference speed (and compare with PyTorch).
#[derive(Debug, Parser)]
#[command(name = "bench", bin_name = "bench", version)]
pub struct BenchArgs {
    /// The recipe to train; configs/sgd.toml is the one compared with PyTorch in the docs.
    #[arg(long, default_value = "configs/sgd.toml")]
    pub config: PathBuf,
    /// Epochs timed per trial (the median is reported); one more is run first as a warm-up.
    #[arg(long, default_value_t = 3)]
    pub epochs: usize,
    /// Also run the recipe in PyTorch (bench/torch_mlp.py), alternating ours and theirs, this
    /// many pairs.
    #[arg(long, value_name = "PAIRS")]
    pub torch: Option<usize>,
    /// The Python that has torch installed. PyTorch runs on the CPU, or on CUDA when ours
    /// runs on wgpu.
    #[arg(long, default_value = "python3")]
    pub python: String,
    /// Whole-process `infer` runs to time (start to printed answer).
    #[arg(long, default_value_t = 20)]
    pub infer_runs: usize,
    /// Folder holding the four IDX files.
    #[arg(long)]
    pub data_dir: Option<PathBuf>,
    /// Compute device: cpu (= flex), and ndarray / gpu (= wgpu) / vulkan when built with those features.
    #[arg(long)]
    pub device: Option<String>,
    /// Only check that the training step captured and replayed (as the bench times it on a
    /// GPU) trains exactly as the plain step: the same losses and weights, bit for bit.
    #[arg(long)]
    pub check_capture: bool,
    /// Only count kernel launches on the GPU: per training step, phase by phase, per captured
    /// step and per evaluation of the test images, with each kernel's launches and own time per
    /// step (a build launches the same kernels on any GPU, so software Vulkan counts them too).
    #[arg(long, conflicts_with_all = ["check_capture", "torch"])]
    pub launches: bool,
    /// Where to write the figures as JSON.
    #[arg(long, default_value = "bench.json")]
    pub out: PathBuf,
}
