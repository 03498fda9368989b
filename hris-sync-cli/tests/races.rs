//! Races and replays on a tenant with replication lag (T3, T4), end to end: two runs started
//! together, a create whose answer is lost while the new account is still invisible, and a
//! crash right after the creates followed at once by a rerun. Each must end with exactly one
//! account per employee and the directory an uninterrupted run makes.
//!
//! The demo simulators run with a 2 s replication lag in real time, so every rerun here starts
//! while the accounts just made are invisible to reads but already hold their UPNs.

use hris_sync_cli::demo::Connect as _;
use std::collections::BTreeMap;

use async_trait::async_trait;
use hris_sync_cli::demo::{self, Demo};
use hris_sync_core::engine::{CycleResult, MemoryStateStore, ReportKind, Syncer};
use hris_sync_core::raw::{Operation, Outcome};
use hris_sync_core::testkit::{Intercept, WriteHook};
use hris_sync_core::{Directory, Error, ErrorKind};
use hris_sync_sims::graph::{Fault, Target};

use crate::common::{apply, directory_state, no_duplicate_accounts, now};

/// The directory one uninterrupted run leaves.
async fn reference() -> BTreeMap<String, String> {
    let mut d = demo::start(now()).await.unwrap();
    let result = d.syncer.run_cycle(now(), &apply()).await.unwrap();
    assert_eq!(result.report.summary.failed, 0);
    directory_state(&d)
}

fn second_engine(d: &Demo) -> Syncer {
    demo::engine(
        &d.personio,
        &d.graph,
        demo::policy().unwrap(),
        demo::initial_state(now()),
    )
    .unwrap()
}

/// How many creates in the report found their account already made (T4).
fn adopted(result: &CycleResult) -> usize {
    result
        .report
        .actions
        .iter()
        .filter(|a| {
            a.kind == ReportKind::Create
                && a.reason
                    .as_deref()
                    .is_some_and(|r| r.contains("adopted, not created again"))
        })
        .count()
}

fn same_directory(d: &Demo, expected: &BTreeMap<String, String>, what: &str) {
    no_duplicate_accounts(d);
    let got = directory_state(d);
    let differs: Vec<&String> = expected
        .iter()
        .filter(|(upn, v)| got.get(*upn) != Some(v))
        .map(|(upn, _)| upn)
        .collect();
    let extra: Vec<&String> = got.keys().filter(|k| !expected.contains_key(*k)).collect();
    assert!(
        differs.is_empty() && extra.is_empty(),
        "{what}: differs at {differs:?}, extra accounts {extra:?}"
    );
}

// Two hosts start the same sync against one tenant at the same moment (measured before T4:
// 258 of 261 employees got two accounts). Each run either creates an account or adopts the
// one the other made; neither falls back to a suffixed UPN.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_runs_started_together_make_one_account_each() {
    let expected = reference().await;
    let mut d = demo::start(now()).await.unwrap();
    let mut other = second_engine(&d);
    let options = apply();
    let (a, b) = tokio::join!(
        d.syncer.run_cycle(now(), &options),
        other.run_cycle(now(), &options)
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    for (name, r) in [("first", &a), ("second", &b)] {
        assert_eq!(r.report.summary.failed, 0, "{name}: {}", r.report.to_json());
        assert_eq!(
            r.report.summary.conflicts,
            0,
            "{name}: {}",
            r.report.to_json()
        );
    }
    same_directory(&d, &expected, "two concurrent runs");
    // Whatever the interleaving, every new hire's account was made by exactly one run.
    let creates = a.report.summary.created + b.report.summary.created;
    assert_eq!(creates - adopted(&a) - adopted(&b), 53);
}

// The batch with the creates runs, but its answer never arrives; the accounts are still
// invisible. The creates are looked up (not repeated) until the accounts show, and adopted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_create_answer_during_lag_is_adopted() {
    let expected = reference().await;
    let mut d = demo::start(now()).await.unwrap();
    d.graph.inject(Target::CreateBatch, [Fault::DropAfter]);
    let result = d.syncer.run_cycle(now(), &apply()).await.unwrap();
    assert_eq!(
        result.report.summary.failed,
        0,
        "{}",
        result.report.to_json()
    );
    assert!(adopted(&result) > 0, "{}", result.report.to_json());
    same_directory(&d, &expected, "lost answer");
    let again = d.syncer.run_cycle(now(), &apply()).await.unwrap();
    assert!(again.plan.is_empty(), "{}", again.report.to_json());
}

/// A directory that makes the creates it is given and then "crashes": every other write
/// fails without being sent.
#[derive(Debug)]
struct CrashAfterCreates;

#[async_trait]
impl<D: Directory> WriteHook<D> for CrashAfterCreates {
    async fn apply(&self, inner: &D, operations: &[Operation]) -> Vec<Outcome> {
        if operations
            .iter()
            .all(|op| matches!(op, Operation::Create(_)))
        {
            return inner.apply(operations).await;
        }
        operations
            .iter()
            .map(|_| Err(Error::new(ErrorKind::Aborted, "crashed")))
            .collect()
    }
}

// A run that dies right after its creates (its state never saved), then a rerun at once, from
// the state before the crash, while the new accounts are still invisible.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_after_creates_then_immediate_rerun() {
    let expected = reference().await;
    let d = demo::start(now()).await.unwrap();
    let policy = demo::policy().unwrap();
    let directory = demo::directory_for(d.graph.connect(), &policy).unwrap();
    let mut crashed = Syncer::new(
        Box::new(d.personio.connect().build().unwrap()),
        Box::new(Intercept::new(directory, CrashAfterCreates)),
        policy,
        Box::new(MemoryStateStore::with(demo::initial_state(now()))),
    );
    let first = crashed.run_cycle(now(), &apply()).await.unwrap();
    assert_eq!(d.graph.counts().creates, 53, "{}", first.report.to_json());

    let mut rerun = second_engine(&d);
    let result = rerun.run_cycle(now(), &apply()).await.unwrap();
    assert_eq!(
        result.report.summary.failed,
        0,
        "{}",
        result.report.to_json()
    );
    assert_eq!(
        result.report.summary.conflicts,
        0,
        "{}",
        result.report.to_json()
    );
    assert_eq!(d.graph.counts().creates, 53, "no second account was made");
    same_directory(&d, &expected, "crash and rerun");
}
