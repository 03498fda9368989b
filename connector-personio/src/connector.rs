//! [`CONNECTOR`]: the factory a host lists in its registry (`[source] kind = "personio"`).

use hris_sync_core::connector::SourceFactory;
use hris_sync_core::policy::ConfigFile;
use hris_sync_core::{HrSource, RequestStats, Result};

use crate::{PersonioSource, SECTION};

/// The variables a real run needs.
pub const CREDENTIALS: [&str; 2] = ["PERSONIO_CLIENT_ID", "PERSONIO_CLIENT_SECRET"];

/// Personio for a host's registry: the credentials from the environment
/// ([`PersonioSource::from_env`]), the settings from `[personio]`.
pub static CONNECTOR: SourceFactory =
    SourceFactory::new(SECTION, crate::traits, build).credentials(&CREDENTIALS);

fn build(file: &ConfigFile, stats: RequestStats) -> Result<Box<dyn HrSource>> {
    let configured = PersonioSource::from_env()
        .request_stats(stats)
        .config(file)?;
    Ok(Box::new(configured.build()?))
}
