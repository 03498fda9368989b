//! The v2 source (`Api::V2`) against the simulator's v2: the conformance kit, cursor paging
//! with relative links, by-id reads, hostile persons rejected one by one.

use crate::support::Connect as _;
use connector_personio::Api;
use hris_sync_core::{EmployeeId, HrSource, testkit};
use serde_json::json;

use crate::support::{company, ids, seeded, sim, sim_with};

#[tokio::test(flavor = "current_thread")]
async fn v2_source_passes_the_kit() {
    let sim = sim().await;
    sim.seed(testkit::source::fixtures());
    let v2 = sim.source().api(Api::V2).build().unwrap();
    testkit::source::run_all(&v2).await.unwrap();
    let counts = sim.counts();
    assert_eq!(counts.employees, 0, "no v1 reads");
    assert!(
        counts.persons > 0 && counts.employments > 0 && counts.org_units > 0,
        "{counts:?}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn cursor_pages_with_relative_links_are_followed_to_the_end() {
    let sim = sim_with(|c| c.relative_links = true).await;
    sim.seed(company(120));
    let v2 = sim.source().api(Api::V2).build().unwrap();
    let listing = v2.list_employees().await.unwrap();
    assert_eq!(listing.employees.len(), 120);
    assert!(listing.rejected.is_empty(), "{:?}", listing.rejected);
    let counts = sim.counts();
    assert_eq!(counts.persons, 3, "three pages of at most 50");
    assert_eq!(counts.employments, 120, "one employments read per person");
}

#[tokio::test(flavor = "current_thread")]
async fn hostile_persons_are_rejected_one_by_one() {
    let sim = seeded(5).await;
    for bad in [
        json!({"first_name": "No", "last_name": "Id"}),
        json!({"id": {"nested": 1}, "status": "ACTIVE"}),
        json!({"id": "ghost-1", "status": "ACTIVE"}),
    ] {
        sim.push_raw_person(bad);
    }
    let v2 = sim.source().api(Api::V2).build().unwrap();
    // The ghost is listed but 404s on its employments (gone meanwhile): rejected, like the
    // two unreadable ids; the five real people still come through.
    let listing = v2.list_employees().await.unwrap();
    assert_eq!(listing.employees.len(), 5);
    assert_eq!(listing.rejected.len(), 3, "{:?}", listing.rejected);
    assert!(
        listing
            .rejected
            .iter()
            .any(|r| r.id.as_deref() == Some("ghost-1") && r.reason.contains("404")),
        "{:?}",
        listing.rejected
    );

    let lookup = v2.get_employees(&ids(&["3", "999"])).await.unwrap();
    assert_eq!(lookup.employees.len(), 1);
    assert_eq!(lookup.missing, [EmployeeId::new("999").unwrap()]);
}

// `/v2/webhooks`: register once (a second register finds it), list, delete; the token goes to
// Personio and never comes back in a listing; a plain-HTTP URL is refused before any request.
#[tokio::test(flavor = "current_thread")]
async fn webhook_subscriptions_are_managed() {
    use connector_personio::webhooks::EVENTS;
    use hris_sync_core::ErrorKind;
    use hris_sync_core::secrecy::SecretString;

    let sim = sim().await;
    let v2 = sim.source().api(Api::V2).build().unwrap();
    let url = "https://hris-sync.example.com/webhooks/personio";
    let token = SecretString::from("Bearer wh-token-31".to_owned());
    let (made, new) = v2.register_webhook(url, &token, "hris-sync").await.unwrap();
    assert!(new);
    assert_eq!(made.status, "ENABLED");
    assert_eq!(made.enabled_events, EVENTS);
    let (again, new) = v2.register_webhook(url, &token, "hris-sync").await.unwrap();
    assert!(!new);
    assert_eq!(again.id, made.id);
    let held = sim.webhooks();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].token.as_deref(), Some("Bearer wh-token-31"));
    let listed = v2.webhooks().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0], made);
    assert!(!format!("{listed:?}").contains("wh-token-31"));

    let err = v2
        .register_webhook("http://hris-sync.example.com/hook", &token, "x")
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfig, "{err}");

    v2.delete_webhook(&made.id).await.unwrap();
    assert!(v2.webhooks().await.unwrap().is_empty());
    let err = v2.delete_webhook(&made.id).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
}

// Deliveries: a change is POSTed to the subscription with its token and the documented
// envelope; a 5xx is tried again at once (a fast try); a 4xx is final; chaos can drop one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_are_delivered_with_retries() {
    use std::time::{Duration, Instant};

    use hris_sync_core::secrecy::SecretString;
    use hris_sync_sims::personio::Chaos;
    use wiremock::matchers::{header, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let receiver = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hook"))
        .and(header("authorization", "Bearer dlv-9"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&receiver)
        .await;
    Mock::given(method("POST"))
        .and(path("/hook"))
        .respond_with(ResponseTemplate::new(200))
        .mount(&receiver)
        .await;
    let sim = sim_with(|c| c.loopback_webhooks = true).await;
    sim.seed(company(2));
    let v2 = sim.source().api(Api::V2).build().unwrap();
    let token = SecretString::from("Bearer dlv-9".to_owned());
    v2.register_webhook(&format!("{}/hook", receiver.uri()), &token, "test")
        .await
        .unwrap();
    let mut hire = company(3).pop().unwrap();
    hire.first_name = Some("New".to_owned());
    sim.seed([hire]);
    let started = Instant::now();
    let seen = loop {
        let seen = receiver.received_requests().await.unwrap_or_default();
        if seen.len() >= 2 {
            break seen;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{} deliveries",
            seen.len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let body: serde_json::Value = serde_json::from_slice(&seen[1].body).unwrap();
    assert_eq!(body["event_name"], "person.created");
    assert_eq!(body["payload"]["person"]["id"], "3");
    assert!(body["occurred_at"].is_string() && body["company_id"].is_string());
    let c = sim.counts();
    assert_eq!((c.deliveries, c.delivery_failures), (2, 1));

    // Unchanged records announce nothing; a dropped notification is never sent.
    sim.seed(company(2));
    sim.webhook_chaos(
        Chaos {
            drop: 1.0,
            ..Chaos::default()
        },
        3,
    );
    let mut moved = company(1).pop().unwrap();
    moved.last_name = Some("Renamed".to_owned());
    sim.seed([moved]);
    let c = sim.counts();
    assert_eq!(c.deliveries_dropped, 1);
    assert_eq!(c.notifications, 2);
}
