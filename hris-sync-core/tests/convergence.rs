//! S10: applying a plan to the in-memory directory (which refuses what Graph refuses) and
//! planning again gives an empty plan; every planned write is accepted.

use std::collections::BTreeSet;

use hris_sync_core::apply::apply_plan;
use hris_sync_core::chrono::{DateTime, Utc};
use hris_sync_core::memory::{MemoryDirectory, WriteRecord};
use hris_sync_core::raw::PropertyValue;
use hris_sync_core::secrecy::ExposeSecret;
use hris_sync_core::{
    AttributeValue, Directory, DirectoryUser, Employee, EmployeeId, EmployeeStatus, Policy,
    SyncHistory, plan_with_history,
};
use hris_sync_core::{Credential, CredentialSink, DiscardCredentials, Secret};
use proptest::prelude::*;

use crate::support::{at, day, emp, generated, linked_user, policy, user};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

/// [`sync_once_with`] discarding the passwords.
async fn sync_once(
    employees: &[Employee],
    dir: &MemoryDirectory,
    policy: &Policy,
    now: DateTime<Utc>,
    history: &mut SyncHistory,
) -> usize {
    sync_once_with(employees, dir, policy, now, history, &DiscardCredentials).await
}

/// Plan, apply, and return the history; asserts every action succeeded.
async fn sync_once_with(
    employees: &[Employee],
    dir: &MemoryDirectory,
    policy: &Policy,
    now: DateTime<Utc>,
    history: &mut SyncHistory,
    sink: &dyn CredentialSink,
) -> usize {
    let users = dir.list_users().await.unwrap().users;
    let plan = plan_with_history(employees, &users, policy, now, history);
    let outcomes = apply_plan(&plan, dir, history, sink).await;
    let failed: Vec<String> = outcomes
        .iter()
        .filter_map(|o| {
            o.result
                .as_ref()
                .err()
                .map(|e| format!("{:?}: {e}", o.action))
        })
        .collect();
    assert!(failed.is_empty(), "failed actions:\n{}", failed.join("\n"));
    plan.actions.len()
}

async fn replan(
    employees: &[Employee],
    dir: &MemoryDirectory,
    policy: &Policy,
    now: DateTime<Utc>,
    history: &SyncHistory,
) -> hris_sync_core::Plan {
    let users = dir.list_users().await.unwrap().users;
    plan_with_history(employees, &users, policy, now, history)
}

fn company() -> (Vec<Employee>, Vec<DirectoryUser>) {
    let mut boss = emp("1", "Jonas", "Keller");
    boss.attributes
        .insert("department".into(), AttributeValue::text("Management"));
    let mut zoe = emp("2", "Zoë", "Müller");
    zoe.supervisor_id = Some(EmployeeId::new("1").unwrap());
    zoe.attributes.insert(
        "position".into(),
        AttributeValue::text("Engineer ".repeat(20)),
    );
    let mut twin = emp("3", "Zoe", "Mueller");
    twin.supervisor_id = Some(EmployeeId::new("2").unwrap());
    let mut linkable = emp("4", "Lena", "Vogt");
    linkable.email = Some("lena.vogt@demo.com".into());
    linkable.supervisor_id = Some(EmployeeId::new("1").unwrap());
    let mut leaver = emp("5", "Sven", "Lindqvist");
    leaver.termination_date = Some(day("2025-09-30"));
    let mut inactive = emp("6", "Old", "Timer");
    inactive.status = EmployeeStatus::Inactive;
    let emoji = emp("7", "🦄", "Smith");
    let employees = vec![boss, zoe, twin, linkable, leaver, inactive, emoji];
    let mut disabled = user("x1", "zoe.mueller@demo.com");
    disabled.account_enabled = false;
    let users = vec![
        user("x0", "lena.vogt@demo.com"),
        disabled,
        linked_user("x2", "sven@demo.com", "5"),
        user("x3", "admin@demo.com"),
    ];
    (employees, users)
}

#[derive(Default)]
struct Collect(std::sync::Mutex<Vec<(String, String)>>);

