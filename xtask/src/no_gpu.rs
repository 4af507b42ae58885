//! The GPU build on a machine without a GPU (part of `cargo xtask wgpu-smoke`): the drivers are
//! hidden from the binaries, which must then say so in one line, or do their work on the CPU.
//!
//! With the Vulkan and EGL drivers hidden, a GPU named with `--device` must be refused with a
//! clear error (exit 1, no panic); `eval` with no `--device` must say that no GPU answered and
//! read the test set on the CPU; `infer` with no `--device` must not even ask for the GPU
//! (it reads on the CPU in a GPU build) and read the images as `--device cpu` does.

use std::path::Path;
use std::process::{Command, Output};

use anyhow::{ensure, Context};

/// What a binary prints when the default GPU did not answer and the CPU took over.
const FELL_BACK: &str = "note: no GPU answered";

/// Runs `binary` with every GPU driver hidden (Vulkan's driver manifests and EGL's vendor
/// files pointed at a file that does not exist).
fn hidden(binary: &Path, args: &[&str], scratch: &Path) -> anyhow::Result<Output> {
    let nowhere = scratch.join("no-such-driver.json");
    Command::new(binary)
        .args(args)
        .env("VK_DRIVER_FILES", &nowhere)
        .env("VK_ICD_FILENAMES", &nowhere)
        .env_remove("VK_ADD_DRIVER_FILES")
        .env("__EGL_VENDOR_LIBRARY_FILENAMES", &nowhere)
        .output()
        .with_context(|| format!("cannot run {}", binary.display()))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The checks, with `run` the smoke's trained run, `digits` the sample images, and the CPU's
/// own `infer --json` lines and `eval` accuracy on them to compare with. Where the GPU cannot be
/// hidden from this machine's binaries (a driver found some other way), there is nothing to
/// check, and a note says so.
pub fn checks(
    bin: &Path,
    scratch: &Path,
    (run, digits): (&str, &str),
    cpu_infer: &str,
    cpu_accuracy: f64,
) -> anyhow::Result<()> {
    let infer = bin.join("infer");
    let named = hidden(
        &infer,
        &["--model", run, "--device", "wgpu", digits],
        scratch,
    )?;
    if named.status.success() {
        println!(
            "note: the GPU could not be hidden here (wgpu still answered with the Vulkan and \
             EGL drivers hidden), so the no-GPU checks say nothing on this machine"
        );
        return Ok(());
    }
    a_gpu_named_is_refused_in_one_line(&named)?;

    let default = hidden(&infer, &["--model", run, "--json", digits], scratch)?;
    let stderr = stderr_of_success(&default, "infer")?;
    ensure!(
        !stderr.contains(FELL_BACK),
        "infer with no --device asked for the GPU (it should read on the CPU): {stderr}"
    );
    ensure!(
        text(&default.stdout) == cpu_infer,
        "infer with no --device and no GPU read the sample images otherwise than --device cpu"
    );

    let eval = hidden(&bin.join("eval"), &["--model", run, "--json"], scratch)?;
    let stderr = stderr_of_success(&eval, "eval")?;
    ensure!(
        stderr.contains(FELL_BACK),
        "eval with no --device and no GPU did not say it fell back to the CPU: {stderr}"
    );
    let report: serde_json::Value = serde_json::from_slice(&eval.stdout)
        .with_context(|| format!("eval printed no JSON: {}", text(&eval.stdout)))?;
    let accuracy = report["accuracy"]
        .as_f64()
        .context("eval printed no accuracy")?;
    ensure!(
        accuracy == cpu_accuracy,
        "eval with no GPU read {accuracy}% where the CPU reads {cpu_accuracy}%"
    );
    println!(
        "with the GPU drivers hidden: --device wgpu is refused in one line; infer reads on the \
         CPU without asking for the GPU; eval says no GPU answered and reads {accuracy:.2}% on \
         the CPU"
    );
    Ok(())
}

/// The stderr of `command` run with no `--device` and no GPU, which must have succeeded.
fn stderr_of_success(output: &Output, command: &str) -> anyhow::Result<String> {
    let stderr = text(&output.stderr);
    ensure!(
        output.status.success(),
        "{command} with no --device and no GPU failed ({}): {stderr}",
        output.status
    );
    Ok(stderr)
}

/// Exit status 1, and one line of error that says no GPU answered: no panic, no backtrace.
fn a_gpu_named_is_refused_in_one_line(output: &Output) -> anyhow::Result<()> {
    let stderr = text(&output.stderr);
    ensure!(
        output.status.code() == Some(1)
            && stderr.starts_with("error: device \"wgpu\": no GPU answered")
            && stderr.trim_end().lines().count() == 1
            && !stderr.contains("panicked"),
        "infer --device wgpu with no GPU should fail with one line of error, exit 1; it gave \
         {}:\n{stderr}",
        output.status
    );
    Ok(())
}
