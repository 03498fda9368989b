//! [`CONNECTOR`]: the factory a host lists in its registry (`[directory] kind =
//! "active_directory"`).

use hris_sync_core::connector::DirectoryFactory;
use hris_sync_core::policy::ConfigFile;
use hris_sync_core::{Directory, Policy, RequestStats, Result};

use crate::{AdBuilder, SECTION};

/// The bind account's variables.
pub const CREDENTIALS: [&str; 2] = ["AD_BIND_DN", "AD_BIND_PASSWORD"];

/// Active Directory for a host's registry: the bind account from the environment
/// ([`AdBuilder::from_env`]), the settings from `[active_directory]`, the attributes read
/// from the policy.
pub static CONNECTOR: DirectoryFactory =
    DirectoryFactory::new(SECTION, crate::traits, build).credentials(&CREDENTIALS);

fn build(file: &ConfigFile, policy: &Policy, stats: RequestStats) -> Result<Box<dyn Directory>> {
    let builder = AdBuilder::from_env().config(file)?.policy(policy);
    Ok(Box::new(builder.request_stats(stats).build()?))
}
