//! docs/rules.md §7: the real-tenant rules against a simulator that enforces the service side of
//! each (T1–T11). Each test fails on a client that ignores its rule.

use crate::support::Connect as _;
use std::time::Duration;

use hris_sync_core::raw::{Applied, DeltaCursor, DirectoryProperty, Operation, PropertyValue};
use hris_sync_core::{Directory, DirectoryUserId, ErrorKind};
use hris_sync_sims::graph::{GraphSim, SimConfig};

use crate::support::{create, denied, disable, managing, seeded, sim, sim_with, update, users};

/// A simulator with replication lag: 5 s of Graph time, 0.5 s here (scale 10), against a
/// consistency wait of 6 s here.
async fn lagging() -> GraphSim {
    GraphSim::start(SimConfig {
        time_scale: 10,
        replication_lag: Duration::from_secs(5),
        ..SimConfig::default()
    })
    .await
    .unwrap()
}

fn text(s: &str) -> Option<PropertyValue> {
    Some(PropertyValue::Text(s.to_owned()))
}

// T1: verified domains come from GET /domains (Domain.Read.All), not GET /organization
// (Directory.Read.All, not granted); unverified domains are left out.
#[tokio::test(flavor = "current_thread")]
async fn t1_domains_need_only_domain_read_all() {
    let sim = sim().await;
    let entra = sim.directory().build().unwrap();
    let mut domains = entra.verified_domains().await.unwrap();
    domains.sort();
    assert_eq!(domains, ["demo.com", "demo.onmicrosoft.com"]);
    assert_eq!(sim.counts().organization, 0);
    assert_eq!(sim.counts().forbidden, 0);
}

// T1: a missing permission is a 403 that names the permission to grant.
#[tokio::test(flavor = "current_thread")]
async fn t1_a_403_names_the_missing_permission() {
    let sim = sim_with(|c| c.permissions = vec!["User.ReadWrite.All".to_owned()]).await;
    let entra = sim.directory().build().unwrap();
    denied(
        &entra.verified_domains().await.unwrap_err(),
        "Domain.Read.All",
    );
}

// T2: revoking sessions in a $batch carries `{}` and a Content-Type; the simulator refuses
// the whole batch otherwise, so the disable beside it would fail too.
#[tokio::test(flavor = "current_thread")]
async fn t2_revoke_in_a_batch_with_a_disable() {
    let (sim, staff) = seeded(2).await;
    let entra = sim.directory().build().unwrap();
    let ops = [
        disable(&staff[0].id),
        Operation::RevokeSessions {
            user: staff[1].id.clone(),
        },
    ];
    let outcomes = entra.apply(&ops).await;
    assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
    assert_eq!(sim.counts().batch, 1);
    assert!(!sim.users()[0].account_enabled);
}

// T3: a manager reference to an account created a moment ago is answered 404 while it
// replicates; the connector retries it until it lands.
#[tokio::test(flavor = "current_thread")]
async fn t3_manager_ref_to_a_new_hire_waits_for_replication() {
    let sim = lagging().await;
    let staff = users(1);
    sim.seed(staff.clone()).unwrap();
    let entra = sim.directory().build().unwrap();
    let created = entra.apply(&[create("boss@demo.com", "77")]).await;
    let Ok(Applied::Created(boss)) = &created[0] else {
        panic!("{created:?}")
    };
    let outcomes = entra
        .apply(&[Operation::SetManager {
            user: staff[0].id.clone(),
            manager: Some(boss.id.clone()),
        }])
        .await;
    assert!(outcomes[0].is_ok(), "{outcomes:?}");
    let report = sim.users();
    let worker = report.iter().find(|u| u.id == staff[0].id).unwrap();
    assert_eq!(worker.manager_id.as_ref(), Some(&boss.id));
}

// T4: a second run that creates the same employee while the first run's account is still
// replicating meets ObjectConflict, waits for the holder, and adopts it: one account.
#[tokio::test(flavor = "current_thread")]
async fn t4_a_racing_create_adopts_the_account_instead_of_making_a_second() {
    let sim = lagging().await;
    let first = sim.directory().build().unwrap();
    let second = sim.directory().build().unwrap();
    let a = first.apply(&[create("lena.vogt@demo.com", "42")]).await;
    assert!(matches!(a[0], Ok(Applied::Created(_))), "{a:?}");
    let b = second.apply(&[create("lena.vogt@demo.com", "42")]).await;
    let Ok(Applied::Adopted(user)) = &b[0] else {
        panic!("{b:?}")
    };
    assert_eq!(user.user_principal_name, "lena.vogt@demo.com");
    let accounts = sim
        .users()
        .into_iter()
        .filter(|u| u.employee_id.as_deref() == Some("42"))
        .count();
    assert_eq!(accounts, 1, "exactly one account for the employee");
    assert_eq!(sim.counts().creates, 1);
}

