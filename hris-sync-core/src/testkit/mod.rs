//! The conformance kit (feature `testkit`): checks every [`crate::Directory`] and
//! [`crate::HrSource`] implementation must pass.
//!
//! Each check is an async function that returns `Err` with a message naming what broke. Run
//! them from a test against your implementation:
//!
//! ```
//! use hris_sync_core::memory::MemoryDirectory;
//! use hris_sync_core::testkit::{self, Kit};
//!
//! let dir = MemoryDirectory::new(["demo.com"]);
//! let rt = tokio::runtime::Builder::new_current_thread().build()?;
//! rt.block_on(testkit::directory::run_all(&dir, &Kit::new("demo.com", "kit")))?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The directory checks create accounts whose UPNs and employee ids start with the kit's
//! prefix, so several runs with prefixes that differ in their first ten characters can share
//! one directory (a simulator, a test tenant, a domain controller). They never delete anything,
//! because a [`crate::Directory`] cannot.

pub mod directory;
pub mod hostile;
mod intercept;
mod logs;
pub mod source;

pub use intercept::{Intercept, WriteHook};
pub use logs::CapturedLogs;

use crate::memory::sample;
use crate::property::DirectoryProperty;

/// Where the directory checks write.
#[derive(Clone, Debug)]
pub struct Kit {
    /// A verified domain of the directory under test.
    pub domain: String,
    /// Prefix of every UPN the checks create (letters and digits).
    pub prefix: String,
    /// A group whose membership the checks may write (G4), empty at the start; without one
    /// the membership checks are skipped.
    pub group: Option<String>,
    /// Two clearable text attributes the directory declares, as it names them (by default the
    /// sample vocabulary's `department` and `jobTitle`); the first is checked against its
    /// declared maximum length.
    pub attributes: [DirectoryProperty; 2],
}

impl Kit {
    /// A kit writing `<prefix>-…@<domain>`.
    pub fn new(domain: impl Into<String>, prefix: impl Into<String>) -> Self {
        Self {
            domain: domain.into(),
            prefix: prefix.into(),
            group: None,
            attributes: [sample::DEPARTMENT, sample::JOB_TITLE],
        }
    }

    /// Write these two clearable text attributes instead of the sample ones.
    #[must_use]
    pub fn with_attributes(mut self, first: DirectoryProperty, second: DirectoryProperty) -> Self {
        self.attributes = [first, second];
        self
    }

    /// Also check group memberships, writing to the group with this id.
    #[must_use]
    pub fn with_group(mut self, group: impl Into<String>) -> Self {
        self.group = Some(group.into());
        self
    }

    /// The employee id of the kit's `n`th account: the prefix's first ten characters, `-`
    /// and `n` (at most 16 characters, as `employeeId` allows), so kits with other prefixes
    /// never claim each other's accounts (T4 adopts by employee id).
    #[must_use]
    pub fn employee_id(&self, n: u32) -> String {
        let head: String = self.prefix.chars().take(10).collect();
        format!("{head}-{n}")
    }

    fn upn(&self, name: &str) -> String {
        format!("{}-{name}@{}", self.prefix, self.domain)
    }
}

/// A failed check.
fn fail<T>(message: impl Into<String>) -> crate::Result<T> {
    Err(crate::Error::new(crate::ErrorKind::Other, message))
}

/// Fail with `message` unless `condition` holds.
fn ensure(condition: bool, message: impl FnOnce() -> String) -> crate::Result<()> {
    if condition { Ok(()) } else { fail(message()) }
}
