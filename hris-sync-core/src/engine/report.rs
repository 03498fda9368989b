//! The report of a cycle: docs/rules.md §4's JSON, and what the command-line tool prints.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Value, json};

use crate::apply::ActionOutcome;
use crate::reconcile::{Action, ChangeSet, Plan, Skipped, UserRef};
use crate::source::RejectedRecord;

/// What happened to an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
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
        }
    }
}

/// One entry of the report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReportAction {
    /// `link`, `create`, `update`, `set_manager`, `disable`, `enable`, `skip`, `conflict`.
    pub kind: String,
    /// The employee (empty for a record without a readable id).
    pub employee_id: String,
    /// The UPN involved.
    pub upn: Option<String>,
    /// What changes (`{"property": {"from": …, "to": …}}`).
    pub changes: Value,
    /// What happened.
    pub status: Status,
    /// Why (skips, conflicts, disables, enables, failures, truncations).
    pub reason: Option<String>,
}

/// Counts by outcome; the keys are exactly docs/rules.md §4's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
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
    /// Disables held by the guard.
    pub held: usize,
}

/// The report of one cycle.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct SyncReport {
    /// Counts.
    pub summary: Summary,
    /// One entry per action, skip and conflict.
    pub actions: Vec<ReportAction>,
}

/// The changes that change something (a field sent only because Graph writes
/// `employeeOrgData` whole is left out).
fn change_set(changes: &ChangeSet) -> Value {
    changes
        .iter()
        .filter(|(_, c)| c.from != c.to)
        .map(|(p, c)| (p.name(), json!({ "from": c.from, "to": c.to })))
        .collect::<serde_json::Map<String, Value>>()
        .into()
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

fn entry(action: &Action, status: Status, failure: Option<String>) -> ReportAction {
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
            let mut m: BTreeMap<String, Value> = properties
                .iter()
                .map(|(p, v)| (p.name(), json!({ "from": null, "to": v })))
                .collect();
            m.insert(
                "displayName".into(),
                json!({ "from": null, "to": display_name }),
            );
            m.insert(
                "givenName".into(),
                json!({ "from": null, "to": given_name }),
            );
            m.insert("surname".into(), json!({ "from": null, "to": surname }));
            m.insert(
                "accountEnabled".into(),
                json!({ "from": null, "to": account_enabled }),
            );
            (json!(m), joined(warnings))
        }
        Action::SetManager { from, to, .. } => (
            json!({ "manager": { "from": from.as_ref().map(|f| f.as_str()), "to": to.as_ref().map(user_ref) } }),
            None,
        ),
        Action::Disable {
            reason,
            leave_date_time,
            revoke_sessions,
            ..
        } => {
            let mut m = json!({ "accountEnabled": { "from": true, "to": false } });
            if let (Some(t), Some(obj)) = (leave_date_time, m.as_object_mut()) {
                obj.insert(
                    "employeeLeaveDateTime".into(),
                    json!({ "from": null, "to": t }),
                );
            }
            if *revoke_sessions {
                if let Some(obj) = m.as_object_mut() {
                    obj.insert(
                        "signInSessions".into(),
                        json!({ "from": "valid", "to": "revoked" }),
                    );
                }
            }
            (m, Some(reason.to_string()))
        }
        Action::Enable { reason, .. } => (
            json!({ "accountEnabled": { "from": false, "to": true } }),
            Some(reason.to_string()),
        ),
    };
    let reason = match (failure, reason) {
        (Some(f), Some(r)) => Some(format!("{f} ({r})")),
        (Some(f), None) => Some(f),
        (None, r) => r,
    };
    ReportAction {
        kind: action.kind().to_owned(),
        employee_id: action.employee_id().to_string(),
        upn: Some(action.upn().to_owned()),
        changes,
        status,
        reason,
    }
}

fn skip(s: &Skipped) -> ReportAction {
    ReportAction {
        kind: if s.conflict { "conflict" } else { "skip" }.to_owned(),
        employee_id: s
            .employee_id
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        upn: s.upn.clone(),
        changes: json!({}),
        status: Status::Skipped,
        reason: Some(s.reason.to_string()),
    }
}

fn rejected(r: &RejectedRecord) -> ReportAction {
    ReportAction {
        kind: "skip".to_owned(),
        employee_id: r.id.clone().unwrap_or_default(),
        upn: None,
        changes: json!({}),
        status: Status::Skipped,
        reason: Some(format!("unreadable HR record: {}", r.reason)),
    }
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
        report.actions.extend(held.iter().map(|a| {
            entry(
                a,
                Status::Held,
                Some(
                    "S7: held by the mass-disable guard; rerun with --allow-mass-disable to apply"
                        .to_owned(),
                ),
            )
        }));
        report.actions.extend(plan.skipped.iter().map(skip));
        report.actions.extend(rejected_records.iter().map(rejected));
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
        ] {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
    }
}
