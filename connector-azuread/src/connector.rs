//! [`EntraConnector`]: the factory a host lists in its registry (`[directory] kind =
//! "entra"`).

use hris_sync_core::connector::DirectoryConnector;
use hris_sync_core::policy::{ConfigFile, DirectoryTraits};
use hris_sync_core::{Directory, Policy, RequestStats, Result};

use crate::{EntraDirectory, EnvCredential, SECTION};

/// Entra as a [`DirectoryConnector`]: the credential from the environment
/// ([`EnvCredential`]), the settings from `[entra]`, the properties read from the policy.
#[derive(Clone, Copy, Debug, Default)]
pub struct EntraConnector;

impl DirectoryConnector for EntraConnector {
    fn kind(&self) -> &'static str {
        SECTION
    }

    fn traits(&self) -> DirectoryTraits {
        crate::traits()
    }

    /// Those of the credential the environment configures (a client secret's when it
    /// configures none).
    fn missing_credentials(&self) -> Vec<&'static str> {
        EnvCredential::detect().missing()
    }

    fn service(&self) -> &'static str {
        "graph"
    }

    fn build(
        &self,
        file: &ConfigFile,
        policy: &Policy,
        stats: RequestStats,
    ) -> Result<Box<dyn Directory>> {
        let directory = EntraDirectory::from_env()
            .request_stats(stats)
            .config(file)?
            .policy(policy)
            .build()?;
        Ok(Box::new(directory))
    }
}
