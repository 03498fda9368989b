//! docs/rules.md §2, S1–S9: the sync workflows, one test per behaviour, planned through `plan`.

use hris_sync_core::guard::{self, DisableVerdict};
use hris_sync_core::raw::{DirectoryProperty, PropertyValue};
use hris_sync_core::reconcile::{OutOfScope, UserRef};
use hris_sync_core::{
    Action, AttributeValue, DirectoryUserId, EmployeeId, EmployeeStatus, ObjectKind, Reason,
    SyncHistory, plan, plan_with_history,
};

use crate::support::{
    at, day, emp, kinds_for, linked_user, now, policy, policy_lifecycle, skipped_for, user,
};

fn text(s: &str) -> Option<PropertyValue> {
    Some(PropertyValue::Text(s.to_owned()))
}

/// A linked user already in step with `emp(id, first, last)` under the base policy.
fn in_step(
    uid: &str,
    upn: &str,
    id: &str,
    first: &str,
    last: &str,
) -> hris_sync_core::DirectoryUser {
    let mut u = linked_user(uid, upn, id);
    let names = [
        (DirectoryProperty::DISPLAY_NAME, format!("{first} {last}")),
        (DirectoryProperty::GIVEN_NAME, first.to_owned()),
        (DirectoryProperty::SURNAME, last.to_owned()),
    ];
    u.properties
        .extend(names.map(|(p, v)| (p, PropertyValue::text(v))));
    u
}

// S2: an unlinked enabled user whose UPN equals the email is linked by writing employeeId.
#[test]
fn s2_link_by_email_writes_employee_id() {
    let mut e = emp("42", "Lena", "Vogt");
    e.email = Some("Lena.Vogt@demo.com".into());
    let u = user("u1", "lena.vogt@demo.com");
    let plan = plan(&[e], &[u], &policy(), now());
    assert_eq!(kinds_for(&plan, "42"), ["link"]);
    let Action::Link {
        user_id, changes, ..
    } = &plan.actions[0]
    else {
        panic!()
    };
    assert_eq!(user_id.as_str(), "u1");
    assert_eq!(changes[&DirectoryProperty::EMPLOYEE_ID].to, text("42"));
    assert_eq!(changes[&DirectoryProperty::GIVEN_NAME].to, text("Lena"));
}

// S2: a disabled user is never a link candidate; the employee is created and, since the
// disabled user keeps its UPN, gets the U3 suffix.
#[test]
fn s2_never_links_a_disabled_user() {
    let mut e = emp("42", "Lena", "Vogt");
    e.email = Some("lena.vogt@demo.com".into());
    let mut u = user("u1", "lena.vogt@demo.com");
    u.account_enabled = false;
    let plan = plan(&[e], &[u], &policy(), now());
    assert_eq!(kinds_for(&plan, "42"), ["create"]);
    assert_eq!(plan.actions[0].upn(), "lena.vogt_42@demo.com");
}

// S2: a candidate carrying another employeeId is a conflict: nothing linked, nothing created.
#[test]
fn s2_candidate_linked_to_someone_else_is_a_conflict() {
    let mut e = emp("42", "Lena", "Vogt");
    e.email = Some("lena.vogt@demo.com".into());
    let u = linked_user("u1", "lena.vogt@demo.com", "7");
    let plan = plan(&[e], &[u], &policy(), now());
    assert!(plan.actions.is_empty());
    let s = skipped_for(&plan, "42").unwrap();
    assert!(s.conflict);
    assert_eq!(s.reason, Reason::LinkedToOther("7".into()));
}

// S2: two employees with the same email are both reported; neither is linked nor created.
#[test]
fn s2_duplicate_email_blocks_both() {
    let mut a = emp("1", "Lena", "Vogt");
    let mut b = emp("2", "Lena", "Vogt");
    a.email = Some("lena@demo.com".into());
    b.email = Some("LENA@demo.com".into());
    let plan = plan(&[a, b], &[user("u1", "lena@demo.com")], &policy(), now());
    assert!(plan.actions.is_empty(), "{:?}", plan.actions);
    for id in ["1", "2"] {
        let s = skipped_for(&plan, id).unwrap();
        assert!(s.conflict);
        assert!(matches!(s.reason, Reason::DuplicateEmail(_)));
    }
}

