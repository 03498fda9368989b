//! Where the command builds its connectors from the configuration file: the Personio source
//! from `[personio]`, the Graph directory from the policy. (The Active Directory connector
//! reads its own `[active_directory]` section.)

use connector_azuread::EntraDirectory;
use connector_personio::PersonioSource;
use hris_sync_core::{Error, Policy, Result};

/// A Graph directory that reads what `policy` manages.
///
/// # Errors
/// When the builder's settings are invalid.
pub fn directory_for(
    builder: connector_azuread::GraphBuilder,
    policy: &Policy,
) -> Result<EntraDirectory> {
    builder.policy(policy).build()
}

/// A Personio source configured from `policy`'s `[personio]` settings.
///
/// # Errors
/// When the builder's settings are invalid.
pub fn source_for(
    builder: connector_personio::PersonioBuilder,
    section: &hris_sync_core::policy::PersonioSection,
) -> Result<PersonioSource> {
    let api = match section.api.as_deref().map(str::trim) {
        None | Some("v1") => connector_personio::Api::V1,
        Some("v2") => connector_personio::Api::V2,
        Some(other) => {
            return Err(Error::config(format!(
                "personio.api: {other:?} is not an API; use \"v1\" or \"v2\""
            )));
        }
    };
    let builder = builder.api(api);
    match section.app_id.as_deref() {
        Some(a) => builder.app_id(a).build(),
        None => builder.build(),
    }
}
