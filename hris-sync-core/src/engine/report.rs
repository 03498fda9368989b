//! The report of a cycle: docs/rules.md §4's JSON, and what the command-line tool prints.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};

use crate::apply::ActionOutcome;
use crate::reconcile::{Action, ChangeSet, Notice, Plan, Skipped, UserRef};
use crate::source::RejectedRecord;

/// What happened to an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Status {
    /// Planned, not applied (a dry run).
    Planned,
    /// Applied.
    Applied,
    /// Tried and failed.
    Failed,
    /// Held by the mass-disable guard (S7).
    Held,
    /// Not acted on (skips and conflicts).
    Skipped,
    /// An observation that needs no write, only an operator's eye (a notice).
    Noted,
}

impl Status {
    /// The report's name for it (`planned`, `applied`, `failed`, `held`, `skipped`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Planned => "planned",
            Self::Applied => "applied",
            Self::Failed => "failed",
            Self::Held => "held",
            Self::Skipped => "skipped",
            Self::Noted => "noted",
        }
    }
}

/// What a report entry is about; serialised as the snake-case word (`set_manager`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ReportKind {
    /// An existing account linked to its employee (S2).
    Link,
    /// A new account.
    Create,
    /// Attribute changes.
    Update,
    /// A manager change.
    SetManager,
    /// An account disabled (S5).
    Disable,
    /// An account enabled again (S6).
    Enable,
    /// An employee not acted on.
    Skip,
    /// A conflict an operator must resolve.
    Conflict,
    /// An account added to a listed group (G1, G5).
    AddMember,
    /// An account removed from a listed group (G2, G5).
    RemoveMember,
    /// What the plan observed and did not act on (a supervisor without an account, an account
    /// disabled by someone else that a rehire matches), with the rule it comes from.
    Notice,
}

impl ReportKind {
    /// The word used in the JSON report and the table.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Link => "link",
            Self::Create => "create",
            Self::Update => "update",
            Self::SetManager => "set_manager",
            Self::Disable => "disable",
            Self::Enable => "enable",
            Self::Skip => "skip",
            Self::Conflict => "conflict",
            Self::AddMember => "add_member",
            Self::RemoveMember => "remove_member",
            Self::Notice => "notice",
        }
    }

    fn of(action: &Action) -> Self {
        match action {
            Action::Link { .. } => Self::Link,
            Action::Create { .. } => Self::Create,
            Action::Update { .. } => Self::Update,
            Action::SetManager { .. } => Self::SetManager,
            Action::Disable { .. } => Self::Disable,
            Action::Enable { .. } => Self::Enable,
            Action::AddMember { .. } => Self::AddMember,
            Action::RemoveMember { .. } => Self::RemoveMember,
        }
    }
}

impl std::fmt::Display for ReportKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One value's change, `{"from": …, "to": …}` in the JSON report. The values are the
/// directory's JSON values (text, a list, a flag, an id or `null`).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ReportChange {
    /// The value before (`null`: none, or unknown for a new account).
    pub from: Value,
    /// The value after.
    pub to: Value,
}

impl ReportChange {
    fn new(from: impl Serialize, to: impl Serialize) -> Self {
        Self {
            from: json!(from),
            to: json!(to),
        }
    }
}

/// Changes by property name (`department`, `accountEnabled`, `manager`).
pub type ReportChanges = BTreeMap<String, ReportChange>;

/// One entry of the report.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ReportAction {
    /// What the entry is about.
    pub kind: ReportKind,
    /// The employee (empty for a record without a readable id).
    pub employee_id: String,
    /// The UPN involved.
    pub upn: Option<String>,
    /// What changes (`{"property": {"from": …, "to": …}}`).
    pub changes: ReportChanges,
    /// What happened.
    pub status: Status,
    /// Why (skips, conflicts, disables, enables, failures, truncations).
    pub reason: Option<String>,
}

/// Counts by outcome; the keys are exactly docs/rules.md §4's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Summary {
    /// Accounts linked (or to link).
    pub linked: usize,
    /// Accounts created (or to create).
    pub created: usize,
    /// Accounts updated, including manager changes.
    pub updated: usize,
    /// Accounts disabled.
    pub disabled: usize,
    /// Accounts enabled.
    pub enabled: usize,
    /// Employees not acted on.
    pub skipped: usize,
    /// Conflicts an operator must resolve.
    pub conflicts: usize,
    /// Actions that failed.
    pub failed: usize,
    /// Disables and group removals held by the guards.
    pub held: usize,
    /// Group memberships added (G1, G5); left out of the JSON when zero.
    #[serde(skip_serializing_if = "is_zero")]
    pub group_added: usize,
    /// Group memberships removed (G2, G5); left out of the JSON when zero.
    #[serde(skip_serializing_if = "is_zero")]
    pub group_removed: usize,
    /// Notices: observations that need an operator's eye, not a write; left out of the JSON
    /// when zero.
    #[serde(skip_serializing_if = "is_zero")]
    pub notices: usize,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// The report of one cycle.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[non_exhaustive]
