//! Fault injection: whole runs against simulators that fail 5%, 20% and 50% of requests at
//! random (503, 429, connections dropped before or after the work, latency), over several
//! seeds. The final directory equals the fault-free run's, with no duplicate accounts and no
//! wrong disables, within a bounded number of cycles; failures are reported, never dropped.

use hris_sync_cli::demo::{self, Demo};

use crate::common::{apply, assert_directory, directory_state, now};

/// Cycles until one applies cleanly and plans nothing more; returns how many it took.
async fn converge(d: &mut Demo, max: usize) -> usize {
    for cycle in 1..=max {
        match d.syncer.run_cycle(now(), &apply()).await {
            Ok(result) => {
                // Every failure is in the report with a reason.
                let failed = result
                    .outcomes
                    .as_ref()
                    .map_or(0, |o| o.iter().filter(|o| o.result.is_err()).count());
                assert_eq!(result.report.summary.failed, failed);
                assert!(
                    result
                        .report
                        .actions
                        .iter()
                        .filter(|a| a.status == hris_sync_core::engine::Status::Failed)
                        .all(|a| a.reason.is_some())
                );
                if failed == 0 && result.plan.is_empty() {
                    return cycle;
                }
            }
            // A read that failed after its retries fails the cycle; the next one tries again.
            Err(e) => assert!(
                e.is_retryable()
                    || e.kind() == hris_sync_core::ErrorKind::Transient
                    || e.kind() == hris_sync_core::ErrorKind::Throttled
                    || e.kind() == hris_sync_core::ErrorKind::InvalidData,
                "{e}"
            ),
        }
    }
    panic!("no convergence within {max} cycles");
}

/// Runs the demo under each rate and seed; returns one line per run.
async fn fault_runs(rates: &[f64], seeds: std::ops::RangeInclusive<u64>) -> Vec<String> {
    let reference = {
        let mut d = demo::start_scaled(now(), 100).await.unwrap();
        converge(&mut d, 3).await;
        directory_state(&d)
    };
    let mut table = Vec::new();
    for &rate in rates {
        for seed in seeds.clone() {
            let mut d = demo::start_scaled(now(), 100).await.unwrap();
            d.personio.random_faults(rate, seed);
            d.graph.random_faults(rate, seed + 100);
            let cycles = converge(&mut d, 12).await;
            let faults = d.graph.counts().faults + d.personio.counts().faults;
            // Faults off: one more cycle must find nothing to do.
            d.personio.random_faults(0.0, 0);
            d.graph.random_faults(0.0, 0);
            let last = d.syncer.run_cycle(now(), &apply()).await.unwrap();
            assert!(
                last.plan.is_empty(),
                "rate {rate} seed {seed}: {}",
                last.report.to_json()
            );
            assert_directory(&d, &reference, &format!("rate {rate} seed {seed}"));
            table.push(format!(
                "rate={rate} seed={seed} faults={faults} cycles={cycles}"
            ));
        }
    }
    table
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runs_under_faults_converge_to_the_fault_free_directory() {
    let table = fault_runs(&[0.05, 0.2, 0.5], 1..=3).await;
    eprintln!("{}", table.join("\n"));
}

/// The longer soak: more rates and seeds. Run it with
/// `cargo test --release -p hris-sync-examples --test main soak -- --ignored --nocapture`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a long soak; see README"]
async fn soak() {
    let table = fault_runs(&[0.05, 0.1, 0.2, 0.3, 0.5, 0.6], 1..=25).await;
    eprintln!("{}", table.join("\n"));
}
