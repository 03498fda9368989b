//! [`Factory`]: connector factories made of plain functions, so a connector crate exports one
//! value ([`DirectoryFactory`] or [`SourceFactory`]) instead of a type and a trait impl.

use super::{DirectoryConnector, SourceConnector, unset_variables};
use crate::Policy;
use crate::directory::Directory;
use crate::error::Result;
use crate::policy::{ConfigFile, DirectoryTraits, SourceTraits};
use crate::source::HrSource;
use crate::stats::RequestStats;

/// How a factory tells which of its credentials are missing.
#[derive(Clone, Copy, Debug)]
pub enum Credentials {
    /// Every one of these environment variables must be set and not empty.
    All(&'static [&'static str]),
    /// The function names the variables that are missing (for credentials that come in
    /// alternatives, such as a token or a client secret).
    Check(fn() -> Vec<&'static str>),
}

impl Credentials {
    fn missing(&self) -> Vec<&'static str> {
        match self {
            Self::All(names) => unset_variables(names),
            Self::Check(missing) => missing(),
        }
    }
}

/// Builds a directory from the configuration file, the policy and the request counter.
pub type BuildDirectory = fn(&ConfigFile, &Policy, RequestStats) -> Result<Box<dyn Directory>>;

/// Builds an HR source from the configuration file and the request counter.
pub type BuildSource = fn(&ConfigFile, RequestStats) -> Result<Box<dyn HrSource>>;

/// A [`DirectoryConnector`] made of plain functions.
pub type DirectoryFactory = Factory<DirectoryTraits, BuildDirectory>;

/// A [`SourceConnector`] made of plain functions.
pub type SourceFactory = Factory<SourceTraits, BuildSource>;

/// A connector factory made of plain functions: its kind, the traits it declares, the
/// credentials it reads and how it builds. Every setting is a `const fn`, so a connector crate
/// declares its factory as a `static` for the host's registry:
///
/// ```
/// use hris_sync_core::connector::{DirectoryConnector, DirectoryFactory};
/// use hris_sync_core::memory::MemoryDirectory;
///
/// pub static CONNECTOR: DirectoryFactory = DirectoryFactory::new(
///     "memory",
///     MemoryDirectory::traits,
///     |_file, _policy, _stats| Ok(Box::new(MemoryDirectory::new(["demo.com"]))),
/// )
/// .credentials(&["MEMORY_TOKEN"]);
///
/// assert_eq!(CONNECTOR.kind(), "memory");
/// assert_eq!(CONNECTOR.sections(), ["memory"]);
/// ```
///
/// A connector that needs more (state of its own, sections under other names) implements
/// [`DirectoryConnector`] or [`SourceConnector`] itself.
#[derive(Debug)]
pub struct Factory<T: 'static, B> {
    kind: &'static str,
    traits: fn() -> T,
    traits_for: Option<fn(&ConfigFile) -> Result<T>>,
    credentials: Credentials,
    service: Option<&'static str>,
    build: B,
}

impl<T, B: Copy> Clone for Factory<T, B> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T, B: Copy> Copy for Factory<T, B> {}

impl<T, B> Factory<T, B> {
    /// A factory of `kind`, declaring `traits`, building with `build`; it needs no
    /// credentials until [`credentials`](Self::credentials) names them.
    #[must_use]
    pub const fn new(kind: &'static str, traits: fn() -> T, build: B) -> Self {
        Self {
            kind,
            traits,
            traits_for: None,
            credentials: Credentials::All(&[]),
            service: None,
            build,
        }
    }

    /// The environment variables it needs, every one of them.
    #[must_use]
    pub const fn credentials(self, names: &'static [&'static str]) -> Self {
        self.check_credentials(Credentials::All(names))
    }

    /// How it tells which credentials are missing.
    #[must_use]
    pub const fn check_credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = credentials;
        self
    }
}

impl DirectoryFactory {
    /// What it declares to a policy read from a file, where its own section extends what it
    /// declares ([`DirectoryConnector::traits_for`]).
    #[must_use]
    pub const fn traits_from_file(
        mut self,
        traits_for: fn(&ConfigFile) -> Result<DirectoryTraits>,
    ) -> Self {
        self.traits_for = Some(traits_for);
        self
    }

    /// The name its requests are counted under, where it is not the kind.
    #[must_use]
    pub const fn service_name(mut self, service: &'static str) -> Self {
        self.service = Some(service);
        self
    }
}

impl DirectoryConnector for DirectoryFactory {
    fn kind(&self) -> &'static str {
        self.kind
    }

    fn traits(&self) -> DirectoryTraits {
        (self.traits)()
    }

    fn traits_for(&self, file: &ConfigFile) -> Result<DirectoryTraits> {
        self.traits_for
            .map_or_else(|| Ok(self.traits()), |f| f(file))
    }

    fn missing_credentials(&self) -> Vec<&'static str> {
        self.credentials.missing()
    }

    fn service(&self) -> &'static str {
        self.service.unwrap_or(self.kind)
    }

    fn build(
        &self,
        file: &ConfigFile,
        policy: &Policy,
        stats: RequestStats,
    ) -> Result<Box<dyn Directory>> {
        (self.build)(file, policy, stats)
    }
}

impl SourceConnector for SourceFactory {
    fn kind(&self) -> &'static str {
        self.kind
    }

    fn traits(&self) -> SourceTraits {
        (self.traits)()
    }

    fn missing_credentials(&self) -> Vec<&'static str> {
        self.credentials.missing()
    }

    fn build(&self, file: &ConfigFile, stats: RequestStats) -> Result<Box<dyn HrSource>> {
        (self.build)(file, stats)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::{MemoryDirectory, MemorySource};

    static PLAIN: DirectoryFactory =
        DirectoryFactory::new("memory", MemoryDirectory::traits, |_, _, _| {
            Ok(Box::new(MemoryDirectory::new(["demo.com"])))
        })
        .credentials(&["HRIS_SYNC_FACTORY_TEST_UNSET"]);

    #[test]
    fn a_factory_answers_as_a_connector() {
        assert_eq!(PLAIN.kind(), "memory");
        assert_eq!(DirectoryConnector::service(&PLAIN), "memory");
        assert_eq!(DirectoryConnector::sections(&PLAIN), ["memory"]);
        assert_eq!(
            DirectoryConnector::missing_credentials(&PLAIN),
            ["HRIS_SYNC_FACTORY_TEST_UNSET"]
        );
        let checked = PLAIN
            .check_credentials(Credentials::Check(Vec::new))
            .service_name("other");
        assert!(DirectoryConnector::missing_credentials(&checked).is_empty());
        assert_eq!(DirectoryConnector::service(&checked), "other");
        let file = ConfigFile::from_toml("").unwrap();
        assert_eq!(PLAIN.traits_for(&file).unwrap().kind, "memory");
        let refused = PLAIN.traits_from_file(|_| Err(crate::Error::config("no")));
        assert!(refused.traits_for(&file).is_err());
        assert!(format!("{PLAIN:?}").contains("memory"));
    }

    #[test]
    fn a_source_factory_answers_as_a_source_connector() {
        let source = SourceFactory::new(
            "memory",
            || SourceTraits::new("memory"),
            |_, _| Ok(Box::new(MemorySource::new([]))),
        );
        assert_eq!(SourceConnector::kind(&source), "memory");
        assert!(SourceConnector::missing_credentials(&source).is_empty());
        let file = ConfigFile::from_toml("").unwrap();
        assert!(source.build(&file, RequestStats::new()).is_ok());
    }
}
