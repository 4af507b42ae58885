//! Shared helpers of the integration tests: finding the real data, scratch folders, the binaries.

use std::path::{Path, PathBuf};

use mnist_data::{locate_data_dir, DatasetKind};

/// The workspace root of the checkout under test (found at run time, see
/// `mnist_data::workspace_root`).
pub fn workspace_root() -> PathBuf {
    mnist_data::workspace_root()
}

/// The folder of the real data set, found exactly as training finds it (`MNIST_DIR` /
/// `FASHION_MNIST_DIR`, `data/<set>`, `../shared/data/<set>`). Missing data fails the test with
/// one line saying how to get it: these tests never skip silently.
pub fn data_dir(kind: DatasetKind) -> PathBuf {
    match locate_data_dir(None, None, kind, &workspace_root()) {
        Ok(found) => found.path,
        Err(e) => panic!("{}", e.to_string().replace('\n', " ")),
    }
}

pub fn mnist_dir() -> PathBuf {
    data_dir(DatasetKind::Mnist)
}

/// `tests/data/digits-dev/`: 700 real handwritten digits that are not MNIST's, from the
/// sources whose licences let them travel with the repository (see its README).
pub fn digits_dev() -> PathBuf {
    workspace_root()
        .join("tests")
        .join("data")
        .join("digits-dev")
}

/// A path to a config file of the repository, e.g. `config("smoke.toml")`.
pub fn config(name: &str) -> PathBuf {
    workspace_root().join("configs").join(name)
}

/// The rows of a run's `metrics.csv` without its header and its seconds column (the only
/// column that differs between two runs of the same recipe).
pub fn metrics_rows(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.rsplit_once(',').unwrap().0.to_string())
        .collect()
}

/// Every weight and bias of the model saved in the run folder `run`, layer after layer.
pub fn saved_weights(run: &Path) -> Vec<Vec<f32>> {
    let device = burn::tensor::Device::flex();
    let (model, _) = mnist_model::load_trained(run, &device).unwrap();
    let mut out = Vec::new();
    for layer in model.layers() {
        out.push(layer.weight.val().into_data().try_to_vec::<f32>().unwrap());
        if let Some(bias) = &layer.bias {
            out.push(bias.val().into_data().try_to_vec::<f32>().unwrap());
        }
    }
    out
}

/// A request to train `configs/smoke.toml` on the CPU for `epochs` epochs into
/// `<artifacts>/<name>`, without the dashboard.
pub fn smoke_request(
    artifacts: &Path,
    name: &str,
    epochs: usize,
    mode: mnist_runs::RunMode,
) -> mnist_train::TrainRequest {
    mnist_train::TrainRequest {
        config: config("smoke.toml"),
        overrides: mnist_runs::config::Overrides {
            epochs: Some(epochs),
            run_name: Some(name.to_string()),
            artifacts_dir: Some(artifacts.to_path_buf()),
            ..Default::default()
        },
        device: Some("cpu".into()),
        capture: false,
        mode,
        progress: mnist_train::renderer::Progress::Lines,
    }
}

/// [`smoke_request`] on Fashion-MNIST: the smoke recipe with `dataset = "fashion-mnist"`,
/// written as a config file into `artifacts`.
pub fn fashion_smoke_request(
    artifacts: &Path,
    name: &str,
    epochs: usize,
) -> mnist_train::TrainRequest {
    let smoke = std::fs::read_to_string(config("smoke.toml")).expect("configs/smoke.toml");
    let file = artifacts.join("fashion-smoke.toml");
    let fashion = smoke.replace(
        "validation_split",
        "dataset = \"fashion-mnist\"\nvalidation_split",
    );
    std::fs::write(&file, fashion).expect("a config file written");
    let mut request = smoke_request(artifacts, name, epochs, mnist_runs::RunMode::Fresh);
    request.config = file;
    request
}

/// Runs the binary at `path` with `args`, fails the test with its stderr unless it succeeds,
/// and returns its stdout.
pub fn run_ok<S: AsRef<std::ffi::OsStr>>(path: &Path, args: &[S]) -> String {
    let out = std::process::Command::new(path)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", path.display()));
    assert!(
        out.status.success(),
        "{} failed: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A sample image of `tests/fixtures/digits/`, e.g. `fixture_digit("4-drawn-0.png")`.
pub fn fixture_digit(name: &str) -> PathBuf {
    workspace_root()
        .join("tests")
        .join("fixtures")
        .join("digits")
        .join(name)
}

/// A copy of the shipped model's run folder (config, metrics, summary, model) as run `name`
/// in `artifacts`: a real finished run to browse.
pub fn copy_shipped_run(artifacts: &Path, name: &str) -> PathBuf {
    let target = artifacts.join(name);
    std::fs::create_dir_all(&target).expect("a run folder");
    for entry in std::fs::read_dir(infer::shipped_model_dir()).expect("the shipped model") {
        let entry = entry.expect("a folder entry");
        if entry.path().is_file() {
            std::fs::copy(entry.path(), target.join(entry.file_name())).expect("a copy");
        }
    }
    target
}

/// The shipped run's test accuracy (percent), as its `summary.json` records it.
pub fn shipped_test_accuracy() -> f64 {
    let text = std::fs::read_to_string(infer::shipped_model_dir().join("summary.json"))
        .expect("the shipped summary");
    let summary: serde_json::Value = serde_json::from_str(&text).expect("summary.json is JSON");
    summary["test_accuracy"]
        .as_f64()
        .expect("summary.json has test_accuracy")
}

/// The shipped run's `metrics.csv` lines, header first.
pub fn shipped_metrics_lines() -> Vec<String> {
    std::fs::read_to_string(infer::shipped_model_dir().join("metrics.csv"))
        .expect("the shipped metrics")
        .lines()
        .map(str::to_string)
        .collect()
}

/// Makes `run`'s `metrics.csv` the shipped run's first `epochs` epochs, as `train` rewrites it
/// after each epoch.
pub fn write_epochs(run: &Path, epochs: usize) {
    let lines = shipped_metrics_lines();
    std::fs::write(run.join("metrics.csv"), lines[..=epochs].join("\n") + "\n")
        .expect("metrics written");
}

/// A run in the middle of training, as `train` leaves it after `epochs` epochs: the shipped
/// run's config and first metrics rows, no summary and no final model yet, and the folder's
/// lock held as a training process holds it (dropping the lock is the process ending).
pub fn training_run(artifacts: &Path, name: &str, epochs: usize) -> (PathBuf, mnist_runs::RunLock) {
    let run = copy_shipped_run(artifacts, name);
    for file in ["summary.json", "model.bpk", "model.json"] {
        std::fs::remove_file(run.join(file)).expect("a file of the copied run");
    }
    write_epochs(&run, epochs);
    let lock = mnist_runs::RunLock::acquire(&mnist_runs::RunDir::new(artifacts, name))
        .expect("the run's lock");
    (run, lock)
}
