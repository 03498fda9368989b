//! `get_employees` (targeted cycles, docs/rules.md §8): one `GET /v1/company/employees/{id}`
//! per id. A 404 is a missing id; an unreadable record is rejected, not fatal; any other
//! failure fails the lookup, because a failed read must never look like a departure.

use crate::support::Connect as _;
use hris_sync_core::{EmployeeId, ErrorKind, HrSource};
use hris_sync_sims::personio::Fault;
use serde_json::json;

use crate::support::seeded;

fn ids(list: &[&str]) -> Vec<EmployeeId> {
    list.iter().map(|i| EmployeeId::new(*i).unwrap()).collect()
}

#[tokio::test(flavor = "current_thread")]
async fn found_missing_and_unreadable() {
    let sim = seeded(10).await;
    sim.push_raw(json!({"type": "Employee", "attributes": {
        "id": {"label": "ID", "value": 77, "type": "integer", "universal_id": "id"},
        "status": {"label": "Status", "value": ["not", "a", "status"], "type": "standard", "universal_id": "status"}
    }}));
    let source = sim.source().build().unwrap();
    let lookup = source
        .get_employees(&ids(&["3", "404404", "77", "7", "a/../b"]))
        .await
        .unwrap();
    let mut found: Vec<&str> = lookup.employees.iter().map(|e| e.id.as_str()).collect();
    found.sort_unstable();
    assert_eq!(found, ["3", "7"]);
    assert_eq!(lookup.missing, ids(&["404404", "a/../b"]));
    assert_eq!(lookup.rejected.len(), 1);
    assert_eq!(lookup.rejected[0].id.as_deref(), Some("77"));
    assert!(
        lookup.rejected[0].reason.contains("status"),
        "{:?}",
        lookup.rejected
    );
    let counts = sim.counts();
    assert_eq!(counts.by_id, 5, "one read per id");
    assert_eq!(counts.employees, 0, "no listing");
    let e = lookup
        .employees
        .iter()
        .find(|e| e.id.as_str() == "7")
        .unwrap();
    assert_eq!(e.supervisor_id, Some(EmployeeId::new("1").unwrap()));
}

#[tokio::test(flavor = "current_thread")]
async fn a_failed_read_fails_the_lookup_and_a_throttle_is_waited_out() {
    let sim = seeded(5).await;
    let source = sim.source().build().unwrap();
    sim.inject([Fault::Throttle(None), Fault::Status(503)]);
    let lookup = source.get_employees(&ids(&["1", "2"])).await.unwrap();
    assert_eq!(lookup.employees.len(), 2, "retried through a 429 and a 503");
    assert!(lookup.missing.is_empty());

    sim.inject((0..40).map(|_| Fault::Status(500)));
    let err = source
        .get_employees(&ids(&["1", "2", "3"]))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transient, "{err}");
}
