//! `explain`: the decision for one employee, step by step (docs/rules.md §13). The record as
//! read, each eligibility rule with its verdict, the matching of accounts, the UPN schema
//! worked through, what would change attribute by attribute, and the outcome — which is the
//! planner's own: the steps explain it, [`plan_with_history`] decides it.
//!
//! It works from targeted reads: the employee (and their supervisor), and the accounts that
//! may matter (carrying the employee id, holding the email or one of the UPN candidates).
//! A colleague created in the same cycle who would take the plain UPN first is therefore not
//! seen; the full cycle decides between them by hire order (U4).

use std::collections::BTreeSet;

use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::Serialize;

use super::report::{self, ReportAction, ReportChanges, Status};
use crate::employee::{Employee, EmployeeStatus};
use crate::policy::Policy;
use crate::reconcile::{Standing, SyncHistory, out_of_scope, plan_with_history, today};
use crate::upn::{PartMode, apply_locale, normalize_part};
use crate::user::DirectoryUser;

/// How a step came out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The rule lets the employee through.
    Pass,
    /// The rule stops or changes what happens (named in the detail).
    Fail,
    /// Information, no verdict.
    Note,
}

/// One step of an explanation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Step {
    /// The rule or the question (`S5 termination date`, `S2 by email`).
    pub rule: String,
    /// How it came out.
    pub verdict: Verdict,
    /// Why, in words.
    pub detail: String,
}

fn step(rule: &str, verdict: Verdict, detail: impl Into<String>) -> Step {
    Step {
        rule: rule.to_owned(),
        verdict,
        detail: detail.into(),
    }
}

/// The decision for one employee, step by step.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Explanation {
    /// The employee.
    pub employee_id: String,
    /// *Today* in the company's zone, and the zone.
    pub today: NaiveDate,
    /// `lifecycle.timezone`.
    pub timezone: String,
    /// The HR record as read, field by field.
    pub record: Vec<(String, String)>,
    /// S3, S5, S6 and S8, each with its verdict.
    pub eligibility: Vec<Step>,
    /// S1 and S2: the accounts that carry the id or hold the email, and why each counts or not.
    pub matching: Vec<Step>,
    /// U1–U5: the UPN worked out, when a new account would be made.
    pub upn: Vec<Step>,
    /// What the planned actions change, attribute by attribute.
    pub changes: ReportChanges,
    /// The outcome: this employee's planned actions, skips and notices, as the report shows
    /// them.
    pub outcome: Vec<ReportAction>,
}

/// Explain `employee` against the `accounts` that may matter to them, with `others` (their
/// supervisor, for the manager) planned alongside.
#[must_use]
pub fn explain(
    employee: &Employee,
    others: &[Employee],
    accounts: &[DirectoryUser],
    policy: &Policy,
    now: DateTime<Utc>,
    history: &SyncHistory,
) -> Explanation {
    let lc = &policy.lifecycle;
    let today = today(now, lc);
    let everyone: Vec<Employee> = std::iter::once(employee.clone())
        .chain(others.iter().filter(|o| o.id != employee.id).cloned())
        .collect();
    let plan = plan_with_history(&everyone, accounts, policy, now, history);
    let mine = |id: Option<&crate::EmployeeId>| id == Some(&employee.id);
    let mut outcome: Vec<ReportAction> = plan
        .actions
        .iter()
        .filter(|a| mine(a.employee_id()))
        .map(|a| report::entry(a, Status::Planned, None))
        .collect();
    outcome.extend(
        plan.skipped
            .iter()
            .filter(|s| mine(s.employee_id.as_ref()))
            .map(report::skip),
    );
    outcome.extend(
        plan.notices
            .iter()
            .filter(|n| n.employee_id == employee.id)
            .map(report::notice),
    );
    let mut changes = ReportChanges::new();
    for a in &outcome {
        changes.extend(a.changes.clone());
    }
    let creates = outcome.iter().any(|a| a.kind.as_str() == "create");
    Explanation {
        employee_id: employee.id.to_string(),
        today,
        timezone: lc.timezone.name().to_owned(),
        record: record(employee),
        eligibility: eligibility(employee, policy, today),
        matching: matching(employee, accounts, policy, history),
        upn: if creates {
            upn(employee, accounts, policy)
        } else {
            Vec::new()
        },
        changes,
        outcome,
    }
}

fn record(e: &Employee) -> Vec<(String, String)> {
    let date = |d: Option<NaiveDate>| d.map_or_else(|| "—".to_owned(), |d| d.to_string());
    let text = |s: Option<&str>| s.unwrap_or("—").to_owned();
    let mut fields = vec![
        ("id".to_owned(), e.id.to_string()),
        ("first_name".to_owned(), text(e.first_name.as_deref())),
        ("last_name".to_owned(), text(e.last_name.as_deref())),
        (
            "preferred_name".to_owned(),
            text(e.preferred_name.as_deref()),
        ),
        ("email".to_owned(), text(e.email.as_deref())),
        (
            "status".to_owned(),
            format!("{:?}", e.status).to_lowercase(),
        ),
        ("hire_date".to_owned(), date(e.hire_date)),
        ("termination_date".to_owned(), date(e.termination_date)),
        (
            "supervisor".to_owned(),
            e.supervisor_id
                .as_ref()
                .map_or("—".to_owned(), ToString::to_string),
        ),
    ];
    for key in e.attributes.keys() {
        if let Some(v) = e.attribute_text(key) {
            fields.push((key.clone(), v.into_owned()));
        }
    }
    fields
}

