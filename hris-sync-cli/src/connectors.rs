//! The registry: the one place that maps `[source] kind` and `[directory] kind` to connector
//! factories. A new connector is a crate that implements
//! [`SourceConnector`] or [`DirectoryConnector`], a cargo feature of this package, and one line
//! in [`SOURCES`] or [`DIRECTORIES`]. Each factory reads its own section of the file, declares
//! its traits to the policy and names the credentials it needs; a kind whose feature this build
//! lacks is a configuration error that says so.

use hris_sync_core::connector::{DirectoryConnector, SourceConnector};
use hris_sync_core::policy::ConfigFile;
use hris_sync_core::{Directory, Error, HrSource, Policy, RequestStats, Result};

/// `[source] kind` when the file does not say.
pub const DEFAULT_SOURCE: &str = "personio";
/// `[directory] kind` when the file does not say.
pub const DEFAULT_DIRECTORY: &str = "entra";

/// The HR sources this build has.
pub static SOURCES: &[&dyn SourceConnector] = &[&connector_personio::CONNECTOR];

/// The directories this build has.
pub static DIRECTORIES: &[&dyn DirectoryConnector] = &[
    #[cfg(feature = "entra")]
    &connector_azuread::CONNECTOR,
    #[cfg(feature = "active_directory")]
    &connector_activedirectory::CONNECTOR,
    #[cfg(feature = "scim")]
    &connector_scim::CONNECTOR,
];

/// Every directory kind a build may have, with the feature that brings it.
const DIRECTORY_FEATURES: [(&str, &str); 3] = [
    ("entra", "entra"),
    ("active_directory", "active_directory"),
    ("scim", "scim"),
];

/// The connectors a configuration file names.
#[derive(Clone, Copy)]
pub struct Chosen {
    /// The HR source's factory.
    pub source: &'static dyn SourceConnector,
    /// The directory's factory.
    pub directory: &'static dyn DirectoryConnector,
}

impl std::fmt::Debug for Chosen {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chosen")
            .field("source", &self.source.kind())
            .field("directory", &self.directory.kind())
            .finish()
    }
}

/// The connectors `file` names (the defaults where it names none).
///
/// # Errors
/// [`hris_sync_core::ErrorKind::InvalidConfig`] naming `source.kind` or `directory.kind` when
/// this build has no such connector.
pub fn choose(file: &ConfigFile) -> Result<Chosen> {
    let wanted = |k: &Option<String>, default: &'static str| {
        k.as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .unwrap_or(default)
            .to_owned()
    };
    let source_kind = wanted(&file.source.kind, DEFAULT_SOURCE);
    let source = by_kind(SOURCES, &source_kind, |s| s.kind()).ok_or_else(|| {
        Error::config(format!(
            "source.kind: unknown HR source {source_kind:?} (this build has: {})",
            kinds(SOURCES.iter().map(|s| s.kind()))
        ))
    })?;
    let directory_kind = wanted(&file.directory.kind, DEFAULT_DIRECTORY);
    let directory = by_kind(DIRECTORIES, &directory_kind, |d| d.kind()).ok_or_else(|| {
        let hint = DIRECTORY_FEATURES
            .iter()
            .find(|(k, _)| *k == directory_kind)
            .map(|(_, feature)| {
                format!("; build hris-sync with the feature `{feature}` to have it")
            })
            .unwrap_or_default();
        Error::config(format!(
            "directory.kind: unknown directory {directory_kind:?} (this build has: {}){hint}",
            kinds(DIRECTORIES.iter().map(|d| d.kind()))
        ))
    })?;
    Ok(Chosen { source, directory })
}

/// The connector of `all` whose kind is `wanted`.
fn by_kind<C: ?Sized>(
    all: &[&'static C],
    wanted: &str,
    kind: impl Fn(&C) -> &'static str,
) -> Option<&'static C> {
    all.iter().copied().find(|c| kind(c) == wanted)
}

