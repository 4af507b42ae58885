//! Project tasks (`cargo xtask <task>`): build and run the project's binaries, fetch the data
//! sets. Every binary is built with the workspace's one profile (`dev`, optimised where it
//! matters), the profile `cargo run` and `cargo test` use, so Burn is compiled once.

mod cargo;
mod fetch;
mod no_gpu;
mod one_burn;
mod wgpu_smoke;

use std::process::ExitCode;

use anyhow::{bail, Context};

const USAGE: &str = "\
usage:
  cargo xtask train [--features wgpu|ndarray] --config configs/sgd.toml [train flags...]
      builds the trainer and runs it; `--help` after `train` lists its flags
  cargo xtask eval [--features wgpu|ndarray] [--model artifacts/sgd] [--dataset D] [--json]
      accuracy, loss, per-class accuracy and confusion matrix on the 10,000 test images
  cargo xtask eval [--model DIR] --images ../shared/data/digits-dev [--json]
      reads a labelled folder of image files as `infer` does: accuracy overall and per source,
      confusion matrix, misread files (labels from labels.csv or file names starting with the digit)
  cargo xtask report [--model artifacts/sgd]
      draws curves.png, predictions.png, confusion.png, weights.png and report.md into the run
  cargo xtask inspect [--model artifacts/sgd] [--checkpoint N]
      the Keras-style summary and per-layer weight statistics
  cargo xtask export [--model artifacts/sgd] [--checkpoint N] --format safetensors OUT.safetensors
      the weights as a safetensors file for PyTorch or numpy
  cargo xtask runs [--artifacts-dir artifacts] [--compare A B] [--json]
      the run folders: status, data set, epochs, best validation and test accuracy, time,
      recipe; --compare puts two runs side by side, epoch by epoch
  cargo xtask sweep --config configs/sgd.toml --seeds 1,2,3
      trains once per seed and prints test accuracy as mean +- standard deviation
  cargo xtask bench [--features wgpu|fusion|ndarray] [--torch PAIRS] [--python PY] [--device D]
      times training epochs (data / forward / backward / step), eval and infer; with --torch,
      alternates with the same recipe in PyTorch and prints the ratio per pair; writes bench.json
  cargo xtask wgpu-smoke [--fusion | --vulkan]
      builds with the wgpu backend (--fusion: the fusion feature, kernel fusion and
      autotuning too; --vulkan: the vulkan feature, SPIR-V kernels, trained on vulkan) and
      ndarray, trains configs/smoke.toml for one epoch on wgpu, and checks that wgpu,
      ndarray and the CPU give the same predictions from the same weights
      (CI runs it without a flag on Mesa's software Vulkan)
  cargo xtask one-burn
      checks, with `cargo tree` and without building, that building any one package resolves
      Burn's dependency tree with the features `cargo test --workspace` does (Burn built once)
  cargo xtask fetch-data [--dataset mnist|fashion-mnist] [--dir DIR]
      downloads the four IDX files into data/<dataset> (or DIR) and checks their sha256";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> anyhow::Result<ExitCode> {
    match args.first().map(String::as_str) {
        Some("train") => run_train_bin("train", &args[1..]),
        Some("eval") => run_train_bin("eval", &args[1..]),
        Some("report") => run_train_bin("report", &args[1..]),
        Some("inspect") => run_train_bin("inspect", &args[1..]),
        Some("export") => run_train_bin("export", &args[1..]),
        Some("sweep") => run_train_bin("sweep", &args[1..]),
        Some("runs") => run_train_bin("runs", &args[1..]),
        Some("bench") => run_bench(&args[1..]),
        Some("wgpu-smoke") => wgpu_smoke::run(&args[1..]).map(|()| ExitCode::SUCCESS),
        Some("one-burn") => one_burn::run(&args[1..]).map(|()| ExitCode::SUCCESS),
        Some("fetch-data") => fetch::fetch_data(&args[1..]).map(|()| ExitCode::SUCCESS),
        Some("-h" | "--help" | "help") | None => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        Some(other) => bail!("unknown task {other:?}\n{USAGE}"),
    }
}

/// Splits `--features F` off the arguments: `(cargo's feature args, the rest)`.
fn split_features(args: &[String]) -> anyhow::Result<(Vec<String>, Vec<String>)> {
    let mut features = Vec::new();
    let mut rest = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        if arg == "--features" {
            let value = it.next().context("--features needs a value, e.g. wgpu")?;
            features.extend(["--features".to_string(), value.clone()]);
        } else if let Some(value) = arg.strip_prefix("--features=") {
            features.extend(["--features".to_string(), value.to_string()]);
        } else {
            rest.push(arg.clone());
        }
    }
    Ok((features, rest))
}

/// The repository root: the parent of this crate's folder, as `cargo run` names it now (so a
/// build of xtask made from another checkout sharing the target folder still serves this
/// one), else as it was when xtask was compiled.
pub(crate) fn workspace_root() -> std::path::PathBuf {
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest
        .parent()
        .map(std::path::Path::to_path_buf)
        .unwrap_or_else(|| std::path::PathBuf::from("."))
}

/// Builds `bin` of `package` (forwarding `--features`) and runs it with the rest of `args`.
fn run_bin(package: &str, bin: &str, args: &[String]) -> anyhow::Result<ExitCode> {
    let (features, rest) = split_features(args)?;
    let program = cargo::build_bin(package, bin, &features)?;
    cargo::exec(&program, &rest)
}

/// The trainer's binaries.
fn run_train_bin(bin: &str, args: &[String]) -> anyhow::Result<ExitCode> {
    run_bin("mnist-train", bin, args)
}

/// Builds `infer` (whose whole-process latency the bench times) with the same features, then
/// runs the bench.
fn run_bench(args: &[String]) -> anyhow::Result<ExitCode> {
    let (features, _) = split_features(args)?;
    cargo::build_bin("infer", "infer", &features)?;
    run_bin("mnist-bench", "bench", args)
}
