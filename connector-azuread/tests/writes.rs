//! Writes: batching, correlation, throttled sub-requests, conflicts, ambiguous creates.

use crate::support::Connect as _;
use std::time::{Duration, Instant};

use hris_sync_core::apply::apply_plan;
use hris_sync_core::raw::{Applied, DirectoryProperty, Operation, PropertyValue};
use hris_sync_core::testkit::directory::account;
use hris_sync_core::testkit::source::employee;
use hris_sync_core::{Directory, DirectoryUserId, ErrorKind};
use hris_sync_core::{DiscardCredentials, SyncHistory};
use hris_sync_sims::graph::{Fault, Target};

use crate::support::{
    create, managing, managing_city, seeded, set_city, sim, sim_with, update, users,
};

// 45 operations go as 3 batches (20, 20, 5); each outcome belongs to its own operation even
// though the simulator answers sub-requests out of order.
#[tokio::test(flavor = "current_thread")]
async fn forty_five_operations_three_batches_correlated() {
    let (sim, staff) = seeded(45).await;
    let entra = managing_city(&sim).build().unwrap();
    let mut ops: Vec<Operation> = staff
        .iter()
        .enumerate()
        .map(|(i, u)| set_city(&u.id, format!("City {i}")))
        .collect();
    ops[7] = set_city(
        &DirectoryUserId::new("00000000-0000-4000-8000-00000000dead"),
        "Nowhere".into(),
    );
    ops[31] = create("user3@demo.com", "9999"); // UPN taken
    let outcomes = entra.apply(&ops).await;
    assert_eq!(outcomes.len(), 45);
    let mut sizes = sim.batch_sizes();
    sizes.sort_unstable();
    assert_eq!(sizes, [5, 20, 20]);
    for (i, outcome) in outcomes.iter().enumerate() {
        match i {
            7 => assert_eq!(
                outcome.as_ref().unwrap_err().kind(),
                ErrorKind::NotFound,
                "{outcome:?}"
            ),
            31 => assert!(
                outcome.as_ref().unwrap_err().is_upn_conflict(),
                "{outcome:?}"
            ),
            _ => assert_eq!(outcome.as_ref().unwrap(), &Applied::Done, "{i}"),
        }
    }
    let listed = entra.list_users().await.unwrap().users;
    for (i, u) in staff
        .iter()
        .enumerate()
        .filter(|(i, _)| ![7, 31].contains(i))
    {
        let got = listed.iter().find(|l| l.id == u.id).unwrap();
        assert_eq!(
            got.property(&connector_azuread::properties::CITY),
            Some(&PropertyValue::Text(format!("City {i}")))
        );
    }
}

// Sub-requests answered 429 are retried alone, after their Retry-After.
#[tokio::test(flavor = "current_thread")]
async fn only_throttled_sub_requests_are_retried() {
    let (sim, staff) = seeded(45).await;
    sim.inject(
        Target::BatchItem,
        [Fault::Throttle(1), Fault::Throttle(1), Fault::Throttle(1)],
    );
    let entra = sim.directory().batches_in_flight(1).build().unwrap();
    let ops: Vec<Operation> = staff
        .iter()
        .map(|u| set_city(&u.id, "Berlin".into()))
        .collect();
    let start = Instant::now();
    let outcomes = entra.apply(&ops).await;
    assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
    assert!(
        start.elapsed() >= Duration::from_secs(1),
        "Retry-After honoured: {:?}",
        start.elapsed()
    );
    assert_eq!(sim.batch_sizes(), [20, 20, 5, 3]);
    let counts = sim.counts();
    assert_eq!(counts.batch_items, 48);
    assert_eq!(counts.throttled, 3);
    assert_eq!(counts.writes, 45);
}

// A whole batch answered 503 is sent again.
#[tokio::test(flavor = "current_thread")]
async fn batch_503_then_success() {
    let (sim, staff) = seeded(5).await;
    sim.inject(Target::Batch, [Fault::Status(503)]);
    let entra = sim.directory().build().unwrap();
    let ops: Vec<Operation> = staff
        .iter()
        .map(|u| set_city(&u.id, "Berlin".into()))
        .collect();
    assert!(entra.apply(&ops).await.iter().all(Result::is_ok));
    assert_eq!(sim.counts().batch, 2);
}

// A create whose batch ran but whose answer was lost is looked up, not repeated: one account,
// adopted (T4). The UPN has an apostrophe, so the look-up's $filter must escape it ('').
#[tokio::test(flavor = "current_thread")]
async fn lost_answer_create_is_looked_up_with_an_escaped_filter() {
    let sim = sim().await;
    sim.inject(Target::Batch, [Fault::DropAfter]);
    let entra = sim.directory().build().unwrap();
    let ops = [create("liam.o'brien@demo.com", "4242")];
    let outcomes = entra.apply(&ops).await;
    match &outcomes[0] {
        Ok(Applied::Adopted(u)) => assert_eq!(u.employee_id.as_deref(), Some("4242")),
        other => panic!("{other:?}"),
    }
    let counts = sim.counts();
    assert_eq!(counts.creates, 1, "created once");
    assert_eq!(counts.batch, 1, "not sent again");
    assert!(counts.list >= 1, "looked up");
    assert_eq!(
        sim.users()
            .iter()
            .filter(|u| u.user_principal_name == "liam.o'brien@demo.com")
            .count(),
        1
    );
}

