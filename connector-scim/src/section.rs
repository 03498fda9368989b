//! `[scim]`: this connector's section of the configuration file, parsed here.

use hris_sync_core::policy::ConfigFile;
use hris_sync_core::{Error, Result};
use serde::Deserialize;

use crate::ScimBuilder;

/// The section's name in the configuration file, and the connector's `[directory] kind`.
pub const SECTION: &str = "scim";

/// `[scim]`: where the service provider is and how the connector talks to it. Every key is
/// checked by [`ScimBuilder::section`], which names the key in its errors; an unknown key is
/// refused.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScimSection {
    /// The SCIM base URL (`https://api.example.com/scim/v2`); `/Users` and `/Groups` are
    /// appended.
    pub base_url: Option<String>,
    /// The domains the application accepts in a `userName` (default: the `[upn]` domain).
    pub domains: Option<Vec<String>>,
    /// The provider's quirks: `"rfc"` (default) or `"github"` (see [`crate::Profile`]).
    pub profile: Option<String>,
    /// Users per page asked for (default 100; the provider's `filter.maxResults` caps it).
    pub page_size: Option<u32>,
    /// Writes in flight at once (default 4).
    pub concurrency: Option<usize>,
    /// Custom attributes a `[[mapping]]` may target: an extension's by its full path
    /// (`urn:…:User:badge`), or a core attribute the standard vocabulary lacks.
    pub attributes: Option<Vec<String>>,
    /// Send the generated one-time password in a create (default false).
    pub send_password: Option<bool>,
    /// The OAuth 2.0 token endpoint, for the client-credentials grant with
    /// `SCIM_CLIENT_SECRET` (instead of `SCIM_TOKEN`).
    pub token_url: Option<String>,
    /// The OAuth 2.0 client id.
    pub client_id: Option<String>,
    /// The OAuth 2.0 scope, if the provider wants one.
    pub scope: Option<String>,
}

impl ScimSection {
    /// The `[scim]` table of `file` (empty when it has none).
    ///
    /// # Errors
    /// [`hris_sync_core::ErrorKind::InvalidConfig`] naming an unknown key or a value of the
    /// wrong type.
    pub fn from_file(file: &ConfigFile) -> Result<Self> {
        file.section(SECTION)
    }
}

impl ScimBuilder {
    /// The `[scim]` table of `file`, read and applied ([`ScimBuilder::section`]).
    ///
    /// # Errors
    /// [`hris_sync_core::ErrorKind::InvalidConfig`] naming the key whose value is unusable.
    pub fn config(self, file: &ConfigFile) -> Result<Self> {
        self.section(&ScimSection::from_file(file)?)
    }

    /// Apply a `[scim]` section: each key it sets replaces the builder's value.
    ///
    /// # Errors
    /// [`hris_sync_core::ErrorKind::InvalidConfig`] for an unknown profile.
    pub fn section(mut self, s: &ScimSection) -> Result<Self> {
        if let Some(url) = &s.base_url {
            self = self.base_url(url.clone());
        }
        if let Some(domains) = &s.domains {
            self = self.domains(domains.iter().cloned());
        }
        if let Some(profile) = &s.profile {
            self = self.profile(
                profile
                    .parse()
                    .map_err(|e: String| Error::config(format!("scim: profile: {e}")))?,
            );
        }
        if let Some(n) = s.page_size {
            self = self.page_size(n);
        }
        if let Some(n) = s.concurrency {
            self = self.concurrency(n);
        }
        if let Some(names) = &s.attributes {
            self = self.attributes(names.iter().cloned());
        }
        if let Some(on) = s.send_password {
            self = self.send_password(on);
        }
        if s.token_url.is_some() || s.client_id.is_some() {
            self = self.client_credentials(
                s.token_url.clone().unwrap_or_default(),
                s.client_id.clone().unwrap_or_default(),
                s.scope.clone(),
            );
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_and_profiles_are_named() {
        let file = ConfigFile::from_toml("[scim]\nbase_uri = \"https://x\"\n").unwrap();
        let err = ScimSection::from_file(&file).unwrap_err();
        assert!(err.message().starts_with("scim:"), "{err}");
        assert!(err.message().contains("base_uri"), "{err}");
        let file = ConfigFile::from_toml("[scim]\nprofile = \"okta\"\n").unwrap();
        let err = ScimBuilder::default().config(&file).unwrap_err();
        assert!(err.message().contains("scim: profile"), "{err}");
    }
}
