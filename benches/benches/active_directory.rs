//! A first run into on-premises Active Directory (docs/rules.md §9): 2,000 employees from the
//! Personio simulator into a real Samba AD domain controller on loopback, through the real
//! connector and engine.
//!
//! `cargo bench -p hris-sync-benches --bench active_directory` provisions a throw-away domain
//! (it needs root and the packages `samba`, `samba-ad-dc` and `openssl`; without them it says
//! so and exits 0), runs one full cycle with `--apply` semantics, then a second one that has
//! nothing to do, and prints one line per cycle:
//! `active_directory: employees=2000 created=N requests=R requests_per_employee=X wall=Ys`.
//! LDAP has no published quota, so nothing is paced; `busy` would be retried with back-off.
//! `AD_EMPLOYEES` changes the company's size, `AD_CONCURRENCY` the writes in flight (4).

use hris_sync_cli::demo::Connect as _;
use std::time::Instant;

use connector_activedirectory::samba::{DOMAIN, SambaDc};
use hris_sync_benches::{employees, now};
use hris_sync_core::engine::{MemoryStateStore, SyncOptions, Syncer};
use hris_sync_core::{Policy, RequestStats};
use hris_sync_sims::personio::{PersonioSim, SimConfig as PersonioConfig};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default)
}

fn policy() -> Result<Policy, hris_sync_core::Error> {
    Policy::from_toml(&format!(
        r#"
        [directory]
        kind = "active_directory"
        [upn]
        domain = "{DOMAIN}"
        [lifecycle]
        timezone = "Europe/Berlin"
        [[mapping]]
        personio = "department"
        ad = "department"
        [[mapping]]
        personio = "position"
        ad = "title"
        [[mapping]]
        personio = "supervisor"
        ad = "manager"
        "#
    ))
}

#[allow(clippy::print_stdout)]
async fn run(dc: &SambaDc, n: usize) -> Result<(), Box<dyn std::error::Error>> {
    let personio = PersonioSim::start(PersonioConfig::default()).await?;
    personio.seed(employees(n));
    let policy = policy()?;
    let stats = RequestStats::new();
    let directory = dc
        .builder()
        .policy(&policy)
        .request_stats(stats.clone())
        .concurrency(env("AD_CONCURRENCY", 4))
        .build()?;
    let mut syncer = Syncer::new(
        Box::new(personio.connect().build()?),
        Box::new(directory),
        policy,
        Box::new(MemoryStateStore::default()),
    );
    let options = SyncOptions::dry_run().apply(true);
    for cycle in ["first_run", "second_run"] {
        let before = stats.counts().requests;
        let started = Instant::now();
        let result = syncer.run_cycle(now(), &options).await?;
        let wall = started.elapsed();
        let requests = stats.counts().requests - before;
        let s = &result.report.summary;
        #[allow(clippy::cast_precision_loss)]
        let per = requests as f64 / n as f64;
        println!(
            "active_directory: cycle={cycle} employees={n} created={} updated={} failed={} requests={requests} requests_per_employee={per:.2} wall={:.1}s plan={:.0}ms",
            s.created,
            s.updated,
            s.failed,
            wall.as_secs_f64(),
            result.timings.plan.as_secs_f64() * 1000.0,
        );
    }
    Ok(())
}

fn main() -> std::process::ExitCode {
    if let Some(why) = SambaDc::unavailable() {
        eprintln!("active_directory bench skipped: {why}");
        return std::process::ExitCode::SUCCESS;
    }
    let dc = match SambaDc::start() {
        Ok(dc) => dc,
        Err(e) => {
            eprintln!("Samba AD DC: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    eprintln!("against {}", dc.version());
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(&dc, env("AD_EMPLOYEES", 2000))) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("active_directory: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
