//! The `hris-sync` command's human output: a plan table like `terraform plan` and a summary line.

use std::fmt::Write as _;

use hris_sync_core::engine::{ReportAction, ReportChanges, ReportKind, Status, SyncReport};
use serde_json::Value;

fn symbol(a: &ReportAction) -> &'static str {
    match (a.status, a.kind) {
        (Status::Failed, _) => "x",
        (Status::Held, _) => "!",
        (_, ReportKind::Create) => "+",
        (_, ReportKind::Link) => "=",
        (_, ReportKind::Update | ReportKind::SetManager) => "~",
        (_, ReportKind::Disable) => "-",
        (_, ReportKind::Enable) => "^",
        (_, ReportKind::Conflict) => "?",
        (_, ReportKind::AddMember) => ">",
        (_, ReportKind::RemoveMember) => "<",
        (_, ReportKind::Notice) => "i",
        _ => ".",
    }
}

fn short(v: &Value) -> String {
    match v {
        Value::Null => "∅".to_owned(),
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    }
}

fn changes(changes: &ReportChanges) -> String {
    changes
        .iter()
        .map(|(k, c)| {
            let from = short(&c.from);
            let to = short(&c.to);
            if from == "∅" {
                format!("{k}: {to}")
            } else {
                format!("{k}: {from} → {to}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The report as a table: one line per action, skips and conflicts last, then the summary.
#[must_use]
pub fn render(report: &SyncReport, dry_run: bool) -> String {
    let mut out = String::new();
    let verb = if dry_run {
        "Plan (dry run, nothing written)"
    } else {
        "Applied"
    };
    let _ = writeln!(out, "{verb}:");
    let writes = report
        .actions
        .iter()
        .filter(|a| {
            !matches!(
                a.kind,
                ReportKind::Skip | ReportKind::Conflict | ReportKind::Notice
            )
        })
        .count();
    if writes == 0 {
        let _ = writeln!(out, "  nothing to do: the directory is in step with HR");
    }
    for a in &report.actions {
        let status = match a.status {
            Status::Failed => " FAILED",
            Status::Held => " HELD",
            // Planned, applied, skipped, and any status a later version adds.
            _ => "",
        };
        let upn = a.upn.clone().unwrap_or_default();
        let detail = match (changes(&a.changes), &a.reason) {
            (c, Some(r)) if c.is_empty() => r.clone(),
            (c, Some(r)) => format!("{c} — {r}"),
            (c, None) => c,
        };
        let _ = writeln!(
            out,
            "  {} {:<11} {:<40} employee {:<8} {}",
            symbol(a),
            format!("{}{status}", a.kind),
            upn,
            a.employee_id,
            detail
        );
    }
    let s = &report.summary;
    let _ = writeln!(
        out,
        "\nSummary: {} linked, {} created, {} updated, {} disabled, {} enabled, {} skipped, {} conflicts, {} failed, {} held",
        s.linked,
        s.created,
        s.updated,
        s.disabled,
        s.enabled,
        s.skipped,
        s.conflicts,
        s.failed,
        s.held
    );
    if s.group_added + s.group_removed > 0 {
        let _ = writeln!(
            out,
            "Groups: {} memberships added, {} removed",
            s.group_added, s.group_removed
        );
    }
    if s.notices > 0 {
        let _ = writeln!(
            out,
            "Notices: {} (marked i above; nothing to write, worth a look)",
            s.notices
        );
    }
    out
}
