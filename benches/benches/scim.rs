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

use connector_scim::scim2_server::Scim2Server;
use hris_sync_benches::{block_on, env_count, first_and_second_run, policy_for, with_server};
use hris_sync_core::RequestStats;

async fn run(server: &Scim2Server, n: usize) -> hris_sync_benches::BenchResult {
    let policy = policy_for(&connector_scim::traits(), "demo.com", "title")?;
    let stats = RequestStats::new();
    let page = u32::try_from(env_count("SCIM_PAGE_SIZE", 100)).unwrap_or(100);
    let directory = server
        .builder("bench")
        .policy(&policy)
        .domains(["demo.com"])
        .request_stats(stats.clone())
        .concurrency(env_count("SCIM_CONCURRENCY", 4))
        .page_size(page)
        .build()?;
    first_and_second_run("scim", n, policy, Box::new(directory), &stats).await
}

fn main() -> std::process::ExitCode {
    let start = || Scim2Server::start(None);
    with_server("scim", Scim2Server::unavailable(), start, |server| {
        block_on("scim", run(server, env_count("SCIM_EMPLOYEES", 2000)))
    })
}
