//! A directory of this example's own: accounts kept one per line in a JSON-lines file.
//!
//! It is the proof of hris-sync's seams: a connector written outside the connector crates,
//! with no line of `hris-sync-core` changed for it. It has
//!
//! - **its own configuration section**, `[jsonl]`, parsed here ([`JsonlSection`]), with
//!   unknown keys refused by name;
//! - **its own vocabulary**: four attributes (`department`, `title`, `office`, `phones`),
//!   which `[[mapping]]` may target as `target = "…"` or under the alias `jsonl = "…"`;
//! - **its own capabilities**: none beyond accounts (no sessions to revoke, no leave date,
//!   no access passes, no groups), so a policy asking for one is refused at start-up;
//! - **a factory** ([`JsonlConnector`]) a host lists in its registry beside the others.
//!
//! The file is read whole on every listing (a malformed line fails the read, naming the line,
//! so a damaged file never makes accounts look absent) and rewritten whole, atomically, after
//! each batch of writes. It never holds a password: new accounts' one-time passwords go to the
//! engine's credential sink, as with every directory.

mod store;

use std::path::PathBuf;

use hris_sync_core::connector::DirectoryConnector;
use hris_sync_core::policy::{Capabilities, ConfigFile, DirectoryTraits, Vocabulary};
use hris_sync_core::raw::{DirectoryProperty, PropertyKind, Spec};
use hris_sync_core::{Directory, Error, Policy, RequestStats, Result};
use serde::Deserialize;

pub use store::JsonlDirectory;

/// The section's name, and the directory's `[directory] kind`.
pub const KIND: &str = "jsonl";

/// `department` (at most 64 characters).
pub const DEPARTMENT: DirectoryProperty = DirectoryProperty::new("department", Spec::text(64));
/// `title` (at most 128 characters).
pub const TITLE: DirectoryProperty = DirectoryProperty::new("title", Spec::text(128));
/// `office` (at most 128 characters).
pub const OFFICE: DirectoryProperty = DirectoryProperty::new("office", Spec::text(128));
/// `phones` (up to three numbers).
pub const PHONES: DirectoryProperty = DirectoryProperty::new(
    "phones",
    Spec::of(PropertyKind::TextList {
        max_items: 3,
        max_len: 32,
    }),
);

/// The attributes an account file holds: core's managed names and the four above.
#[must_use]
pub fn vocabulary() -> Vocabulary {
    Vocabulary::new(
        "account attribute",
        DirectoryProperty::MANAGED
            .into_iter()
            .chain([DEPARTMENT, TITLE, OFFICE, PHONES]),
    )
}

/// What the directory declares to the policy.
#[must_use]
pub fn traits() -> DirectoryTraits {
    DirectoryTraits::new(KIND, Capabilities::none(), vocabulary()).alias(KIND)
}

/// `[jsonl]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonlSection {
    /// The accounts file (created when missing); relative paths are relative to the current
    /// directory.
    pub path: Option<PathBuf>,
    /// The domains a UPN may use.
    #[serde(default)]
    pub domains: Vec<String>,
}

impl JsonlSection {
    /// The `[jsonl]` table of `file`.
    ///
    /// # Errors
    /// An unknown key, a value of the wrong type, or a missing `path` or `domains`, named.
    pub fn from_file(file: &ConfigFile) -> Result<Self> {
        let section: Self = file.section(KIND)?;
        if section.path.is_none() {
            return Err(Error::config("jsonl.path: missing; name the accounts file"));
        }
        if section.domains.is_empty() {
            return Err(Error::config(
                "jsonl.domains: empty; list the domains a UPN may use",
            ));
        }
        Ok(section)
    }
}

/// The factory a host lists in its registry: `[directory] kind = "jsonl"`.
#[derive(Clone, Copy, Debug, Default)]
pub struct JsonlConnector;

impl DirectoryConnector for JsonlConnector {
    fn kind(&self) -> &'static str {
        KIND
    }

    fn traits(&self) -> DirectoryTraits {
        traits()
    }

    fn missing_credentials(&self) -> Vec<&'static str> {
        Vec::new()
    }

    fn build(
        &self,
        file: &ConfigFile,
        _policy: &Policy,
        _stats: RequestStats,
    ) -> Result<Box<dyn Directory>> {
        let section = JsonlSection::from_file(file)?;
        let path = section.path.unwrap_or_default();
        Ok(Box::new(JsonlDirectory::open(path, section.domains)?))
    }
}
