//! [`CONNECTOR`]: the factory a host lists in its registry (`[directory] kind = "entra"`).

use hris_sync_core::connector::{Credentials, DirectoryFactory};
use hris_sync_core::policy::ConfigFile;
use hris_sync_core::{Directory, Policy, RequestStats, Result};

use crate::{EntraDirectory, EnvCredential, SECTION};

/// Entra for a host's registry: the credential from the environment ([`EnvCredential`]: the
/// variables of the credential it configures, a client secret's when it configures none),
/// the settings from `[entra]`, the properties read from the policy; requests are counted
/// as `graph`.
pub static CONNECTOR: DirectoryFactory = DirectoryFactory::new(SECTION, crate::traits, build)
    .check_credentials(Credentials::Check(|| EnvCredential::detect().missing()))
    .service_name("graph");

fn build(file: &ConfigFile, policy: &Policy, stats: RequestStats) -> Result<Box<dyn Directory>> {
    let configured = EntraDirectory::from_env()
        .request_stats(stats)
        .config(file)?;
    Ok(Box::new(configured.policy(policy).build()?))
}
