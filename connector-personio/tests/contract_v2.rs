//! The v2 source's wire, pinned with `wiremock` (no simulator): where `next` links may lead,
//! and Personio's published v2 examples (persons, employments, token, errors) as fixtures.

use connector_personio::{Api, PersonioSource};
use hris_sync_core::retry::RetryPolicy;
use wiremock::MockServer;

/// A fixture of `tests/fixtures/`, as JSON.
fn fixture(name: &str) -> serde_json::Value {
    let file = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap()
}

/// A v2 source against `server`, with the test credentials and fast retries.
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

mod wire {
    use crate::support::serve;
    use connector_personio::PersonioSource;
    use hris_sync_core::{ErrorKind, HrSource};
    use serde_json::json;
    use wiremock::matchers::{body_string_contains, method, path};
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
        serve(
            &server,
            "GET /v2/persons?limit=50",
            ResponseTemplate::new(200).set_body_json(json!({
                "_data": [],
                "_meta": {"links": {"self": {"href": "x"}, "next": next}}
            })),
        )
        .await;
        let source = super::source(&server);
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

/// The v2 source against Personio's published v2 examples (fixtures `v2-*.json`; their
/// README says where each comes from), pinned with `wiremock`.
mod published {
    use super::{fixture, source};
    use crate::support::{serve, serve_once};
    use hris_sync_core::engine::exit_code_for;
    use hris_sync_core::{EmployeeId, ErrorKind, HrSource};
    use wiremock::matchers::{body_string_contains, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

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
        serve_once(
            &server,
            "GET /v2/persons?limit=50",
            ResponseTemplate::new(200).set_body_json(fixture("v2-persons.json")),
        )
        .await;
        serve_once(
            &server,
            "GET /v2/persons/48213/employments?cursor=cur_e2&limit=50",
            ResponseTemplate::new(200).set_body_json(fixture("v2-employments-page-2.json")),
        )
        .await;
        serve(
            &server,
            "GET /v2/persons/48213/employments",
            ResponseTemplate::new(200).set_body_json(fixture("v2-employments-page-1.json")),
        )
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
        serve(
            &server,
            "GET /v2/persons",
            ResponseTemplate::new(200).set_body_json(fixture("v2-persons.json")),
        )
        .await;
        let mut page = fixture("v2-employments-page-2.json");
        page["_data"][0]["person"]["id"] = "99999".into();
        serve(
            &server,
            "GET /v2/persons/48213/employments",
            ResponseTemplate::new(200).set_body_json(page),
        )
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

// A v2 error as Personio's common v2 components shape it (`ErrorResponse`): a 403 is a
// permission error whose message carries the error's title, detail and trace id.
#[tokio::test]
async fn a_v2_error_is_read_as_documented() {
    use crate::support::serve;
    use hris_sync_core::{ErrorKind, HrSource};

    use wiremock::ResponseTemplate;

    let server = MockServer::start().await;
    serve(
        &server,
        "POST /v2/auth/token",
        ResponseTemplate::new(200).set_body_json(fixture("v2-token.json")),
    )
    .await;
    serve(
        &server,
        "GET /v2/persons",
        ResponseTemplate::new(403)
            .insert_header("content-type", "application/problem+json")
            .set_body_json(fixture("v2-error-forbidden.json")),
    )
    .await;
    let err = source(&server).list_employees().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PermissionDenied, "{err}");
    let text = err.message();
    assert!(
        text.contains("Forbidden: The credentials lack the scope personio:persons:read.")
            && text.contains("trace aswo3f-a202lfso-312123sld-1230ddd"),
        "{text}"
    );
}
