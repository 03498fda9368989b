//! Connector factories: how a host turns a configuration file into an [`HrSource`] and a
//! [`Directory`] without naming either.
//!
//! Each connector crate exports a value implementing [`SourceConnector`] or
//! [`DirectoryConnector`]; a host (the `hris-sync` command) lists them in one registry and
//! picks one by `[source] kind` / `[directory] kind`. The factory parses its own section of the
//! file, declares its traits to the policy and names the credentials it reads from the
//! environment. Most connectors need nothing but plain functions for that: they export a
//! [`DirectoryFactory`] or [`SourceFactory`] value; a connector with state of its own
//! implements the trait.

mod factory;

pub use factory::{
    BuildDirectory, BuildSource, Credentials, DirectoryFactory, Factory, SourceFactory,
};

use crate::Policy;
use crate::directory::Directory;
use crate::error::Result;
use crate::policy::{ConfigFile, DirectoryTraits, SourceTraits};
use crate::source::HrSource;
use crate::stats::RequestStats;

/// A factory of HR sources of one kind.
pub trait SourceConnector: Send + Sync {
    /// Its `[source] kind`.
    fn kind(&self) -> &'static str;

    /// The configuration sections it reads; by default the one named like its kind.
    fn sections(&self) -> Vec<&'static str> {
        vec![self.kind()]
    }

    /// What it declares to the policy.
    fn traits(&self) -> SourceTraits;

    /// The environment variables it needs that are unset or empty, by name.
    fn missing_credentials(&self) -> Vec<&'static str>;

    /// A source configured from `file` and the environment, counting requests in `stats`.
    ///
    /// # Errors
    /// A bad section or credential, naming the key or variable.
    fn build(&self, file: &ConfigFile, stats: RequestStats) -> Result<Box<dyn HrSource>>;
}

/// A factory of directories of one kind.
pub trait DirectoryConnector: Send + Sync {
    /// Its `[directory] kind`.
    fn kind(&self) -> &'static str;

    /// The configuration sections it reads; by default the one named like its kind.
    fn sections(&self) -> Vec<&'static str> {
        vec![self.kind()]
    }

    /// What it declares to the policy: vocabulary and capabilities.
    fn traits(&self) -> DirectoryTraits;

    /// What it declares to a policy read from `file`: by default [`traits`](Self::traits).
    /// A connector whose vocabulary its own section extends (a SCIM application's custom
    /// attributes) adds them here, so a `[[mapping]]` may name them.
    ///
    /// # Errors
    /// A bad section, naming the key.
    fn traits_for(&self, file: &ConfigFile) -> Result<DirectoryTraits> {
        let _ = file;
        Ok(self.traits())
    }

    /// The environment variables it needs that are unset or empty, by name.
    fn missing_credentials(&self) -> Vec<&'static str>;

    /// The name its requests are counted under (`/metrics`' `service` label).
    fn service(&self) -> &'static str {
        self.kind()
    }

    /// A directory configured from `file`, the environment and `policy` (which says what it
    /// reads), counting requests in `stats`.
    ///
    /// # Errors
    /// A bad section or credential, naming the key or variable.
    fn build(
        &self,
        file: &ConfigFile,
        policy: &Policy,
        stats: RequestStats,
    ) -> Result<Box<dyn Directory>>;
}

/// The names of the variables in `names` that are unset or empty.
#[must_use]
pub fn unset_variables(names: &[&'static str]) -> Vec<&'static str> {
    names
        .iter()
        .copied()
        .filter(|n| std::env::var(n).map_or(true, |v| v.trim().is_empty()))
        .collect()
}
