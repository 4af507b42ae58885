//! `train --capture`: the Learner's loop around the captured step, each recorded optimiser's
//! state in Burn's own checkpoint record, resuming either way, trains exactly as plain `train`.
//! The captured step is a GPU build's (`mnist-train`'s `capture` feature), so these run with
//! `cargo test -p integration-tests --features capture -- capture::`, on the CPU, where the
//! step is not recorded and re-runs; the recorded path is checked on a GPU backend by `cargo
//! xtask wgpu-smoke` (on Mesa's software Vulkan in CI). The step itself, against plain steps,
//! is checked by `mnist-capture`'s own tests (`crates/capture/tests/check.rs`).

use std::path::Path;

use integration_tests::{metrics_rows, saved_weights, smoke_request};
use mnist_runs::summary::CapturedStepUse;
use mnist_runs::RunMode;
use mnist_train::{train, TrainError};

fn request(
    dir: &Path,
    config: &Path,
    name: &str,
    epochs: usize,
    mode: RunMode,
    capture: bool,
) -> mnist_train::TrainRequest {
    let mut req = smoke_request(dir, name, epochs, mode);
    req.config = config.to_path_buf();
    req.capture = capture;
    req
}

/// `config` trained for two epochs plainly, with `--capture`, and with `--capture` one epoch
/// then one more resumed from its checkpoint: the same metrics, weights and test loss.
fn assert_capture_trains_as_plain(dir: &Path, config: &Path) {
    let run = |name: &str, epochs, mode, capture| {
        train(&request(dir, config, name, epochs, mode, capture)).unwrap()
    };
    let plain = run("plain", 2, RunMode::Fresh, false);
    let captured = run("captured", 2, RunMode::Fresh, true);

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

    // One epoch, then one more resumed from its checkpoint (the optimiser's state with it),
    // plainly and captured: the same two epochs. (Not those of the two-epoch run where the
    // rate follows a schedule: a one-epoch run's schedule ends with its epoch.)
    run("split-plain", 1, RunMode::Fresh, false);
    let plain_resumed = run("split-plain", 2, RunMode::Resume, false);
    run("split-captured", 1, RunMode::Fresh, true);
    let resumed = run("split-captured", 2, RunMode::Resume, true);
    let resumed_rows = metrics_rows(&plain_resumed.run_dir.metrics());
    assert_eq!(resumed_rows.len(), 2);
    assert_eq!(resumed_rows, metrics_rows(&resumed.run_dir.metrics()));
    assert_eq!(plain_resumed.summary.test_loss, resumed.summary.test_loss);
    assert!(
        saved_weights(&plain_resumed.run_dir.path) == saved_weights(&resumed.run_dir.path),
        "the resumed runs' weights differ"
    );

    // Each resumes the other's checkpoint (the optimiser's state is Burn's own record either
    // way): captured then plain, plain then captured.
    for (name, first, then) in [
        ("captured-then-plain", true, false),
        ("plain-then-captured", false, true),
    ] {
        run(name, 1, RunMode::Fresh, first);
        let crossed = run(name, 2, RunMode::Resume, then);
        assert_eq!(
            resumed_rows,
            metrics_rows(&crossed.run_dir.metrics()),
            "{name}"
        );
        assert_eq!(
            plain_resumed.summary.test_loss, crossed.summary.test_loss,
            "{name}"
        );
        assert!(
            saved_weights(&plain_resumed.run_dir.path) == saved_weights(&crossed.run_dir.path),
            "{name}: the weights differ"
        );
    }
}

#[test]
fn train_with_capture_trains_exactly_as_without_and_resumes_the_same() {
    let dir = tempfile::tempdir().unwrap();
    assert_capture_trains_as_plain(dir.path(), &integration_tests::config("smoke-sgd.toml"));
}

#[test]
fn train_with_capture_and_adam_on_a_schedule_with_a_partial_last_batch_trains_as_without() {
    // Adam keeps moments and a step count, the cosine schedule moves the rate every step, and
    // 5,400 images in batches of 128 end each epoch with a batch of 24: the optimiser runs
    // after each replayed step, the last batch runs plainly, and `--resume` must bring Adam's
    // state back from the checkpoint.
    let dir = tempfile::tempdir().unwrap();
    let smoke = std::fs::read_to_string(integration_tests::config("smoke.toml")).unwrap();
    assert!(smoke.contains("name = \"adam\"") && smoke.contains("batch_size = 100\n"));
    let text = smoke.replace("batch_size = 100\n", "batch_size = 128\n")
        + "\n[schedule]\nname = \"cosine\"\n";
    let config = dir.path().join("adam-cosine.toml");
    std::fs::write(&config, text).unwrap();
    assert_capture_trains_as_plain(dir.path(), &config);
}