fn eligibility(e: &Employee, policy: &Policy, today: NaiveDate) -> Vec<Step> {
    use Verdict::{Fail, Note, Pass};
    let lc = &policy.lifecycle;
    let standing = Standing::new(e, lc, today);
    let mut steps = Vec::new();
    steps.push(match e.status {
        EmployeeStatus::Inactive => step(
            "S3/S5 status",
            Fail,
            "inactive: no account is made, and an enabled one is disabled",
        ),
        EmployeeStatus::Leave if lc.disable_on_leave => step(
            "S5 status",
            Fail,
            "on leave, and lifecycle.disable_on_leave is set: the account is disabled",
        ),
        status => step("S3/S5 status", Pass, format!("{status:?}").to_lowercase()),
    });
    steps.push(match (e.hire_date, standing.prehire_wait()) {
        (None, _) => step("S3 hire date", Note, "none recorded"),
        (Some(h), Some(_)) => step(
            "S3 hire window",
            Fail,
            format!(
                "hire date {h} is more than lifecycle.prehire_days ({}) days after today \
                 ({today}): the account is made later",
                lc.prehire_days.unwrap_or(0)
            ),
        ),
        (Some(h), None) if standing.starts_disabled() => step(
            "S3 hire window",
            Note,
            format!(
                "hire date {h} is ahead and lifecycle.enable_before_hire is off: made disabled, \
                 enabled on {h}"
            ),
        ),
        (Some(h), None) => step("S3 hire window", Pass, format!("hire date {h}")),
    });
    let zone = lc.timezone.name();
    steps.push(match (e.termination_date, standing.termination()) {
        (None, _) => step("S5 termination date", Pass, "none"),
        (Some(t), None) => step(
            "S5 termination date",
            Pass,
            format!("{t} is before the hire date: an earlier employment's, ignored (a rehire)"),
        ),
        (Some(_), Some(t)) if today > t => step(
            "S5 termination date",
            Fail,
            format!(
                "terminated on {t}; today is {today} in {zone}, so the account is disabled (from \
                 {} on)",
                t.checked_add_days(Days::new(1)).unwrap_or(t)
            ),
        ),
        (Some(_), Some(t)) => step(
            "S5 termination date",
            if lc.provision_future_leavers || today == t {
                Pass
            } else {
                Note
            },
            format!(
                "{t}: still employed today ({today} in {zone}); disabled from {} on{}",
                t.checked_add_days(Days::new(1)).unwrap_or(t),
                if lc.provision_future_leavers {
                    String::new()
                } else {
                    "; no new account is made for a leaver (lifecycle.provision_future_leavers \
                     is off)"
                        .to_owned()
                }
            ),
        ),
    });
    let named = e.first_name.is_some() && e.last_name.is_some() && e.email().is_some();
    steps.push(if named {
        step(
            "S3 names and email",
            Pass,
            "first name, last name and email are set",
        )
    } else {
        step(
            "S3 names and email",
            Fail,
            "a new account needs a first name, a last name and an email",
        )
    });
    if !e.id.fits_directory() {
        steps.push(step(
            "S1 employee id",
            Fail,
            "longer than the directory's employee id can hold",
        ));
    }
    steps
}

