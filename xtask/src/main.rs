//! Project tasks (`cargo xtask <task>`): train with optimised code, fetch the data sets.

mod fetch;

use std::process::{Command, ExitCode};

use anyhow::{bail, Context};

const USAGE: &str = "\
usage:
  cargo xtask train [--features wgpu|ndarray] --config configs/sgd.toml [train flags...]
      builds the trainer in release mode and runs it; `--help` after `train` lists its flags
  cargo xtask eval [--features wgpu|ndarray] --model artifacts/sgd [--dataset D] [--json]
      accuracy, loss, per-class accuracy and confusion matrix on the 10,000 test images
  cargo xtask report --run artifacts/sgd
      draws curves.png, predictions.png, confusion.png, weights.png and report.md into the run
  cargo xtask inspect --model artifacts/sgd
      the Keras-style summary and per-layer weight statistics
  cargo xtask export --model artifacts/sgd --format safetensors OUT
      the weights as a safetensors file for PyTorch or numpy
  cargo xtask sweep --config configs/sgd.toml --seeds 1,2,3
      trains once per seed and prints test accuracy as mean +- standard deviation
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
        Some("train") => run_release_bin("train", &args[1..]),
        Some("eval") => run_release_bin("eval", &args[1..]),
        Some("report") => run_release_bin("report", &args[1..]),
        Some("inspect") => run_release_bin("inspect", &args[1..]),
        Some("export") => run_release_bin("export", &args[1..]),
        Some("sweep") => run_release_bin("sweep", &args[1..]),
        Some("fetch-data") => fetch::fetch_data(&args[1..]).map(|()| ExitCode::SUCCESS),
        Some("-h" | "--help" | "help") | None => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        Some(other) => bail!("unknown task {other:?}\n{USAGE}"),
    }
}

/// `cargo run --release -p mnist-train --bin <bin> [--features F] -- <the rest>`.
fn run_release_bin(bin: &str, args: &[String]) -> anyhow::Result<ExitCode> {
    let mut cargo_args = vec![
        "run".to_string(),
        "--release".into(),
        "--quiet".into(),
        "--package".into(),
        "mnist-train".into(),
        "--bin".into(),
        bin.into(),
    ];
    let mut rest = Vec::new();
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        if arg == "--features" {
            let features = it.next().context("--features needs a value, e.g. wgpu")?;
            cargo_args.extend(["--features".to_string(), features.clone()]);
        } else if let Some(features) = arg.strip_prefix("--features=") {
            cargo_args.extend(["--features".to_string(), features.to_string()]);
        } else {
            rest.push(arg.clone());
        }
    }
    cargo_args.push("--".into());
    cargo_args.extend(rest);
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(&cargo)
        .args(&cargo_args)
        .status()
        .with_context(|| format!("cannot run {cargo}"))?;
    Ok(match status.code() {
        Some(0) => ExitCode::SUCCESS,
        _ => ExitCode::FAILURE,
    })
}
