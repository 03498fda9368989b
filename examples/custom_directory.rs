//! A directory of one's own, run by the real engine from a TOML file, with no line of
//! `hris-sync-core` written for it: the `jsonl` module of this package implements
//! `Directory` for a JSON-lines file of accounts, parses its own `[jsonl]` section, declares
//! its vocabulary and capabilities, and is listed in a host's registry beside the shipped
//! connectors.
//!
//! ```sh
//! cargo run -p hris-sync-examples --example custom_directory
//! ```
//!
//! It runs in a fresh temporary directory, with the HR side played by the Personio simulator
//! (the demo company), twice: the first run links and creates, the second finds nothing to do.

use hris_sync_cli::demo::Connect as _;
use std::sync::Arc;

use hris_sync_cli::demo;
use hris_sync_core::chrono::{DateTime, Utc};
use hris_sync_core::connector::{DirectoryConnector, SourceConnector};
use hris_sync_core::engine::{MemoryStateStore, SyncOptions, Syncer};
use hris_sync_core::policy::ConfigFile;
use hris_sync_core::{DiscardCredentials, Error, ErrorKind, RequestStats, Result};
use hris_sync_examples::jsonl::JsonlConnector;
use hris_sync_sims::personio::{PersonioSim, SimConfig};

/// The host's registry: one line per connector, the new one beside the shipped ones.
static SOURCES: &[&dyn SourceConnector] = &[&connector_personio::CONNECTOR];
static DIRECTORIES: &[&dyn DirectoryConnector] = &[&connector_azuread::CONNECTOR, &JsonlConnector];

#[allow(clippy::print_stdout)]
#[tokio::main]
async fn main() -> Result<()> {
    let other = |e: &dyn std::fmt::Display| Error::new(ErrorKind::Other, e.to_string());
    let work = std::env::temp_dir().join(format!("hris-sync-jsonl-{}", std::process::id()));
    std::fs::create_dir_all(&work).map_err(|e| other(&e))?;
    std::env::set_current_dir(&work).map_err(|e| other(&e))?;

    let file = ConfigFile::from_toml(include_str!("custom_directory.toml"))?;
    let kind = |k: &Option<String>, default: &str| k.clone().unwrap_or_else(|| default.to_owned());
    let (source_kind, directory_kind) = (
        kind(&file.source.kind, "personio"),
        kind(&file.directory.kind, "entra"),
    );
    let source = SOURCES.iter().find(|s| s.kind() == source_kind);
    let directory = DIRECTORIES.iter().find(|d| d.kind() == directory_kind);
    let (Some(source), Some(directory)) = (source, directory) else {
        return Err(Error::config("no such connector"));
    };
    let mut sections = source.sections();
    sections.extend(directory.sections());
    file.check_sections(&sections)?;
    let policy = file.validate(&source.traits(), &directory.traits_for(&file)?)?;

    // The HR side: the simulator, seeded with the demo company. A real run builds it with
    // `source.build(&file, stats)` from PERSONIO_CLIENT_ID and PERSONIO_CLIENT_SECRET.
    #[allow(clippy::disallowed_methods)]
    let now: DateTime<Utc> = Utc::now();
    let personio = PersonioSim::start(SimConfig::default())
        .await
        .map_err(|e| other(&e))?;
    personio.seed(demo::employees(now));
    let hr = personio.connect().config(&file)?.build()?;
    let accounts = directory.build(&file, &policy, RequestStats::new())?;

    let mut syncer = Syncer::new(
        Box::new(hr),
        accounts,
        policy,
        Box::new(MemoryStateStore::default()),
    )
    .with_credential_sink(Arc::new(DiscardCredentials));
    let options = SyncOptions::dry_run().apply(true);
    for run in ["first run", "second run"] {
        let result = syncer.run_cycle(now, &options).await?;
        println!(
            "{run}: {}",
            serde_json::to_string(&result.report.summary).map_err(|e| other(&e))?
        );
    }
    let text = std::fs::read_to_string("accounts.jsonl").map_err(|e| other(&e))?;
    println!(
        "{} accounts in {}; the first:",
        text.lines().count(),
        work.join("accounts.jsonl").display()
    );
    for line in text.lines().take(2) {
        println!("  {line}");
    }
    Ok(())
}
