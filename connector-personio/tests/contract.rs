//! Contract tests: each request the source sends and each documented answer it parses, pinned
//! against `wiremock` with the JSON fixtures in `tests/fixtures/` (their README says where each
//! shape comes from). The simulator tests cover behaviour; these cover the wire.

use std::collections::BTreeMap;
use std::time::Duration;

/// A calendar date (tests only).
fn date(y: i32, m: u32, d: u32) -> hris_sync_core::chrono::NaiveDate {
    hris_sync_core::chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// An RFC 3339 instant (tests only).
fn at(s: &str) -> hris_sync_core::chrono::DateTime<hris_sync_core::chrono::Utc> {
    s.parse().unwrap()
}
use crate::support::{ids, serve, serve_once};
use connector_personio::PersonioSource;
use hris_sync_core::retry::RetryPolicy;
use hris_sync_core::{AttributeValue, Employee, EmployeeStatus, ErrorKind, HrSource};
use serde_json::json;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const CLIENT_ID: &str = "papi-client-7d1e";
const SECRET: &str = "papi-secret-&=+/ contract";
const TOKEN: &str = "papi-4f2c1d0e-9b8a-4c7d-8e6f-5a4b3c2d1e0f";
const APP_ID: &str = "HRIS_SYNC_CONTRACT";
const PARTNER_ID: &str = "HRIS_SYNC";

fn fixture(name: &str) -> String {
    let file = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn answer(status: u16, name: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(fixture(name), "application/json")
}

/// A mock Personio with `/v1/auth` answering the documented success.
async fn personio() -> MockServer {
    let server = MockServer::start().await;
    serve(&server, "POST /v1/auth", answer(200, "auth.json")).await;
    server
}

fn source(server: &MockServer) -> PersonioSource {
    PersonioSource::builder()
        .client_id(CLIENT_ID)
        .client_secret(SECRET)
        .base_url(server.uri())
        .app_id(APP_ID)
        .partner_id(PARTNER_ID)
        .page_size(3)
        .retry(RetryPolicy::default().scaled(100))
        .build()
        .unwrap()
}

async fn requests_to(server: &MockServer, p: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path() == p)
        .collect()
}

fn query(r: &Request) -> BTreeMap<String, String> {
    r.url
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

async fn mount_pages(server: &MockServer) {
    serve_once(
        server,
        "GET /v1/company/employees?offset=3",
        answer(200, "employees-page-2.json"),
    )
    .await;
    serve_once(
        server,
        "GET /v1/company/employees?offset=0",
        answer(200, "employees-page-1.json"),
    )
    .await;
}

fn by_id(employees: &[Employee]) -> BTreeMap<String, &Employee> {
    employees.iter().map(|e| (e.id.to_string(), e)).collect()
}

// `POST /v1/auth`: the credentials in a JSON body (never the query string, which Personio
// refuses with 403 after the deprecation), with the recommended app and partner headers.
#[tokio::test]
async fn auth_request_carries_credentials_in_the_body() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/auth"))
        .and(header("content-type", "application/json"))
        .and(header("accept", "application/json"))
        .and(header("x-personio-app-id", APP_ID))
        .and(header("x-personio-partner-id", PARTNER_ID))
        .and(body_json(
            json!({ "client_id": CLIENT_ID, "client_secret": SECRET }),
        ))
        .respond_with(answer(200, "auth.json"))
        .expect(1)
        .mount(&server)
        .await;
    serve(
        &server,
        "GET /v1/company/employees/attributes",
        answer(200, "attributes.json"),
    )
    .await;
    source(&server).readable_attributes().await.unwrap();
    let auth = &requests_to(&server, "/v1/auth").await[0];
    assert_eq!(auth.url.query(), None, "no credentials in the query string");
}

// Refused credentials: a configuration error naming the variables, never the secret.
#[tokio::test]
async fn refused_credentials_are_a_configuration_error() {
    let server = MockServer::start().await;
    serve(&server, "POST /v1/auth", answer(401, "auth-error.json")).await;
    let err = source(&server).list_employees().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfig, "{err}");
    assert!(err.message().contains("PERSONIO_CLIENT_SECRET"), "{err}");
    assert!(err.message().contains("Wrong client credentials"), "{err}");
    assert!(!format!("{err} {err:?}").contains(SECRET));
}

