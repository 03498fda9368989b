//! `[entra]`: this connector's section of the configuration file, parsed here, and what the
//! connector declares to the policy: Graph's property names and Entra's capabilities.

use hris_sync_core::policy::{Capabilities, ConfigFile, DirectoryTraits};
use hris_sync_core::{Error, Result};
use serde::Deserialize;

use crate::GraphBuilder;

/// The section's name in the configuration file, and the directory's `[directory] kind`.
pub const SECTION: &str = "entra";

/// `[entra]`. An unknown key is refused.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntraSection {
    /// `usageLocation` of new accounts (two-letter country code), unless a mapping sets it.
    pub usage_location: Option<String>,
}

impl EntraSection {
    /// The `[entra]` table of `file` (empty when it has none).
    ///
    /// # Errors
    /// [`hris_sync_core::ErrorKind::InvalidConfig`] naming an unknown key or a value of the
    /// wrong type.
    pub fn from_file(file: &ConfigFile) -> Result<Self> {
        file.section(SECTION)
    }

    /// The usage location, upper-cased, when one is set.
    ///
    /// # Errors
    /// [`hris_sync_core::ErrorKind::InvalidConfig`] naming `entra.usage_location` when it is
    /// not a two-letter code.
    pub fn usage_location(&self) -> Result<Option<String>> {
        match self.usage_location.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(c) if c.len() == 2 && c.chars().all(|c| c.is_ascii_alphabetic()) => {
                Ok(Some(c.to_ascii_uppercase()))
            }
            Some(c) => Err(Error::config(format!(
                "entra.usage_location: {c:?} is not a two-letter country code"
            ))),
        }
    }
}

/// What Entra declares to the policy: kind `entra` (which may also name the directory's side
/// of `[[mapping]]` and `[[group]]`), groups by object id, and every capability: sign-in
/// sessions are revoked on disable (by default), the leave date is `employeeLeaveDateTime`,
/// Temporary Access Passes live 10 minutes to 30 days (Graph's `lifetimeInMinutes`).
#[must_use]
pub fn traits() -> DirectoryTraits {
    DirectoryTraits::new(
        SECTION,
        Capabilities::all(crate::properties::EMPLOYEE_LEAVE_DATE_TIME),
        crate::properties::vocabulary().clone(),
    )
    .alias(SECTION)
    .group_id("object id")
}

impl GraphBuilder {
    /// The settings of an `[entra]` section.
    ///
    /// # Errors
    /// [`hris_sync_core::ErrorKind::InvalidConfig`] naming the key whose value is unusable.
    pub fn section(self, section: &EntraSection) -> Result<Self> {
        Ok(match section.usage_location()? {
            Some(code) => self.usage_location(code),
            None => self,
        })
    }

    /// The `[entra]` table of `file`, read and applied ([`GraphBuilder::section`]).
    ///
    /// # Errors
    /// [`hris_sync_core::ErrorKind::InvalidConfig`] naming the offending key.
    pub fn config(self, file: &ConfigFile) -> Result<Self> {
        self.section(&EntraSection::from_file(file)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_checked_and_named() {
        let file = |t: &str| ConfigFile::from_toml(t).unwrap();
        let err = EntraSection::from_file(&file("[entra]\nusage = \"DE\"\n")).unwrap_err();
        assert!(err.message().starts_with("entra:"), "{err}");
        assert!(err.message().contains("usage"), "{err}");
        let s = EntraSection::from_file(&file("[entra]\nusage_location = \"DEU\"\n")).unwrap();
        let err = s.usage_location().unwrap_err();
        assert!(err.message().starts_with("entra.usage_location:"), "{err}");
        let s = EntraSection::from_file(&file("[entra]\nusage_location = \"de\"\n")).unwrap();
        assert_eq!(s.usage_location().unwrap().as_deref(), Some("DE"));
    }
}
