use std::sync::Arc;

use hris_sync_core::engine::{MemoryStateStore, SyncOptions, Syncer};
use hris_sync_core::memory::{MemoryDirectory, MemorySource};
use hris_sync_core::{DirectoryUser, Employee, EmployeeId, EmployeeStatus, Policy};

use super::*;

fn now() -> DateTime<Utc> {
    "2026-12-05T07:00:00Z".parse().unwrap()
}

/// A cycle with one create and one conflict for a person whose name is markup.
async fn cycle() -> CycleResult {
    let dir = Arc::new(MemoryDirectory::new(["demo.com"]));
    let mut taken = DirectoryUser::new("u-9", "eve@demo.com");
    taken.employee_id = Some("999".to_owned());
    dir.seed(taken).unwrap();
    let person = |id: &str, first: &str, email: &str| {
        let mut e = Employee::new(EmployeeId::new(id).unwrap(), EmployeeStatus::Active);
        e.first_name = Some(first.to_owned());
        e.last_name = Some("Doe".to_owned());
        e.email = Some(email.to_owned());
        e
    };
    let employees = [
        person("1", "<script>alert(1)</script>", "eve@demo.com"),
        person("2", "Ann", "ann.doe@demo.com"),
    ];
    let policy = Policy::from_toml("[upn]\ndomain = \"demo.com\"\n").unwrap();
    let mut syncer = Syncer::new(
        Box::new(MemorySource::new(employees)),
        Box::new(dir),
        policy,
        Box::new(MemoryStateStore::default()),
    );
    syncer
        .run_cycle(now(), &SyncOptions::dry_run().apply(true))
        .await
        .unwrap()
}

#[tokio::test]
async fn the_page_lists_cycles_and_what_needs_a_human_escaped() {
    let board = Board::default();
    let at = SystemTime::from(now());
    board.cycle_failed(
        "read failed: <HTTP 503>",
        Duration::from_secs(2),
        CycleKind::Periodic,
        at - Duration::from_secs(3600),
    );
    board.cycle_done(
        &cycle().await,
        Duration::from_millis(1500),
        CycleKind::Periodic,
        at,
    );
    let html = render(&board, None, at + Duration::from_secs(60));
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<h2>Needs a human (1)</h2>"), "{html}");
    assert!(html.contains("<td>conflict</td><td>1</td>"), "{html}");
    assert!(html.contains("hris-sync explain 1"), "{html}");
    assert!(!html.contains("<script>"), "escaped: {html}");
    assert!(html.contains("read failed: &lt;HTTP 503&gt;"), "{html}");
    assert_eq!(html.matches("<rect class=\"bar\"").count(), 2, "{html}");
    assert!(
        html.contains("<td>2026-12-05 07:00:00 UTC</td><td>periodic</td><td>1</td>"),
        "{html}"
    );
    assert!(html.contains("Not receiving"), "{html}");
    // A later periodic cycle without conflicts clears the list.
    let webhooks = InboxCounts {
        accepted: 3,
        refused: 2,
        last_delivery: Some(at),
        ..InboxCounts::default()
    };
    let html = render(&board, Some(webhooks), at);
    assert!(
        html.contains("<tr><th>refused: wrong or missing token</th><td>2</td></tr>"),
        "{html}"
    );
    assert!(
        html.contains("<tr><th>last delivery</th><td>2026-12-05 07:00:00 UTC</td></tr>"),
        "{html}"
    );
}

#[test]
fn escaping_covers_markup_and_quotes() {
    assert_eq!(
        escape("<a href=\"x\">O'Brien & Co</a>"),
        "&lt;a href=&quot;x&quot;&gt;O&#39;Brien &amp; Co&lt;/a&gt;"
    );
}
