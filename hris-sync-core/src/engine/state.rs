//! What the sync remembers between cycles, and where it keeps it.
//!
//! The embedded default is one JSON file written atomically: a temporary file with a random
//! name in the same folder, readable and writable by its owner only (`0600`: the state holds
//! every employee's name, email and dates), flushed to disk, renamed over the old one, and the
//! folder flushed too, so a crash leaves either the old state or the new one, never half of
//! each. A file that cannot be read is an error that names
//! it, never silently replaced: losing the state would forget which accounts the sync disabled
//! (S6) and the counts the source-drop guard compares against (S7).
//!
//! [`StateStore`] is async, so a host can keep the state in its own database without blocking
//! the runtime; the file store does its reads, writes and `fsync`s on tokio's blocking pool.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::directory::DeltaCursor;
use crate::employee::Employee;
use crate::error::{Error, ErrorKind, Result};
use crate::guard::LastRunCounts;
use crate::reconcile::SyncHistory;
use crate::user::DirectoryUser;

/// The version of the state format written by this build.
pub const STATE_VERSION: u32 = 1;

/// Everything the sync carries from one cycle to the next (docs/rules.md §5).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncState {
    /// Format version; a newer file than this build understands is refused.
    pub version: u32,
    /// The last full employee snapshot, with incremental changes merged in.
    pub employees: Vec<Employee>,
    /// The last directory snapshot, with incremental changes merged in.
    pub users: Vec<DirectoryUser>,
    /// Where the directory's change feed continues.
    pub cursor: Option<DeltaCursor>,
    /// When the last HR read started (the next changed-since read starts here).
    #[serde(default, with = "crate::time::serde_opt")]
    pub watermark: Option<DateTime<Utc>>,
    /// When the last full read ran.
    #[serde(default, with = "crate::time::serde_opt")]
    pub last_full_sync: Option<DateTime<Utc>>,
    /// Accounts the sync disabled (S6).
    pub history: SyncHistory,
    /// Counts of the last successful cycle (S7).
    pub last_counts: Option<LastRunCounts>,
    /// The listed groups' members, by group id, as of the last full read and the writes
    /// since (incremental cycles plan against this; a full read reads them again).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub groups: crate::reconcile::GroupMembers,
}

/// Where the state lives. Implementations must make [`StateStore::save`] atomic.
///
/// A host implements it over its own storage (a database row, an object store); the engine
/// awaits it between phases, so a slow store slows the cycle but never blocks other tasks.
/// `examples/embed.rs` keeps the state in a host-owned store.
#[async_trait]
pub trait StateStore: Send + Sync + fmt::Debug {
    /// The saved state, or `None` when there is none yet.
    ///
    /// # Errors
    /// When a state exists but cannot be read: never treat that as "no state".
    async fn load(&self) -> Result<Option<SyncState>>;

    /// Replace the saved state.
    ///
    /// # Errors
    /// When it cannot be written; the previous state is then unchanged.
    async fn save(&self, state: &SyncState) -> Result<()>;
}

#[async_trait]
impl<T: StateStore + ?Sized> StateStore for std::sync::Arc<T> {
    async fn load(&self) -> Result<Option<SyncState>> {
        (**self).load().await
    }
    async fn save(&self, state: &SyncState) -> Result<()> {
        (**self).save(state).await
    }
}

#[async_trait]
impl<T: StateStore + ?Sized> StateStore for Box<T> {
    async fn load(&self) -> Result<Option<SyncState>> {
        (**self).load().await
    }
    async fn save(&self, state: &SyncState) -> Result<()> {
        (**self).save(state).await
    }
}

/// The state in one JSON file, written atomically.
#[derive(Clone, Debug)]
pub struct FileStateStore {
    path: PathBuf,
}

impl FileStateStore {
    /// A store at `path` (created on first save).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The file's path.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn io(&self, what: &str, e: &std::io::Error) -> Error {
        Error::new(
            ErrorKind::Other,
            format!("state file {}: {what}: {e}", self.path.display()),
        )
    }
}

