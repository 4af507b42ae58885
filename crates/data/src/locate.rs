//! Where the data lives: `--data-dir` > environment variable > config `data.dir` >
//! `data/<set>` in the workspace > `../shared/data/<set>` beside it > `/usr/share/datasets/<set>`
//! (where Debian's `dataset-fashion-mnist` package puts Fashion-MNIST).

use std::path::{Path, PathBuf};

use crate::error::DataError;
use crate::kind::DatasetKind;

/// The root of this repository: where `data/`, `configs/` and `artifacts/` live.
///
/// Under cargo (`cargo run`, `cargo test`) the running package's `CARGO_MANIFEST_DIR` is set at
/// run time: the root is the nearest folder above it whose `Cargo.toml` declares the
/// workspace. A binary started directly uses the checkout it is run from (the current folder
/// or one above it), and failing that where this crate was compiled. (Build outputs may be
/// shared between checkouts, so the compile-time path alone can name another.)
pub fn workspace_root() -> PathBuf {
    let is_root = |dir: &Path| {
        std::fs::read_to_string(dir.join("Cargo.toml")).is_ok_and(|t| t.contains("[workspace]"))
    };
    if let Some(dir) = std::env::var_os("CARGO_MANIFEST_DIR") {
        let dir = PathBuf::from(dir);
        if let Some(root) = dir.ancestors().find(|d| is_root(d)) {
            return root.to_path_buf();
        }
    }
    // A binary run directly (not by cargo) from inside a checkout serves that checkout.
    if let Ok(cwd) = std::env::current_dir() {
        if let Some(root) = cwd
            .ancestors()
            .find(|d| is_root(d) && d.join("crates").join("data").is_dir())
        {
            return root.to_path_buf();
        }
    }
    let compiled = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("..");
    compiled.canonicalize().unwrap_or(compiled)
}

/// The four files of an MNIST-format data set, as the original distribution names them.
pub const FILE_NAMES: [&str; 4] = [
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
];

/// The environment variable naming the folder of a data set's four files.
pub const DATA_DIR_ENV: [(DatasetKind, &str); 2] = [
    (DatasetKind::Mnist, "MNIST_DIR"),
    (DatasetKind::FashionMnist, "FASHION_MNIST_DIR"),
];

/// The environment variable naming the folder of `kind`'s files.
pub fn env_name(kind: DatasetKind) -> &'static str {
    DATA_DIR_ENV
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, name)| *name)
        .unwrap_or("MNIST_DIR")
}

/// Which rule chose the data folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataDirSource {
    Flag,
    Env(&'static str),
    Config,
    Workspace,
    Shared,
    /// Debian's `dataset-fashion-mnist` package installs under `/usr/share/datasets/`.
    System,
}

/// A data folder that holds all four files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocatedDir {
    pub path: PathBuf,
    pub source: DataDirSource,
}

/// `dir/name`, or `dir/name` without `.gz` (an uncompressed copy), whichever exists.
pub(crate) fn find_file(dir: &Path, name: &str) -> Result<PathBuf, DataError> {
    let gz = dir.join(name);
    if gz.is_file() {
        return Ok(gz);
    }
    let raw = dir.join(name.trim_end_matches(".gz"));
    if raw.is_file() {
        return Ok(raw);
    }
    Err(DataError::NotFound(format!(
        "{} is missing {name} (or its uncompressed form)",
        dir.display()
    )))
}

fn holds_all_files(dir: &Path) -> bool {
    FILE_NAMES.iter().all(|name| find_file(dir, name).is_ok())
}

/// The one message shown when no data is found: where we looked and how to get the files.
pub fn missing_data_message(kind: DatasetKind, looked: &[PathBuf]) -> String {
    let places = looked
        .iter()
        .map(|p| format!("  {}", p.display()))
        .collect::<Vec<_>>()
        .join("\n");
    format!(
        "{set} data not found; looked in:\n{places}\n\
         Get it with `cargo xtask fetch-data{flag}` (downloads into data/{set}), or put the four \
         files ({files}) in a folder and pass --data-dir DIR or set {env}=DIR",
        set = kind.dir_name(),
        flag = match kind {
            DatasetKind::Mnist => "",
            DatasetKind::FashionMnist => " --dataset fashion-mnist",
        },
        files = FILE_NAMES.join(", "),
        env = env_name(kind),
    )
}

/// Finds the folder of `kind`'s four files.
///
/// An explicitly named folder (flag, variable or config) must hold the files: it is never
/// silently replaced by a default. Without one, `data/<set>` under `workspace_root` and then
/// `../shared/data/<set>` beside it are tried.
pub fn locate_data_dir(
    flag: Option<&Path>,
    config: Option<&Path>,
    kind: DatasetKind,
    workspace_root: &Path,
) -> Result<LocatedDir, DataError> {
    let env = std::env::var_os(env_name(kind)).filter(|v| !v.is_empty());
    let explicit = flag
        .map(|p| (p.to_path_buf(), DataDirSource::Flag))
        .or_else(|| env.map(|v| (PathBuf::from(v), DataDirSource::Env(env_name(kind)))))
        .or_else(|| config.map(|p| (p.to_path_buf(), DataDirSource::Config)));
    if let Some((path, source)) = explicit {
        if holds_all_files(&path) {
            return Ok(LocatedDir { path, source });
        }
        return Err(DataError::NotFound(missing_data_message(kind, &[path])));
    }
    let candidates = [
        (
            workspace_root.join("data").join(kind.dir_name()),
            DataDirSource::Workspace,
        ),
        (
            workspace_root
                .join("..")
                .join("shared")
                .join("data")
                .join(kind.dir_name()),
            DataDirSource::Shared,
        ),
        (
            PathBuf::from("/usr/share/datasets").join(kind.dir_name()),
            DataDirSource::System,
        ),
    ];
    for (path, source) in &candidates {
        if holds_all_files(path) {
            return Ok(LocatedDir {
                path: path.canonicalize().unwrap_or_else(|_| path.clone()),
                source: *source,
            });
        }
    }
    let looked: Vec<PathBuf> = candidates.into_iter().map(|(p, _)| p).collect();
    Err(DataError::NotFound(missing_data_message(kind, &looked)))
}