// S3: provisioning refuses missing names or email, inactive employees and any termination
// date (a future one only with the option).
#[test]
fn s3_provisioning_refusals() {
    let mut no_first = emp("1", "", "Vogt");
    no_first.first_name = None;
    let no_last = emp("2", "Lena", "  ");
    let mut no_email = emp("3", "Lena", "Vogt");
    no_email.email = None;
    let mut inactive = emp("4", "Lena", "Vogt");
    inactive.status = EmployeeStatus::Inactive;
    let mut left = emp("5", "Lena", "Vogt");
    left.termination_date = Some(day("2025-09-01"));
    let mut leaving = emp("6", "Lena", "Vogt");
    leaving.termination_date = Some(day("2025-12-31"));
    let all = [no_first, no_last, no_email, inactive, left, leaving.clone()];
    let plan_default = plan(&all, &[], &policy(), now());
    assert!(
        plan_default.actions.is_empty(),
        "{:?}",
        plan_default.actions
    );
    let expect = [
        ("1", Reason::MissingField("first_name")),
        ("2", Reason::MissingField("last_name")),
        ("3", Reason::MissingField("email")),
        ("4", Reason::Inactive),
        ("5", Reason::Terminated(day("2025-09-01"))),
        ("6", Reason::Terminated(day("2025-12-31"))),
    ];
    for (id, reason) in expect {
        assert_eq!(
            skipped_for(&plan_default, id).unwrap().reason,
            reason,
            "employee {id}"
        );
    }
    // The option allows a future termination date.
    let opt = policy_lifecycle("provision_future_leavers = true");
    let plan_opt = plan(&[leaving], &[], &opt, now());
    assert_eq!(kinds_for(&plan_opt, "6"), ["create"]);
}

// S3: a create carries every mapped attribute in the same request.
#[test]
fn s3_create_carries_every_mapped_attribute() {
    let policy = hris_sync_core::Policy::from_toml(crate::support::BASE_POLICY).unwrap();
    let mut e = emp("1", "Zoë", "Müller");
    e.preferred_name = Some("Zoe Mueller".into());
    e.attributes
        .insert("department".into(), AttributeValue::text("Engineering"));
    e.attributes
        .insert("position".into(), AttributeValue::text("Backend Engineer"));
    let plan = plan(&[e], &[], &policy, now());
    let Action::Create {
        display_name,
        given_name,
        surname,
        properties,
        account_enabled,
        ..
    } = &plan.actions[0]
    else {
        panic!("{:?}", plan.actions)
    };
    assert_eq!(display_name, "Zoe Mueller");
    assert_eq!((given_name.as_str(), surname.as_str()), ("Zoë", "Müller"));
    assert!(account_enabled);
    assert_eq!(
        properties[&hris_sync_core::memory::sample::DEPARTMENT],
        PropertyValue::text("Engineering")
    );
    assert_eq!(
        properties[&hris_sync_core::memory::sample::JOB_TITLE],
        PropertyValue::text("Backend Engineer")
    );
}