// T4: a whole-batch 503 leaves the creates' outcome unknown: they are looked up before they
// are sent again, and each employee gets one account.
#[tokio::test(flavor = "current_thread")]
async fn t4_whole_batch_503_creates_are_looked_up_first() {
    let sim = sim().await;
    sim.inject(
        hris_sync_sims::graph::Target::Batch,
        [hris_sync_sims::graph::Fault::Status(503)],
    );
    let entra = sim.directory().build().unwrap();
    let ops: Vec<Operation> = (0..3)
        .map(|i| create(&format!("n{i}@demo.com"), &format!("9{i}")))
        .collect();
    let outcomes = entra.apply(&ops).await;
    assert!(outcomes.iter().all(Result::is_ok), "{outcomes:?}");
    assert!(
        sim.counts().list >= 3,
        "each create looked up before it was resent"
    );
    assert_eq!(sim.users().len(), 3);
}

// T5: with only the division managed, the cost center is read all the same, and a PATCH
// that names employeeOrgData replaces it whole in the simulator (as in Graph).
#[tokio::test(flavor = "current_thread")]
async fn t5_unmanaged_cost_center_is_read_so_it_can_be_carried() {
    let sim = sim().await;
    let mut u = users(1).remove(0);
    u.properties.insert(
        connector_azuread::properties::DIVISION,
        PropertyValue::text("Ops"),
    );
    u.properties.insert(
        connector_azuread::properties::COST_CENTER,
        PropertyValue::text("CC-4711"),
    );
    sim.seed([u.clone()]).unwrap();
    let entra = managing(&sim, [connector_azuread::properties::DIVISION]);
    let read = entra.list_users().await.unwrap().users.remove(0);
    assert_eq!(
        read.property(&connector_azuread::properties::COST_CENTER),
        text("CC-4711").as_ref()
    );
    // What the planner sends: the division and the cost center as read.
    let out = entra
        .apply(&[update(
            &u.id,
            &[
                (connector_azuread::properties::DIVISION, text("R&D")),
                (connector_azuread::properties::COST_CENTER, text("CC-4711")),
            ],
        )])
        .await;
    assert!(out[0].is_ok(), "{out:?}");
    let after = &sim.users()[0];
    assert_eq!(
        after.property(&connector_azuread::properties::COST_CENTER),
        text("CC-4711").as_ref()
    );
    // The service side: a division alone wipes the cost center.
    let alone = (connector_azuread::properties::DIVISION, text("Sales"));
    entra.apply(&[update(&u.id, &[alone])]).await;
    assert_eq!(
        sim.users()[0].property(&connector_azuread::properties::COST_CENTER),
        None
    );
}

// T7: a replayed delta round lists each user once (no "two candidates"), and a user deleted
// after a change is removed, not revived.
#[tokio::test(flavor = "current_thread")]
async fn t7_replayed_delta_entries_merge_by_id_in_feed_order() {
    let sim = sim_with(|c| c.delta_replays = true).await;
    let staff = users(5);
    sim.seed(staff.clone()).unwrap();
    let entra = sim.directory().managers(true).build().unwrap();
    let snapshot = entra.list_users().await.unwrap();
    assert_eq!(snapshot.users.len(), 5, "each user once");
    let ops = [set_city(&staff[1].id), set_city(&staff[2].id)];
    assert!(entra.apply(&ops).await.iter().all(Result::is_ok));
    sim.delete_user(&staff[2].id).unwrap();
    let changes = entra
        .list_user_changes(snapshot.cursor.as_ref().unwrap())
        .await
        .unwrap();
    let changed: Vec<&DirectoryUserId> = changes.changed.iter().map(|u| &u.id).collect();
    assert_eq!(changed, [&staff[1].id], "once, and not the deleted one");
    assert_eq!(changes.removed, [staff[2].id.clone()]);
}

// T7: a stored delta link the service refuses with a 4xx means a full read, not a failure.
#[tokio::test(flavor = "current_thread")]
async fn t7_a_refused_stored_delta_link_asks_for_a_full_read() {
    let sim = sim().await;
    let entra = sim.directory().build().unwrap();
    let stale = DeltaCursor::new(format!(
        "{}/v1.0/users/delta?$deltatoken=not-a-token",
        sim.base_url()
    ));
    let err = entra.list_user_changes(&stale).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::CursorExpired, "{err}");
}

