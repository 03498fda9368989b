//! Files that hold secrets or guard the state: the `--credentials-out` file and the state
//! lock. They are opened so that nobody else can have prepared them:
//!
//! - never through a symbolic link (`O_NOFOLLOW`): a link planted where the file should be
//!   would send the passwords, or the lock's truncation, somewhere else;
//! - created `0600`; an existing one must be a regular file owned by the user running the
//!   sync, and readable by nobody else (a file another user could read, or prepared, is
//!   refused with what to do).

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

/// How the file is opened.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Read and write, for a lock.
    ReadWrite,
    /// Append only, for a log of deliveries.
    Append,
}

/// Open (creating it `0600` if need be) the private file at `path`.
///
/// # Errors
/// The I/O error, or [`io::ErrorKind::PermissionDenied`] with the reason when the path is a
/// symbolic link, not a regular file, owned by another user, or readable by others.
pub fn open(path: &Path, mode: Mode) -> io::Result<File> {
    let mut options = OpenOptions::new();
    match mode {
        Mode::ReadWrite => options.read(true).write(true).create(true).truncate(false),
        Mode::Append => options.append(true).create(true),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
        // The flag's value as the platform defines it (rustix's safe constant).
        #[allow(clippy::cast_possible_wrap)]
        options.custom_flags(rustix::fs::OFlags::NOFOLLOW.bits() as i32);
    }
    let file = options.open(path).map_err(|e| {
        if is_symlink(path) {
            refused(path, "is a symbolic link")
        } else {
            e
        }
    })?;
    check(path, &file)?;
    Ok(file)
}

fn is_symlink(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

fn refused(path: &Path, why: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::PermissionDenied,
        format!(
            "{} {why}; refusing to use it (remove it, or give a path only this user can write)",
            path.display()
        ),
    )
}

#[cfg(unix)]
fn check(path: &Path, file: &File) -> io::Result<()> {
    use std::os::unix::fs::MetadataExt as _;
    let meta = file.metadata()?;
    if !meta.file_type().is_file() {
        return Err(refused(path, "is not a regular file"));
    }
    if meta.uid() != rustix::process::geteuid().as_raw() {
        return Err(refused(path, "belongs to another user"));
    }
    if meta.mode() & 0o077 != 0 {
        return Err(refused(
            path,
            &format!(
                "may be read or written by others (mode {:o}; chmod 600 it)",
                meta.mode() & 0o777
            ),
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check(path: &Path, file: &File) -> io::Result<()> {
    if file.metadata()?.file_type().is_file() {
        Ok(())
    } else {
        Err(refused(path, "is not a regular file"))
    }
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    #[test]
    fn a_symlink_and_a_shared_file_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("elsewhere");
        std::fs::write(&target, "").unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        for mode in [Mode::Append, Mode::ReadWrite] {
            let err = open(&link, mode).unwrap_err();
            assert!(err.to_string().contains("symbolic link"), "{err}");
        }
        let shared = dir.path().join("shared");
        std::fs::write(&shared, "").unwrap();
        std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = open(&shared, Mode::Append).unwrap_err();
        assert!(err.to_string().contains("chmod 600"), "{err}");
        let fresh = dir.path().join("fresh");
        open(&fresh, Mode::Append).unwrap();
        let mode = std::fs::metadata(&fresh).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        // A directory where the file should be.
        let err = open(dir.path(), Mode::ReadWrite).unwrap_err();
        assert!(!err.to_string().is_empty());
    }
}