// S4: only changed attributes are written; an absent attribute never clears; an empty one
// does; a value over Graph's limit is truncated and reported.
#[test]
fn s4_update_writes_only_changes() {
    let mut e = emp("1", "Lena", "Vogt");
    e.attributes
        .insert("department".into(), AttributeValue::text("Sales"));
    e.attributes
        .insert("position".into(), AttributeValue::Empty);
    let mut u = in_step("u1", "lena.vogt@demo.com", "1", "Lena", "Vogt");
    u.properties.insert(
        hris_sync_core::memory::sample::DEPARTMENT,
        PropertyValue::text("Engineering"),
    );
    u.properties.insert(
        hris_sync_core::memory::sample::JOB_TITLE,
        PropertyValue::text("Engineer"),
    );
    let p = plan(&[e.clone()], &[u.clone()], &policy(), now());
    assert_eq!(kinds_for(&p, "1"), ["update"]);
    let Action::Update { changes, .. } = &p.actions[0] else {
        panic!()
    };
    let keys: Vec<_> = changes.keys().cloned().collect();
    assert_eq!(
        keys,
        // In name order.
        [
            hris_sync_core::memory::sample::DEPARTMENT,
            hris_sync_core::memory::sample::JOB_TITLE,
        ]
    );
    assert_eq!(
        changes[&hris_sync_core::memory::sample::DEPARTMENT].from,
        text("Engineering")
    );
    assert_eq!(
        changes[&hris_sync_core::memory::sample::DEPARTMENT].to,
        text("Sales")
    );
    assert_eq!(changes[&hris_sync_core::memory::sample::JOB_TITLE].to, None);

    // Absent: the HR system did not return `position` at all → the title stays.
    e.attributes.remove("position");
    let p = plan(&[e.clone()], &[u.clone()], &policy(), now());
    let Action::Update { changes, .. } = &p.actions[0] else {
        panic!()
    };
    assert!(!changes.contains_key(&hris_sync_core::memory::sample::JOB_TITLE));

    // Too long: cut to 64 and reported.
    e.attributes
        .insert("department".into(), AttributeValue::text("D".repeat(80)));
    let p = plan(&[e], &[u], &policy(), now());
    let Action::Update {
        changes, warnings, ..
    } = &p.actions[0]
    else {
        panic!()
    };
    assert_eq!(
        changes[&hris_sync_core::memory::sample::DEPARTMENT].to,
        text(&"D".repeat(64))
    );
    assert!(
        warnings
            .iter()
            .any(|w| matches!(w, Reason::Truncated { length: 80, .. }))
    );
}

// S4/U6: a name change updates names, not the UPN.
#[test]
fn s4_u6_marriage_renames_the_person_not_the_upn() {
    let e = emp("1", "Lena", "Keller");
    let u = in_step("u1", "lena.vogt@demo.com", "1", "Lena", "Vogt");
    let p = plan(&[e], &[u], &policy(), now());
    let Action::Update { changes, upn, .. } = &p.actions[0] else {
        panic!()
    };
    assert_eq!(upn, "lena.vogt@demo.com");
    assert_eq!(changes[&DirectoryProperty::SURNAME].to, text("Keller"));
    assert_eq!(
        changes[&DirectoryProperty::DISPLAY_NAME].to,
        text("Lena Keller")
    );
    assert!(!changes.contains_key(&DirectoryProperty::USER_PRINCIPAL_NAME));
}

// U6 option: with `upn.rename = true` the UPN follows the name.
#[test]
fn u6_rename_option() {
    let e = emp("1", "Lena", "Keller");
    let u = in_step("u1", "lena.vogt@demo.com", "1", "Lena", "Vogt");
    let p = plan(
        &[e],
        &[u],
        &crate::support::policy_upn("rename = true"),
        now(),
    );
    let Action::Update { changes, .. } = &p.actions[0] else {
        panic!()
    };
    assert_eq!(
        changes[&DirectoryProperty::USER_PRINCIPAL_NAME].to,
        text("lena.keller@demo.com")
    );
}