#[async_trait::async_trait]
impl CredentialSink for Collect {
    async fn deliver(&self, credential: Credential) -> hris_sync_core::Result<()> {
        let Secret::Password(password) = &credential.secret else {
            panic!("no access passes in this policy");
        };
        assert!(password.meets_complexity());
        self.0.lock().unwrap().push((
            credential.employee_id.to_string(),
            format!("{}:{}", credential.upn, password.expose_secret().len()),
        ));
        Ok(())
    }
}

// S10: a realistic first run converges in one cycle; the second plans nothing.
#[tokio::test]
async fn s10_first_run_then_nothing() {
    let (employees, users) = company();
    let dir = MemoryDirectory::new(["demo.com"]);
    for u in users {
        dir.seed(u).unwrap();
    }
    let policy = policy();
    let now = at("2025-10-01T08:00:00Z");
    let mut history = SyncHistory::default();
    let passwords = Collect::default();
    let n = sync_once_with(&employees, &dir, &policy, now, &mut history, &passwords).await;
    assert!(n > 0);
    let again = replan(&employees, &dir, &policy, now, &history).await;
    assert!(again.is_empty(), "{}", again.to_json());

    // What the first run did.
    assert_eq!(
        dir.user_by_upn("jonas.keller@demo.com")
            .unwrap()
            .employee_id
            .as_deref(),
        Some("1")
    );
    // Zoë joined first and the plain UPN is held by a disabled user: suffix (U3).
    assert!(dir.user_by_upn("zoe.mueller_2@demo.com").is_some());
    assert!(dir.user_by_upn("zoe.mueller_3@demo.com").is_some());
    assert_eq!(
        dir.user_by_upn("lena.vogt@demo.com")
            .unwrap()
            .employee_id
            .as_deref(),
        Some("4")
    );
    let sven = dir.user_by_upn("sven@demo.com").unwrap();
    assert!(!sven.account_enabled);
    assert_eq!(dir.revocations(&sven.id), 1);
    assert!(history.disabled_by_sync.contains(&sven.id));
    let boss = dir.user_by_upn("jonas.keller@demo.com").unwrap();
    let zoe = dir.user_by_upn("zoe.mueller_2@demo.com").unwrap();
    assert_eq!(zoe.manager_id.as_ref(), Some(&boss.id));
    assert_eq!(
        dir.user_by_upn("lena.vogt@demo.com")
            .unwrap()
            .manager_id
            .as_ref(),
        Some(&boss.id)
    );
    assert_eq!(
        zoe.properties
            .get(&hris_sync_core::memory::sample::JOB_TITLE)
            .and_then(PropertyValue::as_text)
            .map(str::len),
        Some(128)
    );
    // No account for the inactive record nor for the emoji name; nothing deleted.
    assert_eq!(dir.users().len(), 4 + 3);
    assert_eq!(passwords.0.lock().unwrap().len(), 3);
    assert!(
        !dir.writes()
            .iter()
            .any(|w| matches!(w, WriteRecord::Create(u) if u.starts_with("old")))
    );

    // Rehire: Sven is back, the termination date removed; the sync enables him (S6).
    let mut rehired = employees.clone();
    rehired[4].termination_date = None;
    sync_once(&rehired, &dir, &policy, now, &mut history).await;
    assert!(dir.user_by_upn("sven@demo.com").unwrap().account_enabled);
    assert!(
        replan(&rehired, &dir, &policy, now, &history)
            .await
            .is_empty()
    );
}

