//! The command the page trains with: `train`, as a person runs it in a terminal, in a child
//! process of the server. Stopping it is Ctrl-C's stop (SIGINT); its lines go to the server's
//! terminal.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How a training run is started: a program and the words before `train`'s own flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrainCommand {
    program: PathBuf,
    leading: Vec<OsString>,
    /// Where it runs (the checkout, for `cargo xtask`).
    dir: Option<PathBuf>,
}

impl TrainCommand {
    /// In a checkout (a `root` with `xtask/`): `cargo xtask train`, which builds `train` from the
    /// code as it is now before it trains, as the terminal's command does, so an edited network
    /// is the one the page trains. Elsewhere: the `train` binary beside the server's own.
    pub fn find(root: &Path) -> Self {
        if root.join("xtask").join("Cargo.toml").is_file() {
            let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
            TrainCommand {
                program: PathBuf::from(cargo),
                leading: vec!["xtask".into(), "train".into()],
                dir: Some(root.to_path_buf()),
            }
        } else {
            let name = format!("train{}", std::env::consts::EXE_SUFFIX);
            let beside = std::env::current_exe()
                .map(|exe| exe.with_file_name(&name))
                .unwrap_or_else(|_| PathBuf::from(&name));
            Self::binary(beside)
        }
    }

    /// The `train` binary at `path`.
    pub fn binary(path: PathBuf) -> Self {
        TrainCommand {
            program: path,
            leading: Vec::new(),
            dir: None,
        }
    }

    /// The command as a person would type it, for messages.
    pub fn shown(&self) -> String {
        let mut words = vec![self.program.display().to_string()];
        words.extend(
            self.leading
                .iter()
                .map(|w| w.to_string_lossy().into_owned()),
        );
        words.join(" ")
    }

    /// Starts `train` with `args`. Its output goes where the server's goes (its terminal or
    /// log), on the server's own file handles rather than through a pipe, so a run outlives a
    /// server that is killed, and one that stops with the server (Ctrl-C in its terminal
    /// reaches both) can still say so.
    pub fn spawn(&self, args: &[OsString]) -> std::io::Result<Training> {
        let mut command = Command::new(&self.program);
        command.args(&self.leading).args(args).stdin(Stdio::null());
        if let Some(dir) = &self.dir {
            // Not the variables `cargo run` set for the server: see `mnist_cargo_env`.
            mnist_cargo_env::without_package_variables(command.current_dir(dir));
        }
        Ok(Training {
            child: Arc::new(Mutex::new(command.spawn()?)),
        })
    }
}

/// A `train` process started by the server.
#[derive(Debug, Clone)]
pub struct Training {
    child: Arc<Mutex<Child>>,
}

impl Training {
    /// Asks it to stop as Ctrl-C does: the batch finishes, finished epochs stay checkpointed.
    /// Nothing happens once it has ended.
    pub fn interrupt(&self) {
        let Ok(mut child) = self.child.lock() else {
            return;
        };
        // Only a child not yet waited for is signalled, so its process id is still its own.
        if !matches!(child.try_wait(), Ok(None)) {
            return;
        }
        #[cfg(unix)]
        {
            if let Ok(pid) = libc::pid_t::try_from(child.id()) {
                // SAFETY: kill(2) on a process id that is our own unreaped child.
                unsafe {
                    libc::kill(pid, libc::SIGINT);
                }
            }
        }
        #[cfg(not(unix))]
        {
            let _ = child.kill();
        }
    }

    /// Waits for it to end.
    pub fn wait(&self) -> std::io::Result<ExitStatus> {
        loop {
            if let Ok(mut child) = self.child.lock() {
                if let Some(status) = child.try_wait()? {
                    return Ok(status);
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn in_a_checkout_the_page_trains_with_cargo_xtask_elsewhere_with_the_binary_beside() {
        let checkout = tempfile::tempdir().unwrap();
        std::fs::create_dir(checkout.path().join("xtask")).unwrap();
        std::fs::write(checkout.path().join("xtask/Cargo.toml"), "").unwrap();
        let found = TrainCommand::find(checkout.path());
        assert!(found.shown().ends_with("xtask train"), "{}", found.shown());
        assert_eq!(found.dir.as_deref(), Some(checkout.path()));

        let elsewhere = tempfile::tempdir().unwrap();
        let found = TrainCommand::find(elsewhere.path());
        let exe = std::env::current_exe().unwrap();
        assert_eq!(found.program.parent(), exe.parent());
        assert!(found.leading.is_empty());
    }
}
