//! Files written whole or not at all, for every crate that writes one (run files, report
//! pictures, downloads, exports).
//!
//! A file is written into a scratch file beside its destination, named `.<name>.partial<random>`
//! (tempfile's `NamedTempFile`), flushed to disk, renamed over the destination, and the folder
//! synced so the rename survives a crash. A reader never sees half a file, a failed write never
//! loses the complete file it would have replaced, and a scratch file left by a killed process is
//! recognisable by [`is_scratch_name`].

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

/// The mark every scratch file name carries, after a leading dot and the destination's name.
const SCRATCH_MARK: &str = ".partial";

/// Whether a file name is one of our scratch files (left behind only by a killed process).
pub fn is_scratch_name(name: &str) -> bool {
    name.starts_with('.') && name.contains(SCRATCH_MARK)
}

/// Removes the scratch files in `dir` (a killed writer's leftovers); errors are ignored.
pub fn remove_stale_scratch(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if is_scratch_name(&entry.file_name().to_string_lossy()) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// A file being written; it appears at its destination only on [`AtomicFile::commit`], and
/// dropping it uncommitted deletes the scratch file.
#[derive(Debug)]
pub struct AtomicFile {
    dest: PathBuf,
    scratch: NamedTempFile,
}

impl AtomicFile {
    /// Starts writing `dest` (its folder must exist).
    pub fn create(dest: &Path) -> io::Result<Self> {
        let dir = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let prefix = format!(".{name}{SCRATCH_MARK}");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix);
        shared_permissions(&mut builder);
        let scratch = builder.tempfile_in(dir)?;
        Ok(AtomicFile {
            dest: dest.to_path_buf(),
            scratch,
        })
    }

    /// The scratch file's path (for messages).
    pub fn scratch_path(&self) -> &Path {
        self.scratch.path()
    }

    /// Flushes the file to disk, renames it over the destination and syncs the folder.
    pub fn commit(self) -> io::Result<()> {
        self.scratch.as_file().sync_all()?;
        self.scratch.persist(&self.dest).map_err(|e| e.error)?;
        // Make the rename itself durable (POSIX; opening a folder fails elsewhere).
        if let Some(parent) = self.dest.parent().filter(|p| !p.as_os_str().is_empty()) {
            if let Ok(dir) = std::fs::File::open(parent) {
                let _ = dir.sync_all();
            }
        }
        Ok(())
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.scratch.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.scratch.flush()
    }
}

/// Files are created as any program creates them: readable by others as the umask allows
/// (0644 under the usual 022), not tempfile's private 0600, so a run folder can be shared.
#[cfg(unix)]
fn shared_permissions(builder: &mut tempfile::Builder) {
    use std::os::unix::fs::PermissionsExt;
    // The mode goes to open(2), which applies the umask.
    builder.permissions(std::fs::Permissions::from_mode(0o666));
}

#[cfg(not(unix))]
fn shared_permissions(_builder: &mut tempfile::Builder) {}

/// Writes `bytes` to `dest` whole or not at all.
pub fn write_atomic(dest: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = AtomicFile::create(dest)?;
    file.write_all(bytes)?;
    file.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn a_committed_file_replaces_the_old_one_and_leaves_no_scratch() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("summary.json");
        std::fs::write(&dest, "old").unwrap();
        write_atomic(&dest, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), "new");
        assert_eq!(names(dir.path()), ["summary.json"]);
    }

    #[test]
    fn an_abandoned_write_keeps_the_old_file_and_removes_its_scratch() {
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("model.bpk");
        std::fs::write(&dest, "complete").unwrap();
        let mut file = AtomicFile::create(&dest).unwrap();
        file.write_all(b"half a fi").unwrap();
        let scratch_name = file
            .scratch_path()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(is_scratch_name(&scratch_name), "{scratch_name}");
        assert!(
            scratch_name.starts_with(".model.bpk.partial"),
            "{scratch_name}"
        );
        // While it is being written, the destination still holds the complete file.
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), "complete");
        drop(file);
        assert_eq!(std::fs::read_to_string(&dest).unwrap(), "complete");
        assert_eq!(names(dir.path()), ["model.bpk"]);
    }

    #[test]
    fn stale_scratch_files_are_told_apart_from_a_users_files() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            ".train.gz.partialx1y2",
            "notes.partial.txt",
            ".hidden",
            "a.csv",
        ] {
            std::fs::write(dir.path().join(name), "x").unwrap();
        }
        remove_stale_scratch(dir.path());
        assert_eq!(names(dir.path()), [".hidden", "a.csv", "notes.partial.txt"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_written_file_is_as_readable_as_any_file_the_user_creates() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let plain = dir.path().join("plain.txt");
        std::fs::write(&plain, "x").unwrap();
        let ours = dir.path().join("summary.json");
        write_atomic(&ours, b"{}").unwrap();
        assert_eq!(
            mode(&ours),
            mode(&plain),
            "the umask decides, as for any file"
        );
    }
}
