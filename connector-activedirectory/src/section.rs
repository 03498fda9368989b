//! `[active_directory]`: this connector's section of the configuration file, parsed here.

use hris_sync_core::Result;
use hris_sync_core::policy::ConfigFile;
use serde::Deserialize;

use crate::AdBuilder;

/// The section's name in the configuration file.
pub const SECTION: &str = "active_directory";

/// `[active_directory]`: where and how the Active Directory connector writes. Every key is
/// checked by [`AdBuilder::section`], which names the key in its errors; an unknown key is
/// refused.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ActiveDirectorySection {
    /// `ldaps://host[:port]`, or `ldap://host[:port]` with StartTLS.
    pub url: Option<String>,
    /// With an `ldap://` URL: upgrade with StartTLS (default true). Plain LDAP is accepted
    /// only to a loopback address, and never carries a password.
    pub start_tls: Option<bool>,
    /// Where users are read (subtree), e.g. `OU=Staff,DC=corp,DC=example,DC=com`.
    pub base_dn: Option<String>,
    /// Where new accounts are created (an OU at or under `base_dn`).
    pub users_ou: Option<String>,
    /// Where disabled accounts are moved (optional; under `base_dn`). A rehire moves back to
    /// `users_ou`.
    pub disabled_ou: Option<String>,
    /// How `sAMAccountName` is made: `"upn"` (the UPN's local part, at most 20 characters;
    /// the default) or `"employee_id"` (`sam_prefix` followed by the employee id).
    pub sam_account_name: Option<String>,
    /// The prefix of `sam_account_name = "employee_id"` (default `"e"`).
    pub sam_prefix: Option<String>,
    /// A PEM file of the CA certificates the domain controller's certificate is checked
    /// against (default: the operating system's trust store).
    pub ca_file: Option<String>,
    /// The name the domain controller's certificate carries, when `url` names it otherwise
    /// (an IP address, a load balancer).
    pub tls_server_name: Option<String>,
    /// Entries per page of the paged search (default 500, at most 1000: AD's MaxPageSize).
    pub page_size: Option<u32>,
}

impl ActiveDirectorySection {
    /// The `[active_directory]` table of `file` (empty when it has none).
    ///
    /// # Errors
    /// [`hris_sync_core::ErrorKind::InvalidConfig`] naming an unknown key or a value of the
    /// wrong type.
    pub fn from_file(file: &ConfigFile) -> Result<Self> {
        file.section(SECTION)
    }
}

impl AdBuilder {
    /// The `[active_directory]` table of `file`, read and applied ([`AdBuilder::section`]).
    ///
    /// # Errors
    /// [`hris_sync_core::ErrorKind::InvalidConfig`] naming the key whose value is unusable.
    pub fn config(self, file: &ConfigFile) -> Result<Self> {
        self.section(&ActiveDirectorySection::from_file(file)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_are_named() {
        let file = ConfigFile::from_toml("[active_directory]\nuser_ou = \"OU=x\"\n").unwrap();
        let err = ActiveDirectorySection::from_file(&file).unwrap_err();
        assert!(err.message().starts_with("active_directory:"), "{err}");
        assert!(err.message().contains("user_ou"), "{err}");
        let file = ConfigFile::from_toml("[active_directory]\npage_size = \"many\"\n").unwrap();
        assert!(ActiveDirectorySection::from_file(&file).is_err());
    }
}
