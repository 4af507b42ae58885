//! Starting cargo from a task, and the binaries it builds, so that a task never rebuilds what
//! `cargo run` or `cargo test` built a moment before.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{bail, Context};

/// `cargo` (the one that started this task), in the workspace root, with the environment the
/// user's own shell gives it.
pub fn command() -> Command {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command.current_dir(crate::workspace_root());
    mnist_cargo_env::without_package_variables(&mut command);
    command
}

/// Runs cargo with `args`; returns whether it succeeded.
pub fn run(args: &[String]) -> anyhow::Result<bool> {
    let status = command().args(args).status().context("cannot run cargo")?;
    Ok(status.success())
}

/// The folder cargo builds into (`CARGO_TARGET_DIR`, else `target/` in the workspace).
pub fn target_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => crate::workspace_root().join(dir),
        None => crate::workspace_root().join("target"),
    }
}

/// Builds `bin` of `package` with the workspace's one profile (cargo's progress shown as it
/// goes) and returns the executable's path.
pub fn build_bin(package: &str, bin: &str, features: &[String]) -> anyhow::Result<PathBuf> {
    let expected = target_dir()
        .join("debug")
        .join(format!("{bin}{}", std::env::consts::EXE_SUFFIX));
    if !expected.is_file() {
        eprintln!(
            "building {bin}: the first build compiles Burn and takes about 8 minutes on 2 cores; \
             later commands start at once"
        );
    }
    let output = command()
        .args(["build", "--package", package, "--bin", bin])
        .args(features)
        .arg("--message-format=json-render-diagnostics")
        .stderr(Stdio::inherit())
        .output()
        .context("cannot run cargo build")?;
    if !output.status.success() {
        bail!("building {bin} failed (cargo's messages are above)");
    }
    executable(&String::from_utf8_lossy(&output.stdout), bin)
        .with_context(|| format!("cargo built {bin} but did not say where"))
}

/// The path of `bin`'s executable in cargo's JSON messages.
fn executable(messages: &str, bin: &str) -> Option<PathBuf> {
    messages
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == bin)
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
}

/// Runs `program` with `args` as this process: on Unix the task is replaced by it, so Ctrl-C,
/// the exit status and the terminal are the program's own.
pub fn exec(program: &Path, args: &[String]) -> anyhow::Result<std::process::ExitCode> {
    let mut command = Command::new(program);
    command.args(args);
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let error = command.exec();
        Err(error).with_context(|| format!("cannot run {}", program.display()))
    }
    #[cfg(not(unix))]
    {
        let status = command
            .status()
            .with_context(|| format!("cannot run {}", program.display()))?;
        Ok(std::process::ExitCode::from(
            status.code().map_or(1, |c| c.clamp(0, 255) as u8),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_executable_is_read_from_cargos_messages() {
        let messages = concat!(
            r#"{"reason":"compiler-artifact","target":{"name":"mnist_train"},"executable":null}"#,
            "\n",
            r#"{"reason":"compiler-artifact","target":{"name":"runs"},"executable":"/t/debug/runs"}"#,
            "\n",
            r#"{"reason":"build-finished","success":true}"#,
        );
        assert_eq!(
            executable(messages, "runs"),
            Some(PathBuf::from("/t/debug/runs"))
        );
        assert_eq!(executable(messages, "train"), None);
    }
}
