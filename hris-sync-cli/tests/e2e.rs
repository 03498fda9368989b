//! First run, second run, dry run, crash and rerun, the S7 guard, a corrupt state file, an
//! expired delta link.

use hris_sync_cli::demo::Connect as _;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use hris_sync_cli::demo::{self, cast};
use hris_sync_core::engine::{
    FileStateStore, MemoryStateStore, ReportKind, SyncOptions, Syncer, exit_code_for,
};
use hris_sync_core::raw::{DirectoryProperty, Operation, Outcome};
use hris_sync_core::testkit::{Intercept, WriteHook};
use hris_sync_core::{Directory, EmployeeStatus, Error, ErrorKind};

use crate::common::{apply, assert_directory, directory_state, no_duplicate_accounts, now};

// The first run does exactly the story's actions; the second plans nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_run_then_nothing() {
    let mut d = demo::start(now()).await.unwrap();
    let first = d.syncer.run_cycle(now(), &apply()).await.unwrap();
    assert_eq!(first.exit_code(), 0, "{}", first.report.to_json());
    let s = first.report.summary;
    assert_eq!(
        (
            s.linked,
            s.created,
            s.disabled,
            s.enabled,
            s.conflicts,
            s.failed,
            s.held
        ),
        (4, 53, 1, 1, 0, 0, 0),
        "{s:?}"
    );
    assert_eq!(s.skipped, 1, "the inactive record");
    let by = |upn: &str| {
        d.graph
            .user_by_upn(upn)
            .unwrap_or_else(|| panic!("no {upn}"))
    };
    // U3/U4: the Hans who joined first keeps the plain UPN.
    assert_eq!(
        by("hans.mueller@demo.com").employee_id.as_deref(),
        Some(cast::HANS_FIRST)
    );
    assert_eq!(
        by("hans.mueller_1021@demo.com").employee_id.as_deref(),
        Some(cast::HANS_SECOND)
    );
    // S2: a disabled match is not linked; its owner gets a suffixed account.
    assert!(!by("olga.ivanova@demo.com").account_enabled);
    assert_eq!(
        by("olga.ivanova_1011@demo.com").employee_id.as_deref(),
        Some(cast::DISABLED_MATCH)
    );
    // S2 links, S5 leaver, S6 rehire, U6 name change, S8 protected untouched.
    assert_eq!(
        by("zoe.mueller@demo.com").employee_id.as_deref(),
        Some("1002")
    );
    assert!(!by("sven.lindqvist@demo.com").account_enabled);
    assert!(
        by("marta.kowalska@demo.com").account_enabled,
        "future leaver stays enabled"
    );
    assert!(by("olga.petrova@demo.com").account_enabled, "rehired");
    let greta = by("greta.schneider@demo.com");
    assert_eq!(
        greta
            .property(&DirectoryProperty::SURNAME)
            .and_then(|v| v.as_text()),
        Some("Schneider-Wolf")
    );
    assert!(by("admin@demo.com").employee_id.is_none());
    // S4: managers, including between accounts created in this run.
    let ceo = by("jonas.keller@demo.com");
    assert_eq!(
        by("zoe.mueller@demo.com").manager_id.as_ref(),
        Some(&ceo.id)
    );
    no_duplicate_accounts(&d);

    let second = d.syncer.run_cycle(now(), &apply()).await.unwrap();
    assert!(second.plan.is_empty(), "{}", second.report.to_json());
    assert!(!second.full_read, "the second cycle is incremental");
}

// A dry run writes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_makes_zero_writes() {
    let mut d = demo::start(now()).await.unwrap();
    let result = d
        .syncer
        .run_cycle(now(), &SyncOptions::default())
        .await
        .unwrap();
    assert!(result.plan.actions.len() > 100);
    let counts = d.graph.counts();
    assert_eq!((counts.writes, counts.batch), (0, 0));
    assert!(
        result
            .report
            .actions
            .iter()
            .all(|a| a.status != hris_sync_core::engine::Status::Applied)
    );
}

/// A directory that stops writing after `left` operations, as a crash would.
#[derive(Debug)]
struct StopAfter {
    left: AtomicUsize,
}

#[async_trait]
impl<D: Directory> WriteHook<D> for StopAfter {
    async fn apply(&self, inner: &D, operations: &[Operation]) -> Vec<Outcome> {
        let left = self.left.load(Ordering::SeqCst);
        let n = left.min(operations.len());
        self.left.store(left - n, Ordering::SeqCst);
        let mut outcomes = if n > 0 {
            inner.apply(&operations[..n]).await
        } else {
            Vec::new()
        };
        outcomes
            .extend((n..operations.len()).map(|_| Err(Error::new(ErrorKind::Aborted, "crashed"))));
        outcomes
    }
}

