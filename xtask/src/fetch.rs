//! `cargo xtask fetch-data`: download the four IDX files from a public mirror, check sha256, keep.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context};
use sha2::{Digest, Sha256};

struct Source {
    dataset: &'static str,
    mirrors: &'static [&'static str],
    /// (file name, published sha256 of the gzip file)
    files: [(&'static str, &'static str); 4],
}

const SOURCES: [Source; 2] = [
    Source {
        dataset: "mnist",
        mirrors: &[
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "https://storage.googleapis.com/cvdf-datasets/mnist/",
        ],
        files: [
            (
                "train-images-idx3-ubyte.gz",
                "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            ),
            (
                "train-labels-idx1-ubyte.gz",
                "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            ),
            (
                "t10k-images-idx3-ubyte.gz",
                "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            ),
            (
                "t10k-labels-idx1-ubyte.gz",
                "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
            ),
        ],
    },
    Source {
        dataset: "fashion-mnist",
        mirrors: &["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
        files: [
            (
                "train-images-idx3-ubyte.gz",
                "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7",
            ),
            (
                "train-labels-idx1-ubyte.gz",
                "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056",
            ),
            (
                "t10k-images-idx3-ubyte.gz",
                "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa",
            ),
            (
                "t10k-labels-idx1-ubyte.gz",
                "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05",
            ),
        ],
    },
];

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Downloads `url` to `dest` with curl; returns curl's complaint on failure.
fn curl(url: &str, dest: &Path) -> Result<(), String> {
    let out = Command::new("curl")
        .args([
            "--fail",
            "--silent",
            "--show-error",
            "--location",
            "--connect-timeout",
            "20",
        ])
        .arg("--output")
        .arg(dest)
        .arg(url)
        .output()
        .map_err(|e| format!("cannot run curl: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

pub fn fetch_data(args: &[String]) -> anyhow::Result<()> {
    let mut dataset = "mnist".to_string();
    let mut dir: Option<PathBuf> = None;
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--dataset" => dataset = it.next().context("--dataset needs a value")?.clone(),
            "--dir" => dir = Some(it.next().context("--dir needs a value")?.into()),
            other => bail!("fetch-data: unknown argument {other:?}"),
        }
    }
    let Some(source) = SOURCES.iter().find(|s| s.dataset == dataset) else {
        bail!("unknown dataset {dataset:?}; choose mnist or fashion-mnist");
    };
    let dir = dir.unwrap_or_else(|| crate::workspace_root().join("data").join(source.dataset));
    let created = !dir.exists();
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let result = fetch_into(source, &dir);
    if result.is_err() && created {
        // Leave nothing behind: the folder was ours and holds no complete file.
        let _ = std::fs::remove_dir(&dir);
    }
    result
}

fn fetch_into(source: &Source, dir: &Path) -> anyhow::Result<()> {
    for (name, sha) in source.files {
        let dest = dir.join(name);
        if let Ok(bytes) = std::fs::read(&dest) {
            if sha256_hex(&bytes) == sha {
                println!("{name}: already present, checksum ok");
                continue;
            }
        }
        let partial = dir.join(format!(".{name}.partial"));
        let mut failures = Vec::new();
        let mut fetched = false;
        for mirror in source.mirrors {
            let url = format!("{mirror}{name}");
            match curl(&url, &partial) {
                Ok(()) => {
                    let bytes = std::fs::read(&partial)
                        .with_context(|| format!("cannot read {}", partial.display()))?;
                    let got = sha256_hex(&bytes);
                    if got == sha {
                        std::fs::rename(&partial, &dest)
                            .with_context(|| format!("cannot write {}", dest.display()))?;
                        println!("{name}: downloaded from {mirror}, checksum ok");
                        fetched = true;
                        break;
                    }
                    failures.push(format!("{url}: sha256 {got}, expected {sha}"));
                }
                Err(e) => failures.push(format!("{url}: {e}")),
            }
        }
        let _ = std::fs::remove_file(&partial);
        if !fetched {
            bail!(
                "could not download {name}:\n  {}\nIf this machine is offline, copy the four files \
                 ({}) into {} by hand, or point --data-dir (or MNIST_DIR) at a folder holding them.",
                failures.join("\n  "),
                source.files.map(|(n, _)| n).join(", "),
                dir.display()
            );
        }
    }
    println!("{} is ready in {}", source.dataset, dir.display());
    Ok(())
}
