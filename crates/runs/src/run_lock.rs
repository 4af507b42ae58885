//! The lock a training run holds on its folder while it trains, so that anyone browsing the
//! runs sees at once whether a run is training now or stopped: the lock is the operating
//! system's, released the moment the process ends, however it ends.

use std::fs::File;
use std::io::Write;
use std::path::PathBuf;

use crate::error::RunsError;
use crate::run_dir::RunDir;

/// The file a training holds locked in its run folder (it names the training's process).
pub const LOCK_FILE: &str = "training.lock";

/// A run folder locked by this process for training; unlocked and removed when dropped.
#[derive(Debug)]
pub struct RunLock {
    path: PathBuf,
    /// Kept open: the lock lasts as long as the file handle.
    _file: File,
}

impl RunLock {
    /// Locks `dir` (which must exist) for this process, or says which process trains it now.
    pub fn acquire(dir: &RunDir) -> Result<RunLock, RunsError> {
        let path = dir.lock();
        let io = |cause| RunsError::Io {
            path: path.clone(),
            cause,
        };
        let mut file = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => return Err(busy(dir)),
            Err(std::fs::TryLockError::Error(cause)) => return Err(io(cause)),
        }
        file.set_len(0).map_err(io)?;
        writeln!(file, "{}", std::process::id()).map_err(io)?;
        Ok(RunLock { path, _file: file })
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        // Removed while still held, so no other process can take a lock on a file about to go.
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The refusal to train a run that another process is training.
fn busy(dir: &RunDir) -> RunsError {
    let pid = std::fs::read_to_string(dir.lock()).unwrap_or_default();
    let by = match pid.trim() {
        "" => "another process".to_string(),
        pid => format!("process {pid}"),
    };
    RunsError::RunFolder(format!(
        "{} is being trained now by {by}; wait for it, stop it (Ctrl-C), or choose another \
         --run-name",
        dir.path.display()
    ))
}

/// Whether a process is training `dir` now (it holds the folder's lock).
pub fn is_training(dir: &RunDir) -> bool {
    let Ok(file) = File::open(dir.lock()) else {
        return false;
    };
    matches!(
        file.try_lock_shared(),
        Err(std::fs::TryLockError::WouldBlock)
    )
}

/// Refuses to touch a run folder that another process is training.
pub fn check_not_training(dir: &RunDir) -> Result<(), RunsError> {
    if is_training(dir) {
        Err(busy(dir))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_locked_run_is_training_until_the_lock_is_dropped() {
        let artifacts = tempfile::tempdir().unwrap();
        let dir = RunDir::new(artifacts.path(), "run");
        std::fs::create_dir(&dir.path).unwrap();
        assert!(!is_training(&dir));
        let lock = RunLock::acquire(&dir).unwrap();
        assert!(is_training(&dir));
        let refused = RunLock::acquire(&dir).unwrap_err().to_string();
        assert!(
            refused.contains(&format!(
                "being trained now by process {}",
                std::process::id()
            )),
            "{refused}"
        );
        assert!(check_not_training(&dir).is_err());
        drop(lock);
        assert!(!is_training(&dir));
        assert!(!dir.lock().exists(), "the lock file is removed");
        check_not_training(&dir).unwrap();
    }

    #[test]
    fn a_lock_file_left_by_a_killed_process_does_not_mean_training() {
        let artifacts = tempfile::tempdir().unwrap();
        let dir = RunDir::new(artifacts.path(), "run");
        std::fs::create_dir(&dir.path).unwrap();
        std::fs::write(dir.lock(), "4242\n").unwrap();
        assert!(!is_training(&dir));
        let _lock = RunLock::acquire(&dir).unwrap();
        assert!(is_training(&dir));
    }
}
