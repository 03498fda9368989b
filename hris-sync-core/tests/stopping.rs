//! docs/rules.md §4 and S6: a run that is stopped (SIGTERM) or dies mid-apply never loses a
//! recorded disable, finishes what is in flight, leaves the rest for the next run, and the
//! next run converges.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use hris_sync_core::engine::{
    MemoryStateStore, StateStore, Status, SyncOptions, SyncState, Syncer,
};
use hris_sync_core::memory::{MemoryDirectory, MemorySource};
use hris_sync_core::raw::{DirectoryProperty, Operation, Outcome, PropertyValue};
use hris_sync_core::testkit::{Intercept, WriteHook};
use hris_sync_core::{
    ApplyContext, Directory, DirectoryUserId, Employee, EmployeeStatus, Error, ErrorKind, Policy,
    Result, Stop,
};

use crate::support::{emp, linked_user, now, of_kind};

/// Names only (the memory source carries no department), with a guard loose enough for a
/// small company's leavers.
fn policy() -> Policy {
    Policy::from_toml(
        r#"
[upn]
domain = "demo.com"
[lifecycle]
timezone = "Europe/Berlin"
[safety]
max_disables = 50
max_disable_percent = 100
"#,
    )
    .unwrap()
}

/// Ten linked employees in step, three of whom have left, and four new hires: a plan of
/// four creates (phase 1) and three disables (phase 4).
fn company() -> (Vec<Employee>, Arc<MemoryDirectory>) {
    let dir = Arc::new(MemoryDirectory::new(["demo.com"]));
    let mut employees = Vec::new();
    for i in 1..=14 {
        let mut e = emp(&i.to_string(), "Lena", &format!("Vogt{i}"));
        if i <= 10 {
            let mut u = linked_user(&format!("u{i}"), &format!("l{i}@demo.com"), &i.to_string());
            for (p, v) in [
                (DirectoryProperty::DISPLAY_NAME, format!("Lena Vogt{i}")),
                (DirectoryProperty::GIVEN_NAME, "Lena".to_owned()),
                (DirectoryProperty::SURNAME, format!("Vogt{i}")),
            ] {
                u.properties.insert(p, PropertyValue::text(v));
            }
            dir.seed(u).unwrap();
        }
        if i <= 3 {
            e.status = EmployeeStatus::Inactive;
        }
        employees.push(e);
    }
    (employees, dir)
}

/// A directory that gets a stop request while its first apply call is in flight, as a
/// SIGTERM during the first phase would: that call completes, nothing after it is sent.
#[derive(Debug)]
struct SignalDuringFirstPhase {
    stop: Stop,
}

#[async_trait]
impl WriteHook<Arc<MemoryDirectory>> for SignalDuringFirstPhase {
    async fn apply(&self, inner: &Arc<MemoryDirectory>, operations: &[Operation]) -> Vec<Outcome> {
        inner.apply(operations).await
    }
    async fn apply_with(
        &self,
        inner: &Arc<MemoryDirectory>,
        operations: &[Operation],
        cx: &ApplyContext,
    ) -> Vec<Outcome> {
        if cx.is_stopped() {
            return inner.apply_with(operations, cx).await;
        }
        let outcomes = inner.apply(operations).await;
        self.stop.request();
        outcomes
    }
}

/// Every state saved, in order; saves fail after `fail_after` of them (a crash, a full disk).
#[derive(Debug, Default)]
struct Recorder {
    saves: Mutex<Vec<SyncState>>,
    fail_after: Option<usize>,
}

#[async_trait::async_trait]
impl StateStore for Recorder {
    async fn load(&self) -> Result<Option<SyncState>> {
        Ok(self.saves.lock().unwrap().last().cloned())
    }
    async fn save(&self, state: &SyncState) -> Result<()> {
        let mut saves = self.saves.lock().unwrap();
        if self.fail_after.is_some_and(|n| saves.len() >= n) {
            return Err(Error::new(ErrorKind::Other, "state file: disk full"));
        }
        saves.push(state.clone());
        Ok(())
    }
}

