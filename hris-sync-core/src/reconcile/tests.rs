//! Unit tests of the planner's bookkeeping; the workflows are in `tests/workflows.rs`.

use super::*;
use crate::employee::EmployeeStatus;

fn policy() -> Policy {
    Policy::with_domain("demo.com").unwrap()
}

fn now() -> DateTime<Utc> {
    "2025-10-01T08:00:00Z".parse().unwrap()
}

fn emp(id: &str, email: &str) -> Employee {
    let mut e = Employee::new(EmployeeId::new(id).unwrap(), EmployeeStatus::Active);
    e.first_name = Some("Anna".into());
    e.last_name = Some(format!("Weber{id}"));
    e.email = Some(email.into());
    e
}

// S1: two HR records with one id are reported once, and neither is acted on.
#[test]
fn duplicate_hr_records_are_reported_once() {
    let p = plan(
        &[
            emp("1", "a@x.com"),
            emp("1", "b@x.com"),
            emp("2", "c@x.com"),
        ],
        &[],
        &policy(),
        now(),
    );
    let dups: Vec<_> = p
        .skipped
        .iter()
        .filter(|s| s.reason == Reason::DuplicateEmployeeRecord)
        .collect();
    assert_eq!(dups.len(), 1);
    assert_eq!(p.count("create"), 1);
    assert_eq!(p.unchanged, 0);
}

// S2: several enabled accounts matching one email is a conflict.
#[test]
fn ambiguous_email_is_a_conflict() {
    let a = DirectoryUser::new("u1", "anna@demo.com");
    let b = DirectoryUser::new("u2", "ANNA@demo.com");
    let p = plan(&[emp("1", "anna@demo.com")], &[a, b], &policy(), now());
    assert!(p.is_empty());
    assert_eq!(p.skipped[0].reason, Reason::AmbiguousEmail(2));
    assert!(p.skipped[0].conflict);
}

// S8: an employee whose email is the *mail* of a protected user is out of scope too.
#[test]
fn out_of_scope_by_mail() {
    let mut file = crate::policy::ConfigFile::default();
    file.upn.domain = Some("demo.com".into());
    file.scope.protected_upns = vec!["svc-*".into()];
    let policy = file
        .validate(
            &crate::policy::SourceTraits::default(),
            &crate::memory::MemoryDirectory::traits(),
        )
        .unwrap();
    let mut svc = DirectoryUser::new("u1", "svc-mailer@demo.com");
    svc.mail = Some("anna@demo.com".into());
    let p = plan(&[emp("1", "anna@demo.com")], &[svc], &policy, now());
    assert!(p.is_empty());
    assert_eq!(
        p.skipped[0].reason,
        Reason::OutOfScope(OutOfScope::Protected)
    );
}

// Every employee is counted once: acted on, skipped, or unchanged.
#[test]
fn unchanged_counts_the_rest() {
    let mut linked = DirectoryUser::new("u1", "anna1@demo.com");
    linked.employee_id = Some("1".into());
    linked.properties.insert(
        DirectoryProperty::DISPLAY_NAME,
        PropertyValue::text("Anna Weber1"),
    );
    linked
        .properties
        .insert(DirectoryProperty::GIVEN_NAME, PropertyValue::text("Anna"));
    linked
        .properties
        .insert(DirectoryProperty::SURNAME, PropertyValue::text("Weber1"));
    let mut gone = emp("3", "g@x.com");
    gone.status = EmployeeStatus::Inactive;
    let p = plan(
        &[emp("1", "anna1@demo.com"), emp("2", "b@x.com"), gone],
        &[linked],
        &policy(),
        now(),
    );
    assert_eq!(p.count("create"), 1);
    assert_eq!(p.skipped.len(), 1);
    assert_eq!(p.unchanged, 1);
    assert_eq!(p.linked_users, 1);
}