fn kinds<'a>(names: impl Iterator<Item = &'a str>) -> String {
    names
        .map(|k| format!("{k:?}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Chosen {
    /// The policy of `file` for these connectors: their sections and no other, their names in
    /// `[[mapping]]` and `[[group]]`, their vocabulary and capabilities.
    ///
    /// # Errors
    /// [`hris_sync_core::ErrorKind::InvalidConfig`] naming the offending key or table.
    pub fn policy(&self, file: &ConfigFile) -> Result<Policy> {
        let mut claimed = self.source.sections();
        claimed.extend(self.directory.sections());
        file.check_sections(&claimed)?;
        file.validate(&self.source.traits(), &self.directory.traits_for(file)?)
    }

    /// Every credential variable that is unset or empty, by name: the source's, then the
    /// directory's.
    #[must_use]
    pub fn missing_credentials(&self) -> Vec<&'static str> {
        let mut missing = self.source.missing_credentials();
        missing.extend(self.directory.missing_credentials());
        missing
    }

    /// The HR source of `file`, counting requests in `stats`.
    ///
    /// # Errors
    /// A bad section or credential.
    pub fn source(&self, file: &ConfigFile, stats: RequestStats) -> Result<Box<dyn HrSource>> {
        self.source.build(file, stats)
    }

    /// The directory of `file` for `policy`, counting requests in `stats`.
    ///
    /// # Errors
    /// A bad section or credential.
    pub fn directory(
        &self,
        file: &ConfigFile,
        policy: &Policy,
        stats: RequestStats,
    ) -> Result<Box<dyn Directory>> {
        self.directory.build(file, policy, stats)
    }
}

/// The policy of `file` for the connectors it names.
///
/// # Errors
/// [`hris_sync_core::ErrorKind::InvalidConfig`] naming the offending key or table.
pub fn policy(file: &ConfigFile) -> Result<Policy> {
    choose(file)?.policy(file)
}

/// The policy of a configuration text for the connectors it names.
///
/// # Errors
/// [`hris_sync_core::ErrorKind::InvalidConfig`] naming the offending key or table.
pub fn policy_from_toml(text: &str) -> Result<Policy> {
    policy(&ConfigFile::from_toml(text)?)
}

/// Personio's credential variables that are unset or empty, by name (for `--webhooks`).
#[must_use]
pub fn missing_personio_credentials() -> Vec<&'static str> {
    connector_personio::CONNECTOR.missing_credentials()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> String {
        policy_from_toml(text).unwrap_err().message().to_owned()
    }

    // A connector's section may extend its vocabulary (traits_for): SCIM's custom attributes.
    #[cfg(feature = "scim")]
    #[test]
    fn a_scim_section_declares_custom_attributes_to_the_policy() {
        let badge = "urn:ietf:params:scim:schemas:extension:acme:2.0:User:badge";
        let mapping = format!(
            "[directory]\nkind = \"scim\"\n[upn]\ndomain = \"demo.com\"\n[[mapping]]\nsource = \"position\"\ntarget = \"{badge}\"\n"
        );
        let msg = error(&mapping);
        assert!(msg.contains("unknown SCIM User attribute"), "{msg}");
        let declared = format!("{mapping}[scim]\nattributes = [\"{badge}\"]\n");
        let policy = policy_from_toml(&declared).unwrap();
        assert_eq!(policy.mappings.len(), 1);
        let msg = error(&format!("{mapping}[scim]\nattributes = [\"not a path\"]\n"));
        assert!(msg.starts_with("scim: attributes:"), "{msg}");
    }

    #[cfg(feature = "entra")]
    #[test]
    fn kinds_and_sections_are_checked() {
        let base = "[upn]\ndomain = \"demo.com\"\n";
        assert!(policy_from_toml(base).is_ok());
        let msg = error(&format!("{base}[directory]\nkind = \"ldap\"\n"));
        assert!(
            msg.starts_with("directory.kind: unknown directory \"ldap\""),
            "{msg}"
        );
        let msg = error(&format!("{base}[source]\nkind = \"workday\"\n"));
        assert!(msg.starts_with("source.kind:"), "{msg}");
        let msg = error(&format!("{base}[lifecycel]\ntimezone = \"UTC\"\n"));
        assert!(msg.starts_with("[lifecycel]: unknown table"), "{msg}");
        // A section of a connector not in use is a mistake too.
        let msg = error(&format!("{base}[active_directory]\nurl = \"ldaps://dc\"\n"));
        assert!(
            msg.starts_with("[active_directory]: unknown table"),
            "{msg}"
        );
    }

    #[cfg(feature = "entra")]
    #[test]
    fn each_connector_names_its_side_of_a_mapping() {
        let base = "[upn]\ndomain = \"demo.com\"\n";
        let entra = format!("{base}[[mapping]]\npersonio = \"position\"\nentra = \"jobTitle\"\n");
        assert_eq!(policy_from_toml(&entra).unwrap().mappings.len(), 1);
        let generic = format!("{base}[[mapping]]\nsource = \"position\"\ntarget = \"jobTitle\"\n");
        assert_eq!(policy_from_toml(&generic).unwrap().mappings.len(), 1);
        let msg = error(&format!(
            "{base}[[mapping]]\npersonio = \"position\"\nad = \"title\"\n"
        ));
        assert!(msg.starts_with("mapping[0].ad: unknown key"), "{msg}");
        assert!(msg.contains("the directory is entra"), "{msg}");
    }

    #[cfg(feature = "active_directory")]
    #[test]
    fn active_directory_is_chosen_by_kind() {
        let text = "[directory]\nkind = \"active_directory\"\n[upn]\ndomain = \"corp.example\"\n\
                    [[mapping]]\npersonio = \"position\"\nad = \"title\"\n\
                    [lifecycle]\nrevoke_sessions = true\n";
        let msg = error(text);
        assert!(msg.starts_with("lifecycle.revoke_sessions:"), "{msg}");
        let ok = text.replace("revoke_sessions = true", "");
        let p = policy_from_toml(&ok).unwrap();
        assert_eq!(p.directory.kind, "active_directory");
        assert!(!p.lifecycle.revoke_sessions);
    }
}
