//! Group membership by rule (docs/rules.md §10): G1–G5 through the engine, against the
//! in-memory directory (which refuses what Graph refuses: writes to a refused group, unknown
//! groups and users).

use std::collections::BTreeSet;
use std::sync::Arc;

use hris_sync_core::engine::{
    CycleResult, MemoryStateStore, ReportKind, Status, SyncOptions, Syncer,
};
use hris_sync_core::memory::{MemoryDirectory, MemorySource};
use hris_sync_core::raw::{GroupInfo, GroupRefusal};
use hris_sync_core::{AttributeValue, DirectoryUserId, Employee, ErrorKind, Policy};

use crate::support::{day, emp, linked_user, now, user};

const FINANCE: &str = "00000000-0000-0000-0000-00000000f1a0";
const SALES: &str = "00000000-0000-0000-0000-00000000sa1e";

/// `fixtures/groups.toml` (Finance and Sales, by department) with `extra` tables appended.
fn policy(extra: &str) -> Policy {
    Policy::from_toml(&format!(
        "{}{extra}\n",
        include_str!("fixtures/groups.toml")
    ))
    .unwrap()
}

fn in_dept(id: &str, dept: &str) -> Employee {
    let mut e = emp(id, "Anna", &format!("Dept{id}"));
    e.attributes
        .insert("department".into(), AttributeValue::text(dept));
    e
}

/// A linked, in-step account for `e`.
fn account(e: &Employee) -> hris_sync_core::DirectoryUser {
    let mut u = linked_user(
        &format!("u{}", e.id),
        e.email.as_deref().unwrap(),
        e.id.as_str(),
    );
    u.properties = e
        .attributes
        .get("department")
        .and_then(AttributeValue::to_text)
        .map(|d| {
            [(
                hris_sync_core::memory::sample::DEPARTMENT,
                hris_sync_core::raw::PropertyValue::text(d),
            )]
            .into_iter()
            .collect()
        })
        .unwrap_or_default();
    let name = format!(
        "{} {}",
        e.first_name.as_deref().unwrap(),
        e.last_name.as_deref().unwrap()
    );
    for (p, v) in [
        (
            hris_sync_core::raw::DirectoryProperty::DISPLAY_NAME,
            name.as_str(),
        ),
        (
            hris_sync_core::raw::DirectoryProperty::GIVEN_NAME,
            e.first_name.as_deref().unwrap(),
        ),
        (
            hris_sync_core::raw::DirectoryProperty::SURNAME,
            e.last_name.as_deref().unwrap(),
        ),
    ] {
        u.properties
            .insert(p, hris_sync_core::raw::PropertyValue::text(v));
    }
    u
}

fn id(s: &str) -> DirectoryUserId {
    DirectoryUserId::new(s)
}

fn members(dir: &MemoryDirectory, group: &str) -> BTreeSet<String> {
    dir.group(group)
        .unwrap()
        .members
        .iter()
        .map(|m| m.as_str().to_owned())
        .collect()
}

struct World {
    source: Arc<MemorySource>,
    dir: Arc<MemoryDirectory>,
    syncer: Syncer,
}

impl World {
    /// A cycle that applies.
    async fn cycle(&mut self) -> CycleResult {
        self.syncer.run_cycle(now(), &apply()).await.unwrap()
    }

    /// A full-read cycle that applies.
    async fn full_cycle(&mut self) -> CycleResult {
        self.syncer
            .run_cycle(now(), &apply().full(true))
            .await
            .unwrap()
    }

    /// HR changes `e`.
    fn change(&self, e: &Employee) {
        self.source.upsert(e.clone());
    }
}

fn world(
    policy: Policy,
    employees: &[Employee],
    extra_users: &[hris_sync_core::DirectoryUser],
) -> World {
    let source = Arc::new(MemorySource::new(employees.iter().cloned()));
    let dir = Arc::new(MemoryDirectory::new(["demo.com"]));
    for e in employees.iter().filter(|e| e.id.as_str().starts_with('1')) {
        dir.seed(account(e)).unwrap();
    }
    for u in extra_users {
        dir.seed(u.clone()).unwrap();
    }
    dir.seed_group(GroupInfo::new(FINANCE, "Finance", []));
    dir.seed_group(GroupInfo::new(SALES, "Sales", []));
    let syncer = Syncer::new(
        Box::new(Arc::clone(&source)),
        Box::new(Arc::clone(&dir)),
        policy,
        Box::new(MemoryStateStore::default()),
    );
    World {
        source,
        dir,
        syncer,
    }
}

