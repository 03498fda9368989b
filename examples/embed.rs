//! The smallest host service that embeds hris-sync: build both connectors, run one cycle,
//! print the summary.
//!
//! With `PERSONIO_CLIENT_ID`/`AZURE_CLIENT_ID` (and the rest of DESIGN §4's variables) set, it
//! plans against the real services (a dry run: nothing is written). Without them it runs against
//! the bundled simulators, so `cargo run --example embed` works anywhere.

use hris_sync_core::chrono::Utc;
use hris_sync_core::engine::{MemoryStateStore, SyncOptions, Syncer};
use hris_sync_examples::demo;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    #[allow(clippy::disallowed_methods)] // a host service decides what "now" is
    let now = Utc::now();
    let policy = demo::policy()?;
    let real =
        std::env::var("PERSONIO_CLIENT_ID").is_ok() && std::env::var("AZURE_CLIENT_ID").is_ok();
    // Keep the simulators alive for the whole run when they are used.
    let sims;
    let (source, directory) = if real {
        (
            connector_personio::PersonioSource::from_env()
                .app_id("ACME_HRIS_SYNC")
                .build()?,
            demo::directory_for(connector_azuread::EntraDirectory::from_env(), &policy)?,
        )
    } else {
        let d = demo::start(now).await?;
        let built = (
            d.personio.source().build()?,
            demo::directory_for(d.graph.directory(), &policy)?,
        );
        sims = d;
        let _ = &sims;
        built
    };
    let mut syncer = Syncer::new(
        Box::new(source),
        Box::new(directory),
        policy,
        Box::new(MemoryStateStore::default()),
    );
    let result = syncer.run_cycle(now, &SyncOptions::default()).await?;
    #[allow(clippy::print_stdout)]
    {
        println!("{}", serde_json::to_string_pretty(&result.report.summary)?);
    }
    Ok(())
}
