//! The data comes by itself: `train` downloads MNIST when it is nowhere, checks the published
//! sha256, writes atomically, and offline says where it looked and what to do. The "mirror" is
//! a local server handing out the real files (nothing leaves the machine).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::binary;
use integration_tests::{config, mnist_dir};

/// How the local mirror misbehaves.
#[derive(Clone, Copy, PartialEq)]
enum Mirror {
    /// Serves the real files.
    Faithful,
    /// Promises the whole file, sends half, hangs up.
    HangsUp,
    /// Serves the right length with one byte changed.
    Corrupt,
}

/// A mirror of the real MNIST files on a free loopback port; returns its URL prefix.
fn start_mirror(mode: Mirror) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", listener.local_addr().unwrap());
    let files = mnist_dir();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = String::new();
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            if reader.read_line(&mut request).is_err() {
                continue;
            }
            let name = request
                .split_whitespace()
                .nth(1)
                .unwrap_or("/")
                .trim_start_matches('/');
            let Ok(mut bytes) = std::fs::read(files.join(name)) else {
                let _ = stream.write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
                continue;
            };
            let length = bytes.len();
            match mode {
                Mirror::Faithful => {}
                Mirror::HangsUp => bytes.truncate(length / 2),
                Mirror::Corrupt => bytes[length / 2] ^= 0xff,
            }
            let header =
                format!("HTTP/1.1 200 OK\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n");
            let _ = stream.write_all(header.as_bytes());
            let _ = stream.write_all(&bytes);
        }
    });
    url
}

/// A checkout with no data anywhere near it: `data/` missing and no `../shared` beside it.
fn bare_checkout() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("checkout");
    std::fs::create_dir_all(root.join("crates").join("data")).unwrap();
    std::fs::write(root.join("Cargo.toml"), "[workspace]\n").unwrap();
    dir
}

/// `train` on the smoke config in `checkout` (one epoch), its data from `mirror`.
fn train_in(checkout: &Path, mirror: &str) -> std::process::Output {
    Command::new(binary("train"))
        .current_dir(checkout)
        .env("CARGO_MANIFEST_DIR", checkout)
        .env("BURN_MNIST_MIRROR", mirror)
        .env_remove("MNIST_DIR")
        .args(["--epochs", "1", "--device", "cpu", "--artifacts-dir"])
        .arg(checkout.join("artifacts"))
        .arg("--config")
        .arg(config("smoke.toml"))
        .output()
        .unwrap()
}

fn leftovers(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .map(|e| e.flatten().map(|e| e.path()).collect())
        .unwrap_or_default()
}

#[test]
fn train_refuses_a_download_that_is_not_the_published_file() {
    // The shared files were rebuilt from PNGs: the same digits, other gzip bytes, so not the
    // published sha256. To `train` they are a mirror serving the wrong files.
    let scratch = bare_checkout();
    let checkout = scratch.path().join("checkout");
    let out = train_in(&checkout, &start_mirror(Mirror::Faithful));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("mnist not found; downloading it into"),
        "{stderr}"
    );
    let published = mnist_fetch::source("mnist").unwrap().files[0].1;
    assert!(
        stderr.contains(&format!("expected {published}")),
        "{stderr}"
    );
    assert!(stderr.contains("a corrupt or different file"), "{stderr}");
    assert!(
        !checkout.join("data").exists(),
        "left behind: {:?}",
        leftovers(&checkout)
    );
}

/// The MNIST source with the sha256 of the files the local mirror serves.
fn source_of_served_files() -> mnist_fetch::Source {
    let files = mnist_data::FILE_NAMES.map(|name| {
        let bytes = std::fs::read(mnist_dir().join(name)).unwrap();
        let sha: &'static str = Box::leak(mnist_fetch::sha256_hex(&bytes).into_boxed_str());
        (name, sha)
    });
    mnist_fetch::Source {
        dataset: "mnist",
        mirrors: &[],
        files,
    }
}

#[test]
fn a_download_lands_whole_under_its_name_and_is_not_fetched_twice() {
    let source = source_of_served_files();
    let scratch = tempfile::tempdir().unwrap();
    let dir = scratch.path().join("data").join("mnist");
    let mirror = start_mirror(Mirror::Faithful);
    let mut lines = Vec::new();
    let outcomes =
        mnist_fetch::fetch_from(&source, std::slice::from_ref(&mirror), &dir, &mut |l| {
            lines.push(l.to_string())
        })
        .unwrap();
    assert!(outcomes.iter().all(|(_, o)| *o
        == mnist_fetch::Outcome::Downloaded {
            from: mirror.clone()
        }));
    for name in mnist_data::FILE_NAMES {
        let got = std::fs::read(dir.join(name)).unwrap();
        assert_eq!(
            got,
            std::fs::read(mnist_dir().join(name)).unwrap(),
            "{name}"
        );
    }
    assert_eq!(
        leftovers(&dir).len(),
        4,
        "scratch files left: {:?}",
        leftovers(&dir)
    );
    assert_eq!(lines.len(), 4, "{lines:?}");
    mnist_data::MnistData::load(&dir).unwrap();

    let again =
        mnist_fetch::fetch_from(&source, &["http://127.0.0.1:1/".into()], &dir, &mut |_| {})
            .unwrap();
    assert!(again
        .iter()
        .all(|(_, o)| *o == mnist_fetch::Outcome::AlreadyThere));
}

#[test]
fn offline_train_says_where_it_looked_and_what_to_do() {
    let scratch = bare_checkout();
    let checkout = scratch.path().join("checkout");
    // Nothing listens on port 1: the connection is refused, as offline.
    let out = train_in(&checkout, "http://127.0.0.1:1/");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    for expected in [
        "mnist data not found; looked in:",
        &checkout.join("data").join("mnist").display().to_string(),
        "shared",
        "--data-dir",
        "cargo xtask fetch-data",
        "Downloading it failed too (offline?)",
        "http://127.0.0.1:1/train-images-idx3-ubyte.gz",
    ] {
        assert!(
            stderr.contains(expected),
            "{expected:?} missing from:\n{stderr}"
        );
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        !checkout.join("data").exists(),
        "an empty data folder was left"
    );
    assert!(
        !checkout.join("artifacts").exists(),
        "a run folder was started"
    );
}

#[test]
fn a_broken_or_corrupt_download_leaves_nothing_half_written() {
    let source = mnist_fetch::source("mnist").unwrap();
    for mode in [Mirror::HangsUp, Mirror::Corrupt] {
        let scratch = tempfile::tempdir().unwrap();
        let dir = scratch.path().join("mnist");
        let err = mnist_fetch::fetch_from(source, &[start_mirror(mode)], &dir, &mut |_| {})
            .unwrap_err()
            .to_string();
        let expected = if mode == Mirror::Corrupt {
            "expected"
        } else {
            "train-images"
        };
        assert!(err.contains(expected), "{err}");
        assert!(!dir.exists(), "left behind: {:?}", leftovers(&dir));

        // Into a folder the user already has: it stays, with only their own file in it.
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("notes.txt"), "mine").unwrap();
        std::fs::write(dir.join(".train-images-idx3-ubyte.gz.partialXYZ"), "stale").unwrap();
        assert!(mnist_fetch::fetch_from(source, &[start_mirror(mode)], &dir, &mut |_| {}).is_err());
        assert_eq!(leftovers(&dir), [dir.join("notes.txt")]);
    }
}
