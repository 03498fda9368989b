//! What the end-to-end tests share.

use std::collections::BTreeMap;

use hris_sync_cli::demo::Demo;
use hris_sync_core::Employee;
use hris_sync_core::chrono::{DateTime, Utc};
use hris_sync_core::engine::SyncOptions;

pub(crate) fn now() -> DateTime<Utc> {
    "2026-11-27T09:00:00Z".parse().unwrap()
}

/// A configuration fixture with each `{key}` replaced by its value.
pub(crate) fn fill(template: &str, values: &[(&str, &str)]) -> String {
    values
        .iter()
        .fold(template.to_owned(), |text, (key, value)| {
            text.replace(&format!("{{{key}}}"), value)
        })
}

/// A copy of the employee with this id; the test fails when there is none.
pub(crate) fn employee(staff: &[Employee], id: &str) -> Employee {
    staff.iter().find(|e| e.id.as_str() == id).cloned().unwrap()
}

pub(crate) fn apply() -> SyncOptions {
    SyncOptions {
        apply: true,
        ..SyncOptions::default()
    }
}

/// The directory as a comparable value: per UPN, the employee id, enabled, the manager's UPN
/// and every property.
pub(crate) fn directory_state(d: &Demo) -> BTreeMap<String, String> {
    let users = d.graph.users();
    let upn_of: BTreeMap<_, _> = users
        .iter()
        .map(|u| (u.id.clone(), u.user_principal_name.clone()))
        .collect();
    users
        .iter()
        .map(|u| {
            let manager = u.manager_id.as_ref().and_then(|m| upn_of.get(m)).cloned();
            let props: Vec<String> = u
                .properties
                .iter()
                .map(|(p, v)| format!("{p}={v}"))
                .collect();
            (
                u.user_principal_name.clone(),
                format!(
                    "{:?}|{}|{manager:?}|{}",
                    u.employee_id,
                    u.account_enabled,
                    props.join(",")
                ),
            )
        })
        .collect()
}

/// Fails, saying `context` and the UPNs that differ, unless the directory is `expected` (a
/// [`directory_state`]) and no employee has two accounts.
pub(crate) fn assert_directory(d: &Demo, expected: &BTreeMap<String, String>, context: &str) {
    no_duplicate_accounts(d);
    let got = directory_state(d);
    let diff: Vec<_> = expected
        .iter()
        .filter(|(upn, v)| got.get(*upn) != Some(v))
        .map(|(upn, _)| upn.clone())
        .collect();
    assert!(
        diff.is_empty() && got.len() == expected.len(),
        "{context}: differs at {diff:?}"
    );
}

/// Fails when an employee id is carried by two accounts.
pub(crate) fn no_duplicate_accounts(d: &Demo) {
    let mut seen = BTreeMap::new();
    for u in d.graph.users() {
        if let Some(id) = u.employee_id {
            *seen.entry(id).or_insert(0) += 1;
        }
    }
    let dups: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
    assert!(dups.is_empty(), "employees with two accounts: {dups:?}");
}