fn applying() -> SyncOptions {
    SyncOptions {
        apply: true,
        ..SyncOptions::default()
    }
}

fn disabled(dir: &MemoryDirectory) -> usize {
    dir.users().iter().filter(|u| !u.account_enabled).count()
}

// A stop during the creates: they finish, the disables are not sent and are reported as
// not applied (exit 1), the state is saved, and the next run does the rest and converges.
/// A syncer of `employees` (from memory) into `directory` under the tests' policy, saving to
/// `store`.
fn syncing(
    employees: Vec<Employee>,
    directory: Box<dyn Directory>,
    store: Box<dyn StateStore>,
) -> Syncer {
    Syncer::new(
        Box::new(MemorySource::new(employees)),
        directory,
        policy(),
        store,
    )
}

/// A restarted process's cycle from the saved `state`, after rehires: it enables `enables`
/// accounts the sync disabled (S6) and creates none.
async fn rehire(
    employees: Vec<Employee>,
    dir: &Arc<MemoryDirectory>,
    state: SyncState,
    enables: usize,
) {
    let mut next = syncing(
        employees,
        Box::new(Arc::clone(dir)),
        Box::new(MemoryStateStore::with(state)),
    );
    let rehired = next.run_cycle(now(), &applying()).await.unwrap();
    let counts = (rehired.plan.count("enable"), rehired.plan.count("create"));
    assert_eq!(counts, (enables, 0), "{:?}", rehired.plan.actions);
}

#[tokio::test]
async fn a_stop_mid_apply_finishes_the_phase_and_the_next_run_converges() {
    let (employees, dir) = company();
    let store = Arc::new(MemoryStateStore::default());
    let stop = Stop::new();
    let directory = Intercept::new(
        Arc::clone(&dir),
        SignalDuringFirstPhase { stop: stop.clone() },
    );
    let mut syncer = syncing(
        employees.clone(),
        Box::new(directory),
        Box::new(Arc::clone(&store)),
    )
    .with_stop(stop);
    let first = syncer.run_cycle(now(), &applying()).await.unwrap();
    assert_eq!(first.plan.count("create"), 4);
    assert_eq!(first.plan.count("disable"), 3);
    assert_eq!(first.interrupted, 3, "the disables were not sent");
    assert_eq!(first.exit_code(), 1);
    assert_eq!(dir.users().len(), 14, "the creates in flight finished");
    assert_eq!(disabled(&dir), 0);
    let left = of_kind(&first.report, hris_sync_core::engine::ReportKind::Disable);
    assert!(left.iter().all(|a| {
        a.status == Status::Failed
            && a.reason
                .as_deref()
                .is_some_and(|r| r.contains("not applied"))
    }));
    assert!(store.get().is_some(), "the state was saved");

    // The next run (no signal) does exactly what was left.
    let mut next = syncing(
        employees.clone(),
        Box::new(Arc::clone(&dir)),
        Box::new(Arc::clone(&store)),
    );
    let second = next.run_cycle(now(), &applying()).await.unwrap();
    assert_eq!(second.exit_code(), 0);
    assert_eq!(second.plan.count("create"), 0, "no second account");
    assert_eq!(second.plan.count("disable"), 3);
    assert_eq!(disabled(&dir), 3);
    let third = next.run_cycle(now(), &applying()).await.unwrap();
    assert!(third.plan.actions.is_empty(), "{:?}", third.plan.actions);
    assert_eq!(dir.users().len(), 14);
}