#[test]
fn train_with_capture_trains_as_without_for_every_other_optimiser_and_schedule() {
    // SGD's velocity (Nesterov, L2 decay) on a step schedule, RMSprop's average of squared
    // gradients on a cosine one, AdamW's moments and decoupled decay on one-cycle: each state
    // recorded with the step, checkpointed as Burn's own record and brought back by
    // `--resume`, across a partial last batch (5,400 images in batches of 128).
    let smoke = std::fs::read_to_string(integration_tests::config("smoke.toml")).unwrap();
    let adam = "[optimizer]\nname = \"adam\"\nlr = 0.002\n";
    assert!(smoke.contains(adam) && smoke.contains("batch_size = 100\n"));
    let smoke = smoke.replace("batch_size = 100\n", "batch_size = 128\n");
    for (name, recipe) in [
        (
            "momentum",
            "[optimizer]\nname = \"sgd\"\nlr = 0.05\nmomentum = 0.9\nnesterov = true\n\
             weight_decay = 1e-4\n\n[schedule]\nname = \"step\"\nstep_epochs = 1\n",
        ),
        (
            "rmsprop",
            "[optimizer]\nname = \"rmsprop\"\nlr = 0.001\n\n[schedule]\nname = \"cosine\"\n",
        ),
        (
            "adamw",
            "[optimizer]\nname = \"adamw\"\nlr = 0.002\n\n[schedule]\nname = \"onecycle\"\n",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join(format!("{name}.toml"));
        std::fs::write(&config, smoke.replace(adam, recipe)).unwrap();
        assert_capture_trains_as_plain(dir.path(), &config);
    }
}

#[test]
fn train_with_capture_refuses_a_recipe_it_cannot_replay_before_touching_the_run_folder() {
    let dir = tempfile::tempdir().unwrap();
    let smoke = std::fs::read_to_string(integration_tests::config("smoke.toml")).unwrap();
    assert!(smoke.contains("hidden = [64]\n"));
    let config = dir.path().join("dropout.toml");
    std::fs::write(
        &config,
        smoke.replace("hidden = [64]\n", "hidden = [64]\ndropout = 0.2\n"),
    )
    .unwrap();
    let artifacts = dir.path().join("runs");
    let err = train(&request(
        &artifacts,
        &config,
        "dropout",
        1,
        RunMode::Fresh,
        true,
    ))
    .unwrap_err();
    assert!(matches!(err, TrainError::CannotCapture { .. }), "{err}");
    let message = err.to_string();
    assert!(message.contains("--capture"), "{message}");
    assert!(message.contains("dropout.toml"), "{message}");
    assert!(message.contains("dropout draws"), "{message}");
    assert!(!artifacts.exists(), "a run folder was left behind");
}

#[test]
fn the_train_and_sweep_binaries_pass_capture_on_and_fail_cleanly_when_refused() {
    let dir = tempfile::tempdir().unwrap();
    // Fashion-MNIST's recipe uses dropout: refused before any data is read.
    let fashion = integration_tests::config("fashion.toml");
    for binary in ["train", "sweep"] {
        let out = std::process::Command::new(crate::binary(binary))
            .arg("--config")
            .arg(&fashion)
            .arg("--artifacts-dir")
            .arg(dir.path())
            .arg("--capture")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{binary}: {stderr}");
        assert!(
            stderr.contains("--capture: the training step of") && stderr.contains("dropout"),
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

#[test]
fn a_captured_step_stops_early_at_the_epoch_the_plain_step_stops() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("stopping.toml");
    let recipe = crate::end_to_end::OVERFITTING_RECIPE;
    std::fs::write(
        &config,
        format!("{recipe}\n[early_stopping]\npatience = 2\n"),
    )
    .unwrap();
    let run = |name: &str, capture: bool| {
        train(&request(
            dir.path(),
            &config,
            name,
            30,
            RunMode::Fresh,
            capture,
        ))
        .unwrap()
    };
    let plain = run("plain", false);
    assert!(plain.summary.epochs_completed < 30, "it stopped early");
    // The same events reach the Learner, so it stops at the same epoch.
    let captured = run("captured", true);
    assert_eq!(
        metrics_rows(&captured.run_dir.metrics()),
        metrics_rows(&plain.run_dir.metrics())
    );
}