async fn reference() -> BTreeMap<String, String> {
    let mut d = demo::start(now()).await.unwrap();
    d.syncer.run_cycle(now(), &apply()).await.unwrap();
    directory_state(&d)
}

// S10: a run stopped after k writes (state never saved, as in a crash), then a normal run:
// the same directory as an uninterrupted run, no duplicate accounts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_after_k_writes_then_rerun_converges() {
    let expected = reference().await;
    for k in [0usize, 1, 5, 23, 60, 100, 118] {
        let d = demo::start(now()).await.unwrap();
        let policy = demo::policy().unwrap();
        let state = demo::initial_state(now());
        // The crashed run: writes k operations, then nothing; its state is thrown away.
        let source = d.personio.connect().build().unwrap();
        let directory = Intercept::new(
            demo::directory_for(d.graph.connect(), &policy).unwrap(),
            StopAfter {
                left: AtomicUsize::new(k),
            },
        );
        let mut crashed = Syncer::new(
            Box::new(source),
            Box::new(directory),
            policy.clone(),
            Box::new(MemoryStateStore::with(state.clone())),
        );
        let _ = crashed.run_cycle(now(), &apply()).await.unwrap();
        // The rerun starts from the state before the crash.
        let mut rerun = demo::engine(&d.personio, &d.graph, policy, state).unwrap();
        let result = rerun.run_cycle(now(), &apply()).await.unwrap();
        assert_eq!(
            result.report.summary.failed,
            0,
            "k={k}: {}",
            result.report.to_json()
        );
        assert_directory(&d, &expected, &format!("k={k}"));
    }
}

// S7: a mass disable is held (exit 3) and goes through with the override.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mass_disable_held_then_overridden() {
    let mut d = demo::start(now()).await.unwrap();
    d.syncer.run_cycle(now(), &apply()).await.unwrap();
    let mut staff = d.personio.employees();
    for e in staff
        .iter_mut()
        .filter(|e| e.id.as_str() > "1040" && e.id.as_str() <= "1055")
    {
        e.status = EmployeeStatus::Inactive;
        e.updated_at = Some(now());
    }
    d.personio.seed(staff);
    let held = d.syncer.run_cycle(now(), &apply()).await.unwrap();
    assert_eq!(held.exit_code(), 3);
    assert_eq!(held.held.len(), 15);
    assert_eq!(held.report.summary.held, 15);
    assert!(
        d.graph
            .user_by_upn("felix.becker@demo.com")
            .unwrap()
            .account_enabled
    );
    let options = SyncOptions {
        allow_mass_disable: true,
        ..apply()
    };
    let through = d.syncer.run_cycle(now(), &options).await.unwrap();
    assert_eq!(through.exit_code(), 0);
    assert_eq!(through.report.summary.disabled, 15);
    assert!(
        !d.graph
            .user_by_upn("felix.becker@demo.com")
            .unwrap()
            .account_enabled
    );
}

// A corrupt state file is a clear error, and the file is left alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrupt_state_file_is_a_clear_error() {
    let d = demo::start(now()).await.unwrap();
    let dir = std::env::temp_dir().join(format!("hris-sync-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("state.json");
    std::fs::write(&path, "{ not json").unwrap();
    let policy = demo::policy().unwrap();
    let mut syncer = Syncer::new(
        Box::new(d.personio.connect().build().unwrap()),
        Box::new(demo::directory_for(d.graph.connect(), &policy).unwrap()),
        policy,
        Box::new(FileStateStore::new(&path)),
    );
    let err = syncer.run_cycle(now(), &apply()).await.unwrap_err();
    assert!(
        err.message().contains("corrupt") && err.message().contains("state.json"),
        "{err}"
    );
    assert_eq!(exit_code_for(&err), 1);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "{ not json");
    assert_eq!(d.graph.counts().writes, 0);
    std::fs::remove_dir_all(dir).unwrap();
}

