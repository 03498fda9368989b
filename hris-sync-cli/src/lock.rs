//! One run per state file: an exclusive advisory lock on `STATE.lock`, taken before the state
//! is read and held until the process ends.
//!
//! The lock is the operating system's (`flock`), not the file's existence, so a run that dies
//! (crash, `kill -9`, power loss) releases it with its process: a stale lock file never blocks
//! the next run. While it is held, the file names the holder's pid and start time, which a
//! second run prints when it exits with status 4.

use std::fs::File;
use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};

use fs4::fs_std::FileExt as _;
use hris_sync_core::chrono::{DateTime, Utc};

/// The held lock; released when dropped (or when the process ends).
#[derive(Debug)]
pub struct StateLock {
    _file: File,
    path: PathBuf,
}

/// Why the lock was not taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another live process holds it; the text names the holder as recorded in the file.
    #[error("another sync holds the state lock {} ({holder}); this run did nothing", path.display())]
    Held {
        /// The lock file.
        path: PathBuf,
        /// The holder as it recorded itself: `pid N, started T`.
        holder: String,
    },
    /// The lock file cannot be opened or locked.
    #[error("state lock {}: {error}", path.display())]
    Io {
        /// The lock file.
        path: PathBuf,
        /// What went wrong.
        #[source]
        error: std::io::Error,
    },
}

/// The lock file of a state file: `STATE.lock` in the same directory.
#[must_use]
pub fn lock_path(state: &Path) -> PathBuf {
    let mut name = state.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    state.with_file_name(name)
}

impl StateLock {
    /// Take the lock of `state` without waiting, and record this process as its holder.
    ///
    /// # Errors
    /// [`LockError::Held`] while another live process holds it; [`LockError::Io`] when the
    /// lock file cannot be opened or locked.
    pub fn acquire(state: &Path, started: DateTime<Utc>) -> Result<Self, LockError> {
        let path = lock_path(state);
        let io = |error| LockError::Io {
            path: path.clone(),
            error,
        };
        let mut file = open_private(&path).map_err(io)?;
        if !file.try_lock_exclusive().map_err(io)? {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim();
            return Err(LockError::Held {
                path: path.clone(),
                holder: if holder.is_empty() {
                    "holder unknown".to_owned()
                } else {
                    holder.to_owned()
                },
            });
        }
        let record = format!(
            "pid {}, started {}\n",
            std::process::id(),
            hris_sync_core::time::rfc3339(&started)
        );
        file.set_len(0)
            .and_then(|()| file.seek(SeekFrom::Start(0)))
            .and_then(|_| file.write_all(record.as_bytes()))
            .and_then(|()| file.flush())
            .map_err(io)?;
        Ok(Self { _file: file, path })
    }

    /// Where the lock lives.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Open (or create) the lock, a file only its owner may read and write, never through a
/// symbolic link ([`crate::private_file`]).
fn open_private(path: &Path) -> std::io::Result<File> {
    crate::private_file::open(path, crate::private_file::Mode::ReadWrite)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn started() -> DateTime<Utc> {
        "2026-11-28T08:00:00Z".parse().unwrap()
    }

    #[test]
    fn a_second_lock_is_refused_and_names_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state.json");
        let held = StateLock::acquire(&state, started()).unwrap();
        assert_eq!(held.path(), dir.path().join("state.json.lock"));
        let err = StateLock::acquire(&state, started()).unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, LockError::Held { .. }), "{text}");
        assert!(
            text.contains(&format!("pid {}", std::process::id())),
            "{text}"
        );
        assert!(text.contains("2026-11-28T08:00:00Z"), "{text}");
        drop(held);
        StateLock::acquire(&state, started()).expect("released on drop");
    }

    #[test]
    fn a_stale_lock_file_does_not_block() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state.json");
        std::fs::write(
            lock_path(&state),
            "pid 999999, started 2020-01-01T00:00:00Z\n",
        )
        .unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            std::fs::set_permissions(lock_path(&state), std::fs::Permissions::from_mode(0o600))
                .unwrap();
        }
        let lock = StateLock::acquire(&state, started()).unwrap();
        let text = std::fs::read_to_string(lock.path()).unwrap();
        assert!(
            text.starts_with(&format!("pid {},", std::process::id())),
            "{text}"
        );
    }

    #[cfg(unix)]
    #[test]
    fn the_lock_file_is_private() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("state.json");
        let lock = StateLock::acquire(&state, started()).unwrap();
        let mode = std::fs::metadata(lock.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