// T8: an @odata.nextLink naming another host is not followed, and no request (so no token)
// reaches that host.
#[tokio::test(flavor = "current_thread")]
async fn t8_links_to_another_host_are_refused_before_any_request() {
    let sim = sim_with(|c| c.foreign_links = true).await;
    sim.seed(users(1200)).unwrap();
    let port = sim.base_url().rsplit(':').next().unwrap().to_owned();
    // The other host: same port on 127.0.0.2, listening to see whether anything arrives.
    let trap = tokio::net::TcpListener::bind(format!("127.0.0.2:{port}"))
        .await
        .unwrap();
    let entra = sim.directory().build().unwrap();
    let err = entra.list_users().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidData, "{err}");
    assert!(err.message().contains("GRAPH_BASE_URL"), "{err}");
    let arrived = tokio::time::timeout(Duration::from_millis(200), trap.accept()).await;
    assert!(arrived.is_err(), "a request reached the other host");
}

// T11: a previously synchronised user reads as such, and Graph (the simulator) refuses its
// extension attributes.
#[tokio::test(flavor = "current_thread")]
async fn t11_previously_synced_users_are_told_apart_from_never_synced() {
    let sim = sim().await;
    let mut staff = users(2);
    staff[0].previously_synced = true;
    sim.seed(staff.clone()).unwrap();
    let entra = managing(
        &sim,
        [connector_azuread::properties::extension_attribute(3)],
    );
    let read = entra.list_users().await.unwrap().users;
    assert!(read[0].previously_synced && !read[0].on_premises_sync_enabled);
    assert!(!read[1].previously_synced);
    let ext = |id: &DirectoryUserId| {
        let x = (
            connector_azuread::properties::extension_attribute(3),
            text("x"),
        );
        update(id, &[x])
    };
    let out = entra.apply(&[ext(&staff[0].id), ext(&staff[1].id)]).await;
    assert_eq!(out[0].as_ref().unwrap_err().kind(), ErrorKind::InvalidInput);
    assert!(out[1].is_ok());
}

fn set_city(id: &DirectoryUserId) -> Operation {
    update(id, &[(connector_azuread::properties::CITY, text("Berlin"))])
}

// T10: a `Retry-After` given as an HTTP date is honoured: the client waits until that date
// (the simulator throttles every earlier retry again), so one 429 is all it meets.
#[tokio::test(flavor = "current_thread")]
async fn t10_retry_after_as_an_http_date_is_waited_out() {
    let (sim, staff) = seeded(2).await;
    sim.inject(
        hris_sync_sims::graph::Target::Batch,
        [hris_sync_sims::graph::Fault::ThrottleUntil(
            Duration::from_millis(1500),
        )],
    );
    // Real-time waits here: the date has whole seconds.
    let entra = sim
        .directory()
        .retry(hris_sync_core::retry::RetryPolicy::default())
        .build()
        .unwrap();
    let outcomes = entra.apply(&[set_city(&staff[0].id)]).await;
    assert!(outcomes[0].is_ok(), "{outcomes:?}");
    assert_eq!(sim.counts().throttled, 1, "no retry before the date");
}

// T10: a day-long `Retry-After` is capped (scaled here to 1.2 s), so the write goes through
// instead of parking the run.
#[tokio::test(flavor = "current_thread")]
async fn t10_a_huge_retry_after_is_capped() {
    let (sim, staff) = seeded(1).await;
    sim.inject(
        hris_sync_sims::graph::Target::Batch,
        [hris_sync_sims::graph::Fault::Throttle(86_400)],
    );
    let entra = sim.directory().build().unwrap();
    let outcomes = tokio::time::timeout(
        Duration::from_secs(60),
        entra.apply(&[set_city(&staff[0].id)]),
    )
    .await
    .expect("the wait is capped, not a day");
    assert!(outcomes[0].is_ok(), "{outcomes:?}");
}

// T6 (service side): without User-LifeCycleInfo.ReadWrite.All, Graph refuses a PATCH that
// names employeeLeaveDateTime, so a disable sent with the leave date would leave the leaver
// enabled; the disable alone goes through, and the 403 names the permission.
#[tokio::test(flavor = "current_thread")]
async fn t6_a_disable_with_the_leave_date_is_refused_without_lifecycle_permission() {
    let (sim, staff) = seeded(2).await;
    let entra = sim.directory().build().unwrap();
    let off = (
        DirectoryProperty::ACCOUNT_ENABLED,
        Some(PropertyValue::Bool(false)),
    );
    let leave = (
        connector_azuread::properties::EMPLOYEE_LEAVE_DATE_TIME,
        text("2025-06-30T21:59:59Z"),
    );
    let out = entra
        .apply(&[
            update(&staff[0].id, &[off.clone(), leave]),
            update(&staff[1].id, &[off]),
        ])
        .await;
    let refused = out[0].as_ref().unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::PermissionDenied, "{refused}");
    assert!(
        refused
            .message()
            .contains("User-LifeCycleInfo.ReadWrite.All"),
        "{refused}"
    );
    assert!(out[1].is_ok());
    let now = sim.users();
    assert!(now[0].account_enabled && !now[1].account_enabled);
}