#[async_trait]
impl StateStore for FileStateStore {
    async fn load(&self) -> Result<Option<SyncState>> {
        let this = self.clone();
        crate::blocking::off_runtime(move || this.read()).await?
    }

    async fn save(&self, state: &SyncState) -> Result<()> {
        let bytes = serde_json::to_vec(state).map_err(|e| {
            Error::new(ErrorKind::Other, format!("state cannot be serialized: {e}"))
        })?;
        let this = self.clone();
        crate::blocking::off_runtime(move || this.write(&bytes)).await?
    }
}

impl FileStateStore {
    /// Reads the file (blocking).
    fn read(&self) -> Result<Option<SyncState>> {
        let bytes = match std::fs::read(&self.path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.io("cannot read", &e)),
        };
        let state: SyncState = serde_json::from_slice(&bytes).map_err(|e| {
            Error::new(
                ErrorKind::InvalidData,
                format!(
                    "state file {} is corrupt ({e}); it was not changed. Move it aside to start \
                     over with a full sync (accounts disabled by earlier runs will then not be \
                     re-enabled automatically)",
                    self.path.display()
                ),
            )
        })?;
        if state.version > STATE_VERSION {
            return Err(Error::new(
                ErrorKind::InvalidData,
                format!(
                    "state file {} has format version {}, newer than this build understands ({STATE_VERSION})",
                    self.path.display(),
                    state.version
                ),
            ));
        }
        Ok(Some(state))
    }

    /// Replaces the file atomically (blocking).
    fn write(&self, bytes: &[u8]) -> Result<()> {
        let dir = match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = self
            .path
            .file_name()
            .map_or_else(|| "state".into(), |n| n.to_string_lossy().into_owned());
        // `tempfile` creates the file `0600` under a random name, so two writers never share
        // a temporary file, and removes it if anything below fails.
        let mut tmp = tempfile::Builder::new()
            .prefix(&format!(".{name}."))
            .suffix(".tmp")
            .tempfile_in(&dir)
            .map_err(|e| self.io("cannot create a temporary file beside it", &e))?;
        tmp.write_all(bytes)
            .and_then(|()| tmp.as_file().sync_all())
            .map_err(|e| self.io("cannot write", &e))?;
        tmp.persist(&self.path)
            .map_err(|e| self.io("cannot replace it", &e.error))?;
        // Make the rename itself durable.
        if let Ok(d) = std::fs::File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

/// The state in memory (tests, and hosts that keep state elsewhere).
#[derive(Debug, Default)]
pub struct MemoryStateStore {
    state: Mutex<Option<SyncState>>,
}

impl MemoryStateStore {
    /// A store holding `state`.
    #[must_use]
    pub fn with(state: SyncState) -> Self {
        Self {
            state: Mutex::new(Some(state)),
        }
    }

    /// The saved state.
    #[must_use]
    pub fn get(&self) -> Option<SyncState> {
        self.state
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

#[async_trait]
impl StateStore for MemoryStateStore {
    async fn load(&self) -> Result<Option<SyncState>> {
        Ok(self.get())
    }

    async fn save(&self, state: &SyncState) -> Result<()> {
        *self.state.lock().unwrap_or_else(PoisonError::into_inner) = Some(state.clone());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir() -> PathBuf {
        let d = std::env::temp_dir().join(format!(
            "hris-sync-state-{}-{}",
            std::process::id(),
            crate::retry::jitter().to_bits()
        ));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[tokio::test]
    async fn round_trip_and_missing() {
        let d = dir();
        let store = FileStateStore::new(d.join("state.json"));
        assert_eq!(store.load().await.unwrap(), None);
        let state = SyncState {
            version: STATE_VERSION,
            watermark: Some("2025-10-01T00:00:00Z".parse().unwrap()),
            ..SyncState::default()
        };
        store.save(&state).await.unwrap();
        assert_eq!(store.load().await.unwrap(), Some(state));
        // No temporary file left behind.
        let names: Vec<_> = std::fs::read_dir(&d)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
        std::fs::remove_dir_all(d).unwrap();
    }

    // A crash while the state is being written leaves a temporary file behind and the last
    // good state in place; the next save replaces it cleanly.
    #[tokio::test]
    async fn crash_during_write_keeps_the_last_state() {
        let d = dir();
        let path = d.join("state.json");
        let store = FileStateStore::new(&path);
        let good = SyncState {
            version: STATE_VERSION,
            watermark: Some("2025-10-01T00:00:00Z".parse().unwrap()),
            ..SyncState::default()
        };
        store.save(&good).await.unwrap();
        // What a crash mid-write leaves: a half-written temporary file.
        std::fs::write(d.join(".state.json.99999.tmp"), b"{\"version\":1,\"employ").unwrap();
        assert_eq!(store.load().await.unwrap(), Some(good.clone()));
        let newer = SyncState {
            watermark: Some("2025-10-02T00:00:00Z".parse().unwrap()),
            ..good
        };
        store.save(&newer).await.unwrap();
        assert_eq!(store.load().await.unwrap(), Some(newer));
        std::fs::remove_dir_all(d).unwrap();
    }

    // The state holds personal data: only its owner may read it, whatever the umask.
    #[cfg(unix)]
    #[tokio::test]
    async fn the_state_file_is_private() {
        use std::os::unix::fs::PermissionsExt as _;
        let d = dir();
        let path = d.join("state.json");
        let store = FileStateStore::new(&path);
        store.save(&SyncState::default()).await.unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
        // Replacing an existing file keeps it private too.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        store.save(&SyncState::default()).await.unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
        std::fs::remove_dir_all(d).unwrap();
    }

    #[tokio::test]
    async fn write_errors_name_the_path() {
        let d = dir();
        let path = d.join("missing-folder").join("state.json");
        let err = FileStateStore::new(&path)
            .save(&SyncState::default())
            .await
            .unwrap_err();
        assert!(err.message().contains(&path.display().to_string()), "{err}");
        std::fs::remove_dir_all(d).unwrap();
    }

    #[tokio::test]
    async fn corrupt_file_is_a_clear_error() {
        let d = dir();
        let path = d.join("state.json");
        std::fs::write(&path, b"{\"version\":1,\"employees\":[").unwrap();
        let err = FileStateStore::new(&path).load().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData);
        assert!(err.message().contains("corrupt"), "{err}");
        assert!(err.message().contains("state.json"), "{err}");
        // The file is left as it was.
        assert_eq!(
            std::fs::read(&path).unwrap(),
            b"{\"version\":1,\"employees\":["
        );
        std::fs::remove_dir_all(d).unwrap();
    }

    // A state file written by version 0.1 (its time types were another crate's) loads, and is
    // written back byte for byte the same: the format did not change.
    #[tokio::test]
    async fn the_previous_versions_file_loads_and_is_written_back_unchanged() {
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/state-0.1.json");
        let original = std::fs::read(&fixture).unwrap();
        let d = dir();
        let path = d.join("state.json");
        std::fs::write(&path, &original).unwrap();
        let store = FileStateStore::new(&path);
        let state = store.load().await.unwrap().unwrap();
        assert_eq!(
            state.watermark.map(|t| crate::time::rfc3339(&t)).as_deref(),
            Some("2025-10-01T08:00:00.25Z")
        );
        let leaver = state
            .employees
            .iter()
            .find(|e| e.id.as_str() == "1029")
            .unwrap();
        assert_eq!(
            leaver.termination_date.map(|d| d.to_string()).as_deref(),
            Some("2025-09-30")
        );
        assert_eq!(state.history.disabled_by_sync.len(), 1);
        store.save(&state).await.unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), original);
        std::fs::remove_dir_all(d).unwrap();
    }
}
