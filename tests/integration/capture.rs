//! The captured training step (`train --capture`, the bench's captured timing): which recipes
//! it accepts, and that its bookkeeping (the copied inputs refreshed per batch, the model handed
//! back after each step, the weights put back after the warm-up steps, the Learner's loop around
//! it) trains exactly as plain steps. On the CPU the step is not recorded and re-runs; the
//! recorded path is checked on a GPU backend by `cargo xtask wgpu-smoke` (on Mesa's software
//! Vulkan in CI).

use std::path::Path;

use burn::tensor::Device;
use integration_tests::{metrics_rows, saved_weights, smoke_request};
use mnist_bench::{capture_refusal, check_capture};
use mnist_data::MnistData;
use mnist_train::summary::CapturedStepUse;
use mnist_train::{train, RunConfig, RunMode, TrainError};

fn recipe(extra: &str) -> RunConfig {
    let text = std::fs::read_to_string(integration_tests::config("sgd.toml")).unwrap();
    RunConfig::parse(
        &format!("{text}\n{extra}"),
        std::path::Path::new("test.toml"),
    )
    .unwrap()
}

#[test]
fn only_plain_sgd_at_a_constant_rate_without_dropout_with_whole_batches_is_captured() {
    let sgd = recipe("");
    assert_eq!(capture_refusal(&sgd, 54_000), None);
    let short = capture_refusal(&sgd, 54_100).unwrap();
    assert!(short.contains("last batch of 100"), "{short}");

    let mut adam = recipe("");
    adam.optimizer.name = mnist_train::config::OptimizerName::Adam;
    let why = capture_refusal(&adam, 54_000).unwrap();
    assert!(why.contains("adam"), "{why}");

    let cosine = recipe("[schedule]\nname = \"cosine\"");
    let why = capture_refusal(&cosine, 54_000).unwrap();
    assert!(why.contains("schedule"), "{why}");

    let mut momentum = recipe("");
    momentum.optimizer.momentum = Some(0.9);
    let why = capture_refusal(&momentum, 54_000).unwrap();
    assert!(why.contains("momentum"), "{why}");
    momentum.optimizer.momentum = Some(0.0);
    assert_eq!(capture_refusal(&momentum, 54_000), None);

    let mut dropout = recipe("");
    dropout.model.dropout = 0.2;
    let why = capture_refusal(&dropout, 54_000).unwrap();
    assert!(why.contains("dropout"), "{why}");
}

#[test]
fn the_captured_steps_train_as_plain_steps_on_the_cpu() {
    let data = MnistData::load(integration_tests::mnist_dir()).unwrap();
    let config = recipe("");
    let split = data.train.take(3000);
    let check = check_capture(&config, &split, &Device::flex(), 6).unwrap();
    assert!(
        !check.recorded,
        "the CPU has no graph support: the step re-runs"
    );
    assert!(
        !check.agrees(),
        "a step that was not recorded proves nothing"
    );
    assert_eq!(check.replays, 6);
    assert_eq!(check.differing_losses, 0, "{check}");
    assert_eq!(check.differing_parameters, 0, "{check}");
    assert_eq!(check.largest_loss_gap, 0.0, "{check}");
    assert_eq!(check.largest_parameter_gap, 0.0, "{check}");
    assert!(check.plain_is_repeatable, "{check}");
    // Six steps of SGD at 0.01 move some weight by far more than rounding.
    assert!(check.largest_training_change > 1e-4, "{check}");
    assert_eq!(
        check.parameters,
        784 * 784 + 784 + 784 * 32 + 32 + 32 * 10 + 10
    );
}

#[test]
fn a_recipe_that_cannot_be_captured_is_refused_by_the_check() {
    let data = MnistData::load(integration_tests::mnist_dir()).unwrap();
    let config = recipe("[schedule]\nname = \"cosine\"");
    let err = check_capture(&config, &data.train.take(1000), &Device::flex(), 1).unwrap_err();
    assert!(err.to_string().contains("cannot be captured"), "{err}");
}

fn request(
    dir: &Path,
    name: &str,
    epochs: usize,
    mode: RunMode,
    capture: bool,
) -> mnist_train::TrainRequest {
    let mut req = smoke_request(dir, name, epochs, mode);
    req.config = integration_tests::config("smoke-sgd.toml");
    req.capture = capture;
    req
}

#[test]
fn train_with_capture_trains_exactly_as_without_and_resumes_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let plain = train(&request(dir.path(), "plain", 2, RunMode::Fresh, false)).unwrap();
    let captured = train(&request(dir.path(), "captured", 2, RunMode::Fresh, true)).unwrap();

    let rows = metrics_rows(&plain.run_dir.metrics());
    assert_eq!(rows.len(), 2);
    assert_eq!(rows, metrics_rows(&captured.run_dir.metrics()));
    assert!(
        saved_weights(&plain.run_dir.path) == saved_weights(&captured.run_dir.path),
        "the weights differ"
    );
    assert_eq!(plain.summary.test_loss, captured.summary.test_loss);
    assert!(
        captured.summary.test_accuracy > 85.0,
        "{:?}",
        captured.summary
    );
    assert_eq!(plain.summary.captured_step, None);
    // The CPU has no graph support: the step re-ran, and the summary says so.
    assert_eq!(captured.summary.captured_step, Some(CapturedStepUse::ReRun));

    // One captured epoch, then one more resumed from its checkpoint: the same two epochs.
    train(&request(dir.path(), "split", 1, RunMode::Fresh, true)).unwrap();
    let resumed = train(&request(dir.path(), "split", 2, RunMode::Resume, true)).unwrap();
    assert_eq!(rows, metrics_rows(&resumed.run_dir.metrics()));
    assert_eq!(plain.summary.test_loss, resumed.summary.test_loss);
}

#[test]
fn train_with_capture_refuses_a_recipe_it_cannot_replay_before_touching_the_run_folder() {
    let dir = tempfile::tempdir().unwrap();
    let mut req = smoke_request(dir.path(), "adam", 1, RunMode::Fresh);
    req.capture = true;
    let err = train(&req).unwrap_err();
    assert!(matches!(err, TrainError::CannotCapture { .. }), "{err}");
    let message = err.to_string();
    assert!(message.contains("--capture"), "{message}");
    assert!(message.contains("smoke.toml"), "{message}");
    assert!(message.contains("adam"), "{message}");
    assert!(
        !dir.path().join("adam").exists(),
        "a run folder was left behind"
    );
}

#[test]
fn the_train_and_sweep_binaries_pass_capture_on_and_fail_cleanly_when_refused() {
    let dir = tempfile::tempdir().unwrap();
    let smoke = integration_tests::config("smoke.toml");
    for binary in ["train", "sweep"] {
        let out = std::process::Command::new(integration_tests::binary(binary))
            .arg("--config")
            .arg(&smoke)
            .arg("--artifacts-dir")
            .arg(dir.path())
            .arg("--capture")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{binary}: {stderr}");
        assert!(
            stderr.contains("--capture: the training step of") && stderr.contains("adam"),
            "{binary}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{binary}: {stderr}");
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "a run folder was left"
    );
}
