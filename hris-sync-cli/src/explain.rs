//! `hris-sync explain ID`: the decision for one employee, step by step, from targeted reads
//! (docs/rules.md §13). It writes nothing: not the directory, not the state.

use std::fmt::Write as _;

use hris_sync_core::chrono::{DateTime, Utc};
use hris_sync_core::engine::{Explanation, StateStore as _, Verdict};
use hris_sync_core::policy::ConfigFile;
use hris_sync_core::{
    Directory, DirectoryUser, EmployeeId, Error, ErrorKind, HrSource, Result, SyncHistory,
};
use serde_json::Value;

use crate::connectors::Chosen;

/// What `explain` reads with.
#[derive(Debug)]
pub struct Reads<'a> {
    /// The HR source.
    pub source: &'a dyn HrSource,
    /// The directory.
    pub directory: &'a dyn Directory,
}

/// The history kept in the state file at `state` (none when there is no file yet).
///
/// # Errors
/// An unreadable state file.
pub async fn history(state: &std::path::Path) -> Result<SyncHistory> {
    Ok(hris_sync_core::engine::FileStateStore::new(state)
        .load()
        .await?
        .map(|s| s.history)
        .unwrap_or_default())
}

/// Read `id` (and their supervisor) from HR and the accounts that may matter to them from
/// the directory, and explain the decision under `chosen`'s policy of `file` at `now`, with
/// `history` (what the sync disabled itself, S6).
///
/// # Errors
/// A read that failed, or an employee HR does not know.
pub async fn explain(
    id: &EmployeeId,
    chosen: &Chosen,
    file: &ConfigFile,
    reads: Reads<'_>,
    history: &SyncHistory,
    now: DateTime<Utc>,
) -> Result<Explanation> {
    let policy = chosen.policy(file)?;
    let lookup = reads.source.get_employees(std::slice::from_ref(id)).await?;
    if let Some(r) = lookup.rejected.first() {
        return Err(Error::new(
            ErrorKind::InvalidData,
            format!(
                "employee {id}: the HR record is unreadable, so it is skipped: {}",
                r.reason
            ),
        ));
    }
    let Some(employee) = lookup.employees.into_iter().find(|e| &e.id == id) else {
        return Err(Error::new(
            ErrorKind::NotFound,
            format!("employee {id}: HR has no such employee"),
        ));
    };
    let mut addresses: Vec<String> = employee.email().map(str::to_owned).into_iter().collect();
    if let Ok(c) = policy.upn.candidates(&employee) {
        addresses.push(c.plain);
        addresses.extend(c.suffixed);
    }
    let mut accounts: Vec<DirectoryUser> =
        reads.directory.find_users(id.as_str(), &addresses).await?;
    let mut others = Vec::new();
    if let Some(boss) = employee.supervisor_id.as_ref().filter(|b| *b != id) {
        let found = reads
            .source
            .get_employees(std::slice::from_ref(boss))
            .await?;
        others.extend(found.employees);
        accounts.extend(reads.directory.find_users(boss.as_str(), &[]).await?);
    }
    accounts.sort_by(|a, b| a.id.cmp(&b.id));
    accounts.dedup_by(|a, b| a.id == b.id);
    Ok(hris_sync_core::engine::explain(
        &employee, &others, &accounts, &policy, now, history,
    ))
}

fn mark(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "[ok]",
        Verdict::Fail => "[no]",
        Verdict::Note => "[..]",
    }
}

fn short(v: &Value) -> String {
    match v {
        Value::Null => "∅".to_owned(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The explanation as text, section by section.
#[must_use]
pub fn render(x: &Explanation) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Employee {}: today is {} in {}. Nothing is written.",
        x.employee_id, x.today, x.timezone
    );
    let _ = writeln!(out, "\nAs read from HR");
    for (k, v) in &x.record {
        let _ = writeln!(out, "  {k:<18} {v}");
    }
    for (title, steps) in [
        ("Eligibility", &x.eligibility),
        ("Matching", &x.matching),
        ("UPN", &x.upn),
    ] {
        if steps.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{title}");
        for s in steps {
            let _ = writeln!(out, "  {} {:<20} {}", mark(s.verdict), s.rule, s.detail);
        }
    }
    if !x.changes.is_empty() {
        let _ = writeln!(out, "\nWhat would change");
        for (k, c) in &x.changes {
            let _ = writeln!(out, "  {k:<28} {} → {}", short(&c.from), short(&c.to));
        }
    }
    let _ = writeln!(out, "\nOutcome");
    if x.outcome.is_empty() {
        let _ = writeln!(out, "  nothing to do: the account is in step");
    }
    for a in &x.outcome {
        let _ = writeln!(
            out,
            "  {} {}{}",
            a.kind,
            a.upn.as_deref().unwrap_or(""),
            a.reason
                .as_deref()
                .map_or(String::new(), |r| format!("  ({r})"))
        );
    }
    out
}
