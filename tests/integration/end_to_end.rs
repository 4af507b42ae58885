//! Real training on real MNIST through the library and the `train` binary: learning, the run
//! folder, refusing to clobber a run, and resume giving the same result as one go.

use std::path::Path;
use std::process::Command;

use integration_tests::{metrics_rows, smoke_request as request};
use mnist_runs::{RunMode, RunSummary};
use mnist_train::train;

#[test]
fn smoke_training_learns_and_leaves_a_complete_run_folder() {
    let artifacts = tempfile::tempdir().unwrap();
    let outcome = train(&request(artifacts.path(), "learns", 2, RunMode::Fresh)).unwrap();
    let s = &outcome.summary;
    assert!(
        s.test_accuracy > 85.0,
        "test accuracy {}% is barely above chance",
        s.test_accuracy
    );
    assert_eq!(
        (s.test_images, s.train_images, s.valid_images),
        (10_000, 5_400, 600)
    );
    assert_eq!((s.epochs_completed, s.epochs_planned), (2, 2));
    assert_eq!(s.backend, "flex");
    assert_eq!(s.dataset_checksums.len(), 4);
    let dir = &outcome.run_dir;
    for file in [
        dir.config(),
        dir.model_config(),
        dir.model_file(),
        dir.metrics(),
        dir.summary(),
    ] {
        assert!(file.is_file(), "{} is missing", file.display());
    }
    assert_eq!(dir.latest_checkpoint(), Some(2));
    assert_eq!(RunSummary::load(&dir.summary()).unwrap(), *s);
    // The run's pictures: real images of the expected size, not blank.
    for (file, size) in [
        ("curves.png", (1100, 460)),
        ("predictions.png", (816, 982)),
        ("confusion.png", (740, 690)),
        ("weights.png", (762, 792)),
    ] {
        let image = image::open(dir.path.join(file)).unwrap().to_luma8();
        assert_eq!(image.dimensions(), size, "{file}");
        let n = image.len() as f64;
        let mean = image.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
        let variance = image
            .iter()
            .map(|&v| (f64::from(v) - mean).powi(2))
            .sum::<f64>()
            / n;
        assert!(variance > 100.0, "{file} looks blank (variance {variance})");
    }
    let report = std::fs::read_to_string(dir.path.join("report.md")).unwrap();
    assert!(report.contains("![confusion.png](confusion.png)") && report.contains("test accuracy"));
    let rows = metrics_rows(&dir.metrics());
    assert_eq!(rows.len(), 2);
    let loss = |row: &str| row.split(',').nth(1).unwrap().parse::<f64>().unwrap();
    assert!(
        loss(&rows[1]) < loss(&rows[0]),
        "training loss falls: {rows:?}"
    );

    // The same name again, without --resume or --overwrite, is refused and nothing is touched.
    let before = std::fs::read(dir.summary()).unwrap();
    let err = train(&request(artifacts.path(), "learns", 2, RunMode::Fresh)).unwrap_err();
    assert!(err.to_string().contains("--overwrite"), "{err}");
    assert_eq!(std::fs::read(dir.summary()).unwrap(), before);
    // A finished run cannot be resumed without more epochs.
    let err = train(&request(artifacts.path(), "learns", 2, RunMode::Resume)).unwrap_err();
    assert!(err.to_string().contains("--epochs"), "{err}");
}

#[test]
fn two_epochs_in_one_go_equal_one_epoch_then_resume() {
    let artifacts = tempfile::tempdir().unwrap();
    let straight = train(&request(artifacts.path(), "straight", 2, RunMode::Fresh)).unwrap();
    train(&request(artifacts.path(), "split", 1, RunMode::Fresh)).unwrap();
    let resumed = train(&request(artifacts.path(), "split", 2, RunMode::Resume)).unwrap();

    assert_eq!(resumed.summary.epochs_completed, 2);
    assert_eq!(
        metrics_rows(&straight.run_dir.metrics()),
        metrics_rows(&resumed.run_dir.metrics())
    );
    assert_eq!(straight.summary.test_loss, resumed.summary.test_loss);
    assert_eq!(
        straight.summary.test_accuracy,
        resumed.summary.test_accuracy
    );
}

