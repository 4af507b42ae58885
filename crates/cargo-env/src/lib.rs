//! Starting cargo from a program that cargo started (`cargo xtask`, `cargo run -p web`) as the
//! user's own shell would start it: without the variables cargo set for that program's package.
//! A build script that watches one of them (ring's does) sees it change when the inner cargo
//! inherits it, and reruns, so every such start would rebuild ring and everything above it, and
//! the next command in a terminal would rebuild it back.

use std::process::Command;

/// Whether `name` is a variable cargo sets for the package it runs or builds.
pub fn is_package_variable(name: &str) -> bool {
    const PREFIXES: [&str; 4] = [
        "CARGO_MANIFEST_",
        "CARGO_PKG_",
        "CARGO_CRATE_",
        "CARGO_BIN_",
    ];
    const NAMES: [&str; 4] = [
        "CARGO_PRIMARY_PACKAGE",
        "CARGO_TARGET_TMPDIR",
        "CARGO_RUSTC_CURRENT_DIR",
        "OUT_DIR",
    ];
    PREFIXES.iter().any(|p| name.starts_with(p)) || NAMES.contains(&name)
}

/// `command` without the package variables of this process's environment.
pub fn without_package_variables(command: &mut Command) -> &mut Command {
    for (name, _) in std::env::vars_os() {
        if is_package_variable(&name.to_string_lossy()) {
            command.env_remove(&name);
        }
    }
    command
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_variables_of_the_running_package_are_not_passed_on() {
        for name in [
            "CARGO_MANIFEST_DIR",
            "CARGO_PKG_NAME",
            "CARGO_BIN_NAME",
            "OUT_DIR",
        ] {
            assert!(is_package_variable(name), "{name}");
        }
        for name in [
            "CARGO_TARGET_DIR",
            "CARGO_HOME",
            "CARGO_TERM_COLOR",
            "CARGO",
        ] {
            assert!(!is_package_variable(name), "{name}");
        }
    }

    #[test]
    fn a_command_loses_them_and_keeps_the_rest() {
        // This test runs under cargo, which set CARGO_PKG_NAME and CARGO_MANIFEST_DIR for it.
        let mut command = Command::new("env");
        without_package_variables(&mut command);
        let removed: Vec<String> = command
            .get_envs()
            .filter(|(_, value)| value.is_none())
            .map(|(name, _)| name.to_string_lossy().into_owned())
            .collect();
        assert!(
            removed.contains(&"CARGO_PKG_NAME".to_string()),
            "{removed:?}"
        );
        assert!(
            removed.contains(&"CARGO_MANIFEST_DIR".to_string()),
            "{removed:?}"
        );
        assert!(
            !removed.iter().any(|n| n == "PATH" || n == "CARGO"),
            "{removed:?}"
        );
    }
}