// An expired delta link leads to a full read, and the cycle completes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_delta_link_means_a_full_read() {
    let mut d = demo::start(now()).await.unwrap();
    d.syncer.run_cycle(now(), &apply()).await.unwrap();
    let deltas = d.graph.counts().delta;
    d.graph.expire_delta_tokens();
    let result = d.syncer.run_cycle(now(), &apply()).await.unwrap();
    assert!(result.full_read);
    assert!(result.plan.is_empty(), "{}", result.report.to_json());
    // The refused delta link, then a full delta round (the policy reads managers).
    assert!(
        d.graph.counts().delta >= deltas + 2,
        "the users were read again"
    );
}

// Bad credentials are exit status 2.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_credentials_exit_2() {
    let d = demo::start(now()).await.unwrap();
    let policy = demo::policy().unwrap();
    let mut syncer = Syncer::new(
        Box::new(d.personio.connect().client_secret("wrong").build().unwrap()),
        Box::new(demo::directory_for(d.graph.connect(), &policy).unwrap()),
        policy,
        Box::new(MemoryStateStore::default()),
    );
    let err = syncer.run_cycle(now(), &apply()).await.unwrap_err();
    assert_eq!(exit_code_for(&err), 2, "{err}");
}

// S7: a source that shrank by more than max_source_drop_percent stops the run before planning.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn source_drop_stops_the_run() {
    let mut d = demo::start(now()).await.unwrap();
    d.syncer.run_cycle(now(), &apply()).await.unwrap();
    let writes = d.graph.counts().writes;
    for e in d
        .personio
        .employees()
        .iter()
        .filter(|e| e.id.as_str() > "1045")
    {
        d.personio.remove(&e.id);
    }
    let options = SyncOptions {
        full: true,
        ..apply()
    };
    let err = d.syncer.run_cycle(now(), &options).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Aborted, "{err}");
    assert_eq!(exit_code_for(&err), 3);
    assert!(err.message().contains("45 employees"), "{err}");
    assert_eq!(d.graph.counts().writes, writes, "nothing written");
}

// Hostile directory data: odd UPNs, two accounts carrying one employee id, a hybrid user, an
// agent and protected accounts. The conflict is reported and nothing is written to any of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_directory_data_is_never_written() {
    use hris_sync_core::{DirectoryUser, ObjectKind};
    let d = demo::start(now()).await.unwrap();
    let mut odd = vec![
        DirectoryUser::new("bad-1", "O'Neil.Weird-_~#@demo.com"),
        DirectoryUser::new("bad-2", format!("{}@demo.com", "a".repeat(64))),
    ];
    // Two accounts both claim employee 1006 (François Dubois).
    for (id, upn) in [
        ("dup-1", "francois.dubois@demo.com"),
        ("dup-2", "f.dubois@demo.com"),
    ] {
        let mut u = DirectoryUser::new(id, upn);
        u.employee_id = Some("1006".into());
        odd.push(u);
    }
    // Hybrid and agent accounts whose addresses match employees.
    let mut hybrid = DirectoryUser::new("hyb-1", "noah.fischer@demo.com");
    hybrid.on_premises_sync_enabled = true;
    let mut agent = DirectoryUser::new("agt-1", "emma.wagner@demo.com");
    agent.kind = ObjectKind::Agent;
    odd.push(hybrid);
    odd.push(agent);
    d.graph.seed(odd.clone()).unwrap();
    let before: BTreeMap<String, DirectoryUser> = d
        .graph
        .users()
        .into_iter()
        .map(|u| (u.id.to_string(), u))
        .collect();
    let mut d = d;
    let result = d.syncer.run_cycle(now(), &apply()).await.unwrap();
    assert_eq!(
        result.report.summary.failed,
        0,
        "{}",
        result.report.to_json()
    );
    let reason = |id: &str| {
        result
            .report
            .actions
            .iter()
            .find(|a| {
                a.employee_id == id && matches!(a.kind, ReportKind::Skip | ReportKind::Conflict)
            })
            .and_then(|a| a.reason.clone())
            .unwrap_or_default()
    };
    assert!(
        reason("1006").contains("2 accounts carry"),
        "{}",
        reason("1006")
    );
    assert!(reason("1018").contains("S8"), "hybrid: {}", reason("1018"));
    assert!(reason("1019").contains("S8"), "agent: {}", reason("1019"));
    for u in odd.iter().chain(before.values().filter(|u| {
        u.user_principal_name.starts_with("admin")
            || u.user_principal_name.starts_with("breakglass")
    })) {
        assert_eq!(
            d.graph.users().into_iter().find(|x| x.id == u.id).as_ref(),
            before.get(u.id.as_str()),
            "{} was written",
            u.user_principal_name
        );
    }
}