#[test]
fn in_a_terminal_the_epoch_table_stays_on_screen_after_the_dashboard_closes() {
    // `script` (util-linux) runs the trainer on a pseudo-terminal, so Burn's dashboard opens
    // (on the alternate screen) and closes as it would for a person.
    let artifacts = tempfile::tempdir().unwrap();
    let command = format!(
        "{} --config {} --artifacts-dir {} --epochs 2 --device cpu",
        crate::binary("train").display(),
        integration_tests::config("smoke.toml").display(),
        artifacts.path().display()
    );
    let out = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .output()
        .expect("`script` (util-linux) runs a command on a pseudo-terminal: install util-linux");
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{screen}");
    // What is printed after the dashboard leaves the alternate screen is what stays visible.
    const LEAVE_ALTERNATE_SCREEN: &str = "\x1b[?1049l";
    let after = screen
        .rfind(LEAVE_ALTERNATE_SCREEN)
        .map(|i| &screen[i..])
        .unwrap_or_else(|| panic!("the dashboard never opened: {screen:?}"));
    for epoch in [
        "epoch 1/2  train loss",
        "epoch 2/2  train loss",
        "test accuracy",
    ] {
        assert!(
            after.contains(epoch),
            "{epoch:?} is not on the screen: {after:?}"
        );
    }
}

