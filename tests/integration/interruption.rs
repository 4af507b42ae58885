//! Interruption for real: the `train` binary killed with SIGKILL mid-epoch, or stopped with
//! SIGINT, then resumed, ends with exactly the weights of an uninterrupted run; torn or
//! foreign checkpoints and unwritable folders are refused with errors that name them.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

use burn::module::Module;
use integration_tests::{metrics_rows, saved_weights, smoke_request};
use mnist_runs::RunMode;
use mnist_runs::{run_detail, RunStatus};
use mnist_train::{train, TrainError};

/// A run long enough to be caught mid-epoch (about half a second per epoch): the tutorial's
/// 784-784-32-10 network on 20,000 images, three epochs, every checkpoint kept.
const SLOW_CONFIG: &str = r#"
seed = 11
[data]
train_limit = 20000
[model]
hidden = [784, 32]
[train]
epochs = 3
batch_size = 100
[optimizer]
name = "sgd"
lr = 0.05
momentum = 0.9
[artifacts]
keep_checkpoints = 3
"#;

fn slow_config(dir: &Path) -> PathBuf {
    let path = dir.join("slow.toml");
    std::fs::write(&path, SLOW_CONFIG).unwrap();
    path
}

fn train_command(config: &Path, artifacts: &Path, name: &str, extra: &[&str]) -> Command {
    let mut command = Command::new(crate::binary("train"));
    command
        .arg("--config")
        .arg(config)
        .arg("--artifacts-dir")
        .arg(artifacts)
        .args(["--run-name", name, "--device", "cpu"])
        .args(extra);
    command
}

fn run_ok(mut command: Command) -> Output {
    let out = command.output().unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// Waits until epoch 1's three checkpoint files exist (Burn writes them from three threads,
/// each to a scratch name renamed into place): the child is then in epoch 2.
fn wait_for_first_checkpoint(child: &mut Child, run: &Path) {
    let files = ["model-1.bpk", "optim-1.bpk", "scheduler-1.bpk"]
        .map(|name| run.join("checkpoint").join(name));
    let start = Instant::now();
    while !files.iter().all(|f| f.is_file()) {
        assert!(
            child.try_wait().unwrap().is_none(),
            "training ended before its first checkpoint"
        );
        assert!(start.elapsed() < Duration::from_secs(120), "no checkpoint");
        std::thread::sleep(Duration::from_millis(2));
    }
}

#[test]
fn sigkill_mid_epoch_then_resume_equals_an_uninterrupted_run_bit_for_bit() {
    let dir = tempfile::tempdir().unwrap();
    let config = slow_config(dir.path());
    let artifacts = dir.path().join("artifacts");
    run_ok(train_command(&config, &artifacts, "straight", &[]));

    let killed = artifacts.join("killed");
    let mut child = train_command(&config, &artifacts, "killed", &[])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    wait_for_first_checkpoint(&mut child, &killed);
    child.kill().unwrap(); // SIGKILL: no handler runs
    child.wait().unwrap();
    // Killed in epoch 2: nothing claims the run is finished.
    assert!(!killed.join("summary.json").exists());
    assert!(!killed.join("model.bpk").exists());
    assert!(!killed.join("checkpoint").join("model-3.bpk").exists());

    let out = run_ok(train_command(&config, &artifacts, "killed", &["--resume"]));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("resuming after epoch"), "{stdout}");
    let straight = artifacts.join("straight");
    assert_eq!(
        metrics_rows(&killed.join("metrics.csv")),
        metrics_rows(&straight.join("metrics.csv"))
    );
    let (a, b) = (saved_weights(&killed), saved_weights(&straight));
    assert_eq!(a.len(), 6);
    assert!(
        a == b,
        "the resumed run's weights differ from the uninterrupted run's"
    );
}

#[cfg(unix)]
#[test]
fn sigint_stops_cleanly_says_how_to_resume_and_the_resumed_run_matches() {
    let dir = tempfile::tempdir().unwrap();
    let config = slow_config(dir.path());
    let artifacts = dir.path().join("artifacts");
    run_ok(train_command(&config, &artifacts, "straight", &[]));

    let stopped = artifacts.join("stopped");
    let mut child = train_command(&config, &artifacts, "stopped", &[])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_first_checkpoint(&mut child, &stopped);
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("Ctrl-C"), "{stderr}");
    assert!(stderr.contains("--resume"), "{stderr}");
    assert!(stderr.contains("checkpointed in"), "{stderr}");
    // A stopped run is not a finished one.
    assert!(!stopped.join("summary.json").exists());
    assert!(!stopped.join("model.bpk").exists());

    run_ok(train_command(&config, &artifacts, "stopped", &["--resume"]));
    assert!(saved_weights(&stopped) == saved_weights(&artifacts.join("straight")));
}

/// A run whose validation takes longer than its training (6,000 training images, 54,000
/// validation ones), so a signal can be sent while it validates.
const VALIDATION_HEAVY_CONFIG: &str = r#"
seed = 5
[data]
validation_split = 0.9
[model]
hidden = [784, 32]
[train]
epochs = 3
batch_size = 100
[optimizer]
name = "sgd"
lr = 0.05
[artifacts]
keep_checkpoints = 3
"#;

