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

use connector_activedirectory::samba::{DOMAIN, SambaDc};
use hris_sync_benches::{block_on, env_count, first_and_second_run, policy_for, with_server};
use hris_sync_core::RequestStats;

async fn run(dc: &SambaDc, n: usize) -> hris_sync_benches::BenchResult {
    let policy = policy_for(&connector_activedirectory::traits(), DOMAIN, "title")?;
    let stats = RequestStats::new();
    let directory = dc
        .builder()
        .policy(&policy)
        .request_stats(stats.clone())
        .concurrency(env_count("AD_CONCURRENCY", 4))
        .build()?;
    first_and_second_run("active_directory", n, policy, Box::new(directory), &stats).await
}

fn main() -> std::process::ExitCode {
    with_server(
        "active_directory",
        SambaDc::unavailable(),
        SambaDc::start,
        |dc| {
            eprintln!("against {}", dc.version());
            let n = env_count("AD_EMPLOYEES", 2000);
            block_on("active_directory", run(dc, n))
        },
    )
}