// U5: a UPN taken behind the sync's back between plan and apply falls back to the suffix once.
#[tokio::test]
async fn u5_create_time_conflict_falls_back_once() {
    let dir = MemoryDirectory::new(["demo.com"]);
    let policy = policy();
    let now = at("2025-10-01T08:00:00Z");
    let employees = [emp("8", "Hans", "Müller")];
    let plan = plan_with_history(&employees, &[], &policy, now, &SyncHistory::default());
    dir.take_upn("hans.mueller@demo.com").unwrap();
    let mut history = SyncHistory::default();
    let outcomes = apply_plan(&plan, &dir, &mut history, &DiscardCredentials).await;
    assert!(outcomes[0].result.is_ok(), "{:?}", outcomes[0].result);
    assert_eq!(outcomes[0].action.upn(), "hans.mueller_8@demo.com");
    assert_eq!(
        dir.user_by_upn("hans.mueller_8@demo.com")
            .unwrap()
            .employee_id
            .as_deref(),
        Some("8")
    );

    // Both taken: reported as failed, nothing created.
    let plan = plan_with_history(
        &[emp("9", "Anna", "Weber")],
        &[],
        &policy,
        now,
        &SyncHistory::default(),
    );
    dir.take_upn("anna.weber@demo.com").unwrap();
    dir.take_upn("anna.weber_9@demo.com").unwrap();
    let outcomes = apply_plan(&plan, &dir, &mut history, &DiscardCredentials).await;
    let err = outcomes[0].result.as_ref().unwrap_err();
    assert!(err.is_upn_conflict(), "{err}");
}

// S4: an update writes only the changed properties (checked on the directory's write log).
#[tokio::test]
async fn s4_update_writes_only_changed_properties() {
    let dir = MemoryDirectory::new(["demo.com"]);
    let policy = policy();
    let now = at("2025-10-01T08:00:00Z");
    let mut e = emp("1", "Lena", "Vogt");
    e.attributes
        .insert("department".into(), AttributeValue::text("Sales"));
    e.attributes
        .insert("position".into(), AttributeValue::text("Rep"));
    let mut history = SyncHistory::default();
    sync_once(&[e.clone()], &dir, &policy, now, &mut history).await;
    dir.clear_writes();
    e.attributes
        .insert("department".into(), AttributeValue::text("Marketing"));
    sync_once(&[e], &dir, &policy, now, &mut history).await;
    let writes = dir.writes();
    assert_eq!(writes.len(), 1, "{writes:?}");
    let WriteRecord::Update(_, props) = &writes[0] else {
        panic!("{writes:?}")
    };
    assert_eq!(props, &[hris_sync_core::memory::sample::DEPARTMENT]);
}

fn world() -> impl Strategy<Value = Vec<Employee>> {
    let person = (
        prop::sample::select(vec!["Hans", "Zoë", "Anna-Lena", "王", "Lena", "Ørjan"]),
        prop::sample::select(vec![
            "Müller",
            "Mueller",
            "Vogt",
            "O'Brien",
            "x".repeat(70).leak(),
        ]),
        0u8..4,
        0u8..4,
        0u32..6,
        prop::option::of(1usize..20),
        prop::option::of("\\PC{0,90}"),
    );
    prop::collection::vec(person, 1..20).prop_map(|people| {
        people
            .into_iter()
            .enumerate()
            .map(|(i, (first, last, status, term, created, sup, dept))| {
                let mut e = generated(i, (first, last), status, term, created, sup);
                if let Some(d) = dept {
                    e.attributes
                        .insert("department".into(), AttributeValue::text(d));
                }
                e
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    // S10: for any company, one cycle makes the directory agree with HR (every write accepted),
    // the next plans nothing, and no account is created twice.
    #[test]
    fn s10_converges_in_one_cycle(employees in world(), existing in prop::collection::btree_set(0usize..20, 0..8)) {
        runtime().block_on(async {
            let dir = MemoryDirectory::new(["demo.com"]);
            for i in &existing {
                let mut u = user(&format!("x{i}"), &format!("e{i}@demo.com"));
                u.account_enabled = i % 3 != 0;
                dir.seed(u).unwrap();
            }
            let policy = policy();
            let now = at("2025-10-01T08:00:00Z");
            let mut history = SyncHistory::default();
            sync_once(&employees, &dir, &policy, now, &mut history).await;
            let again = replan(&employees, &dir, &policy, now, &history).await;
            assert!(again.is_empty(), "{}", again.to_json());
            let ids: Vec<String> = dir.users().into_iter().filter_map(|u| u.employee_id).collect();
            let unique: BTreeSet<&String> = ids.iter().collect();
            assert_eq!(ids.len(), unique.len(), "an employee has two accounts");
        });
    }
}
