//! The one place that maps the configuration to connectors: the HR source from `[personio]`,
//! the directory by `[directory] kind` (each connector reading its own section), the
//! credentials each needs from the environment, and the name its requests are counted under.
//! Each connector is a cargo feature of this package (`personio`, `entra`,
//! `active_directory`); a kind whose feature this build lacks is a configuration error that
//! says so.

use hris_sync_core::policy::{ConfigFile, DirectoryKind};
use hris_sync_core::{Directory, Error, HrSource, Policy, RequestStats, Result};

/// The Personio variables a real run needs (docs/rules.md §4).
pub const PERSONIO_CREDENTIALS: [&str; 2] = ["PERSONIO_CLIENT_ID", "PERSONIO_CLIENT_SECRET"];

/// The Active Directory bind account (`[directory] kind = "active_directory"`).
pub const AD_CREDENTIALS: [&str; 2] = ["AD_BIND_DN", "AD_BIND_PASSWORD"];

fn unset(name: &&str) -> bool {
    std::env::var(name).map_or(true, |v| v.trim().is_empty())
}

#[cfg(not(all(feature = "entra", feature = "active_directory")))]
fn not_built(kind: &str, feature: &str) -> Error {
    Error::config(format!(
        "[directory] kind = {kind:?}: this build of hris-sync has no such connector (build it \
         with the feature `{feature}`)"
    ))
}

/// Personio's credential variables that are unset or empty, by name.
#[must_use]
pub fn missing_personio_credentials() -> Vec<&'static str> {
    PERSONIO_CREDENTIALS.into_iter().filter(unset).collect()
}

/// Every credential variable that is unset or empty, by name: Personio's, then the
/// directory's: for Entra those of the credential the environment configures (a client
/// secret's when it configures none), for Active Directory the bind account's.
#[must_use]
pub fn missing_credentials(directory: DirectoryKind) -> Vec<&'static str> {
    let mut missing = missing_personio_credentials();
    match directory {
        DirectoryKind::ActiveDirectory => missing.extend(AD_CREDENTIALS.into_iter().filter(unset)),
        #[cfg(feature = "entra")]
        _ => missing.extend(connector_azuread::EnvCredential::detect().missing()),
        #[cfg(not(feature = "entra"))]
        _ => {}
    }
    missing
}

/// The name the directory's requests are counted under in `/metrics`.
#[must_use]
pub fn service_name(directory: DirectoryKind) -> &'static str {
    match directory {
        DirectoryKind::ActiveDirectory => "active_directory",
        _ => "graph",
    }
}

/// The HR source of `file`, from the environment, counting requests in `stats`.
///
/// # Errors
/// A bad `[personio]` setting or credential format.
pub fn source(file: &ConfigFile, stats: RequestStats) -> Result<Box<dyn HrSource>> {
    let builder = connector_personio::PersonioSource::from_env().request_stats(stats);
    Ok(Box::new(source_for(builder, &file.personio)?))
}

/// The directory `policy` names, from the environment and its section of `file`, counting
/// requests in `stats`.
///
/// # Errors
/// A bad section, or a kind this build has no connector for.
pub fn directory(
    file: &ConfigFile,
    policy: &Policy,
    stats: RequestStats,
) -> Result<Box<dyn Directory>> {
    match policy.directory {
        #[cfg(feature = "active_directory")]
        DirectoryKind::ActiveDirectory => Ok(Box::new(
            connector_activedirectory::AdBuilder::from_env()
                .section(&file.active_directory)?
                .policy(policy)
                .request_stats(stats)
                .build()?,
        )),
        #[cfg(not(feature = "active_directory"))]
        DirectoryKind::ActiveDirectory => {
            let _ = (file, stats);
            Err(not_built("active_directory", "active_directory"))
        }
        #[cfg(feature = "entra")]
        _ => Ok(Box::new(directory_for(
            connector_azuread::EntraDirectory::from_env().request_stats(stats),
            policy,
        )?)),
        #[cfg(not(feature = "entra"))]
        _ => Err(not_built("entra", "entra")),
    }
}

/// A Graph directory that reads what `policy` manages.
///
/// # Errors
/// When the builder's settings are invalid.
#[cfg(feature = "entra")]
pub fn directory_for(
    builder: connector_azuread::GraphBuilder,
    policy: &Policy,
) -> Result<connector_azuread::EntraDirectory> {
    builder.policy(policy).build()
}

/// A Personio source configured from `policy`'s `[personio]` settings.
///
/// # Errors
/// When the builder's settings are invalid.
pub fn source_for(
    builder: connector_personio::PersonioBuilder,
    section: &hris_sync_core::policy::PersonioSection,
) -> Result<connector_personio::PersonioSource> {
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