// A duplicate UPN is the typed conflict, with Graph's error envelope read.
#[tokio::test(flavor = "current_thread")]
async fn duplicate_upn_is_the_typed_conflict() {
    let sim = sim().await;
    sim.take_upn("hans.mueller@demo.com").unwrap();
    let entra = sim.directory().build().unwrap();
    let outcomes = entra.apply(&[create("Hans.Mueller@demo.com", "7")]).await;
    let err = outcomes[0].as_ref().unwrap_err();
    assert!(err.is_upn_conflict(), "{err}");
    assert!(err.message().contains("Request_BadRequest"), "{err}");
    assert!(err.message().contains("request-id"), "{err}");
}

// What Graph refuses comes back as invalid input for that operation only.
#[tokio::test(flavor = "current_thread")]
async fn refused_values_are_invalid_input() {
    let (sim, staff) = seeded(2).await;
    let entra = sim.directory().build().unwrap();
    let long = (
        connector_azuread::properties::DEPARTMENT,
        Some(PropertyValue::Text("d".repeat(65))),
    );
    let empty = (
        connector_azuread::properties::OFFICE_LOCATION,
        Some(PropertyValue::text("")),
    );
    let ops = [
        update(&staff[0].id, &[long]),
        update(&staff[1].id, &[empty]),
        set_city(&staff[1].id, "Köln".into()),
    ];
    let outcomes = entra.apply(&ops).await;
    assert_eq!(
        outcomes[0].as_ref().unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    assert_eq!(
        outcomes[1].as_ref().unwrap_err().kind(),
        ErrorKind::InvalidInput
    );
    assert!(outcomes[2].is_ok());
}

// employeeOrgData is sent whole: the planner carries the unchanged field, so a division change
// keeps the cost center (Graph would null a field left out).
#[tokio::test(flavor = "current_thread")]
async fn employee_org_data_sent_whole() {
    use hris_sync_core::{AttributeValue, Policy};
    let sim = sim().await;
    let properties = [
        (DirectoryProperty::DISPLAY_NAME, "Lena Vogt"),
        (DirectoryProperty::GIVEN_NAME, "Lena"),
        (DirectoryProperty::SURNAME, "Vogt"),
        (connector_azuread::properties::DIVISION, "R&D"),
        (connector_azuread::properties::COST_CENTER, "CC-4711"),
    ];
    let id = "00000000-0000-4000-8000-000000000001";
    sim.seed([account(id, "lena@demo.com", "1", &properties)])
        .unwrap();
    let policy = Policy::from_toml_with(
        "[upn]\ndomain = \"demo.com\"\n[[mapping]]\nsource = \"subcompany\"\nentra = \"employeeOrgData.division\"\n",
        &hris_sync_core::policy::SourceTraits::default(),
        &connector_azuread::traits(),
    )
    .unwrap();
    let entra = managing(
        &sim,
        [
            connector_azuread::properties::DIVISION,
            connector_azuread::properties::COST_CENTER,
        ],
    );
    let mut e = employee("1", "Lena", "Vogt", "lena@demo.com");
    e.attributes
        .insert("subcompany".into(), AttributeValue::text("Ops"));
    let users = entra.list_users().await.unwrap().users;
    let plan = hris_sync_core::plan(
        &[e],
        &users,
        &policy,
        "2025-10-01T00:00:00Z".parse().unwrap(),
    );
    let mut history = SyncHistory::default();
    let outcomes = apply_plan(&plan, &entra, &mut history, &DiscardCredentials).await;
    assert!(outcomes.iter().all(|o| o.result.is_ok()), "{outcomes:?}");
    let after = sim.user_by_upn("lena@demo.com").unwrap();
    assert_eq!(
        after.property(&connector_azuread::properties::DIVISION),
        Some(&PropertyValue::text("Ops"))
    );
    assert_eq!(
        after.property(&connector_azuread::properties::COST_CENTER),
        Some(&PropertyValue::text("CC-4711"))
    );
}

// Writes are paced under the write quota: no 429 even when the quota is small.
#[tokio::test(flavor = "current_thread")]
async fn writes_are_paced_under_the_quota() {
    let sim = sim_with(|c| c.writes = 40).await;
    let staff = users(45);
    sim.seed(staff.clone()).unwrap();
    let entra = sim.directory().build().unwrap();
    let ops: Vec<Operation> = staff
        .iter()
        .map(|u| set_city(&u.id, "Berlin".into()))
        .collect();
    let outcomes = entra.apply(&ops).await;
    assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
    assert_eq!(sim.counts().throttled, 0);
}

// A host's metrics: every request sent (retries included) and every 429, for a whole request
// or a `$batch` sub-request, are counted, as the service saw them.
#[tokio::test(flavor = "current_thread")]
async fn requests_and_throttles_are_counted_for_the_host() {
    let (sim, staff) = seeded(30).await;
    sim.inject(Target::BatchItem, [Fault::Throttle(0)]);
    let stats = hris_sync_core::RequestStats::new();
    let entra = managing_city(&sim)
        .request_stats(stats.clone())
        .build()
        .unwrap();
    entra.list_users().await.unwrap();
    let ops: Vec<Operation> = staff
        .iter()
        .map(|u| set_city(&u.id, "Leipzig".into()))
        .collect();
    assert!(entra.apply(&ops).await.iter().all(Result::is_ok));
    let seen = sim.counts();
    let counted = stats.counts();
    assert_eq!(
        counted.requests,
        seen.token + seen.list + seen.delta + seen.domains + seen.batch
    );
    assert_eq!(counted.throttled, seen.throttled);
    assert_eq!(counted.throttled, 1);
}