fn apply() -> SyncOptions {
    SyncOptions::dry_run().apply(true)
}

fn kinds(result: &CycleResult) -> Vec<String> {
    result
        .report
        .actions
        .iter()
        .filter(|a| matches!(a.kind, ReportKind::AddMember | ReportKind::RemoveMember))
        .map(|a| {
            format!(
                "{} {} {}",
                a.kind,
                a.employee_id,
                a.reason.clone().unwrap_or_default()
            )
        })
        .collect()
}

// Employees whose id starts with 1 have accounts; 2… are new hires.
#[tokio::test]
async fn g1_matching_accounts_join_and_a_new_hire_joins_after_its_create() {
    let staff = [
        in_dept("11", "Finance"),
        in_dept("12", "Sales"),
        in_dept("13", "pre-sales"),
        in_dept("21", "Finance"),
    ];
    let mut w = world(policy(""), &staff, &[]);
    let first = w.cycle().await;
    assert_eq!(first.exit_code(), 0, "{:?}", first.report);
    let hire = w
        .dir
        .user_by_employee_id("21")
        .expect("the new hire's account");
    assert_eq!(
        members(&w.dir, FINANCE),
        BTreeSet::from(["u11".to_owned(), hire.id.as_str().to_owned()])
    );
    assert_eq!(
        members(&w.dir, SALES),
        BTreeSet::from(["u12".to_owned(), "u13".to_owned()]),
        "any value of a list, any case"
    );
    assert_eq!(first.report.summary.group_added, 4);
    assert!(
        kinds(&first)
            .iter()
            .all(|k| k.contains("G1: matches the rule of group")),
        "{:?}",
        kinds(&first)
    );
    let json = first.report.to_json();
    assert!(json.contains("\"group_added\": 4"), "{json}");
    // S10: nothing more to do.
    let second = w.cycle().await;
    assert!(second.plan.is_empty(), "{:?}", second.plan.actions);
    assert!(
        !second.report.to_json().contains("group_added"),
        "a zero count is left out"
    );
}

#[tokio::test]
async fn a_department_move_leaves_the_old_group_and_joins_the_new_one_in_one_run() {
    let mut staff = vec![in_dept("11", "Finance"), in_dept("12", "Sales")];
    let mut w = world(policy(""), &staff, &[]);
    w.cycle().await;
    assert!(members(&w.dir, FINANCE).contains("u11"));
    staff[0] = in_dept("11", "Sales");
    w.change(&staff[0]);
    let moved = w.full_cycle().await;
    assert_eq!(moved.exit_code(), 0);
    assert!(!members(&w.dir, FINANCE).contains("u11"), "left Finance");
    assert!(members(&w.dir, SALES).contains("u11"), "joined Sales");
    let k = kinds(&moved);
    assert!(k.contains(&"remove_member 11 G2: no longer matches the rule of group Finance; the sync had added this membership".to_owned()), "{k:?}");
    assert!(
        k.contains(&"add_member 11 G1: matches the rule of group Sales".to_owned()),
        "{k:?}"
    );
    assert_eq!(
        (
            moved.report.summary.group_added,
            moved.report.summary.group_removed
        ),
        (1, 1)
    );
}

#[tokio::test]
async fn g2_additive_groups_keep_members_the_sync_did_not_add() {
    let staff = [in_dept("11", "Finance"), in_dept("12", "Sales")];
    let mut w = world(policy(""), &staff, &[user("manual", "guest@demo.com")]);
    // An admin put a salesperson and a guest into Finance by hand.
    w.dir.seed_group(GroupInfo::new(
        FINANCE,
        "Finance",
        [id("u12"), id("manual")],
    ));
    let r = w.cycle().await;
    assert_eq!(r.report.summary.group_removed, 0, "{:?}", kinds(&r));
    assert_eq!(
        members(&w.dir, FINANCE),
        BTreeSet::from(["u11".into(), "u12".into(), "manual".into()])
    );
}

