//! One vocabulary across the tools: `--model` (and `--checkpoint N`) wherever a run folder is
//! read, interrupted runs that are still usable, `--device gpu`, export names that match their
//! format, folders of mixed files, and messages that say what to type next.

use std::path::Path;
use std::process::{Command, Output};

use crate::binary;
use integration_tests::{fixture_digit, smoke_request};
use mnist_runs::RunMode;
use mnist_train::train;

fn run(bin: &str, args: &[&str]) -> Output {
    Command::new(binary(bin)).args(args).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A smoke run of 2 epochs made to look interrupted: its checkpoints, no final model.
fn interrupted_run(artifacts: &Path) -> std::path::PathBuf {
    let outcome = train(&smoke_request(artifacts, "cut", 2, RunMode::Fresh)).unwrap();
    let dir = outcome.run_dir.path;
    // What a run writes only once it has finished.
    for file in ["model.bpk", "summary.json", "report.md"]
        .into_iter()
        .chain(mnist_report::FILES)
    {
        std::fs::remove_file(dir.join(file)).unwrap();
    }
    dir
}

#[test]
fn an_interrupted_run_says_how_to_finish_it_and_its_checkpoints_are_usable() {
    let artifacts = tempfile::tempdir().unwrap();
    let dir = interrupted_run(artifacts.path());
    let run_dir = dir.to_str().unwrap();
    let digit = fixture_digit("7-photo.jpg");
    let digit = digit.to_str().unwrap();

    let out = run("infer", &["--model", run_dir, digit]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    for expected in [
        "interrupted at epoch 3",
        "--resume",
        "--checkpoint N",
        "checkpointed: 1, 2",
    ] {
        assert!(stderr.contains(expected), "{expected:?} missing: {stderr}");
    }

    let out = run("infer", &["--model", run_dir, "--checkpoint", "2", digit]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains(": 7 ("), "{}", text(&out.stdout));
    let out = run("infer", &["--model", run_dir, "--checkpoint", "9", digit]);
    assert!(
        text(&out.stderr).contains("no checkpoint of epoch 9 (checkpointed: 1, 2)"),
        "{}",
        text(&out.stderr)
    );

    let out = run("eval", &["--model", run_dir, "--checkpoint", "2", "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(json["accuracy"].as_f64().unwrap() > 80.0, "{json}");

    // `report` (and its old flag `--run`) draws what metrics.csv holds.
    let out = run("report", &["--run", run_dir]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("did not finish (2 epochs"),
        "{}",
        text(&out.stdout)
    );
    assert!(dir.join("curves.png").is_file());
    assert!(
        !dir.join("confusion.png").exists(),
        "no model, no confusion matrix"
    );
}

#[test]
fn a_finished_run_folder_suggests_a_new_name_or_more_epochs() {
    let artifacts = tempfile::tempdir().unwrap();
    train(&smoke_request(artifacts.path(), "done", 1, RunMode::Fresh)).unwrap();
    let error = train(&smoke_request(artifacts.path(), "done", 1, RunMode::Fresh))
        .unwrap_err()
        .to_string();
    for expected in [
        "already holds a finished run",
        "--run-name NAME",
        "--resume --epochs N",
    ] {
        assert!(error.contains(expected), "{expected:?} missing: {error}");
    }
}

#[test]
fn tools_default_to_the_shipped_model_and_export_names_match_the_format() {
    let out = run("inspect", &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("shipped"),
        "{}",
        text(&out.stdout)
    );
    let out = run("inspect", &["--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["network"], "784-784-32-10", "{json}");
    assert_eq!(json["params"], 640_890);
    assert_eq!(json["tensors"][0]["shape"], serde_json::json!([784, 784]));
    assert_eq!(json["tensors"].as_array().unwrap().len(), 6);

    let dir = tempfile::tempdir().unwrap();
    let wrong = dir.path().join("deep.onnx");
    let out = run("export", &[wrong.to_str().unwrap()]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("deep.onnx") && stderr.contains("*.safetensors"),
        "{stderr}"
    );
    assert!(
        !wrong.exists(),
        "nothing is written under a misleading name"
    );
    let right = dir.path().join("deep.safetensors");
    let out = run("export", &[right.to_str().unwrap()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(right.is_file());
}

#[test]
fn gpu_names_the_gpu_backend_and_says_how_to_build_it() {
    let digit = fixture_digit("7-photo.jpg");
    let out = run("infer", &["--device", "gpu", digit.to_str().unwrap()]);
    let stderr = text(&out.stderr);
    // The tests run the CPU build (CI's wgpu smoke test runs the GPU one).
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("no wgpu backend") && stderr.contains("--features wgpu"),
        "{stderr}"
    );
}

#[test]
fn a_folder_of_mixed_files_reads_its_images_and_notes_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(fixture_digit("7-photo.jpg"), dir.path().join("7.jpg")).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "my digits").unwrap();
    let inner = dir.path().join("more");
    std::fs::create_dir(&inner).unwrap();
    std::fs::copy(fixture_digit("4-drawn-0.png"), inner.join("4.png")).unwrap();
    let folder = dir.path().to_str().unwrap();

    let out = run("infer", &[folder]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "every image was read: {stderr}");
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(
        stderr.contains("skipping") && stderr.contains("notes.txt"),
        "{stderr}"
    );
    assert!(stderr.contains("--recursive"), "{stderr}");

    let out = run("infer", &["--recursive", folder]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("4.png: 4 (") && stdout.contains("7.jpg: 7 ("),
        "{stdout}"
    );

    // A folder with no image at all is an error, named.
    let empty = tempfile::tempdir().unwrap();
    std::fs::write(empty.path().join("readme.md"), "nothing").unwrap();
    let out = run("infer", &[empty.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("no image file in this folder"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn runs_lists_the_run_folders_and_compares_two() {
    let artifacts = tempfile::tempdir().unwrap();
    for name in ["first", "second"] {
        train(&smoke_request(artifacts.path(), name, 1, RunMode::Fresh)).unwrap();
    }
    let dir = artifacts.path().to_str().unwrap();
    let out = run("runs", &["--artifacts-dir", dir]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(stdout.lines().count(), 3, "a header and two runs: {stdout}");
    assert!(
        stdout.contains("first") && stdout.contains("finished"),
        "{stdout}"
    );

    let out = run("runs", &["--artifacts-dir", dir, "--json"]);
    let runs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(runs.as_array().unwrap().len(), 2, "{runs}");

    let out = run(
        "runs",
        &["--artifacts-dir", dir, "--compare", "first", "second"],
    );
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        stdout.contains("test accuracy") && stdout.contains("epoch 1"),
        "{stdout}"
    );

    let out = run(
        "runs",
        &["--artifacts-dir", dir, "--compare", "first", "third"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("third"), "{}", text(&out.stderr));
}

#[test]
fn csv_has_a_row_per_image_and_an_empty_answer_where_none_was_found() {
    let dir = integration_tests::workspace_root().join("tests/fixtures/paper");
    let out = run("infer", &["--csv", dir.to_str().unwrap()]);
    let stdout = text(&out.stdout);
    let mut reader = csv::Reader::from_reader(stdout.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(header, ["file", "answer", "confidence", "unsure"]);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 8, "{stdout}");
    for row in rows {
        let name = Path::new(&row[0])
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        if name.starts_with("blank") {
            assert_eq!((&row[1], &row[2]), ("", ""), "{stdout}");
        } else {
            assert_eq!(&row[1], &name[..1], "{stdout}");
            assert!(row[2].parse::<f64>().unwrap() > 0.5, "{stdout}");
            assert_eq!(&row[3], "false", "{stdout}");
        }
    }
}

#[test]
fn the_help_texts_say_what_the_binaries_do() {
    let help = text(&run("train", &["--help"]).stdout);
    // It trains either data set: the Fashion-MNIST recipe is one of the configs.
    assert!(help.contains("MNIST or Fashion-MNIST"), "{help}");
    assert!(
        std::fs::read_to_string(integration_tests::config("fashion.toml"))
            .unwrap()
            .contains("dataset = \"fashion-mnist\"")
    );
    // `--capture` records the optimiser with the step, and refuses dropout, as it says.
    let capture = help
        .split("--capture")
        .nth(1)
        .unwrap_or_default()
        .split("\n  -")
        .next()
        .unwrap_or_default()
        .replace(char::is_whitespace, " ");
    assert!(capture.contains("the optimiser's update"), "{capture}");
    assert!(!capture.contains("after each replay"), "{capture}");
    assert!(capture.contains("Not with dropout"), "{capture}");
    let refused = run(
        "train",
        &[
            "--config",
            integration_tests::config("fashion.toml").to_str().unwrap(),
            "--capture",
            "--device",
            "cpu",
            "--artifacts-dir",
            "/nonexistent/never-written",
        ],
    );
    assert!(!refused.status.success());
    let stderr = text(&refused.stderr);
    // A build without the captured step (the CPU build) refuses every recipe, and says why.
    let why = if cfg!(feature = "capture") {
        "dropout"
    } else {
        "this build has no captured step"
    };
    assert!(stderr.contains(why), "{stderr}");
}
