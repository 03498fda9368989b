//! The smallest host service that embeds hris-sync, on its own terms:
//!
//! - time is `chrono` (`Utc::now()` is the host's clock; the engine takes `now` as a parameter);
//! - the state lives in the host's own async store (here a stand-in for a database table);
//! - new hires' credentials go to an async closure (here a stand-in for a vault);
//! - the directory is built from the policy, so it reads what the planner compares;
//! - the cycle runs as a spawned task on the host's multi-thread runtime.
//!
//! With `PERSONIO_CLIENT_ID`/`AZURE_CLIENT_ID` (and the rest of the README's variables) set, it
//! plans against the real services (a dry run: nothing is written). Without them it runs against
//! the bundled simulators, so `cargo run --example embed` works anywhere.

use hris_sync_cli::demo::Connect as _;
use std::sync::Arc;

use hris_sync_cli::demo;
use hris_sync_core::chrono::{DateTime, Utc};
use hris_sync_core::engine::{StateStore, SyncOptions, SyncState, Syncer};
use hris_sync_core::{Credential, Result, async_trait};
use tokio::sync::RwLock;

/// The host's state table: one JSON document per tenant, with when it was written.
#[derive(Debug, Default)]
struct HostStateTable {
    row: RwLock<Option<(DateTime<Utc>, String)>>,
}

#[async_trait]
impl StateStore for HostStateTable {
    async fn load(&self) -> Result<Option<SyncState>> {
        let row = self.row.read().await;
        row.as_ref()
            .map(|(_, json)| {
                serde_json::from_str(json).map_err(|e| {
                    hris_sync_core::Error::new(
                        hris_sync_core::ErrorKind::InvalidData,
                        format!("state row: {e}"),
                    )
                })
            })
            .transpose()
    }

    async fn save(&self, state: &SyncState) -> Result<()> {
        let json = serde_json::to_string(state).map_err(|e| {
            hris_sync_core::Error::new(hris_sync_core::ErrorKind::Other, e.to_string())
        })?;
        #[allow(clippy::disallowed_methods)] // the host stamps its own rows
        let written = Utc::now();
        *self.row.write().await = Some((written, json));
        Ok(())
    }
}

#[tokio::main]
async fn main() -> std::result::Result<(), Box<dyn std::error::Error>> {
    #[allow(clippy::disallowed_methods)] // a host service decides what "now" is
    let now: DateTime<Utc> = Utc::now();
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
            connector_azuread::EntraDirectory::from_env()
                .policy(&policy)
                .build()?,
        )
    } else {
        let d = demo::start(now).await?;
        let built = (
            d.personio.connect().build()?,
            d.graph.connect().policy(&policy).build()?,
        );
        sims = d;
        let _ = &sims;
        built
    };
    let store = Arc::new(HostStateTable::default());
    let vault = |credential: Credential| async move {
        // A real host would write `credential.secret.expose()` to its vault here.
        tracing::debug!(upn = %credential.upn, kind = credential.secret.kind(), "credential stored");
        Ok(())
    };
    let mut syncer = Syncer::new(
        Box::new(source),
        Box::new(directory),
        policy,
        Box::new(Arc::clone(&store)),
    )
    .with_credential_sink(Arc::new(vault));
    let options = SyncOptions::dry_run().apply(!real);
    let result = tokio::spawn(async move { syncer.run_cycle(now, &options).await }).await??;
    let saved_at = store.row.read().await.as_ref().map(|(at, _)| *at);
    #[allow(clippy::print_stdout)]
    {
        println!("{}", serde_json::to_string_pretty(&result.report.summary)?);
        if let Some(at) = saved_at {
            println!("state saved at {}", hris_sync_core::time::rfc3339(&at));
        }
    }
    Ok(())
}
