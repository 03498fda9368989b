//! Reads: paging, failed pages, agent objects, verified domains.

use crate::support::Connect as _;
use hris_sync_core::raw::PropertyValue;
use hris_sync_core::{Directory, ErrorKind, ObjectKind};
use hris_sync_sims::graph::{Fault, Target};

use crate::support::{managing, sim, users};

// Three pages at $top=999, followed by @odata.nextLink verbatim.
#[tokio::test(flavor = "current_thread")]
async fn paging_across_three_pages() {
    let sim = sim().await;
    sim.seed(users(2_500)).unwrap();
    let entra = sim.directory().build().unwrap();
    let snapshot = entra.list_users().await.unwrap();
    assert_eq!(snapshot.users.len(), 2_500);
    assert!(
        snapshot.cursor.is_some(),
        "a delta position comes with the full read"
    );
    let counts = sim.counts();
    assert_eq!(counts.list, 3);
    assert_eq!(counts.delta, 1, "one $deltatoken=latest request");
}

// With managers, the full read is a delta round (pages of 200, managers as manager@delta).
#[tokio::test(flavor = "current_thread")]
async fn managers_are_read_with_expand() {
    let sim = sim().await;
    let mut staff = users(150);
    staff[1].manager_id = Some(staff[0].id.clone());
    sim.seed(staff.clone()).unwrap();
    let entra = sim.directory().managers(true).build().unwrap();
    let snapshot = entra.list_users().await.unwrap();
    assert_eq!(snapshot.users.len(), 150);
    let u1 = snapshot.users.iter().find(|u| u.id == staff[1].id).unwrap();
    assert_eq!(u1.manager_id.as_ref(), Some(&staff[0].id));
    let counts = sim.counts();
    assert_eq!((counts.delta, counts.list), (1, 0));
    // The round ends with a position: the next delta is empty.
    let cursor = entra.list_users().await.unwrap().cursor.unwrap();
    assert!(
        entra
            .list_user_changes(&cursor)
            .await
            .unwrap()
            .changed
            .is_empty()
    );
}

// A page that keeps failing fails the whole listing; a single 503 is retried.
#[tokio::test(flavor = "current_thread")]
async fn failing_page_fails_the_listing_and_503_then_success() {
    let sim = sim().await;
    sim.seed(users(1_500)).unwrap();
    let entra = sim.directory().build().unwrap();
    sim.inject(Target::List, [Fault::Status(503)]);
    assert_eq!(
        entra.list_users().await.unwrap().users.len(),
        1_500,
        "503 then success"
    );
    // The first page passes; the second and every retry of it fail.
    sim.inject(Target::List, [Fault::Latency(std::time::Duration::ZERO)]);
    sim.inject(Target::List, (0..10).map(|_| Fault::Status(500)));
    let err = entra.list_users().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transient, "{err}");
    assert!(!err.is_retryable());
}

// Agent identities are kept as agents (so the planner never writes them and knows their UPN
// is taken); hybrid users carry onPremisesSyncEnabled; managed properties are read.
#[tokio::test(flavor = "current_thread")]
async fn agents_hybrid_and_properties() {
    let sim = sim().await;
    let mut staff = users(3);
    staff[0].kind = ObjectKind::Agent;
    staff[1].on_premises_sync_enabled = true;
    staff[2].properties.insert(
        connector_azuread::properties::DEPARTMENT,
        PropertyValue::text("Sales"),
    );
    staff[2].properties.insert(
        connector_azuread::properties::COST_CENTER,
        PropertyValue::text("CC-1"),
    );
    sim.seed(staff.clone()).unwrap();
    let entra = managing(
        &sim,
        [
            connector_azuread::properties::DEPARTMENT,
            connector_azuread::properties::COST_CENTER,
        ],
    );
    let got = entra.list_users().await.unwrap().users;
    let by_id = |i: usize| got.iter().find(|u| u.id == staff[i].id).unwrap();
    assert_eq!(by_id(0).kind, ObjectKind::Agent);
    assert!(by_id(1).on_premises_sync_enabled);
    assert_eq!(
        by_id(2).property(&connector_azuread::properties::DEPARTMENT),
        Some(&PropertyValue::text("Sales"))
    );
    assert_eq!(
        by_id(2).property(&connector_azuread::properties::COST_CENTER),
        Some(&PropertyValue::text("CC-1"))
    );
    // The planner never writes the agent.
    let policy = hris_sync_core::Policy::with_domain("demo.com").unwrap();
    let mut e = hris_sync_core::Employee::new(
        hris_sync_core::EmployeeId::new("1000").unwrap(),
        hris_sync_core::EmployeeStatus::Inactive,
    );
    e.first_name = Some("A".into());
    let plan = hris_sync_core::plan(&[e], &got, &policy, "2025-10-01T00:00:00Z".parse().unwrap());
    assert!(plan.is_empty());
}

#[tokio::test(flavor = "current_thread")]
async fn verified_domains() {
    let sim = sim().await;
    let domains = sim
        .directory()
        .build()
        .unwrap()
        .verified_domains()
        .await
        .unwrap();
    assert_eq!(domains, ["demo.com", "demo.onmicrosoft.com"]);
}