#[test]
fn the_binary_prints_one_line_per_epoch_when_piped_and_fails_cleanly() {
    let artifacts = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::new(crate::binary("train"))
            .arg("--config")
            .arg(integration_tests::config("smoke.toml"))
            .arg("--artifacts-dir")
            .arg(artifacts.path())
            .args(args)
            .output()
            .unwrap()
    };
    let out = run(&["--epochs", "2"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let epoch_lines: Vec<_> = stdout.lines().filter(|l| l.starts_with("epoch ")).collect();
    assert_eq!(epoch_lines.len(), 2, "{stdout}");
    assert!(
        epoch_lines[0].starts_with("epoch 1/2  train loss "),
        "{stdout}"
    );
    assert!(
        epoch_lines[1].contains("valid loss") && epoch_lines[1].contains("lr "),
        "{stdout}"
    );
    assert!(!stdout.contains("ProgressSnapshot"), "{stdout}");
    assert!(stdout.contains("test accuracy"), "{stdout}");
    // The last line says where the pictures are, and the report is there.
    let report = artifacts.path().join("smoke").join("report.md");
    assert!(
        stdout.contains(&format!("its pictures and figures: {}\n", report.display())),
        "{stdout}"
    );
    // Then the recipe's own word on what to expect of it.
    assert!(
        stdout
            .trim_end()
            .lines()
            .last()
            .is_some_and(|l| l.starts_with("about this recipe: a quick check that training works")),
        "{stdout}"
    );
    assert!(report.is_file());

    // Bad input: a clear error on stderr, a non-zero exit, no run folder.
    let out = run(&["--run-name", "bad", "--lr", "-1"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("`optimizer.lr`") && stderr.starts_with("error: "),
        "{stderr}"
    );
    assert!(!artifacts.path().join("bad").exists());
    let out = run(&["--run-name", "nodata", "--data-dir", "/nonexistent/mnist"]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("/nonexistent/mnist") && stderr.contains("fetch-data"),
        "{stderr}"
    );
    assert!(!artifacts.path().join("nodata").exists());
    let out = run(&["--run-name", "dev", "--device", "tpu"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("cpu, flex"));
    assert!(!out.status.success());
}

#[test]
fn a_cosine_schedule_anneals_the_learning_rate_to_its_floor() {
    let dir = tempfile::tempdir().unwrap();
    let smoke = std::fs::read_to_string(integration_tests::config("smoke.toml")).unwrap();
    let config = dir.path().join("cosine.toml");
    std::fs::write(&config, format!("{smoke}\n[schedule]\nname = \"cosine\"\n")).unwrap();
    let mut req = request(dir.path(), "cosine", 2, RunMode::Fresh);
    req.config = config;
    let outcome = train(&req).unwrap();
    let lr: Vec<f64> = metrics_rows(&outcome.run_dir.metrics())
        .iter()
        .map(|row| row.split(',').nth(5).unwrap().parse().unwrap())
        .collect();
    // lr 0.002 over 2 epochs: about half-way down after the first, at the floor after the last.
    assert!((lr[0] - 0.001).abs() < 0.0001, "{lr:?}");
    assert!(lr[1] < 0.00001, "{lr:?}");
    assert!(outcome.summary.test_accuracy > 80.0);
}

/// The smoke config with `extra` TOML appended, as a file in `dir`.
fn smoke_with(dir: &Path, name: &str, extra: &str) -> std::path::PathBuf {
    let smoke = std::fs::read_to_string(integration_tests::config("smoke.toml")).unwrap();
    let config = dir.join(format!("{name}.toml"));
    std::fs::write(&config, format!("{smoke}\n{extra}")).unwrap();
    config
}

#[test]
fn keep_best_saves_the_epoch_with_the_best_validation_accuracy() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("best.toml");
    std::fs::write(
        &config,
        std::fs::read_to_string(integration_tests::config("smoke.toml"))
            .unwrap()
            .replace("epochs = 2", "epochs = 4\nkeep_best = true")
            // Adam at 25x the smoke rate overshoots: validation accuracy peaks at epoch 2 of 4.
            // (No dropout: its masks come from the process's shared generator, which tests in
            // other threads draw from too.)
            .replace("lr = 0.002", "lr = 0.05"),
    )
    .unwrap();
    let mut req = request(dir.path(), "best", 4, RunMode::Fresh);
    req.config = config;
    let outcome = train(&req).unwrap();
    let valid: Vec<f64> = metrics_rows(&outcome.run_dir.metrics())
        .iter()
        .map(|row| row.split(',').nth(4).unwrap().parse().unwrap())
        .collect();
    let best = outcome
        .summary
        .best_epoch
        .expect("keep_best records the epoch");
    let top = valid.iter().cloned().fold(f64::MIN, f64::max);
    assert_eq!(valid[best - 1], top, "{valid:?} best {best}");
    // The case that matters: the last epoch is not the best, so the saved model is not the
    // final one (the config above makes it so).
    assert!(best < valid.len(), "{valid:?}: the best epoch is the last");
    assert_eq!(
        valid.iter().position(|&v| v == top),
        Some(best - 1),
        "the earliest of equals"
    );
    // The saved model is that epoch's checkpoint, bit for bit.
    let saved = std::fs::read(outcome.run_dir.model_file()).unwrap();
    let checkpoint = std::fs::read(
        outcome
            .run_dir
            .checkpoints()
            .join(format!("model-{best}.bpk")),
    )
    .unwrap();
    assert!(
        saved == checkpoint,
        "model.bpk is not epoch {best}'s weights"
    );
}

#[test]
fn warm_up_and_one_cycle_schedules_train_and_log_their_learning_rates() {
    let dir = tempfile::tempdir().unwrap();
    let onecycle = smoke_with(dir.path(), "onecycle", "[schedule]\nname = \"onecycle\"\n");
    let mut req = request(dir.path(), "onecycle", 3, RunMode::Fresh);
    req.config = onecycle;
    let outcome = train(&req).unwrap();
    let lr: Vec<f64> = metrics_rows(&outcome.run_dir.metrics())
        .iter()
        .map(|row| row.split(',').nth(5).unwrap().parse().unwrap())
        .collect();
    // 3 epochs of 54 steps; one-cycle rises to the peak 0.002 at step 49 (30%), then follows a
    // cosine over the other 113 steps, so the rate logged at the end of each epoch is ~0.00199,
    // ~0.00096 and ~0. (Plain cosine from step 0 would log ~0.0015, ~0.0005 and ~0.)
    assert!(lr[0] > 0.0019 && lr[0] <= 0.002, "{lr:?}");
    assert!(lr[1] > 0.0008 && lr[1] < 0.0011, "{lr:?}");
    assert!(lr[2] < 1e-6, "{lr:?}");
    assert!(outcome.summary.test_accuracy > 80.0);

    let smoothed = smoke_with(
        dir.path(),
        "smoothed",
        "[schedule]\nname = \"cosine\"\nwarmup_epochs = 1\n",
    );
    std::fs::write(
        &smoothed,
        std::fs::read_to_string(&smoothed).unwrap().replace(
            "batch_size = 100",
            "batch_size = 100\nlabel_smoothing = 0.1",
        ),
    )
    .unwrap();
    let mut req = request(dir.path(), "smoothed", 2, RunMode::Fresh);
    req.config = smoothed;
    let outcome = train(&req).unwrap();
    let rows = metrics_rows(&outcome.run_dir.metrics());
    let train_loss: f64 = rows[1].split(',').nth(1).unwrap().parse().unwrap();
    let valid_loss: f64 = rows[1].split(',').nth(3).unwrap().parse().unwrap();
    // Smoothing keeps the training loss well above the plain validation loss.
    assert!(train_loss > valid_loss + 0.2, "{rows:?}");
    assert!(outcome.summary.test_accuracy > 80.0);
}

#[test]
fn a_sweep_trains_each_seed_into_its_own_folder_and_answers_json_on_stdout() {
    let artifacts = tempfile::tempdir().unwrap();
    let sweep = || {
        Command::new(crate::binary("sweep"))
            .arg("--config")
            .arg(integration_tests::config("smoke.toml"))
            .args([
                "--seeds",
                "1,2",
                "--device",
                "cpu",
                "--json",
                "--artifacts-dir",
            ])
            .arg(artifacts.path())
            .output()
            .unwrap()
    };
    let out = sweep();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    // stdout is one JSON object and nothing else; the epochs went to stderr.
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(stderr.contains("epoch 1/"), "{stderr}");
    let runs = json["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    let accuracy = |i: usize| {
        let seed = runs[i]["seed"].as_u64().unwrap();
        let path = artifacts
            .path()
            .join(format!("smoke-seed{seed}/summary.json"));
        let summary = RunSummary::load(&path).unwrap();
        assert_eq!(summary.seed, seed);
        assert_eq!(
            runs[i]["test_accuracy"].as_f64(),
            Some(summary.test_accuracy)
        );
        summary.test_accuracy
    };
    let (first, second) = (accuracy(0), accuracy(1));
    assert_ne!(first, second, "different seeds, different runs");
    let mean = json["test_accuracy_mean"].as_f64().unwrap();
    assert!((mean - (first + second) / 2.0).abs() < 1e-9, "{json}");
    assert!(json["test_accuracy_sd"].as_f64().unwrap() > 0.0, "{json}");
    // A second sweep does not clobber the first without --overwrite.
    let again = sweep();
    assert!(!again.status.success());
    assert!(again.stdout.is_empty(), "no partial answer on stdout");
}

#[test]
fn a_fashion_run_names_its_classes_in_eval_and_infer() {
    let dir = tempfile::tempdir().unwrap();
    let outcome = train(&integration_tests::fashion_smoke_request(
        dir.path(),
        "fashion",
        1,
    ))
    .unwrap();
    assert_eq!(outcome.summary.dataset, "fashion-mnist");
    let run = outcome.run_dir.path.clone();
    // The confusion matrix makes room for the longest full row label ("0 T-shirt/top", 13
    // characters of 10 px), where a digit run's needs one character.
    let confusion = image::open(run.join("confusion.png")).unwrap();
    assert_eq!(confusion.width(), 13 * 10 + 24 + 10 * 56 + 120);

    let out = Command::new(crate::binary("eval"))
        .arg("--model")
        .arg(&run)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("Ankle boot") && stdout.contains("T-shirt/top"),
        "{stdout}"
    );

    let image = integration_tests::fixture_digit("4-drawn-0.png");
    let out = Command::new(crate::binary("infer"))
        .arg("--model")
        .arg(&run)
        .arg(&image)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    let names = mnist_data::DatasetKind::FashionMnist.class_names();
    let answer = stdout.split(": ").nth(1).unwrap_or_default();
    assert!(
        names.iter().any(|n| answer.starts_with(n)),
        "infer should answer with a class name: {stdout}"
    );
}

#[test]
fn overwrite_replaces_only_folders_that_are_runs() {
    let artifacts = tempfile::tempdir().unwrap();
    // A folder that was never a run: a user's notes where the run would go.
    let precious = artifacts.path().join("precious");
    std::fs::create_dir_all(&precious).unwrap();
    std::fs::write(precious.join("thesis.txt"), b"three years of work").unwrap();
    let err = train(&request(
        artifacts.path(),
        "precious",
        1,
        RunMode::Overwrite,
    ))
    .unwrap_err();
    let message = err.to_string();
    assert!(
        message.contains("thesis.txt") && message.contains("nothing was deleted"),
        "{message}"
    );
    assert_eq!(
        std::fs::read(precious.join("thesis.txt")).unwrap(),
        b"three years of work"
    );

    // A real run with a file of the user's added to it is not replaced either...
    let run = train(&request(artifacts.path(), "mine", 1, RunMode::Fresh)).unwrap();
    let notes = run.run_dir.path.join("notes.txt");
    std::fs::write(&notes, b"lr 0.002 looked better").unwrap();
    let err = train(&request(artifacts.path(), "mine", 1, RunMode::Overwrite)).unwrap_err();
    assert!(err.to_string().contains("notes.txt"), "{err}");
    assert!(notes.is_file() && run.run_dir.summary().is_file());

    // ...but a run folder holding only what training wrote is.
    std::fs::remove_file(&notes).unwrap();
    let again = train(&request(artifacts.path(), "mine", 1, RunMode::Overwrite)).unwrap();
    assert_eq!(again.summary.epochs_completed, 1);
    assert!(again.run_dir.summary().is_file());
}

#[test]
fn resume_accepts_the_same_command_and_refuses_a_real_change_naming_both_values() {
    let artifacts = tempfile::tempdir().unwrap();
    let with_seed = |epochs, mode, seed| {
        let mut req = request(artifacts.path(), "seeded", epochs, mode);
        req.overrides.seed = Some(seed);
        req
    };
    train(&with_seed(1, RunMode::Fresh, 7)).unwrap();
    let err = train(&with_seed(2, RunMode::Resume, 8)).unwrap_err();
    assert!(
        err.to_string().contains("--seed 8 (the run has 7)"),
        "{err}"
    );
    // The command the run was started with, plus --resume and more epochs, continues it.
    let resumed = train(&with_seed(2, RunMode::Resume, 7)).unwrap();
    assert_eq!(resumed.summary.epochs_completed, 2);
    assert_eq!(resumed.summary.seed, 7);
}

/// A small recipe that overfits quickly: 400 training images, a wide layer, a high rate.
pub(crate) const OVERFITTING_RECIPE: &str = r#"
name = "overfits"
seed = 7

[data]
validation_split = 0.2
train_limit = 500

[model]
hidden = [128]

[train]
epochs = 30
batch_size = 10

[optimizer]
name = "sgd"
lr = 0.5
"#;

/// The validation losses of a run's `metrics.csv`, epoch by epoch.
fn valid_losses(rows: &[String]) -> Vec<f64> {
    rows.iter()
        .map(|row| row.split(',').nth(3).unwrap().parse().unwrap())
        .collect()
}

#[test]
fn early_stopping_ends_a_run_once_validation_loss_has_not_improved_for_patience_epochs() {
    let dir = tempfile::tempdir().unwrap();
    let patience = 2;
    let write = |name: &str, text: String| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let stopping = write(
        "stopping.toml",
        format!("{OVERFITTING_RECIPE}\n[early_stopping]\npatience = {patience}\n"),
    );
    let running_on = write("running-on.toml", OVERFITTING_RECIPE.to_string());
    let run = |config: &Path, name: &str| {
        let mut req = request(dir.path(), name, 30, RunMode::Fresh);
        req.config = config.to_path_buf();
        train(&req).unwrap()
    };

    let stopped = run(&stopping, "stopped");
    let s = &stopped.summary;
    assert!(
        s.epochs_completed < s.epochs_planned,
        "ran all {} epochs",
        s.epochs_planned
    );
    assert_eq!(
        s.stopped_early.as_deref(),
        Some("early stopping: validation loss did not improve for 2 epochs")
    );
    let rows = metrics_rows(&stopped.run_dir.metrics());
    assert_eq!(rows.len(), s.epochs_completed);
    // It stopped exactly `patience` epochs after the best validation loss, and none of those
    // epochs beat it.
    let losses = valid_losses(&rows);
    let best = (0..losses.len())
        .min_by(|&a, &b| losses[a].total_cmp(&losses[b]))
        .unwrap();
    assert_eq!(
        losses.len() - 1 - best,
        patience,
        "validation losses {losses:?}"
    );

    // Without the section the same recipe trains on, through the same epochs.
    let full = run(&running_on, "full");
    assert_eq!(full.summary.epochs_completed, 30);
    assert_eq!(full.summary.stopped_early, None);
    assert_eq!(
        metrics_rows(&full.run_dir.metrics())[..rows.len()],
        rows[..]
    );
}
