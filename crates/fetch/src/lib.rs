//! Downloading MNIST and Fashion-MNIST as Keras' `load_data` does: from public mirrors, each
//! file checked against its published sha256, a progress bar on a terminal, and atomic writes
//! (a file appears under its name only once complete and checked). No Burn here: `cargo xtask
//! fetch-data` uses this crate as well as `train` and `eval`.

mod sources;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};
use sha2::{Digest, Sha256};

pub use sources::{Source, SOURCES};

/// A URL prefix tried instead of the built-in mirrors (a local or company mirror): the files
/// are fetched as `<prefix><file name>`.
pub const MIRROR_ENV: &str = "BURN_MNIST_MIRROR";

/// Why a download did not happen.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("unknown data set {0:?}; choose mnist or fashion-mnist")]
    UnknownDataset(String),
    #[error("{path}: {cause}")]
    Io {
        path: PathBuf,
        cause: std::io::Error,
    },
    /// Every mirror failed for one file; each attempt says why.
    #[error("could not download {file} into {dir}:\n  {}", attempts.join("\n  "))]
    Download {
        file: String,
        dir: PathBuf,
        attempts: Vec<String>,
    },
}

/// What happened to each file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    AlreadyThere,
    Downloaded { from: String },
}

/// The source of data set `name` (`mnist`, `fashion-mnist`).
pub fn source(name: &str) -> Result<&'static Source, FetchError> {
    SOURCES
        .iter()
        .find(|s| s.dataset == name)
        .ok_or_else(|| FetchError::UnknownDataset(name.to_string()))
}

/// The mirrors to try, in order: `BURN_MNIST_MIRROR` alone when set, else the built-in ones.
fn mirrors(source: &Source) -> Vec<String> {
    match std::env::var(MIRROR_ENV) {
        Ok(prefix) if !prefix.is_empty() => vec![prefix],
        _ => source.mirrors.iter().map(|m| m.to_string()).collect(),
    }
}

/// Makes sure `dir` holds the four files of `source`, downloading those missing or corrupt
/// from its mirrors (or `BURN_MNIST_MIRROR`). `report` receives one line per file.
pub fn fetch(
    source: &Source,
    dir: &Path,
    report: &mut dyn FnMut(&str),
) -> Result<Vec<(String, Outcome)>, FetchError> {
    fetch_from(source, &mirrors(source), dir, report)
}

/// [`fetch`] from the given URL prefixes, tried in order. A folder this call created is
/// removed again if it fails, and no partial file is ever left under a data file's name.
pub fn fetch_from(
    source: &Source,
    mirrors: &[String],
    dir: &Path,
    report: &mut dyn FnMut(&str),
) -> Result<Vec<(String, Outcome)>, FetchError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |cause| FetchError::Io { path, cause }
    };
    // The folders this call creates (deepest first), removed again if it fails.
    let created: Vec<PathBuf> = dir
        .ancestors()
        .take_while(|d| !d.as_os_str().is_empty() && !d.exists())
        .map(Path::to_path_buf)
        .collect();
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    mnist_atomic_files::remove_stale_scratch(dir);
    let result = source
        .files
        .iter()
        .map(|(name, sha)| {
            let outcome = fetch_file(mirrors, dir, name, sha)?;
            match &outcome {
                Outcome::AlreadyThere => report(&format!("{name}: already there, checksum ok")),
                Outcome::Downloaded { from } => {
                    report(&format!("{name}: downloaded from {from}, checksum ok"))
                }
            }
            Ok((name.to_string(), outcome))
        })
        .collect::<Result<Vec<_>, FetchError>>();
    if result.is_err() {
        // Scratch files are gone, so folders we made are empty; `remove_dir` keeps any that is not.
        for folder in &created {
            let _ = std::fs::remove_dir(folder);
        }
    }
    result
}

fn fetch_file(
    mirrors: &[String],
    dir: &Path,
    name: &str,
    sha: &str,
) -> Result<Outcome, FetchError> {
    let dest = dir.join(name);
    if std::fs::read(&dest).is_ok_and(|bytes| sha256_hex(&bytes) == sha) {
        return Ok(Outcome::AlreadyThere);
    }
    let mut attempts = Vec::new();
    for mirror in mirrors {
        let url = format!("{mirror}{name}");
        match download_checked(&url, dir, name, sha, &dest) {
            Ok(()) => {
                return Ok(Outcome::Downloaded {
                    from: mirror.clone(),
                })
            }
            Err(why) => attempts.push(format!("{url}: {why}")),
        }
    }
    Err(FetchError::Download {
        file: name.to_string(),
        dir: dir.to_path_buf(),
        attempts,
    })
}

/// Streams `url` into a scratch file beside `dest`, hashing as it goes; renames it to `dest`
/// only when complete and its sha256 is `sha`.
fn download_checked(
    url: &str,
    dir: &Path,
    name: &str,
    sha: &str,
    dest: &Path,
) -> Result<(), String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(20)))
        .timeout_recv_body(Some(Duration::from_secs(120)))
        .build()
        .into();
    let response = agent.get(url).call().map_err(|e| e.to_string())?;
    let total = response
        .headers()
        .get("content-length")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let mut body = response.into_body().into_reader();
    let mut scratch = mnist_atomic_files::AtomicFile::create(dest)
        .map_err(|e| format!("cannot write in {}: {e}", dir.display()))?;
    let bar = progress_bar(name, total);
    let mut hasher = Sha256::new();
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let n = body
            .read(&mut buffer)
            .map_err(|e| format!("interrupted: {e}"))?;
        if n == 0 {
            break;
        }
        hasher.update(&buffer[..n]);
        scratch
            .write_all(&buffer[..n])
            .map_err(|e| format!("cannot write {}: {e}", scratch.scratch_path().display()))?;
        bar.inc(n as u64);
    }
    bar.finish_and_clear();
    let got = hex(&hasher.finalize());
    if got != sha {
        return Err(format!(
            "sha256 {got}, expected {sha} (a corrupt or different file)"
        ));
    }
    scratch
        .commit()
        .map_err(|e| format!("cannot write {}: {e}", dest.display()))?;
    Ok(())
}

/// A byte-count bar on stderr; drawn only when stderr is a terminal.
fn progress_bar(name: &str, total: Option<u64>) -> ProgressBar {
    let bar = match total {
        Some(total) => ProgressBar::new(total),
        None => ProgressBar::no_length(),
    };
    let style = ProgressStyle::with_template(
        "{msg:28} {bar:30} {bytes:>10}/{total_bytes:10} {bytes_per_sec}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar.set_message(name.to_string());
    bar
}

/// The sha256 of `bytes` as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