pub struct SyncReport {
    /// Counts.
    pub summary: Summary,
    /// One entry per action, skip and conflict.
    pub actions: Vec<ReportAction>,
}

/// The changes that change something (a field sent only because its complex value is
/// written whole is left out, T5).
fn change_set(changes: &ChangeSet) -> ReportChanges {
    changes
        .iter()
        .filter(|(_, c)| c.from != c.to)
        .map(|(p, c)| (p.name().to_owned(), ReportChange::new(&c.from, &c.to)))
        .collect()
}

fn user_ref(r: &UserRef) -> Value {
    match r {
        UserRef::Existing(id) => json!(id.as_str()),
        UserRef::Pending(e) => json!(format!("account of employee {e}")),
    }
}

/// Warnings as one reason, `None` when there are none.
fn joined(warnings: &[crate::reconcile::Reason]) -> Option<String> {
    (!warnings.is_empty()).then(|| {
        warnings
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    })
}

pub(crate) fn entry(action: &Action, status: Status, failure: Option<String>) -> ReportAction {
    let (changes, reason) = match action {
        Action::Link {
            changes, warnings, ..
        }
        | Action::Update {
            changes, warnings, ..
        } => (change_set(changes), joined(warnings)),
        Action::Create {
            properties,
            display_name,
            given_name,
            surname,
            account_enabled,
            warnings,
            ..
        } => {
            let new = |to: Value| ReportChange {
                from: Value::Null,
                to,
            };
            let mut m: ReportChanges = properties
                .iter()
                .map(|(p, v)| (p.name().to_owned(), new(json!(v))))
                .collect();
            m.insert("displayName".into(), new(json!(display_name)));
            m.insert("givenName".into(), new(json!(given_name)));
            m.insert("surname".into(), new(json!(surname)));
            m.insert("accountEnabled".into(), new(json!(account_enabled)));
            (m, joined(warnings))
        }
        Action::SetManager { from, to, .. } => (
            BTreeMap::from([(
                "manager".to_owned(),
                ReportChange::new(from.as_ref().map(|f| f.as_str()), to.as_ref().map(user_ref)),
            )]),
            None,
        ),
        Action::Disable {
            reason,
            leave_date,
            revoke_sessions,
            ..
        } => {
            let mut m =
                BTreeMap::from([("accountEnabled".to_owned(), ReportChange::new(true, false))]);
            if let Some(leave) = leave_date {
                m.insert(
                    leave.attribute.to_string(),
                    ReportChange::new(Value::Null, &leave.at),
                );
            }
            if *revoke_sessions {
                m.insert(
                    "signInSessions".into(),
                    ReportChange::new("valid", "revoked"),
                );
            }
            (m, Some(reason.to_string()))
        }
        Action::Enable { reason, .. } => (
            BTreeMap::from([("accountEnabled".to_owned(), ReportChange::new(false, true))]),
            Some(reason.to_string()),
        ),
        Action::AddMember { group, reason, .. } => (
            BTreeMap::from([("memberOf".to_owned(), ReportChange::new(Value::Null, group))]),
            Some(reason.to_string()),
        ),
        Action::RemoveMember { group, reason, .. } => (
            BTreeMap::from([("memberOf".to_owned(), ReportChange::new(group, Value::Null))]),
            Some(reason.to_string()),
        ),
    };
    let reason = match (failure, reason) {
        (Some(f), Some(r)) => Some(format!("{f} ({r})")),
        (Some(f), None) => Some(f),
        (None, r) => r,
    };
    ReportAction {
        kind: ReportKind::of(action),
        employee_id: action
            .employee_id()
            .map(ToString::to_string)
            .unwrap_or_default(),
        upn: Some(action.upn().to_owned()),
        changes,
        status,
        reason,
    }
}

pub(crate) fn skip(s: &Skipped) -> ReportAction {
    ReportAction {
        kind: if s.conflict {
            ReportKind::Conflict
        } else {
            ReportKind::Skip
        },
        employee_id: s
            .employee_id
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        upn: s.upn.clone(),
        changes: ReportChanges::new(),
        status: Status::Skipped,
        reason: Some(s.reason.to_string()),
    }
}

pub(crate) fn notice(n: &Notice) -> ReportAction {
    ReportAction {
        kind: ReportKind::Notice,
        employee_id: n.employee_id.to_string(),
        upn: None,
        changes: ReportChanges::new(),
        status: Status::Noted,
        reason: Some(n.reason.to_string()),
    }
}

