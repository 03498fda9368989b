//! docs/rules.md §1, a host embeds the engine: the directory reads what the policy needs or the engine
//! refuses to start, and a cycle is a `Send` future a multi-thread runtime can spawn.

use crate::support::Connect as _;
use std::sync::Arc;

use hris_sync_core::engine::{MemoryStateStore, SyncOptions, Syncer};
use hris_sync_core::memory::MemorySource;
use hris_sync_core::raw::DirectoryProperty;
use hris_sync_core::testkit::directory::account;
use hris_sync_core::testkit::source::employee;
use hris_sync_core::{AttributeValue, DirectoryUser, Employee, EmployeeId, ErrorKind, Policy};

use hris_sync_core::policy::SourceTraits;

use crate::support::sim;

fn policy() -> Policy {
    let text = concat!(
        "[upn]\ndomain = \"demo.com\"\n",
        "[[mapping]]\nsource = \"department\"\nentra = \"department\"\n",
    );
    Policy::from_toml_with(text, &SourceTraits::default(), &connector_azuread::traits()).unwrap()
}

/// Ada in HR and her linked account, already in step (department included).
fn ada() -> (Employee, DirectoryUser) {
    let mut e = employee("7", "Ada", "Lovelace", "ada.lovelace@demo.com");
    e.attributes
        .insert("department".into(), AttributeValue::text("Research"));
    let properties = [
        (DirectoryProperty::DISPLAY_NAME, "Ada Lovelace"),
        (DirectoryProperty::GIVEN_NAME, "Ada"),
        (DirectoryProperty::SURNAME, "Lovelace"),
        (connector_azuread::properties::DEPARTMENT, "Research"),
    ];
    let id = "00000000-0000-4000-8000-000000000007";
    (e, account(id, "ada.lovelace@demo.com", "7", &properties))
}

fn applying() -> SyncOptions {
    SyncOptions {
        apply: true,
        ..SyncOptions::default()
    }
}

fn now() -> hris_sync_core::chrono::DateTime<hris_sync_core::chrono::Utc> {
    "2025-10-01T08:00:00Z".parse().unwrap()
}

// A directory built without the policy would read no department, see it as empty and update
// it in every cycle: the engine refuses it before reading anything, naming what is missing.
#[tokio::test(flavor = "current_thread")]
async fn a_directory_that_reads_less_than_the_policy_is_refused() {
    let sim = sim().await;
    let (e, u) = ada();
    sim.seed([u]).unwrap();
    let bare = sim.directory().build().unwrap();
    let mut syncer = Syncer::new(
        Box::new(MemorySource::new([e])),
        Box::new(bare),
        policy(),
        Box::new(MemoryStateStore::default()),
    );
    let err = syncer.run_cycle(now(), &applying()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfig);
    assert!(err.message().contains("department"), "{err}");
    assert_eq!(sim.counts().writes, 0);
}

// Built from the policy, an account in step gets no write, in the first cycle or later.
#[tokio::test(flavor = "current_thread")]
async fn built_from_the_policy_an_account_in_step_is_left_alone() {
    let sim = sim().await;
    let (e, u) = ada();
    sim.seed([u]).unwrap();
    let policy = policy();
    let entra = sim.directory().policy(&policy).build().unwrap();
    let mut syncer = Syncer::new(
        Box::new(MemorySource::new([e])),
        Box::new(entra),
        policy,
        Box::new(MemoryStateStore::default()),
    );
    for _ in 0..2 {
        let result = syncer.run_cycle(now(), &applying()).await.unwrap();
        assert!(result.plan.actions.is_empty(), "{}", result.plan.to_json());
    }
    assert_eq!(sim.counts().writes, 0);
}

// `run_cycle`'s future is `Send`: a host spawns it on a multi-thread runtime (this would not
// compile otherwise), and a new hire's credential reaches a closure sink from there.
#[test]
fn a_cycle_runs_as_a_spawned_task_on_a_multi_thread_runtime() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let sim = sim().await;
        let (mut e, _) = ada();
        e.id = EmployeeId::new("8").unwrap();
        let policy = policy();
        let entra = sim.directory().policy(&policy).build().unwrap();
        let delivered = Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = Arc::clone(&delivered);
        let mut syncer = Syncer::new(
            Box::new(MemorySource::new([e])),
            Box::new(entra),
            policy,
            Box::new(MemoryStateStore::default()),
        )
        .with_credential_sink(Arc::new(move |c: hris_sync_core::Credential| {
            seen.lock().unwrap().push(c.upn.clone());
            async { Ok(()) }
        }));
        let task = tokio::spawn(async move { syncer.run_cycle(now(), &applying()).await });
        let result = task.await.unwrap().unwrap();
        assert_eq!(
            result.report.summary.created,
            1,
            "{}",
            result.report.to_json()
        );
        assert_eq!(*delivered.lock().unwrap(), ["ada.lovelace@demo.com"]);
    });
}