// S6: the state is saved after each phase, so the record of a disable is on disk before the
// run goes on; a run that dies after the disables (here: the final save fails) still left
// it behind, and a rehire later is enabled.
#[tokio::test]
async fn each_phase_is_saved_and_a_crash_keeps_the_record_of_disables() {
    let (employees, dir) = company();
    // Saves: after the creates, after the disables, then the final one fails.
    let store = Arc::new(Recorder {
        fail_after: Some(2),
        ..Recorder::default()
    });
    let mut syncer = syncing(
        employees.clone(),
        Box::new(Arc::clone(&dir)),
        Box::new(Arc::clone(&store)),
    );
    let died = syncer.run_cycle(now(), &applying()).await.unwrap_err();
    assert!(died.message().contains("disk full"), "{died}");
    assert_eq!(disabled(&dir), 3);
    let saves = store.saves.lock().unwrap().clone();
    assert_eq!(saves.len(), 2);
    assert!(saves[0].history.disabled_by_sync.is_empty());
    let recorded: Vec<_> = saves[1].history.disabled_by_sync.iter().cloned().collect();
    assert_eq!(
        recorded,
        ["u1", "u2", "u3"].map(DirectoryUserId::new).to_vec(),
        "the disables are on record"
    );

    // A rehire: the sync enables the account it disabled (S6), from the saved record.
    let mut employees = employees;
    employees[0].status = EmployeeStatus::Active;
    rehire(employees, &dir, saves[1].clone(), 1).await;
    assert_eq!(disabled(&dir), 2);
}

/// A directory whose process dies the moment a write that disables an account (or creates
/// one disabled) has reached it: the write lands, and what the state store holds at that
/// instant is all a restarted process will find.
#[derive(Debug)]
struct DiesAfterDisabling {
    store: Arc<Recorder>,
    /// The store's content at the moment of death.
    image: Mutex<Option<Option<SyncState>>>,
}

fn disables(op: &Operation) -> bool {
    match op {
        Operation::Update { changes, .. } => {
            changes.get(&DirectoryProperty::ACCOUNT_ENABLED)
                == Some(&Some(PropertyValue::Bool(false)))
        }
        Operation::Create(new) => !new.account_enabled,
        _ => false,
    }
}

#[async_trait]
impl WriteHook<Arc<MemoryDirectory>> for DiesAfterDisabling {
    async fn apply(&self, inner: &Arc<MemoryDirectory>, operations: &[Operation]) -> Vec<Outcome> {
        if self.image.lock().unwrap().is_some() {
            return operations
                .iter()
                .map(|_| Err(Error::new(ErrorKind::Aborted, "the process is dead")))
                .collect();
        }
        let outcomes = inner.apply(operations).await;
        if operations.iter().any(disables) {
            let on_disk = self.store.saves.lock().unwrap().last().cloned();
            *self.image.lock().unwrap() = Some(on_disk);
        }
        outcomes
    }
}

// S6, write-ahead (docs/rules.md §5): the process dies the instant its disable PATCH reached
// the directory, before any save after it. The record is already on disk, so when the leaver
// comes back the account is enabled. Before the write-ahead record, the state on disk was the
// one saved after the creates, without the disable, and the rehire stayed disabled ("nothing
// to do").
#[tokio::test]
async fn a_crash_the_moment_a_disable_lands_keeps_the_record() {
    let (employees, dir) = company();
    // The creates come first (enabled accounts) and are saved; then the disables.
    let store = Arc::new(Recorder::default());
    let dying = Arc::new(Intercept::new(
        Arc::clone(&dir),
        DiesAfterDisabling {
            store: Arc::clone(&store),
            image: Mutex::new(None),
        },
    ));
    let mut syncer = syncing(
        employees.clone(),
        Box::new(Arc::clone(&dying)),
        Box::new(Arc::clone(&store)),
    );
    let _ = syncer.run_cycle(now(), &applying()).await;
    assert_eq!(disabled(&dir), 3, "the disables reached the directory");
    let on_disk = dying
        .hook
        .image
        .lock()
        .unwrap()
        .clone()
        .expect("the process died at a disable")
        .expect("a state was on disk");
    for u in ["u1", "u2", "u3"] {
        assert!(
            on_disk
                .history
                .disabled_by_sync
                .contains(&DirectoryUserId::new(u)),
            "{u}'s disable is on record before it was sent: {:?}",
            on_disk.history
        );
    }

    // Every leaver comes back; the restarted process starts from what was on disk.
    let mut employees = employees;
    for e in employees.iter_mut().take(3) {
        e.status = EmployeeStatus::Active;
    }
    rehire(employees, &dir, on_disk, 3).await;
    assert_eq!(disabled(&dir), 0);
}
