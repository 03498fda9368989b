//! [`CONNECTOR`]: the factory a host lists in its registry (`[directory] kind = "scim"`).

use hris_sync_core::connector::{Credentials, DirectoryFactory};
use hris_sync_core::policy::{ConfigFile, DirectoryTraits};
use hris_sync_core::{Directory, Policy, RequestStats, Result};

use crate::{SECTION, ScimBuilder};

/// The credentials' variables: a bearer token, or the client secret of the
/// client-credentials grant.
pub const CREDENTIALS: [&str; 2] = ["SCIM_TOKEN", "SCIM_CLIENT_SECRET"];

/// A SCIM service provider for a host's registry: the credentials from the environment
/// ([`ScimBuilder::from_env`]), the settings from `[scim]` (whose custom attributes extend
/// the vocabulary), the attributes compared and the accepted domain from the policy.
pub static CONNECTOR: DirectoryFactory = DirectoryFactory::new(SECTION, crate::traits, build)
    .traits_from_file(traits_for)
    .check_credentials(Credentials::Check(missing_credentials));

/// The standard vocabulary and the custom attributes `[scim] attributes` declares.
fn traits_for(file: &ConfigFile) -> Result<DirectoryTraits> {
    let section = crate::ScimSection::from_file(file)?;
    let extra = section
        .attributes
        .unwrap_or_default()
        .iter()
        .map(|n| crate::vocabulary::custom(n))
        .collect::<std::result::Result<Vec<_>, String>>()
        .map_err(|e| hris_sync_core::Error::config(format!("scim: attributes: {e}")))?;
    Ok(crate::vocabulary::traits_with(&extra))
}

/// `SCIM_TOKEN`, unless `SCIM_CLIENT_SECRET` stands in for it.
fn missing_credentials() -> Vec<&'static str> {
    let set = |v: &str| std::env::var_os(v).is_some_and(|s| !s.is_empty());
    if CREDENTIALS.iter().any(|v| set(v)) {
        Vec::new()
    } else {
        vec![CREDENTIALS[0]]
    }
}

fn build(file: &ConfigFile, policy: &Policy, stats: RequestStats) -> Result<Box<dyn Directory>> {
    let configured = ScimBuilder::from_env().config(file)?.policy(policy);
    Ok(Box::new(configured.request_stats(stats).build()?))
}
