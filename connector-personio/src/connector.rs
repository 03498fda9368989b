//! [`PersonioConnector`]: the factory a host lists in its registry (`[source] kind =
//! "personio"`).

use hris_sync_core::connector::{SourceConnector, unset_variables};
use hris_sync_core::policy::{ConfigFile, SourceTraits};
use hris_sync_core::{HrSource, RequestStats, Result};

use crate::{PersonioSource, SECTION};

/// The variables a real run needs.
pub const CREDENTIALS: [&str; 2] = ["PERSONIO_CLIENT_ID", "PERSONIO_CLIENT_SECRET"];

/// Personio as a [`SourceConnector`]: the credentials from the environment
/// ([`PersonioSource::from_env`]), the settings from `[personio]`.
#[derive(Clone, Copy, Debug, Default)]
pub struct PersonioConnector;

impl SourceConnector for PersonioConnector {
    fn kind(&self) -> &'static str {
        SECTION
    }

    fn traits(&self) -> SourceTraits {
        crate::traits()
    }

    fn missing_credentials(&self) -> Vec<&'static str> {
        unset_variables(&CREDENTIALS)
    }

    fn build(&self, file: &ConfigFile, stats: RequestStats) -> Result<Box<dyn HrSource>> {
        let source = PersonioSource::from_env()
            .request_stats(stats)
            .config(file)?
            .build()?;
        Ok(Box::new(source))
    }
}