// S5: a Sep 30 termination in Europe/Berlin is still enabled on Sep 30 and disabled from Oct 1 —
// including at 23:30 UTC on Sep 30, which is already Oct 1 in Berlin.
#[test]
fn s5_termination_date_in_the_configured_zone() {
    let mut e = emp("1", "Lena", "Vogt");
    e.termination_date = Some(day("2025-09-30"));
    let u = in_step("u1", "lena.vogt@demo.com", "1", "Lena", "Vogt");
    let cases = [
        ("2025-09-30T08:00:00Z", false), // Sep 30, 10:00 in Berlin
        ("2025-09-30T21:59:59Z", false), // Sep 30, 23:59:59 in Berlin
        ("2025-09-30T22:00:00Z", true),  // Oct 1, 00:00 in Berlin
        ("2025-09-30T23:30:00Z", true),  // Oct 1, 01:30 in Berlin
        ("2025-10-01T08:00:00Z", true),
    ];
    for (instant, disabled) in cases {
        let p = plan(&[e.clone()], &[u.clone()], &policy(), at(instant));
        assert_eq!(
            p.count("disable") == 1,
            disabled,
            "at {instant}: {:?}",
            p.actions
        );
    }
    // In UTC the same instant 23:30 on Sep 30 is still Sep 30.
    let utc = hris_sync_core::Policy::from_toml(
        &crate::support::BASE_POLICY.replace("Europe/Berlin", "UTC"),
    )
    .unwrap();
    let p = plan(&[e], &[u], &utc, at("2025-09-30T23:30:00Z"));
    assert_eq!(p.count("disable"), 0);
}

// S5: inactive disables; leave disables only with the option; revoke and leave date follow the options.
#[test]
fn s5_inactive_and_leave() {
    let mut e = emp("1", "Lena", "Vogt");
    let u = in_step("u1", "lena.vogt@demo.com", "1", "Lena", "Vogt");
    e.status = EmployeeStatus::Leave;
    assert_eq!(
        plan(&[e.clone()], &[u.clone()], &policy(), now()).count("disable"),
        0
    );
    let on_leave = policy_lifecycle("disable_on_leave = true\nset_leave_date_time = true");
    let p = plan(&[e.clone()], &[u.clone()], &on_leave, now());
    let Action::Disable {
        reason,
        revoke_sessions,
        leave_date,
        ..
    } = &p.actions[0]
    else {
        panic!()
    };
    assert_eq!(*reason, Reason::OnLeave);
    assert!(revoke_sessions);
    let leave_date_time = leave_date.as_ref().map(|l| l.at.as_str());
    assert_eq!(leave_date_time, Some("2025-10-01T08:00:00Z"));
    e.status = EmployeeStatus::Inactive;
    e.termination_date = Some(day("2025-06-30"));
    let p = plan(&[e], &[u], &on_leave, now());
    let Action::Disable { leave_date, .. } = &p.actions[0] else {
        panic!()
    };
    // End of Jun 30 in Berlin (UTC+2).
    let leave_date_time = leave_date.as_ref().map(|l| l.at.as_str());
    assert_eq!(leave_date_time, Some("2025-06-30T21:59:59Z"));
}

// S5/S8: nothing is ever deleted; users without a link or match are never touched; an
// employee who vanished from HR leaves their account alone.
#[test]
fn s5_s8_nothing_is_deleted_or_touched_without_cause() {
    let stranger = user("u9", "contractor@demo.com");
    let orphan = linked_user("u8", "gone@demo.com", "999");
    let e = emp("1", "Lena", "Vogt");
    let u = in_step("u1", "lena.vogt@demo.com", "1", "Lena", "Vogt");
    let p = plan(&[e], &[u, stranger, orphan], &policy(), now());
    assert!(p.is_empty(), "{:?}", p.actions);
    assert_eq!(p.unchanged, 1);
}

// S6: a rehire is enabled only when this sync disabled the account.
#[test]
fn s6_rehire_enables_only_what_the_sync_disabled() {
    let mut e = emp("1", "Lena", "Vogt");
    e.termination_date = Some(day("2024-03-31"));
    e.hire_date = Some(day("2025-09-01")); // rehired after the old termination
    let mut u = in_step("u1", "lena.vogt@demo.com", "1", "Lena", "Vogt");
    u.account_enabled = false;
    let mut history = SyncHistory::default();
    let p = plan_with_history(&[e.clone()], &[u.clone()], &policy(), now(), &history);
    assert!(p.is_empty());
    assert!(
        p.notices
            .iter()
            .any(|n| n.reason == Reason::DisabledByOther)
    );
    history.disabled_by_sync.insert(DirectoryUserId::new("u1"));
    let p = plan_with_history(&[e.clone()], &[u.clone()], &policy(), now(), &history);
    assert_eq!(kinds_for(&p, "1"), ["enable"]);
    // Still terminated (no new hire date): stays disabled.
    e.hire_date = Some(day("2020-01-01"));
    let p = plan_with_history(&[e], &[u], &policy(), now(), &history);
    assert!(p.is_empty());
}

