//! docs/rules.md §13: the audit trail. Every applied, failed, held and skipped action of an
//! applying cycle becomes a record, handed to the sink phase by phase; a dry run records
//! nothing; no record holds a password.

use std::sync::Arc;

use async_trait::async_trait;
use hris_sync_core::engine::{
    AuditRecord, AuditSink, MemoryAudit, MemoryStateStore, SyncOptions, Syncer,
};
use hris_sync_core::memory::{MemoryDirectory, MemorySource};
use hris_sync_core::raw::{DirectoryProperty, PropertyValue};
use hris_sync_core::{EmployeeStatus, Policy, Result};

use crate::support::{emp, linked_user, now};

fn policy() -> Policy {
    Policy::from_toml(
        "[upn]\ndomain = \"demo.com\"\n[lifecycle]\ntimezone = \"Europe/Berlin\"\n[safety]\nmax_disables = 50\nmax_disable_percent = 100\n",
    )
    .unwrap()
}

/// Counts the calls: one per apply phase that ran, and one for the unwritten actions.
#[derive(Default)]
struct Calls(MemoryAudit, std::sync::atomic::AtomicUsize);

#[async_trait]
impl AuditSink for Calls {
    async fn record(&self, records: &[AuditRecord]) -> Result<()> {
        self.1.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.0.record(records).await
    }
}

#[tokio::test]
async fn every_write_held_and_skipped_action_is_recorded_phase_by_phase() {
    let dir = Arc::new(MemoryDirectory::new(["demo.com"]));
    let mut leaver_account = linked_user("u1", "lena.vogt@demo.com", "1");
    for (p, v) in [
        (DirectoryProperty::DISPLAY_NAME, "Lena Vogt"),
        (DirectoryProperty::GIVEN_NAME, "Lena"),
        (DirectoryProperty::SURNAME, "Vogt"),
    ] {
        leaver_account.properties.insert(p, PropertyValue::text(v));
    }
    dir.seed(leaver_account).unwrap();
    let mut leaver = emp("1", "Lena", "Vogt");
    leaver.status = EmployeeStatus::Inactive;
    let hire = emp("2", "Jonas", "Keller");
    let mut nameless = emp("3", "", "");
    nameless.email = None;
    let sink = Arc::new(Calls::default());
    let mut syncer = Syncer::new(
        Box::new(MemorySource::new([
            leaver.clone(),
            hire.clone(),
            nameless.clone(),
        ])),
        Box::new(Arc::clone(&dir)),
        policy(),
        Box::new(MemoryStateStore::default()),
    )
    .with_audit_sink(Arc::clone(&sink) as Arc<dyn AuditSink>);

    // A dry run records nothing.
    syncer
        .run_cycle(now(), &SyncOptions::dry_run())
        .await
        .unwrap();
    assert!(sink.0.records().is_empty());

    let result = syncer
        .run_cycle(now(), &SyncOptions::dry_run().apply(true))
        .await
        .unwrap();
    let records = sink.0.records();
    // The create's phase, the disable's phase, then the skipped record.
    assert_eq!(
        sink.1.load(std::sync::atomic::Ordering::Relaxed),
        3,
        "{records:#?}"
    );
    let by_kind = |kind: &str| {
        records
            .iter()
            .find(|r| r.entry.kind.as_str() == kind)
            .unwrap_or_else(|| panic!("no {kind} record in {records:#?}"))
    };
    let create = by_kind("create");
    assert_eq!(create.entry.employee_id, "2");
    assert_eq!(create.entry.status.as_str(), "applied");
    assert!(create.account.is_some(), "the new account's id");
    assert_eq!(create.entry.changes["givenName"].to, "Jonas");
    let disable = by_kind("disable");
    assert_eq!(disable.account.as_deref(), Some("u1"));
    assert_eq!(disable.entry.changes["accountEnabled"].from, true);
    assert_eq!(disable.entry.changes["accountEnabled"].to, false);
    assert!(
        disable
            .entry
            .reason
            .as_deref()
            .unwrap_or("")
            .contains("inactive"),
        "{disable:?}"
    );
    let skip = by_kind("skip");
    assert_eq!(skip.entry.employee_id, "3");
    assert_eq!(skip.entry.status.as_str(), "skipped");
    // One run id and time for the whole cycle, another for the next.
    assert!(records.iter().all(|r| r.run == create.run && r.at == now()));
    assert_eq!(records.len(), result.report.actions.len());
    for r in &records {
        let line = r.to_json_line();
        assert!(line.contains("\"run\"") && !line.contains('\n'), "{line}");
        assert!(!line.to_lowercase().contains("password"), "{line}");
    }
    syncer
        .run_cycle(now(), &SyncOptions::dry_run().apply(true))
        .await
        .unwrap();
    let next = sink.0.records();
    assert!(next.last().unwrap().run != create.run);
}