pub(crate) fn rejected(r: &RejectedRecord) -> ReportAction {
    ReportAction {
        kind: ReportKind::Skip,
        employee_id: r.id.clone().unwrap_or_default(),
        upn: None,
        changes: ReportChanges::new(),
        status: Status::Skipped,
        reason: Some(format!("unreadable HR record: {}", r.reason)),
    }
}

/// The entry of an action a guard held, saying which guard and how to release it.
pub(crate) fn held_entry(a: &Action) -> ReportAction {
    let why = match a {
        Action::RemoveMember { .. } => {
            "G2: held by the group-removal guard (safety.max_group_removals); rerun with \
             --allow-mass-disable to apply"
        }
        _ => "S7: held by the mass-disable guard; rerun with --allow-mass-disable to apply",
    };
    entry(a, Status::Held, Some(why.to_owned()))
}

impl SyncReport {
    /// The report of a cycle: the plan's actions with their outcomes (`None`: a dry run), the
    /// held disables, the skips and conflicts, and the unreadable HR records.
    #[must_use]
    pub fn build(
        plan: &Plan,
        outcomes: Option<&[ActionOutcome]>,
        held: &[Action],
        rejected_records: &[RejectedRecord],
    ) -> Self {
        let mut report = Self::default();
        match outcomes {
            None => report
                .actions
                .extend(plan.actions.iter().map(|a| entry(a, Status::Planned, None))),
            Some(outcomes) => report
                .actions
                .extend(outcomes.iter().map(|o| match &o.result {
                    Ok(()) => entry(
                        &o.action,
                        Status::Applied,
                        (!o.warnings.is_empty()).then(|| o.warnings.join("; ")),
                    ),
                    Err(e) => entry(&o.action, Status::Failed, Some(e.to_string())),
                })),
        }
        report.actions.extend(held.iter().map(held_entry));
        report.actions.extend(plan.skipped.iter().map(skip));
        report.actions.extend(rejected_records.iter().map(rejected));
        report.actions.extend(plan.notices.iter().map(notice));
        report.summary = report.count();
        report
    }

    fn count(&self) -> Summary {
        let mut s = Summary::default();
        for a in &self.actions {
            match a.status {
                Status::Failed => {
                    s.failed += 1;
                    continue;
                }
                Status::Held => {
                    s.held += 1;
                    continue;
                }
                _ => {}
            }
            match a.kind.as_str() {
                "link" => s.linked += 1,
                "create" => s.created += 1,
                "update" | "set_manager" => s.updated += 1,
                "disable" => s.disabled += 1,
                "enable" => s.enabled += 1,
                "conflict" => s.conflicts += 1,
                "add_member" => s.group_added += 1,
                "remove_member" => s.group_removed += 1,
                "notice" => s.notices += 1,
                _ => s.skipped += 1,
            }
        }
        s
    }

    /// The report as pretty JSON.
    #[must_use]
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|_| "{}".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_names_match_the_json() {
        for s in [
            Status::Planned,
            Status::Applied,
            Status::Failed,
            Status::Held,
            Status::Skipped,
            Status::Noted,
        ] {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
    }

    #[test]
    fn kinds_serialise_as_their_words() {
        for k in [
            ReportKind::Link,
            ReportKind::Create,
            ReportKind::Update,
            ReportKind::SetManager,
            ReportKind::Disable,
            ReportKind::Enable,
            ReportKind::Skip,
            ReportKind::Conflict,
        ] {
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
    }

    // The typed entry writes the JSON the report has always had.
    #[test]
    fn a_disable_entry_keeps_its_json() {
        let action = Action::Disable {
            employee_id: crate::EmployeeId::new("1029").unwrap(),
            user_id: crate::DirectoryUserId::new("u-22"),
            upn: "sven@demo.com".into(),
            reason: crate::Reason::Inactive,
            revoke_sessions: true,
            leave_date: Some(crate::reconcile::LeaveDate {
                attribute: crate::memory::sample::EMPLOYEE_LEAVE_DATE_TIME,
                at: "2025-09-30T21:59:59Z".into(),
            }),
        };
        let json = serde_json::to_value(entry(&action, Status::Applied, None)).unwrap();
        assert_eq!(
            json,
            json!({
                "kind": "disable",
                "employee_id": "1029",
                "upn": "sven@demo.com",
                "changes": {
                    "accountEnabled": {"from": true, "to": false},
                    "employeeLeaveDateTime": {"from": null, "to": "2025-09-30T21:59:59Z"},
                    "signInSessions": {"from": "valid", "to": "revoked"}
                },
                "status": "applied",
                "reason": crate::Reason::Inactive.to_string()
            })
        );
    }
}