fn matching(
    e: &Employee,
    accounts: &[DirectoryUser],
    policy: &Policy,
    history: &SyncHistory,
) -> Vec<Step> {
    use Verdict::{Fail, Note, Pass};
    let mut steps = Vec::new();
    let linked: Vec<&DirectoryUser> = accounts
        .iter()
        .filter(|u| u.employee_id() == Some(e.id.as_str()))
        .collect();
    let name = |u: &DirectoryUser| format!("{} ({})", u.user_principal_name, u.id);
    match linked.as_slice() {
        [] => steps.push(step(
            "S1 by employee id",
            Note,
            format!("no account carries employee id {}", e.id),
        )),
        [u] => {
            let scope = out_of_scope(u, policy);
            steps.push(step(
                "S1 by employee id",
                if scope.is_some() { Fail } else { Pass },
                match scope {
                    Some(why) => format!(
                        "{} carries it but is out of scope: {}",
                        name(u),
                        crate::Reason::OutOfScope(why)
                    ),
                    None => format!(
                        "{} carries it: that is this employee's account ({}{})",
                        name(u),
                        if u.account_enabled {
                            "enabled"
                        } else {
                            "disabled"
                        },
                        if !u.account_enabled && history.disabled_by_sync.contains(&u.id) {
                            ", by this sync"
                        } else if u.account_enabled {
                            ""
                        } else {
                            ", by someone else: never enabled by the sync (S6)"
                        }
                    ),
                },
            ));
            return steps;
        }
        many => steps.push(step(
            "S1 by employee id",
            Fail,
            format!(
                "{} accounts carry it ({}): a conflict, nothing is written",
                many.len(),
                many.iter().map(|u| name(u)).collect::<Vec<_>>().join(", ")
            ),
        )),
    }
    let Some(email) = e.email() else {
        steps.push(step("S2 by email", Note, "no email to match"));
        return steps;
    };
    let email = email.to_lowercase();
    let holders: Vec<&DirectoryUser> = accounts
        .iter()
        .filter(|u| {
            u.user_principal_name.eq_ignore_ascii_case(&email)
                || u.mail
                    .as_deref()
                    .is_some_and(|m| m.eq_ignore_ascii_case(&email))
        })
        .collect();
    if holders.is_empty() {
        steps.push(step(
            "S2 by email",
            Note,
            format!("no account's UPN or mail is {email}: a new account is made (S3)"),
        ));
    }
    for u in holders {
        let (verdict, why) = if let Some(scope) = out_of_scope(u, policy) {
            (
                Fail,
                format!(
                    "out of scope, {}; the employee is reported",
                    crate::Reason::OutOfScope(scope)
                ),
            )
        } else if !u.account_enabled {
            (
                Fail,
                "disabled: a disabled account is never linked (S2); it keeps its UPN, so a new \
                 account takes the next free one (U3)"
                    .to_owned(),
            )
        } else if let Some(other) = u.employee_id() {
            (
                Fail,
                format!("carries employee id {other}: a conflict, nothing is written"),
            )
        } else {
            (Pass, "enabled, carries no employee id: linked".to_owned())
        };
        steps.push(step("S2 by email", verdict, format!("{}: {why}", name(u))));
    }
    steps
}

fn upn(e: &Employee, accounts: &[DirectoryUser], policy: &Policy) -> Vec<Step> {
    use Verdict::{Fail, Note, Pass};
    let schema = &policy.upn;
    let mut steps = Vec::new();
    let parts = std::iter::once((&schema.beginning, schema.beginning_part))
        .chain(schema.end.as_ref().map(|k| (k, schema.end_part)));
    for (key, mode) in parts {
        let raw = e
            .attribute_text(key)
            .map(|c| c.into_owned())
            .unwrap_or_default();
        let localized = apply_locale(&raw, schema.locale);
        let mut part = normalize_part(&raw, schema.locale);
        if mode == PartMode::FirstLetter {
            part.truncate(1);
        }
        steps.push(step(
            &format!("U1 {key}"),
            if part.is_empty() { Fail } else { Note },
            format!(
                "{raw:?} → locale table ({:?}) {localized:?} → transliterated, lower case, a–z \
                 and 0–9 only{} → {part:?}",
                schema.locale,
                if mode == PartMode::FirstLetter {
                    ", first letter"
                } else {
                    ""
                }
            ),
        ));
    }
    let candidates = match schema.candidates(e) {
        Ok(c) => c,
        Err(problem) => {
            steps.push(step(
                "U5",
                Fail,
                format!("{problem}: reported, no UPN is guessed"),
            ));
            return steps;
        }
    };
    let taken: BTreeSet<String> = accounts
        .iter()
        .map(|u| u.user_principal_name.to_lowercase())
        .collect();
    let holder = |upn: &str| {
        accounts
            .iter()
            .find(|u| u.user_principal_name.eq_ignore_ascii_case(upn))
            .map(|u| {
                format!(
                    "{} ({}{})",
                    u.id,
                    if u.account_enabled {
                        "enabled"
                    } else {
                        "disabled"
                    },
                    u.employee_id()
                        .map_or(String::new(), |id| format!(", employee {id}"))
                )
            })
            .unwrap_or_default()
    };
    if taken.contains(&candidates.plain) {
        steps.push(step(
            "U2/U3 plain",
            Fail,
            format!(
                "{} is taken by {}",
                candidates.plain,
                holder(&candidates.plain)
            ),
        ));
        match &candidates.suffixed {
            Some(s) if taken.contains(s) => steps.push(step(
                "U3 suffix",
                Fail,
                format!(
                    "{s} is taken too, by {}: the employee is reported",
                    holder(s)
                ),
            )),
            Some(s) => steps.push(step(
                "U3 suffix",
                Pass,
                format!("{s}: the employee id as a suffix, free"),
            )),
            None => steps.push(step(
                "U3 suffix",
                Fail,
                "the employee id has no letter or digit to make a suffix: reported",
            )),
        }
    } else {
        steps.push(step(
            "U2/U3 plain",
            Pass,
            format!("{}: free", candidates.plain),
        ));
        steps.push(step(
            "U4 order",
            Note,
            "free among the accounts read; a colleague created in the same cycle who joined \
             earlier and wants the same UPN takes it first (explain reads only this person from HR)",
        ));
    }
    steps
}

#[cfg(test)]
mod tests;