// S3: prehire_days waits; enable_before_hire = false creates disabled, enabled on the hire date.
#[test]
fn s3_prehire_rules() {
    let mut e = emp("1", "Lena", "Vogt");
    e.hire_date = Some(day("2025-11-01"));
    let wait = policy_lifecycle("prehire_days = 14");
    let p = plan(&[e.clone()], &[], &wait, now());
    assert!(p.is_empty());
    assert!(matches!(
        skipped_for(&p, "1").unwrap().reason,
        Reason::PrehireWaiting { .. }
    ));
    let p = plan(&[e.clone()], &[], &wait, at("2025-10-20T08:00:00Z"));
    assert_eq!(kinds_for(&p, "1"), ["create"]);

    let late = policy_lifecycle("enable_before_hire = false");
    let p = plan(&[e.clone()], &[], &late, now());
    let Action::Create {
        account_enabled, ..
    } = &p.actions[0]
    else {
        panic!()
    };
    assert!(!account_enabled);
    let mut u = in_step("u1", "lena.vogt@demo.com", "1", "Lena", "Vogt");
    u.account_enabled = false;
    let history = SyncHistory {
        disabled_by_sync: [DirectoryUserId::new("u1")].into_iter().collect(),
        ..SyncHistory::default()
    };
    let before = plan_with_history(&[e.clone()], &[u.clone()], &late, now(), &history);
    assert!(before.is_empty());
    let on_day = plan_with_history(&[e], &[u], &late, at("2025-11-01T06:00:00Z"), &history);
    assert_eq!(kinds_for(&on_day, "1"), ["enable"]);
}

// S8: protected, hybrid and agent users are never written; an employee matching one is out of scope.
#[test]
fn s8_scope() {
    let p = hris_sync_core::Policy::from_toml(&format!(
        "{}\n[scope]\nprotected_upns = [\"admin@*\"]\n",
        crate::support::BASE_POLICY
    ))
    .unwrap();
    let mut admin = emp("1", "Ada", "Min");
    admin.email = Some("admin@demo.com".into());
    let mut hybrid_emp = emp("2", "Hy", "Brid");
    hybrid_emp.email = Some("hy@demo.com".into());
    let mut hybrid = user("u2", "hy@demo.com");
    hybrid.on_premises_sync_enabled = true;
    let mut agent = linked_user("u3", "agent@demo.com", "3");
    agent.kind = ObjectKind::Agent;
    let mut agent_emp = emp("3", "Bot", "Agent");
    agent_emp.status = EmployeeStatus::Inactive;
    let plan = plan(
        &[admin, hybrid_emp, agent_emp],
        &[user("u1", "admin@demo.com"), hybrid, agent],
        &p,
        now(),
    );
    assert!(plan.is_empty(), "{:?}", plan.actions);
    let why = |id| match &skipped_for(&plan, id).unwrap().reason {
        Reason::OutOfScope(w) => *w,
        other => panic!("{other:?}"),
    };
    assert_eq!(why("1"), OutOfScope::Protected);
    assert_eq!(why("2"), OutOfScope::Hybrid);
    assert_eq!(why("3"), OutOfScope::Agent);
}

// S1: two users carrying the same employeeId are a conflict; nothing is written to either.
#[test]
fn s1_duplicate_employee_id_in_directory() {
    let mut e = emp("1", "Lena", "Vogt");
    e.status = EmployeeStatus::Inactive;
    let a = linked_user("u1", "lena@demo.com", "1");
    let b = linked_user("u2", "lena2@demo.com", "1");
    let p = plan(&[e], &[a, b], &policy(), now());
    assert!(p.is_empty());
    assert_eq!(
        skipped_for(&p, "1").unwrap().reason,
        Reason::DuplicateLink(2)
    );
}

