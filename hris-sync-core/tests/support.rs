//! Builders shared by the tests.

use hris_sync_core::chrono::{DateTime, NaiveDate as Date, TimeDelta, Utc};
use hris_sync_core::reconcile::Skipped;
use hris_sync_core::{Action, DirectoryUser, Employee, EmployeeId, EmployeeStatus, Plan, Policy};

/// `fixtures/policy.toml`: first.last@demo.com, Europe/Berlin, department, position and manager.
pub(crate) const BASE_POLICY: &str = include_str!("fixtures/policy.toml");

pub(crate) fn policy() -> Policy {
    Policy::from_toml(BASE_POLICY).unwrap()
}

/// The base policy with extra lines appended to the `[upn]` table.
pub(crate) fn policy_upn(extra: &str) -> Policy {
    let text = BASE_POLICY.replacen("[upn]\n", &format!("[upn]\n{extra}\n"), 1);
    Policy::from_toml(&text).unwrap()
}

/// The base policy with extra lines appended to the `[lifecycle]` table.
pub(crate) fn policy_lifecycle(extra: &str) -> Policy {
    let text = BASE_POLICY.replacen("[lifecycle]\n", &format!("[lifecycle]\n{extra}\n"), 1);
    Policy::from_toml(&text).unwrap()
}

pub(crate) fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

pub(crate) fn day(s: &str) -> Date {
    s.parse().unwrap()
}

/// An active employee with names and an email `first.last@demo.com`-ish.
pub(crate) fn emp(id: &str, first: &str, last: &str) -> Employee {
    let mut e = Employee::new(EmployeeId::new(id).unwrap(), EmployeeStatus::Active);
    e.first_name = Some(first.to_owned());
    e.last_name = Some(last.to_owned());
    e.email = Some(format!("e{id}@demo.com"));
    e.created_at = Some(at("2024-01-01T00:00:00Z"));
    e
}

pub(crate) fn user(id: &str, upn: &str) -> DirectoryUser {
    DirectoryUser::new(id, upn)
}

pub(crate) fn linked_user(id: &str, upn: &str, employee_id: &str) -> DirectoryUser {
    let mut u = DirectoryUser::new(id, upn);
    u.employee_id = Some(employee_id.to_owned());
    u
}

pub(crate) fn creates(plan: &Plan) -> Vec<(&str, &str)> {
    plan.actions
        .iter()
        .filter_map(|a| match a {
            Action::Create {
                employee_id, upn, ..
            } => Some((employee_id.as_str(), upn.as_str())),
            _ => None,
        })
        .collect()
}

pub(crate) fn skipped_for<'p>(plan: &'p Plan, id: &str) -> Option<&'p Skipped> {
    plan.skipped
        .iter()
        .find(|s| s.employee_id.as_ref().is_some_and(|e| e.as_str() == id))
}

pub(crate) fn kinds_for<'p>(plan: &'p Plan, id: &str) -> Vec<&'p str> {
    plan.actions
        .iter()
        .filter(|a| a.employee_id().is_some_and(|e| e.as_str() == id))
        .map(Action::kind)
        .collect()
}

pub(crate) fn now() -> DateTime<Utc> {
    at("2025-10-01T08:00:00Z")
}

/// A generated employee for property tests: `status` picks active, onboarding, leave or
/// inactive; `term` picks no termination, Jun 30, Sep 30 (the day before `now()`), or a
/// future one; `created` is hours after 2024-01-01 (ties on purpose).
pub(crate) fn generated(
    index: usize,
    (first, last): (&str, &str),
    status: u8,
    term: u8,
    created: u32,
    supervisor: Option<usize>,
) -> Employee {
    let mut e = emp(&(index + 1).to_string(), first, last);
    e.status = [
        EmployeeStatus::Active,
        EmployeeStatus::Onboarding,
        EmployeeStatus::Leave,
        EmployeeStatus::Inactive,
    ][usize::from(status % 4)];
    e.termination_date = match term % 4 {
        1 => Some(day("2025-06-30")),
        2 => Some(day("2025-09-30")),
        3 => Some(day("2026-03-31")),
        _ => None,
    };
    e.created_at = Some(at("2024-01-01T00:00:00Z") + TimeDelta::hours(i64::from(created)));
    e.supervisor_id = supervisor.map(|s| EmployeeId::new(s.to_string()).unwrap());
    e
}

/// The base policy with extra TOML (e.g. more `[[mapping]]` tables) appended.
pub(crate) fn policy_extra(extra: &str) -> Policy {
    Policy::from_toml(&format!("{BASE_POLICY}\n{extra}")).unwrap()
}

/// The base policy with a `[[mapping]]` more for each `(source, target)`.
pub(crate) fn policy_mapping(mappings: &[(&str, &str)]) -> Policy {
    let extra: String = mappings
        .iter()
        .map(|(s, t)| format!("[[mapping]]\nsource = {s:?}\ntarget = {t:?}\n"))
        .collect();
    policy_extra(&extra)
}

/// The report's actions of one kind, in report order.
pub(crate) fn of_kind(
    report: &hris_sync_core::engine::SyncReport,
    kind: hris_sync_core::engine::ReportKind,
) -> Vec<&hris_sync_core::engine::ReportAction> {
    report.actions.iter().filter(|a| a.kind == kind).collect()
}
