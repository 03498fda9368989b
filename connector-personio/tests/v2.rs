//! The v2 source (`Api::V2`) against the simulator's v2: the conformance kit, cursor paging
//! with relative links, by-id reads, hostile persons rejected one by one.

use connector_personio::Api;
use connector_personio::sim::{PersonioSim, SimConfig};
use hris_sync_core::{EmployeeId, HrSource, testkit};
use serde_json::json;

use crate::support::{company, config, sim};

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
    let sim = PersonioSim::start(SimConfig {
        relative_links: true,
        ..config()
    })
    .await
    .unwrap();
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
    let sim = sim().await;
    sim.seed(company(5));
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

    let lookup = v2
        .get_employees(&[
            EmployeeId::new("3").unwrap(),
            EmployeeId::new("999").unwrap(),
        ])
        .await
        .unwrap();
    assert_eq!(lookup.employees.len(), 1);
    assert_eq!(lookup.missing, [EmployeeId::new("999").unwrap()]);
}

mod wire {
    use connector_personio::{Api, PersonioSource};
    use hris_sync_core::retry::RetryPolicy;
    use hris_sync_core::{ErrorKind, HrSource};
    use serde_json::json;
    use wiremock::matchers::{body_string_contains, method, path, query_param};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    async fn personio_v2(next: serde_json::Value) -> (MockServer, PersonioSource) {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/v2/auth/token"))
            .and(body_string_contains("grant_type=client_credentials"))
            .and(body_string_contains("client_id=papi-wire"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "access_token": "papi-token-wire", "token_type": "Bearer", "expires_in": 86400, "scope": "personio:persons:read"
            })))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/v2/persons"))
            .and(query_param("limit", "50"))
            .respond_with(ResponseTemplate::new(200).set_body_json(json!({
                "_data": [],
                "_meta": {"links": {"self": {"href": "x"}, "next": next}}
            })))
            .mount(&server)
            .await;
        let source = PersonioSource::builder()
            .api(Api::V2)
            .client_id("papi-wire")
            .client_secret("papi-wire-secret")
            .base_url(server.uri())
            .retry(RetryPolicy::default().scaled(100))
            .build()
            .unwrap();
        (server, source)
    }

    // A `next` link to another host is never followed: the token goes only to the base URL.
    #[tokio::test]
    async fn a_foreign_next_link_is_refused() {
        let (_server, source) =
            personio_v2(json!({"href": "https://collector.example/v2/persons?cursor=cur_1"})).await;
        let err = source.list_employees().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData, "{err}");
        assert!(err.message().contains("collector.example"), "{err}");
    }

    // A cursor that comes back again would page forever: the read fails instead.
    #[tokio::test]
    async fn a_repeating_cursor_fails_the_read() {
        let (_server, source) =
            personio_v2(json!({"href": "/v2/persons?cursor=cur_same&limit=50"})).await;
        let err = source.list_employees().await.unwrap_err();
        assert!(err.message().contains("same next link"), "{err}");
    }
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

    use connector_personio::sim::{Chaos, SimConfig};
    use hris_sync_core::secrecy::SecretString;
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
    let sim = PersonioSim::start(SimConfig {
        loopback_webhooks: true,
        ..config()
    })
    .await
    .unwrap();
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

/// The v2 source against Personio's published v2 examples (fixtures `v2-*.json`; their
/// README says where each comes from), pinned with `wiremock`.
mod published {
    use connector_personio::{Api, PersonioSource};
    use hris_sync_core::engine::exit_code_for;
    use hris_sync_core::retry::RetryPolicy;
    use hris_sync_core::{EmployeeId, ErrorKind, HrSource};
    use wiremock::matchers::{body_string_contains, method, path, query_param};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    fn fixture(name: &str) -> serde_json::Value {
        let file = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap()
    }

    fn source(server: &MockServer) -> PersonioSource {
        PersonioSource::builder()
            .api(Api::V2)
            .client_id("papi-wire")
            .client_secret("papi-wire-secret")
            .base_url(server.uri())
            .retry(RetryPolicy::default().scaled(100))
            .build()
            .unwrap()
    }

