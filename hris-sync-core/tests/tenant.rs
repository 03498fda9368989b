//! docs/rules.md §7: the real-tenant rules the core owns (T5, T6, T11).

use async_trait::async_trait;
use hris_sync_core::DiscardCredentials;
use hris_sync_core::apply::apply_plan;
use hris_sync_core::memory::{MemoryDirectory, WriteRecord};
use hris_sync_core::raw::{DirectoryProperty, Operation, Outcome, PropertyValue};
use hris_sync_core::testkit::{Intercept, WriteHook};
use hris_sync_core::{
    Action, Directory, EmployeeStatus, Error, ErrorKind, Reason, SyncHistory, plan,
};

use crate::support::{emp, linked_user, now, policy_lifecycle, policy_mapping};

/// A directory whose app may not revoke sessions (T1: `User.RevokeSessions.All` missing).
#[derive(Debug)]
struct NoRevoke;

#[async_trait]
impl WriteHook<MemoryDirectory> for NoRevoke {
    async fn apply(&self, inner: &MemoryDirectory, operations: &[Operation]) -> Vec<Outcome> {
        let mut out = Vec::new();
        for op in operations {
            if matches!(op, Operation::RevokeSessions { .. }) {
                out.push(Err(Error::new(
                    ErrorKind::PermissionDenied,
                    "403 Authorization_RequestDenied",
                )));
            } else {
                out.extend(inner.apply(std::slice::from_ref(op)).await);
            }
        }
        out
    }
}

// T6: a disable is `accountEnabled = false` alone; revoking sessions and the leave date are
// writes of their own after it. A failed revoke is reported and the leaver stays disabled,
// recorded as disabled by the sync (S6).
#[tokio::test(flavor = "current_thread")]
async fn t6_disable_stands_alone_and_a_failed_revoke_keeps_the_leaver_disabled() {
    let mut e = emp("1", "Lena", "Vogt");
    e.status = EmployeeStatus::Inactive;
    let u = linked_user("u1", "lena.vogt@demo.com", "1");
    let policy = policy_lifecycle("set_leave_date_time = true");
    let p = plan(&[e], &[u.clone()], &policy, now());
    assert_eq!(p.count("disable"), 1);
    let memory = MemoryDirectory::new(["demo.com"]);
    memory.seed(u.clone()).unwrap();
    let dir = Intercept::new(memory, NoRevoke);
    let mut history = SyncHistory::default();
    let outcomes = apply_plan(&p, &dir, &mut history, &DiscardCredentials).await;
    let disable = outcomes
        .iter()
        .find(|o| matches!(o.action, Action::Disable { .. }))
        .unwrap();
    assert!(disable.result.is_ok(), "{:?}", disable.result);
    assert!(
        disable.warnings.iter().any(|w| w.contains("revoking")),
        "{:?}",
        disable.warnings
    );
    assert!(history.disabled_by_sync.contains(&u.id));
    assert!(!dir.inner.user(&u.id).unwrap().account_enabled);
    let updates: Vec<Vec<DirectoryProperty>> = dir
        .inner
        .writes()
        .into_iter()
        .filter_map(|w| match w {
            WriteRecord::Update(_, props) => Some(props),
            _ => None,
        })
        .collect();
    // (The names are brought in step first, by the update phase.)
    assert!(
        updates.ends_with(&[
            vec![DirectoryProperty::ACCOUNT_ENABLED],
            vec![hris_sync_core::memory::sample::EMPLOYEE_LEAVE_DATE_TIME]
        ]),
        "the disable alone, then the leave date after it: {updates:?}"
    );
}

// T5: a change to one field of a complex property carries every other field as read, so an
// unmapped cost center or extension attribute is never nulled.
#[test]
fn t5_complex_properties_are_written_whole() {
    let policy = policy_mapping(&[
        ("department", "employeeOrgData.division"),
        ("position", "extensionAttribute3"),
    ]);
    let mut e = emp("1", "Lena", "Vogt");
    e.attributes.insert(
        "department".into(),
        hris_sync_core::AttributeValue::Text("R&D".into()),
    );
    e.attributes.insert(
        "position".into(),
        hris_sync_core::AttributeValue::Text("Engineer".into()),
    );
    let mut u = linked_user("u1", "e1@demo.com", "1");
    u.properties.insert(
        hris_sync_core::memory::sample::COST_CENTER,
        PropertyValue::text("CC-4711"),
    );
    u.properties.insert(
        hris_sync_core::memory::sample::extension_attribute(9),
        PropertyValue::text("badge-77"),
    );
    let p = plan(&[e], &[u], &policy, now());
    let changes = p
        .actions
        .iter()
        .find_map(|a| match a {
            Action::Update { changes, .. } | Action::Link { changes, .. } => Some(changes),
            _ => None,
        })
        .unwrap();
    assert_eq!(
        changes[&hris_sync_core::memory::sample::COST_CENTER].to,
        Some(PropertyValue::text("CC-4711"))
    );
    assert_eq!(
        changes[&hris_sync_core::memory::sample::extension_attribute(9)].to,
        Some(PropertyValue::text("badge-77"))
    );
    assert_eq!(
        changes[&hris_sync_core::memory::sample::extension_attribute(1)].to,
        None
    );
    assert_eq!(
        changes[&hris_sync_core::memory::sample::DIVISION].to,
        Some(PropertyValue::text("R&D"))
    );
}

// T11: a previously synchronised account (`onPremisesSyncEnabled = false`) is written, but
// its extension attributes are reported, not written; a never-synchronised one gets them.
#[test]
fn t11_previously_synced_users_get_no_extension_attributes() {
    let policy = policy_mapping(&[("dynamic_99", "extensionAttribute3")]);
    let mut e = emp("1", "Lena", "Vogt");
    e.attributes.insert(
        "dynamic_99".into(),
        hris_sync_core::AttributeValue::Text("Engineer".into()),
    );
    let mut u = linked_user("u1", "e1@demo.com", "1");
    u.previously_synced = true;
    let p = plan(&[e.clone()], &[u.clone()], &policy, now());
    let Some(Action::Update {
        changes, warnings, ..
    }) = p.actions.first()
    else {
        panic!("{:?}", p.actions)
    };
    assert!(
        changes.contains_key(&DirectoryProperty::GIVEN_NAME),
        "still written"
    );
    assert!(
        !changes
            .keys()
            .any(|k| k.name().starts_with("extensionAttribute"))
    );
    assert!(warnings.contains(&Reason::PreviouslySynced {
        property: hris_sync_core::memory::sample::extension_attribute(3)
    }));
    u.previously_synced = false;
    let p = plan(&[e], &[u], &policy, now());
    let Some(Action::Update { changes, .. }) = p.actions.first() else {
        panic!()
    };
    assert!(changes.contains_key(&hris_sync_core::memory::sample::extension_attribute(3)));
}