#[tokio::test]
async fn g2_authoritative_groups_lose_every_non_matching_member_but_never_protected_ones() {
    let staff = [in_dept("11", "Finance"), in_dept("12", "Sales")];
    let mut text_policy = policy("[scope]\nprotected_upns = [\"admin@*\"]");
    text_policy.groups[0].mode = hris_sync_core::policy::GroupMode::Authoritative;
    let mut w = world(
        text_policy,
        &staff,
        &[
            user("manual", "guest@demo.com"),
            user("adm", "admin@demo.com"),
        ],
    );
    w.dir.seed_group(GroupInfo::new(
        FINANCE,
        "Finance",
        [id("u12"), id("manual"), id("adm")],
    ));
    let r = w.cycle().await;
    assert_eq!(r.exit_code(), 0);
    assert_eq!(
        members(&w.dir, FINANCE),
        BTreeSet::from(["u11".into(), "adm".into()])
    );
    let k = kinds(&r);
    assert!(
        k.contains(
            &"remove_member 12 G2: does not match the rule of authoritative group Finance"
                .to_owned()
        ),
        "{k:?}"
    );
    assert!(
        k.contains(
            &"remove_member  G2: does not match the rule of authoritative group Finance".to_owned()
        ),
        "nobody's account: {k:?}"
    );
}

#[tokio::test]
async fn an_authoritative_group_emptied_by_a_bad_export_is_held_by_the_guard() {
    let staff = [in_dept("11", "Finance")];
    let mut p = policy("[safety]\nmax_group_removals = 5");
    p.groups[0].mode = hris_sync_core::policy::GroupMode::Authoritative;
    let strangers: Vec<_> = (0..8)
        .map(|i| user(&format!("x{i}"), &format!("x{i}@demo.com")))
        .collect();
    let mut w = world(p, &staff, &strangers);
    w.dir.seed_group(GroupInfo::new(
        FINANCE,
        "Finance",
        strangers.iter().map(|u| u.id.clone()),
    ));
    let held = w.cycle().await;
    assert_eq!(held.exit_code(), 3, "held: exit 3");
    assert_eq!(held.report.summary.held, 8);
    assert_eq!(
        members(&w.dir, FINANCE).len(),
        9,
        "nobody removed, the one match added"
    );
    let reasons: Vec<_> = held
        .report
        .actions
        .iter()
        .filter(|a| a.status == Status::Held)
        .filter_map(|a| a.reason.clone())
        .collect();
    assert!(
        reasons.iter().all(|r| r.contains("max_group_removals")),
        "{reasons:?}"
    );
    // The operator's override lets them through.
    let released = w
        .syncer
        .run_cycle(now(), &apply().allow_mass_disable(true))
        .await
        .unwrap();
    assert_eq!(released.exit_code(), 0);
    assert_eq!(members(&w.dir, FINANCE), BTreeSet::from(["u11".to_owned()]));
}

#[tokio::test]
async fn g5_a_leaver_leaves_the_groups_and_a_rehire_comes_back() {
    let mut staff = vec![in_dept("11", "Finance"), in_dept("12", "Finance")];
    let mut w = world(policy(""), &staff, &[]);
    w.cycle().await;
    staff[0].termination_date = Some(day("2025-09-15"));
    w.change(&staff[0]);
    let left = w.full_cycle().await;
    assert!(!w.dir.user(&id("u11")).unwrap().account_enabled);
    assert!(!members(&w.dir, FINANCE).contains("u11"));
    assert!(
        kinds(&left).contains(
            &"remove_member 11 G5: the account is disabled; it leaves group Finance".to_owned()
        ),
        "{:?}",
        kinds(&left)
    );
    staff[0].termination_date = None;
    w.change(&staff[0]);
    let back = w.full_cycle().await;
    assert!(w.dir.user(&id("u11")).unwrap().account_enabled);
    assert!(members(&w.dir, FINANCE).contains("u11"));
    assert!(
        kinds(&back).contains(&"add_member 11 G5: enabled again; back in group Finance".to_owned()),
        "{:?}",
        kinds(&back)
    );
}