// `GET /v1/company/employees/attributes` with the bearer token: the readable keys (and the id,
// which Personio does not list).
#[tokio::test]
async fn readable_attributes_are_read() {
    let server = personio().await;
    Mock::given(method("GET"))
        .and(path("/v1/company/employees/attributes"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(answer(200, "attributes.json"))
        .expect(1)
        .mount(&server)
        .await;
    let keys = source(&server).readable_attributes().await.unwrap();
    for key in ["id", "email", "status", "cost_centers", "dynamic_1290600"] {
        assert!(keys.contains(key), "{key} in {keys:?}");
    }
}

// The listing: `limit` and `offset` on every page, the token as a bearer, the app headers;
// the documented record shapes read as written.
#[tokio::test]
async fn employee_pages_are_requested_and_read() {
    let server = personio().await;
    mount_pages(&server).await;
    let listing = source(&server).list_employees().await.unwrap();

    let pages = requests_to(&server, "/v1/company/employees").await;
    assert_eq!(pages.len(), 2);
    let mut offsets: Vec<String> = Vec::new();
    for page in &pages {
        let q = query(page);
        assert_eq!(q.get("limit").map(String::as_str), Some("3"));
        assert!(!q.contains_key("updated_since"));
        offsets.push(q["offset"].clone());
        assert_eq!(
            page.headers.get("authorization").unwrap(),
            format!("Bearer {TOKEN}").as_str()
        );
        assert_eq!(page.headers.get("x-personio-app-id").unwrap(), APP_ID);
        assert_eq!(page.headers.get("accept").unwrap(), "application/json");
    }
    offsets.sort();
    assert_eq!(offsets, ["0", "3"]);

    // The unreadable record is reported and skipped; the others are all there.
    assert_eq!(listing.rejected.len(), 1, "{:?}", listing.rejected);
    let employees = by_id(&listing.employees);
    assert_eq!(
        employees.keys().map(String::as_str).collect::<Vec<_>>(),
        ["47001", "48213", "48214", "48300"]
    );

    // The documented example: dates as written (never shifted to UTC), supervisor, cost centre.
    let lena = employees["48213"];
    assert_eq!(lena.status, EmployeeStatus::Active);
    assert_eq!(lena.preferred_name.as_deref(), Some("Lena Vogt"));
    assert_eq!(lena.hire_date, Some(date(2022, 3, 1)));
    assert_eq!(lena.termination_date, Some(date(2025, 6, 30)));
    assert_eq!(lena.last_working_day, Some(date(2025, 6, 27)));
    assert_eq!(lena.updated_at, Some(at("2025-05-02T07:41:37Z")));
    assert_eq!(
        lena.supervisor_id
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some("47001")
    );
    assert_eq!(
        lena.attribute("department"),
        Some(AttributeValue::Text("Engineering".to_owned()))
    );
    assert_eq!(
        lena.attribute("cost_centers"),
        Some(AttributeValue::List(vec!["R&D".to_owned()]))
    );
    assert_eq!(
        lena.attribute("dynamic_1290411"),
        Some(AttributeValue::Text("+49 151 0000000".to_owned()))
    );

    // Empty values as `""`, `[]` and `null`; dates as `+0200` and date-only.
    let joerg = employees["48214"];
    assert_eq!(joerg.status, EmployeeStatus::Onboarding);
    assert_eq!(joerg.preferred_name, None);
    assert_eq!(joerg.hire_date, Some(date(2025, 8, 1)));
    assert_eq!(joerg.created_at, Some(at("2025-05-02T08:00:00Z")));
    for key in [
        "position",
        "department",
        "team",
        "cost_centers",
        "dynamic_1290411",
    ] {
        assert_eq!(joerg.attribute(key), Some(AttributeValue::Empty), "{key}");
    }
    assert_eq!(
        joerg.attribute("dynamic_1290500"),
        Some(AttributeValue::Date(date(2025, 4, 28)))
    );
    // A key the record never carried is absent, not empty.
    assert_eq!(joerg.attribute("office"), None);

    // An older answer without `type` or `universal_id`.
    let jonas = employees["47001"];
    assert_eq!(jonas.hire_date, Some(date(2014, 11, 9)));
    assert_eq!(
        jonas.attribute("position"),
        Some(AttributeValue::Text("Head of Engineering".to_owned()))
    );
    assert_eq!(
        jonas.attribute("cost_centers"),
        Some(AttributeValue::List(vec![
            "R&D".to_owned(),
            "Platform".to_owned()
        ]))
    );

    // A supervisor given by its id alone; `leave` is still employed.
    let ana = employees["48300"];
    assert_eq!(ana.status, EmployeeStatus::Leave);
    assert_eq!(
        ana.supervisor_id
            .as_ref()
            .map(ToString::to_string)
            .as_deref(),
        Some("48213")
    );
}

// `updated_since` in the documented form `YYYY-MM-DDTHH:MM:SS` (no zone), started the overlap
// before the asked instant.
#[tokio::test]
async fn changed_since_sends_the_documented_format() {
    let server = personio().await;
    serve_once(
        &server,
        "GET /v1/company/employees?updated_since=2025-05-02T07:41:37&limit=3&offset=0",
        answer(200, "employees-changed.json"),
    )
    .await;
    let personio = PersonioSource::builder()
        .client_id(CLIENT_ID)
        .client_secret(SECRET)
        .base_url(server.uri())
        .page_size(3)
        .overlap(Duration::from_secs(3600))
        .build()
        .unwrap();
    let since = at("2025-05-02T08:41:37Z");
    let listing = personio.list_employees_changed_since(since).await.unwrap();
    assert_eq!(listing.employees.len(), 1);
    assert_eq!(listing.employees[0].status, EmployeeStatus::Active);
}

// A token rotated through the `Authorization` response header is used for the next call.
#[tokio::test]
async fn a_token_in_the_answer_header_is_adopted() {
    let server = personio().await;
    serve(
        &server,
        "GET /v1/company/employees?offset=0",
        answer(200, "employees-page-1.json")
            .insert_header("Authorization", "Bearer papi-rotated-0001"),
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/v1/company/employees"))
        .and(query_param("offset", "3"))
        .and(header("authorization", "Bearer papi-rotated-0001"))
        .respond_with(answer(200, "employees-page-2.json"))
        .expect(1)
        .mount(&server)
        .await;
    let listing = source(&server).list_employees().await.unwrap();
    assert_eq!(listing.employees.len(), 4);
    assert_eq!(requests_to(&server, "/v1/auth").await.len(), 1);
}

// The documented 403 "Provided authorization is not valid": authenticate again once, then go on.
#[tokio::test]
async fn a_refused_token_is_replaced_once() {
    let server = personio().await;
    Mock::given(method("GET"))
        .and(path("/v1/company/employees/attributes"))
        .respond_with(answer(403, "error-forbidden.json"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    serve_once(
        &server,
        "GET /v1/company/employees/attributes",
        answer(200, "attributes.json"),
    )
    .await;
    source(&server).readable_attributes().await.unwrap();
    assert_eq!(requests_to(&server, "/v1/auth").await.len(), 2);
}

// A 403 that a fresh token does not cure is a permission error with Personio's own message.
#[tokio::test]
async fn a_lasting_403_is_a_permission_error() {
    let server = personio().await;
    serve(
        &server,
        "GET /v1/company/employees",
        answer(403, "error-forbidden.json"),
    )
    .await;
    let err = source(&server).list_employees().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PermissionDenied, "{err}");
    assert!(
        err.message()
            .contains("Provided authorization is not valid"),
        "{err}"
    );
}

// docs/rules.md §1: a host's own `reqwest::Client` carries every request, and our headers (JSON, the
// app and partner ids) still go with each of them.
#[tokio::test(flavor = "current_thread")]
async fn a_host_client_carries_every_request() {
    let server = personio().await;
    serve(
        &server,
        "GET /v1/company/employees/attributes",
        answer(200, "attributes.json"),
    )
    .await;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-host-proxy", "corp-egress".parse().unwrap());
    let host = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap();
    let personio = PersonioSource::builder()
        .client_id(CLIENT_ID)
        .client_secret(SECRET)
        .base_url(server.uri())
        .app_id(APP_ID)
        .with_http_client(host)
        .build()
        .unwrap();
    personio.readable_attributes().await.unwrap();
    let seen = server.received_requests().await.unwrap();
    assert_eq!(seen.len(), 2, "auth and the attributes");
    for r in &seen {
        assert_eq!(r.headers.get("x-host-proxy").unwrap(), "corp-egress");
        assert_eq!(r.headers.get("x-personio-app-id").unwrap(), APP_ID);
        assert_eq!(r.headers.get("accept").unwrap(), "application/json");
    }
}

// By id (targeted cycles): `GET /v1/company/employees/{id}` with the same headers as the list,
// the documented single-record answer parsed like a list record, and a 404 (whatever its
// message says) a missing id.
#[tokio::test]
async fn an_employee_is_read_by_id() {
    use hris_sync_core::EmployeeId;
    let server = personio().await;
    Mock::given(method("GET"))
        .and(path("/v1/company/employees/48213"))
        .and(header("x-personio-app-id", APP_ID))
        .respond_with(answer(200, "employee.json"))
        .mount(&server)
        .await;
    serve(
        &server,
        "GET /v1/company/employees/99",
        answer(404, "employee-not-found.json"),
    )
    .await;
    let lookup = source(&server)
        .get_employees(&ids(&["48213", "99"]))
        .await
        .unwrap();
    assert_eq!(lookup.employees.len(), 1);
    let lena = &lookup.employees[0];
    assert_eq!(lena.id.as_str(), "48213");
    assert_eq!(lena.first_name.as_deref(), Some("Lena"));
    assert_eq!(lookup.missing, [EmployeeId::new("99").unwrap()]);
    assert!(lookup.rejected.is_empty());
    let sent = requests_to(&server, "/v1/company/employees/48213").await;
    assert_eq!(sent.len(), 1);
    assert!(sent[0].headers.get("authorization").is_some());
    assert_eq!(sent[0].url.query(), None);
}

// Issue 23 point 2: one id Personio refuses (400) is rejected with the reason; the others
// are read, and the lookup does not fail. An id that is a path step (`..`) is rejected
// before any request: percent-encoded or not, a URL resolves it as a step up.
#[tokio::test]
async fn by_id_one_refused_id_is_rejected_not_fatal() {
    let server = personio().await;
    serve(
        &server,
        "GET /v1/company/employees/48213",
        answer(200, "employee.json"),
    )
    .await;
    serve(
        &server,
        "GET /v1/company/employees/4x",
        answer(400, "error-bad-request.json"),
    )
    .await;
    let lookup = source(&server)
        .get_employees(&ids(&["48213", "4x", ".."]))
        .await
        .unwrap();
    assert_eq!(lookup.employees.len(), 1);
    let rejected: Vec<&str> = lookup
        .rejected
        .iter()
        .filter_map(|r| r.id.as_deref())
        .collect();
    assert_eq!(rejected.len(), 2, "{:?}", lookup.rejected);
    assert!(rejected.contains(&"4x") && rejected.contains(&".."));
    let all = server.received_requests().await.unwrap();
    assert!(
        all.iter()
            .all(|r| r.url.path().starts_with("/v1/company/employees/4")
                || r.url.path() == "/v1/auth"),
        "{:?}",
        all.iter()
            .map(|r| r.url.path().to_owned())
            .collect::<Vec<_>>()
    );
}