/// Waits until `path` exists (Burn's metric logs name the phase: `train/epoch-2/` appears as
/// epoch 2's training starts, `valid/epoch-2/` as its validation does).
fn wait_for(child: &mut Child, path: &Path) {
    let start = Instant::now();
    while !path.exists() {
        assert!(
            child.try_wait().unwrap().is_none(),
            "training ended before {} appeared",
            path.display()
        );
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "no {}",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Starts the validation-heavy run `name`, sends SIGINT once `phase` (a path inside the run
/// folder) appears, and checks what it leaves: only epoch 1, as printed, logged and
/// checkpointed, a message that says so, and a folder that reads `stopped` at once.
#[cfg(unix)]
fn sigint_when(phase: &str) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("heavy.toml");
    std::fs::write(&config, VALIDATION_HEAVY_CONFIG).unwrap();
    let artifacts = dir.path().join("artifacts");
    let run = artifacts.join("stopped");
    let mut child = train_command(&config, &artifacts, "stopped", &[])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_first_checkpoint(&mut child, &run);
    wait_for(&mut child, &run.join(phase));
    assert_eq!(
        run_detail(&artifacts, "stopped").unwrap().info.status,
        RunStatus::Training
    );
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let out = child.wait_with_output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(130), "{stderr}");

    // The gone process's run reads `stopped` at once, not after some time.
    let detail = run_detail(&artifacts, "stopped").unwrap();
    assert_eq!(detail.info.status, RunStatus::Stopped);
    assert_eq!(detail.info.epochs_completed, 1);
    // Epoch 2 was cut short: no line, no row, no checkpoint for it.
    let epoch_lines: Vec<&str> = stdout.lines().filter(|l| l.starts_with("epoch ")).collect();
    assert_eq!(epoch_lines.len(), 1, "{stdout}");
    assert!(epoch_lines[0].starts_with("epoch 1/3"), "{stdout}");
    assert_eq!(metrics_rows(&run.join("metrics.csv")).len(), 1);
    assert!(!run.join("checkpoint").join("model-2.bpk").exists());
    assert!(
        stderr.contains("stopped during epoch 2; epoch 1 is checkpointed in"),
        "{stderr}"
    );
}

#[cfg(unix)]
#[test]
fn sigint_during_validation_leaves_no_figures_of_the_partial_pass() {
    sigint_when("valid/epoch-2");
}

#[cfg(unix)]
#[test]
fn sigint_during_training_leaves_the_finished_epochs_only() {
    sigint_when("train/epoch-2");
}

#[test]
fn a_run_being_trained_cannot_be_trained_by_a_second_process_at_once() {
    let artifacts = tempfile::tempdir().unwrap();
    let run = mnist_runs::RunDir::new(artifacts.path(), "busy");
    std::fs::create_dir_all(&run.path).unwrap();
    let _held = mnist_runs::RunLock::acquire(&run).unwrap();
    for mode in [RunMode::Fresh, RunMode::Resume, RunMode::Overwrite] {
        let message = train(&smoke_request(artifacts.path(), "busy", 1, mode))
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("is being trained now by process"),
            "{message}"
        );
    }
    assert!(run.path.is_dir(), "nothing was deleted");
}

#[test]
fn torn_foreign_and_other_network_checkpoints_are_refused_by_name() {
    let artifacts = tempfile::tempdir().unwrap();
    let outcome = train(&smoke_request(artifacts.path(), "run", 1, RunMode::Fresh)).unwrap();
    let checkpoint = outcome.run_dir.checkpoints().join("model-1.bpk");
    let good = std::fs::read(&checkpoint).unwrap();
    let resume = || train(&smoke_request(artifacts.path(), "run", 2, RunMode::Resume));

    // Torn: a write cut short.
    std::fs::write(&checkpoint, &good[..good.len() / 2]).unwrap();
    match resume() {
        Err(TrainError::BadCheckpoint { path, .. }) => assert_eq!(path, checkpoint),
        other => panic!("expected a bad checkpoint, got {other:?}"),
    }
    // Foreign: not a burnpack file at all.
    std::fs::write(&checkpoint, b"these bytes are not a checkpoint").unwrap();
    assert!(matches!(resume(), Err(TrainError::BadCheckpoint { .. })));
    // Another network's weights: the message names the run's shape.
    let other = mnist_model::MlpConfig::new()
        .with_hidden(vec![16])
        .init(&burn::tensor::Device::flex());
    let stem = checkpoint.with_extension("");
    other.save_file(&stem).unwrap();
    let message = resume().unwrap_err().to_string();
    assert!(message.contains("model-1.bpk"), "{message}");
    assert!(message.contains("784-64-10"), "{message}");
    // The optimiser's file, torn.
    std::fs::write(&checkpoint, &good).unwrap();
    let optim = outcome.run_dir.checkpoints().join("optim-1.bpk");
    let bytes = std::fs::read(&optim).unwrap();
    std::fs::write(&optim, &bytes[..bytes.len() / 3]).unwrap();
    match resume() {
        Err(TrainError::BadCheckpoint { path, .. }) => assert_eq!(path, optim),
        other => panic!("expected a bad checkpoint, got {other:?}"),
    }
    std::fs::write(&optim, &bytes).unwrap();
    // Restored, it resumes.
    assert_eq!(resume().unwrap().summary.epochs_completed, 2);
}

#[test]
fn an_unwritable_artifacts_folder_fails_before_training_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    // A file where the folder should be, and a place even root cannot create folders in.
    let file = dir.path().join("not-a-folder");
    std::fs::write(&file, b"x").unwrap();
    for artifacts in [
        file.join("artifacts"),
        PathBuf::from("/proc/burn-mnist-artifacts"),
    ] {
        let error = train(&smoke_request(&artifacts, "run", 1, RunMode::Fresh)).unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains(&artifacts.display().to_string()),
            "{message}"
        );
        assert!(!artifacts.exists());
    }
}