// S1: an id longer than employeeId's 16 characters is reported, not truncated.
#[test]
fn s1_employee_id_too_long() {
    let e = emp("12345678901234567", "Lena", "Vogt");
    let p = plan(&[e], &[], &policy(), now());
    assert!(p.is_empty());
    assert_eq!(
        skipped_for(&p, "12345678901234567").unwrap().reason,
        Reason::EmployeeIdTooLong
    );
}

// S4: managers are set in a second pass, also between accounts created in the same plan; a
// supervisor without an account is a notice, not an error.
#[test]
fn s4_manager_second_pass() {
    let boss = emp("1", "Jonas", "Keller");
    let mut zoe = emp("2", "Zoë", "Müller");
    zoe.supervisor_id = Some(EmployeeId::new("1").unwrap());
    let mut lena = emp("3", "Lena", "Vogt");
    lena.supervisor_id = Some(EmployeeId::new("404").unwrap());
    let p = plan(&[boss, zoe, lena], &[], &policy(), now());
    let managers: Vec<_> = p
        .actions
        .iter()
        .filter_map(|a| match a {
            Action::SetManager {
                employee_id,
                user,
                to,
                ..
            } => Some((employee_id.as_str(), user.clone(), to.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        managers,
        [(
            "2",
            UserRef::Pending(EmployeeId::new("2").unwrap()),
            Some(UserRef::Pending(EmployeeId::new("1").unwrap()))
        )]
    );
    // Manager actions come after every create.
    let last_create = p
        .actions
        .iter()
        .rposition(|a| a.kind() == "create")
        .unwrap();
    let first_manager = p
        .actions
        .iter()
        .position(|a| a.kind() == "set_manager")
        .unwrap();
    assert!(first_manager > last_create);
    assert!(
        p.notices
            .iter()
            .any(|n| n.reason == Reason::SupervisorWithoutAccount(EmployeeId::new("404").unwrap()))
    );
}

// S7: the guard holds a mass disable.
#[test]
fn s7_guard_holds_a_mass_disable() {
    let employees: Vec<_> = (1..=40)
        .map(|i| {
            let mut e = emp(&i.to_string(), "Lena", &format!("Vogt{i}"));
            if i <= 12 {
                e.status = EmployeeStatus::Inactive;
            }
            e
        })
        .collect();
    let users: Vec<_> = (1..=40)
        .map(|i| {
            in_step(
                &format!("u{i}"),
                &format!("l{i}@demo.com"),
                &i.to_string(),
                "Lena",
                &format!("Vogt{i}"),
            )
        })
        .collect();
    let mut p = plan(&employees, &users, &policy(), now());
    assert_eq!(p.count("disable"), 12);
    assert_eq!(p.linked_users, 40);
    let safety = &policy().safety;
    assert!(matches!(
        guard::check_disables(&p, safety, false),
        DisableVerdict::Held { disables: 12, .. }
    ));
    let held = guard::hold_disables(&mut p, safety, false);
    assert_eq!(held.len(), 12);
    assert_eq!(p.count("disable"), 0);
}

// S9: identical inputs give identical bytes, whatever the input order.
#[test]
fn s9_plan_bytes_are_stable() {
    let mut a = emp("1", "Jonas", "Keller");
    a.attributes
        .insert("department".into(), AttributeValue::text("Sales"));
    let mut b = emp("2", "Zoë", "Müller");
    b.supervisor_id = Some(EmployeeId::new("1").unwrap());
    let c = emp("3", "Hans", "Müller");
    let u1 = user("u1", "e1@demo.com");
    let u2 = user("u2", "zoe.mueller@demo.com");
    let one = plan(
        &[a.clone(), b.clone(), c.clone()],
        &[u1.clone(), u2.clone()],
        &policy(),
        now(),
    )
    .to_json();
    let two = plan(&[c, b, a], &[u2, u1], &policy(), now()).to_json();
    assert_eq!(one, two);
    assert!(one.contains("\"kind\":\"link\""), "{one}");
}
