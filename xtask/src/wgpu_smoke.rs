//! `cargo xtask wgpu-smoke`: the GPU backend trains and infers, and agrees with the CPU.
//!
//! Builds `train`, `eval` and `infer` with the `wgpu` feature (profile `gpu-smoke`), trains `configs/smoke.toml` for
//! one epoch on `--device wgpu`, then reads the sample digits and the test set with the same
//! saved weights on wgpu and on the CPU: the predicted classes must match and the
//! probabilities agree to 1e-3. Slow on software Vulkan (Mesa's lavapipe), fast on a GPU.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, ensure, Context};

/// The largest difference allowed between a wgpu and a CPU probability.
const TOLERANCE: f64 = 1e-3;

/// The cargo profile of the smoke's build (see the workspace's Cargo.toml).
const PROFILE: &str = "gpu-smoke";

/// Where cargo puts the binaries of [`PROFILE`].
fn binary_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|d| if d.is_relative() { root.join(d) } else { d })
        .unwrap_or_else(|| root.join("target"))
        .join(PROFILE)
}

/// Runs a built binary; its stdout, or an error with its stderr.
fn output(binary: &Path, args: &[&str]) -> anyhow::Result<String> {
    let out = Command::new(binary)
        .args(args)
        .output()
        .with_context(|| format!("cannot run {}", binary.display()))?;
    if !out.status.success() {
        bail!(
            "{} {} failed:\n{}{}",
            binary.display(),
            args.join(" "),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `(file, class, probabilities)` of each line of `infer --json`.
fn predictions(json_lines: &str) -> anyhow::Result<Vec<(String, u64, Vec<f64>)>> {
    json_lines
        .lines()
        .map(|line| {
            let v: serde_json::Value =
                serde_json::from_str(line).with_context(|| format!("not a JSON line: {line}"))?;
            let file = v["file"].as_str().unwrap_or_default().to_string();
            let digit = v["digit"]
                .as_u64()
                .with_context(|| format!("no digit in {line}"))?;
            let probabilities: Vec<f64> = v["probabilities"]
                .as_array()
                .map(|a| a.iter().filter_map(|p| p.as_f64()).collect())
                .unwrap_or_default();
            // A missing or short list would compare equal to another missing one.
            ensure!(probabilities.len() == 10, "no ten probabilities in {line}");
            Ok((file, digit, probabilities))
        })
        .collect()
}

pub fn run(args: &[String]) -> anyhow::Result<()> {
    ensure!(args.is_empty(), "wgpu-smoke takes no arguments");
    let root = crate::workspace_root();
    // Only the three binaries the smoke runs: linking each wgpu binary costs seconds.
    let build: Vec<String> = [
        "build",
        "--quiet",
        "--profile",
        PROFILE,
        "--package",
        "mnist-train",
        "--package",
        "infer",
        "--bin",
        "train",
        "--bin",
        "eval",
        "--bin",
        "infer",
        "--features",
        "mnist-train/wgpu,infer/wgpu",
    ]
    .map(String::from)
    .to_vec();
    ensure!(crate::cargo(&build)?, "the wgpu build failed");
    let bin = binary_dir(&root);
    let scratch =
        std::env::temp_dir().join(format!("burn-mnist-wgpu-smoke-{}", std::process::id()));
    let result = smoke(&root, &bin, &scratch);
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

fn smoke(root: &Path, bin: &Path, scratch: &Path) -> anyhow::Result<()> {
    let artifacts = scratch.display().to_string();
    let config = root.join("configs").join("smoke.toml");
    let started = std::time::Instant::now();
    let trained = output(
        &bin.join("train"),
        &[
            "--config",
            &config.display().to_string(),
            "--device",
            "wgpu",
            "--epochs",
            "1",
            "--run-name",
            "wgpu-smoke",
            "--artifacts-dir",
            &artifacts,
        ],
    )?;
    print!("{trained}");
    println!(
        "trained on wgpu in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let run = scratch.join("wgpu-smoke").display().to_string();
    let digits = root.join("tests").join("fixtures").join("digits");
    let digits = digits.display().to_string();

    let mut by_device = Vec::new();
    for device in ["wgpu", "cpu"] {
        let infer = output(
            &bin.join("infer"),
            &["--model", &run, "--device", device, "--json", &digits],
        )?;
        let eval = output(
            &bin.join("eval"),
            &["--model", &run, "--device", device, "--json"],
        )?;
        let eval: serde_json::Value = serde_json::from_str(eval.trim())?;
        let accuracy = eval["accuracy"]
            .as_f64()
            .context("eval printed no accuracy")?;
        println!("{device}: test accuracy {accuracy:.2}%");
        by_device.push((predictions(&infer)?, accuracy));
    }
    let (gpu, cpu) = (&by_device[0], &by_device[1]);
    ensure!(
        gpu.0.len() == cpu.0.len() && !gpu.0.is_empty(),
        "wgpu read {} images, the CPU {}",
        gpu.0.len(),
        cpu.0.len()
    );
    let mut worst: f64 = 0.0;
    for ((file, g, gp), (_, c, cp)) in gpu.0.iter().zip(&cpu.0) {
        ensure!(g == c, "{file}: wgpu says {g}, the CPU {c}");
        for (a, b) in gp.iter().zip(cp) {
            worst = worst.max((a - b).abs());
        }
    }
    ensure!(
        worst <= TOLERANCE,
        "wgpu and CPU probabilities differ by up to {worst:.2e} (allowed {TOLERANCE:.0e})"
    );
    // Whole test set: nearly every prediction identical (float summation order may flip a
    // near-tie or two).
    ensure!(
        (gpu.1 - cpu.1).abs() <= 0.05,
        "test accuracy {:.2}% on wgpu vs {:.2}% on the CPU",
        gpu.1,
        cpu.1
    );
    println!(
        "wgpu agrees with the CPU: {} sample images, same classes, probabilities within {worst:.1e}; \
         test accuracy {:.2}% vs {:.2}%",
        gpu.0.len(),
        gpu.1,
        cpu.1
    );
    Ok(())
}
