//! Integration tests, one binary, a module per area (as ripgrep's `tests/`).

use std::path::PathBuf;

mod batching;
#[cfg(feature = "capture")]
mod capture;
mod configs;
mod docs;
mod download;
mod end_to_end;
mod fuzz;
mod handwriting;
mod idx;
mod infer;
mod interruption;
mod mnist_facts;
mod model;
mod model_files;
mod preprocessing;
mod report;
mod sparse_input;
mod vocabulary;
mod web_api;
mod web_page;
mod web_server;

/// A binary of the workspace (`train`, `infer`, ...) as these tests run it: the tests' package
/// builds each from the binary's own `main.rs` (`tests/Cargo.toml`, named `test-<name>` beside
/// the real one), so cargo builds it, in the tests' profile, before any test runs.
pub fn binary(name: &str) -> PathBuf {
    PathBuf::from(match name {
        "train" => env!("CARGO_BIN_EXE_test-train"),
        "eval" => env!("CARGO_BIN_EXE_test-eval"),
        "infer" => env!("CARGO_BIN_EXE_test-infer"),
        "sweep" => env!("CARGO_BIN_EXE_test-sweep"),
        "report" => env!("CARGO_BIN_EXE_test-report"),
        "inspect" => env!("CARGO_BIN_EXE_test-inspect"),
        "export" => env!("CARGO_BIN_EXE_test-export"),
        "runs" => env!("CARGO_BIN_EXE_test-runs"),
        "web" => env!("CARGO_BIN_EXE_test-web"),
        other => panic!("no binary {other} in the workspace"),
    })
}

/// [`integration_tests::run_ok`] on the workspace binary `name`.
pub fn run_ok<S: AsRef<std::ffi::OsStr>>(name: &str, args: &[S]) -> String {
    integration_tests::run_ok(&binary(name), args)
}

/// `train` as a person types it: the recipe `configs/<recipe>` with `--epochs`, `--seed` and
/// `--run-name`, into `artifacts`; returns its stdout.
pub fn train_from_cli(
    recipe: &str,
    epochs: usize,
    seed: u64,
    run: &str,
    artifacts: &std::path::Path,
) -> String {
    run_ok(
        "train",
        &[
            "--config",
            &integration_tests::config(recipe).display().to_string(),
            "--epochs",
            &epochs.to_string(),
            "--seed",
            &seed.to_string(),
            "--run-name",
            run,
            "--artifacts-dir",
            &artifacts.display().to_string(),
        ],
    )
}