    async fn token(server: &MockServer, status: u16, body: &str) {
        Mock::given(method("POST"))
            .and(path("/v2/auth/token"))
            .and(body_string_contains("grant_type=client_credentials"))
            .respond_with(
                ResponseTemplate::new(status)
                    .insert_header("content-type", "application/problem+json")
                    .set_body_json(fixture(body)),
            )
            .mount(server)
            .await;
    }

    // Personio's example employment reads: `last_working_date` (the example's spelling) is the
    // last working day; the `next` link to the undocumented `/v2/employments?cursor=…` is
    // read as a cursor on the person's own employments; no `org_units` leaves the department
    // unknown (not cleared). Before: the last working day was lost, the department read as
    // empty, and the next link was followed to a path the API does not have.
    #[tokio::test]
    async fn the_published_person_and_employment_read() {
        let server = MockServer::start().await;
        token(&server, 200, "v2-token.json").await;
        Mock::given(method("GET"))
            .and(path("/v2/persons"))
            .and(query_param("limit", "50"))
            .respond_with(ResponseTemplate::new(200).set_body_json(fixture("v2-persons.json")))
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/v2/persons/48213/employments"))
            .and(query_param("cursor", "cur_e2"))
            .and(query_param("limit", "50"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(fixture("v2-employments-page-2.json")),
            )
            .expect(1)
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/v2/persons/48213/employments"))
            .respond_with(
                ResponseTemplate::new(200).set_body_json(fixture("v2-employments-page-1.json")),
            )
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path("/v2/employments"))
            .respond_with(ResponseTemplate::new(404))
            .expect(0)
            .mount(&server)
            .await;
        let listing = source(&server).list_employees().await.unwrap();
        assert!(listing.rejected.is_empty(), "{:?}", listing.rejected);
        let [lena] = listing.employees.as_slice() else {
            panic!("{:?}", listing.employees)
        };
        assert_eq!(lena.id.as_str(), "48213");
        assert_eq!(lena.termination_date, "2025-06-30".parse().ok());
        assert_eq!(lena.last_working_day, "2025-06-27".parse().ok());
        assert_eq!(lena.supervisor_id, EmployeeId::new("47001").ok());
        assert!(
            !lena.attributes.contains_key("department"),
            "no org_units: unknown, not empty"
        );
        assert_eq!(
            lena.attributes["position"],
            hris_sync_core::AttributeValue::text("Backend Engineer")
        );
    }

    // Wrong credentials: `POST /v2/auth/token` answers 400 `invalid_client`. That is a
    // credentials error (exit 2), not invalid input retried and reported as exit 1.
    #[tokio::test]
    async fn invalid_client_is_a_credentials_error() {
        let server = MockServer::start().await;
        token(&server, 400, "v2-token-invalid-client.json").await;
        let err = source(&server).list_employees().await.unwrap_err();
        assert_ne!(err.kind(), ErrorKind::InvalidInput, "{err}");
        assert_eq!(exit_code_for(&err), 2, "{err}");
        assert!(err.message().contains("invalid_client"), "{err}");
        assert!(!err.message().contains("papi-wire-secret"));
    }

    // An employment that names another person is not this person's: the record is rejected
    // with the reason, the others are read.
    #[tokio::test]
    async fn an_employment_of_another_person_is_rejected() {
        let server = MockServer::start().await;
        token(&server, 200, "v2-token.json").await;
        Mock::given(method("GET"))
            .and(path("/v2/persons"))
            .respond_with(ResponseTemplate::new(200).set_body_json(fixture("v2-persons.json")))
            .mount(&server)
            .await;
        let mut page = fixture("v2-employments-page-2.json");
        page["_data"][0]["person"]["id"] = "99999".into();
        Mock::given(method("GET"))
            .and(path("/v2/persons/48213/employments"))
            .respond_with(ResponseTemplate::new(200).set_body_json(page))
            .mount(&server)
            .await;
        let listing = source(&server).list_employees().await.unwrap();
        assert!(listing.employees.is_empty());
        assert_eq!(listing.rejected.len(), 1);
        assert!(
            listing.rejected[0].reason.contains("99999"),
            "{:?}",
            listing.rejected
        );
    }
}
