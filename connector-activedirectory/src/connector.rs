//! [`AdConnector`]: the factory a host lists in its registry (`[directory] kind =
//! "active_directory"`).

use hris_sync_core::connector::{DirectoryConnector, unset_variables};
use hris_sync_core::policy::{ConfigFile, DirectoryTraits};
use hris_sync_core::{Directory, Policy, RequestStats, Result};

use crate::{AdBuilder, SECTION};

/// The bind account's variables.
pub const CREDENTIALS: [&str; 2] = ["AD_BIND_DN", "AD_BIND_PASSWORD"];

/// Active Directory as a [`DirectoryConnector`]: the bind account from the environment
/// ([`AdBuilder::from_env`]), the settings from `[active_directory]`, the attributes read
/// from the policy.
#[derive(Clone, Copy, Debug, Default)]
pub struct AdConnector;

impl DirectoryConnector for AdConnector {
    fn kind(&self) -> &'static str {
        SECTION
    }

    fn traits(&self) -> DirectoryTraits {
        crate::traits()
    }

    fn missing_credentials(&self) -> Vec<&'static str> {
        unset_variables(&CREDENTIALS)
    }

    fn build(
        &self,
        file: &ConfigFile,
        policy: &Policy,
        stats: RequestStats,
    ) -> Result<Box<dyn Directory>> {
        let directory = AdBuilder::from_env()
            .config(file)?
            .policy(policy)
            .request_stats(stats)
            .build()?;
        Ok(Box::new(directory))
    }
}
