//! A first run into a SCIM 2.0 application (docs/rules.md §12): 2,000 employees from the
//! Personio simulator into a real SCIM server (`scim2-server`) on loopback, through the real
//! connector and engine.
//!
//! `cargo bench -p hris-sync-benches --bench scim` starts the server (installed by `.ci/run`
//! into `target/scim-venv`, or named by `SCIM2_SERVER_BIN`; without it the bench says so and
//! exits 0), runs one full cycle with `--apply` semantics, then a second one that has nothing
//! to do, and prints one line per cycle:
//! `scim: cycle=… employees=2000 created=N requests=R requests_per_employee=X wall=Ys`.
//! SCIM has no published quota, so nothing is paced. `SCIM_EMPLOYEES` changes the company's
//! size, `SCIM_CONCURRENCY` the writes in flight (4), `SCIM_PAGE_SIZE` the page (100).

use hris_sync_cli::demo::Connect as _;
use std::time::Instant;

use connector_scim::scim2_server::Scim2Server;
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
    let file = hris_sync_core::policy::ConfigFile::from_toml(
        r#"
        [directory]
        kind = "scim"
        [upn]
        domain = "demo.com"
        [lifecycle]
        timezone = "Europe/Berlin"
        [[mapping]]
        source = "department"
        target = "department"
        [[mapping]]
        source = "position"
        target = "title"
        [[mapping]]
        source = "supervisor"
        target = "manager"
        "#,
    )?;
    file.validate(
        &hris_sync_core::policy::SourceTraits::new("personio"),
        &connector_scim::traits(),
    )
}

#[allow(clippy::print_stdout)]
async fn run(server: &Scim2Server, n: usize) -> Result<(), Box<dyn std::error::Error>> {
    let personio = PersonioSim::start(PersonioConfig::default()).await?;
    personio.seed(employees(n));
    let policy = policy()?;
    let stats = RequestStats::new();
    let page = u32::try_from(env("SCIM_PAGE_SIZE", 100)).unwrap_or(100);
    let directory = server
        .builder("bench")
        .policy(&policy)
        .domains(["demo.com"])
        .request_stats(stats.clone())
        .concurrency(env("SCIM_CONCURRENCY", 4))
        .page_size(page)
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
            "scim: cycle={cycle} employees={n} created={} updated={} failed={} requests={requests} requests_per_employee={per:.2} wall={:.1}s plan={:.0}ms",
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
    if let Some(why) = Scim2Server::unavailable() {
        eprintln!("scim bench skipped: {why}");
        return std::process::ExitCode::SUCCESS;
    }
    let server = match Scim2Server::start(None) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("scim2-server: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
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
    match runtime.block_on(run(&server, env("SCIM_EMPLOYEES", 2000))) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("scim: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
