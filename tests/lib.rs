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

/// A binary of the workspace (`train`, `infer`), built (or brought up to date) by cargo first: the
/// tests' package cannot name another package's binaries, and a stale one would test old code.
/// All the workspace's binaries are built at once, with the workspace's feature resolution,
/// which is the one `cargo test --workspace` used: nothing already built is built again.
pub fn binary(name: &str) -> PathBuf {
    let dir = built_binaries_dir();
    let path = dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(path.is_file(), "{} was not built", path.display());
    path
}

/// Builds the workspace's binaries once per test process (every test that runs one shares
/// that build) and returns the folder they are in.
fn built_binaries_dir() -> PathBuf {
    static BUILT: std::sync::OnceLock<Result<PathBuf, String>> = std::sync::OnceLock::new();
    let built = BUILT.get_or_init(|| {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let dir = exe
            .parent()
            .and_then(Path::parent)
            .ok_or("test binaries live in target/<profile>/deps")?
            .to_path_buf();
        // Build the binaries of the profile these tests were built with (`cargo test
        // --release` must not run stale release binaries).
        let mut args = vec!["build", "--quiet", "--workspace", "--bins"];
        if dir.file_name().is_some_and(|n| n == "release") {
            args.push("--release");
        }
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut command = std::process::Command::new(&cargo);
        command.current_dir(workspace_root()).args(&args);
        // Cargo gives the tests the variables of their own package (CARGO_MANIFEST_DIR, ...);
        // a build script that watches one (ring's does) would see it change, so the build
        // below and the next `cargo test` would each rebuild ring and everything above it.
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy();
            let package_variable = [
                "CARGO_MANIFEST_",
                "CARGO_PKG_",
                "CARGO_CRATE_",
                "CARGO_BIN_",
            ]
            .iter()
            .any(|prefix| name.starts_with(prefix))
                || [
                    "CARGO_PRIMARY_PACKAGE",
                    "CARGO_TARGET_TMPDIR",
                    "CARGO_RUSTC_CURRENT_DIR",
                ]
                .contains(&name.as_ref());
            if package_variable {
                command.env_remove(name.as_ref());
            }
        }
        let status = command
            .status()
            .map_err(|e| format!("cannot run {cargo}: {e}"))?;
        if !status.success() {
            return Err(format!("cargo {} failed", args.join(" ")));
        }
        Ok(dir)
    });
    match built {
        Ok(dir) => dir.clone(),
        Err(why) => panic!("{why}"),
    }
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
    mode: mnist_train::RunMode,
) -> mnist_train::TrainRequest {
    mnist_train::TrainRequest {
        config: config("smoke.toml"),
        overrides: mnist_train::config::Overrides {
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
    let mut request = smoke_request(artifacts, name, epochs, mnist_train::RunMode::Fresh);
    request.config = file;
    request
}

/// Runs a workspace binary (see [`binary`]) with `args`, fails the test with its stderr unless it
/// succeeds, and returns its stdout.
pub fn run_ok<S: AsRef<std::ffi::OsStr>>(name: &str, args: &[S]) -> String {
    let out = std::process::Command::new(binary(name))
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {name}: {e}"));
    assert!(
        out.status.success(),
        "{name} failed: {}",
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

/// The web server running in the background on a free loopback port, serving the runs of
/// `artifacts`; stopped when dropped.
pub struct WebServer {
    pub url: String,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl WebServer {
    pub fn start(artifacts: &Path) -> WebServer {
        Self::start_with(artifacts, web::Timeouts::default())
    }

    /// The server with other deadlines for slow clients.
    pub fn start_with(artifacts: &Path, timeouts: web::Timeouts) -> WebServer {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
        listener
            .set_nonblocking(true)
            .expect("a non-blocking socket");
        let url = format!("http://{}", listener.local_addr().expect("a bound port"));
        let device = mnist_model::device::parse_device("cpu").expect("the CPU device");
        let models = web::Models::new(artifacts.to_path_buf(), infer::shipped_model_dir(), device);
        let state = std::sync::Arc::new(
            web::AppState::new(artifacts.to_path_buf(), models).with_timeouts(timeouts),
        );
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
            runtime.block_on(async move {
                let listener = tokio::net::TcpListener::from_std(listener).expect("a tokio socket");
                let shutdown = async {
                    let _ = stopped.await;
                };
                web::serve(listener, state, shutdown)
                    .await
                    .expect("the server runs");
            });
        });
        WebServer {
            url,
            stop: Some(stop),
            thread: Some(thread),
        }
    }
}

impl Drop for WebServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
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
pub fn training_run(
    artifacts: &Path,
    name: &str,
    epochs: usize,
) -> (PathBuf, mnist_train::RunLock) {
    let run = copy_shipped_run(artifacts, name);
    for file in ["summary.json", "model.bpk", "model.json"] {
        std::fs::remove_file(run.join(file)).expect("a file of the copied run");
    }
    write_epochs(&run, epochs);
    let lock = mnist_train::RunLock::acquire(&mnist_train::RunDir::new(artifacts, name))
        .expect("the run's lock");
    (run, lock)
}