#[tokio::test]
async fn g5_keep_groups_on_disable_keeps_a_leavers_memberships() {
    let mut staff = vec![in_dept("11", "Finance")];
    let mut pol = policy("");
    pol.lifecycle.keep_groups_on_disable = true;
    let mut w = world(pol, &staff, &[]);
    w.cycle().await;
    staff[0].termination_date = Some(day("2025-09-15"));
    w.change(&staff[0]);
    let left = w.full_cycle().await;
    assert!(!w.dir.user(&id("u11")).unwrap().account_enabled);
    assert_eq!(left.report.summary.group_removed, 0);
    assert!(members(&w.dir, FINANCE).contains("u11"));
}

#[tokio::test]
async fn a_held_disable_holds_its_group_removals_too() {
    let mut staff: Vec<Employee> = (10..22)
        .map(|i| in_dept(&format!("1{i}"), "Finance"))
        .collect();
    let mut w = world(
        policy("[safety]\nmax_disables = 2\nmax_disable_percent = 5"),
        &staff,
        &[],
    );
    w.cycle().await;
    for e in &mut staff {
        e.termination_date = Some(day("2025-09-15"));
        w.source.upsert(e.clone());
    }
    let r = w.full_cycle().await;
    assert_eq!(r.exit_code(), 3);
    assert_eq!(r.report.summary.group_removed, 0);
    assert_eq!(
        members(&w.dir, FINANCE).len(),
        12,
        "the leavers are still enabled, still members"
    );
    assert_eq!(
        r.report.summary.held, 24,
        "12 disables and their 12 removals"
    );
}

#[tokio::test]
async fn g3_a_refused_or_missing_group_stops_the_run_naming_it() {
    let staff = [in_dept("11", "Finance")];
    for (refusal, words) in [
        (GroupRefusal::Dynamic, "dynamic"),
        (GroupRefusal::RoleAssignable, "role-assignable"),
        (GroupRefusal::MailEnabled, "mail-enabled"),
        (GroupRefusal::OnPremises, "on-premises"),
    ] {
        let mut w = world(policy(""), &staff, &[]);
        w.dir
            .seed_group(GroupInfo::new(FINANCE, "Finance (dyn)", []).refused(refusal));
        let err = w.syncer.run_cycle(now(), &apply()).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfig, "{err}");
        assert!(err.message().starts_with("group[0] (Finance,"), "{err}");
        assert!(err.message().contains(words), "{err}");
        assert!(w.dir.writes().is_empty(), "nothing written");
    }
    let mut p = policy("");
    p.groups[1].id = "00000000-0000-0000-0000-000000000404".into();
    let mut w = world(p, &staff, &[]);
    let err = w.syncer.run_cycle(now(), &apply()).await.unwrap_err();
    assert!(err.message().starts_with("group[1] (Sales,"), "{err}");
    assert!(err.message().contains("no such group"), "{err}");
}

#[test]
fn s9_a_plan_with_groups_is_the_same_for_any_input_order() {
    use hris_sync_core::{SyncHistory, plan_with_groups};
    let staff: Vec<Employee> = (10..40)
        .map(|i| in_dept(&format!("1{i}"), ["Finance", "Sales", "Legal"][i % 3]))
        .collect();
    let users: Vec<_> = staff.iter().map(account).collect();
    let mut p = policy("");
    p.groups[1].mode = hris_sync_core::policy::GroupMode::Authoritative;
    let groups = hris_sync_core::GroupMembers::from([
        (FINANCE.to_owned(), BTreeSet::from([id("u110"), id("u111")])),
        (SALES.to_owned(), BTreeSet::from([id("u110"), id("u113")])),
    ]);
    let history = SyncHistory {
        group_members: [(FINANCE.to_owned(), BTreeSet::from([id("u111")]))].into(),
        ..SyncHistory::default()
    };
    let a = plan_with_groups(&staff, &users, &p, now(), &history, &groups);
    let mut rev_staff = staff.clone();
    rev_staff.reverse();
    let mut rev_users = users.clone();
    rev_users.reverse();
    let b = plan_with_groups(&rev_staff, &rev_users, &p, now(), &history, &groups);
    assert_eq!(a.to_json(), b.to_json());
    assert!(
        a.count("add_member") > 0 && a.count("remove_member") > 0,
        "{}",
        a.to_json()
    );
}
