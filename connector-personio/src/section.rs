//! `[personio]`: this connector's section of the configuration file, parsed here, and what
//! it declares to the policy.

use hris_sync_core::policy::{ConfigFile, SourceTraits};
use hris_sync_core::{Error, Result};
use serde::Deserialize;

use crate::{Api, PersonioBuilder};

/// The section's name in the configuration file.
pub const SECTION: &str = "personio";

/// `[personio]`. An unknown key is refused.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonioSection {
    /// Sent as `X-Personio-App-ID` (UPPER_SNAKE_CASE).
    pub app_id: Option<String>,
    /// Sent as `X-Personio-Partner-ID` (UPPER_SNAKE_CASE).
    pub partner_id: Option<String>,
    /// Which API to read: `"v1"` (default) or `"v2"` (persons and employments).
    pub api: Option<String>,
    /// The company whose webhook notifications are acted on (their `company_id`, "required
    /// for tenant identification"); required when the webhook receiver is on.
    pub company_id: Option<String>,
}

impl PersonioSection {
    /// The `[personio]` table of `file` (empty when it has none).
    ///
    /// # Errors
    /// [`hris_sync_core::ErrorKind::InvalidConfig`] naming an unknown key or a value of the
    /// wrong type.
    pub fn from_file(file: &ConfigFile) -> Result<Self> {
        file.section(SECTION)
    }

    /// The API it names.
    ///
    /// # Errors
    /// [`hris_sync_core::ErrorKind::InvalidConfig`] naming `personio.api`.
    pub fn api(&self) -> Result<Api> {
        match self.api.as_deref().map(str::trim) {
            None | Some("v1") => Ok(Api::V1),
            Some("v2") => Ok(Api::V2),
            Some(other) => Err(Error::config(format!(
                "personio.api: {other:?} is not an API; use \"v1\" or \"v2\""
            ))),
        }
    }
}

/// What Personio declares to the policy: kind `personio`, whose name may stand for `source`
/// in `[[mapping]]`.
#[must_use]
pub fn traits() -> SourceTraits {
    SourceTraits::new(SECTION).alias(SECTION)
}

impl PersonioBuilder {
    /// The settings of a `[personio]` section: the API, the app id and the partner id.
    ///
    /// # Errors
    /// [`hris_sync_core::ErrorKind::InvalidConfig`] naming `personio.api`.
    pub fn section(self, section: &PersonioSection) -> Result<Self> {
        let mut b = self.api(section.api()?);
        if let Some(a) = section.app_id.as_deref() {
            b = b.app_id(a);
        }
        if let Some(p) = section.partner_id.as_deref() {
            b = b.partner_id(p);
        }
        Ok(b)
    }

    /// The `[personio]` table of `file`, read and applied ([`PersonioBuilder::section`]).
    ///
    /// # Errors
    /// [`hris_sync_core::ErrorKind::InvalidConfig`] naming the offending key.
    pub fn config(self, file: &ConfigFile) -> Result<Self> {
        self.section(&PersonioSection::from_file(file)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_checked_and_named() {
        let file = |t: &str| ConfigFile::from_toml(t).unwrap();
        let err = PersonioSection::from_file(&file("[personio]\napp_ID = \"X\"\n")).unwrap_err();
        assert!(err.message().starts_with("personio:"), "{err}");
        assert!(err.message().contains("app_ID"), "{err}");
        let s = PersonioSection::from_file(&file("[personio]\napi = \"v3\"\n")).unwrap();
        assert!(s.api().unwrap_err().message().starts_with("personio.api:"));
        let s = PersonioSection::from_file(&file("[upn]\ndomain = \"d.com\"\n")).unwrap();
        assert_eq!(s.api().unwrap(), Api::V1);
    }
}
