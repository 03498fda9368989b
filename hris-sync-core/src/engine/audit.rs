//! The audit trail (docs/rules.md §13): one record for each write the engine applied or
//! failed, and for each action it held or skipped, handed to an [`AuditSink`] after every
//! apply phase, so a crash loses no record of a write already sent.
//!
//! A record is the report's entry for the action (what, for whom, each attribute's value
//! before → after, the rule behind it, the outcome) with the cycle's time and id and the
//! account written. It never holds a password, a pass or a token: the report's entries do
//! not.

use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::report::{ReportAction, ReportKind, Status, entry};
use crate::error::Result;
use crate::reconcile::Action;

/// One audited action.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct AuditRecord {
    /// When: the cycle's time.
    #[serde(serialize_with = "instant")]
    pub at: DateTime<Utc>,
    /// The cycle's id: its time to the second, a random tag of the engine (the process)
    /// and the engine's count of cycles (`20261205T080000Z-9f3a-3`).
    pub run: String,
    /// The account written (its directory id), when known.
    pub account: Option<String>,
    /// The rule behind the action (docs/rules.md), when the entry's reason does not name it.
    pub rule: &'static str,
    /// The report's entry: `kind`, `employee_id`, `upn`, `changes` (before → after per
    /// attribute), `status` and `reason`.
    #[serde(flatten)]
    pub entry: ReportAction,
}

impl AuditRecord {
    /// The record of `action`, with its outcome (`status`) and a failure's message.
    pub(crate) fn of(
        at: DateTime<Utc>,
        run: &str,
        action: &Action,
        account: Option<String>,
        status: Status,
        failure: Option<String>,
    ) -> Self {
        let entry = entry(action, status, failure);
        Self {
            at,
            run: run.to_owned(),
            account,
            rule: rule(entry.kind),
            entry,
        }
    }

    /// A record of a report entry that is no action (a skip, a conflict).
    pub(crate) fn of_entry(at: DateTime<Utc>, run: &str, entry: ReportAction) -> Self {
        Self {
            at,
            run: run.to_owned(),
            account: None,
            rule: rule(entry.kind),
            entry,
        }
    }

    /// The record as one line of JSON (no newline).
    #[must_use]
    pub fn to_json_line(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The rule an action of this kind follows.
fn rule(kind: ReportKind) -> &'static str {
    match kind {
        ReportKind::Link => "S2: an enabled account with the employee's email, linked",
        ReportKind::Create => "S3: eligible, and no account matched",
        ReportKind::Update => "S4: kept in step with HR",
        ReportKind::SetManager => "S4: the manager follows the HR supervisor",
        ReportKind::Disable => "S5: left, or not eligible any more",
        ReportKind::Enable => "S6: eligible again, disabled by this sync",
        ReportKind::AddMember | ReportKind::RemoveMember => "G1–G5: group membership by rule",
        ReportKind::Conflict => "S2/S1: more than one account could be the employee's",
        _ => "S3/S8: not synced",
    }
}

fn instant<S: serde::Serializer>(at: &DateTime<Utc>, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&crate::time::rfc3339(at))
}

/// Where audit records go: a host's SIEM, a database, a file (the `hris-sync` command's
/// `--audit FILE`). Called after each apply phase with that phase's records, then once with
/// the held and skipped actions. An error is logged and the sync goes on: a directory left
/// half-written would be worse than a gap in the trail, which the log then names.
#[async_trait]
pub trait AuditSink: Send + Sync {
    /// Keep `records`, durably before returning if the sink can.
    ///
    /// # Errors
    /// When they could not be kept.
    async fn record(&self, records: &[AuditRecord]) -> Result<()>;
}

/// No audit trail.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoAudit;

#[async_trait]
impl AuditSink for NoAudit {
    async fn record(&self, _: &[AuditRecord]) -> Result<()> {
        Ok(())
    }
}

/// Records kept in memory (tests, a host that reads them after the cycle).
#[derive(Clone, Default)]
pub struct MemoryAudit(Arc<std::sync::Mutex<Vec<AuditRecord>>>);

impl MemoryAudit {
    /// Every record so far.
    #[must_use]
    pub fn records(&self) -> Vec<AuditRecord> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

impl fmt::Debug for MemoryAudit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryAudit")
            .field("records", &self.records().len())
            .finish()
    }
}

#[async_trait]
impl AuditSink for MemoryAudit {
    async fn record(&self, records: &[AuditRecord]) -> Result<()> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(records);
        Ok(())
    }
}

/// Hand `records` to `sink`, logging a failure.
pub(crate) async fn send(sink: &dyn AuditSink, records: &[AuditRecord]) {
    if records.is_empty() {
        return;
    }
    if let Err(e) = sink.record(records).await {
        tracing::error!(records = records.len(), error = %e, "the audit sink refused records; they are missing from the audit trail");
    }
}
