//! Contract tests: each request the connector sends and each documented answer it parses,
//! pinned against `wiremock` with the JSON fixtures in `tests/fixtures/` (their README says
//! where each shape comes from). The simulator tests cover behaviour; these cover the wire.

use std::collections::BTreeMap;
use std::time::Duration;

use connector_azuread::EntraDirectory;
use hris_sync_core::raw::{
    AccessPassRequest, Applied, DeltaCursor, DirectoryProperty, NewUser, Operation, Password,
    PropertyValue,
};
use hris_sync_core::retry::RetryPolicy;
use hris_sync_core::secrecy::ExposeSecret as _;
use hris_sync_core::testkit::directory::update;
use hris_sync_core::{Directory, DirectoryUserId, ErrorKind, ObjectKind};
use serde_json::Value;
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TENANT: &str = "contoso.onmicrosoft.com";
const CLIENT_ID: &str = "11111111-2222-3333-4444-555555555555";
/// A secret with characters a form body must encode.
const SECRET: &str = "s3cr&t=+/ value~";
const TOKEN: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOi.contract-test-token";
const ZOE: &str = "87d349ed-44d7-43e1-9a83-5f2406dee5bd";
const ADMIN: &str = "4c7be08b-361f-41a8-b1ef-1712f7a3dfb2";
const JONAS: &str = "6ea91a8d-e32e-41a1-b7bd-d2d185eed0e0";
const LENA: &str = "10f17b99-784c-4526-8747-aec8a3159d6a";

/// A fixture's text with `{{base}}` replaced by the mock server's address.
fn fixture(name: &str, base: &str) -> String {
    let file = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&file)
        .unwrap_or_else(|e| panic!("{file}: {e}"))
        .replace("{{base}}", base)
}

fn json_fixture(name: &str, base: &str) -> Value {
    serde_json::from_str(&fixture(name, base)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// A mock Graph and login endpoint on one loopback server, the token endpoint mounted.
async fn graph() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path(format!("/{TENANT}/oauth2/v2.0/token")))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(fixture("token.json", ""), "application/json"),
        )
        .mount(&server)
        .await;
    server
}

fn answer(server: &MockServer, name: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(fixture(name, &server.uri()), "application/json")
}

fn error_answer(server: &MockServer, status: u16, name: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(fixture(name, &server.uri()), "application/json")
}

/// Mounts, for each `(route, fixture)`, `GET route` (a path, then the `?k=v&…` query pairs it
/// must carry, undecoded) answered once, and only once, by the fixture. Mounted in order: put
/// the narrower route of one path first.
async fn expect_gets(server: &MockServer, routes: &[(&str, &str)]) {
    for (route, name) in routes {
        let (p, query) = route.split_once('?').unwrap_or((route, ""));
        query
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .fold(Mock::given(method("GET")).and(path(p)), |m, (k, v)| {
                m.and(query_param(k, v))
            })
            .respond_with(answer(server, name))
            .expect(1)
            .mount(server)
            .await;
    }
}

/// Mounts `verb p` answered by `reply` as often as asked.
async fn serve(server: &MockServer, verb: &str, p: &str, reply: ResponseTemplate) {
    Mock::given(method(verb))
        .and(path(p))
        .respond_with(reply)
        .mount(server)
        .await;
}

/// Mounts `verb p` answered by the error fixture `name` with `status`, as often as asked.
async fn serve_error(server: &MockServer, verb: &str, p: &str, status: u16, name: &str) {
    serve(server, verb, p, error_answer(server, status, name)).await;
}

/// Mounts `POST /v1.0/$batch` (JSON) whose body must be the fixture `request`, answered once
/// by the fixture `answer`.
async fn expect_batch(server: &MockServer, request: &str, answer_with: &str) {
    Mock::given(method("POST"))
        .and(path("/v1.0/$batch"))
        .and(header("content-type", "application/json"))
        .and(body_json(json_fixture(request, &server.uri())))
        .respond_with(answer(server, answer_with))
        .expect(1)
        .mount(server)
        .await;
}

/// Mounts `POST /v1.0/$batch` answered by the envelope `answer`, expected `times` times.
async fn batch_answers(server: &MockServer, answer: Value, times: u64) {
    Mock::given(method("POST"))
        .and(path("/v1.0/$batch"))
        .respond_with(ResponseTemplate::new(200).set_body_json(answer))
        .expect(times)
        .mount(server)
        .await;
}

/// The error reading the verified domains fails with; the test fails when it succeeds.
async fn domains_err(server: &MockServer) -> hris_sync_core::Error {
    directory(server, false)
        .verified_domains()
        .await
        .unwrap_err()
}

/// An update setting `p` of the account `user` to the text `value`.
fn set(user: &str, p: DirectoryProperty, value: &str) -> Operation {
    update(&id(user), &[(p, Some(PropertyValue::text(value)))])
}

fn managed() -> [DirectoryProperty; 5] {
    [
        connector_azuread::properties::JOB_TITLE,
        connector_azuread::properties::DEPARTMENT,
        connector_azuread::properties::DIVISION,
        connector_azuread::properties::COST_CENTER,
        connector_azuread::properties::extension_attribute(1),
    ]
}

/// A builder for the mock tenant: its token endpoint and Graph on `server`, the test app's
/// credentials.
fn builder(server: &MockServer) -> connector_azuread::GraphBuilder {
    EntraDirectory::builder()
        .tenant_id(TENANT)
        .client_id(CLIENT_ID)
        .client_secret(SECRET)
        .authority_host(server.uri())
        .graph_base_url(server.uri())
}

fn directory(server: &MockServer, managers: bool) -> EntraDirectory {
    builder(server)
        .manage(managed())
        .managers(managers)
        .retry(RetryPolicy::default().scaled(100))
        .consistency_wait(Duration::from_millis(200))
        .build()
        .unwrap()
}

/// The requests the server saw whose path is `p`.
pub(crate) async fn requests_to(server: &MockServer, p: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.url.path() == p)
        .collect()
}

/// The decoded value of query parameter `key` of a request.
fn query_value(r: &Request, key: &str) -> Option<String> {
    r.url
        .query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.into_owned())
}

/// A form body as decoded pairs.
fn form(body: &[u8]) -> BTreeMap<String, String> {
    let text = std::str::from_utf8(body).unwrap();
    reqwest::Url::parse(&format!("http://form/?{text}"))
        .unwrap()
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

async fn mount_domains(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/v1.0/domains"))
        .and(query_param("$select", "id,isVerified"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(answer(server, "domains.json"))
        .mount(server)
        .await;
}

// Token request: `POST {authority}/{tenant}/oauth2/v2.0/token`, a form with exactly the four
// documented fields, the secret URL-encoded in the body (never in the URL); the access token
// of the documented answer is then the bearer of every Graph call.
#[tokio::test]
async fn token_request_is_the_documented_form() {
    let server = graph().await;
    mount_domains(&server).await;
    directory(&server, false).verified_domains().await.unwrap();

    let sent = requests_to(&server, &format!("/{TENANT}/oauth2/v2.0/token")).await;
    assert_eq!(sent.len(), 1);
    let token = &sent[0];
    assert_eq!(token.method.as_str(), "POST");
    assert_eq!(
        token.headers.get("content-type").unwrap(),
        "application/x-www-form-urlencoded"
    );
    assert_eq!(token.url.query(), None, "nothing in the query string");
    let fields = form(&token.body);
    let expected: BTreeMap<String, String> = [
        ("client_id", CLIENT_ID.to_owned()),
        ("client_secret", SECRET.to_owned()),
        ("grant_type", "client_credentials".to_owned()),
        ("scope", format!("{}/.default", server.uri())),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    assert_eq!(fields, expected);
    assert!(
        !std::str::from_utf8(&token.body).unwrap().contains(SECRET),
        "the secret is form-encoded"
    );
}

// The documented `AADSTS` error answer: a configuration error naming the code, never the secret.
#[tokio::test]
async fn token_error_names_the_aadsts_code() {
    let server = MockServer::start().await;
    serve_error(
        &server,
        "POST",
        &format!("/{TENANT}/oauth2/v2.0/token"),
        401,
        "token-error.json",
    )
    .await;
    let err = domains_err(&server).await;
    assert_eq!(err.kind(), ErrorKind::InvalidConfig, "{err}");
    assert!(err.message().contains("AADSTS7000215"), "{err}");
    assert!(!format!("{err} {err:?}").contains(SECRET));
}

// `GET /domains?$select=id,isVerified` (T1: Domain.Read.All, not /organization): only verified
// domains count.
#[tokio::test]
async fn domains_are_read_and_unverified_ones_dropped() {
    let server = graph().await;
    mount_domains(&server).await;
    let domains = directory(&server, false).verified_domains().await.unwrap();
    assert_eq!(domains, ["contoso.com", "contoso.onmicrosoft.com"]);
    assert!(requests_to(&server, "/v1.0/organization").await.is_empty());
}

// 403 `Authorization_RequestDenied`: a permission error that names what to grant.
#[tokio::test]
async fn forbidden_names_the_permission() {
    let server = graph().await;
    serve_error(&server, "GET", "/v1.0/domains", 403, "error-forbidden.json").await;
    let err = domains_err(&server).await;
    assert_eq!(err.kind(), ErrorKind::PermissionDenied, "{err}");
    assert!(err.message().contains("Domain.Read.All"), "{err}");
    assert!(
        err.message().contains("Authorization_RequestDenied"),
        "{err}"
    );
}

// 429 with `Retry-After` and the documented `TooManyRequests` body: waited out and retried.
#[tokio::test]
async fn throttled_read_is_retried_after_the_wait() {
    let server = graph().await;
    Mock::given(method("GET"))
        .and(path("/v1.0/domains"))
        .respond_with(
            error_answer(&server, 429, "error-throttled.json").insert_header("Retry-After", "1"),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    mount_domains(&server).await;
    let domains = directory(&server, false).verified_domains().await.unwrap();
    assert_eq!(domains.len(), 2);
    assert_eq!(requests_to(&server, "/v1.0/domains").await.len(), 2);
}

// A full read without managers: the change-feed position first (`$deltatoken=latest`), then
// `/users` with `$select` and `$top=999`, the `@odata.nextLink` followed verbatim.
#[tokio::test]
async fn full_read_pages_users_after_taking_the_delta_position() {
    let server = graph().await;
    let routes = [
        ("/v1.0/users/delta?$deltatoken=latest", "delta-latest.json"),
        (
            "/v1.0/users?$skiptoken=RFNwdAIAAQAAACM6contract",
            "users-page-2.json",
        ),
        ("/v1.0/users?$top=999", "users-page-1.json"),
    ];
    expect_gets(&server, &routes).await;

    let snapshot = directory(&server, false).list_users().await.unwrap();

    let sent = server.received_requests().await.unwrap();
    let graph: Vec<&Request> = sent
        .iter()
        .filter(|r| r.url.path().starts_with("/v1.0/"))
        .collect();
    assert_eq!(
        graph[0].url.path(),
        "/v1.0/users/delta",
        "the position is taken first"
    );
    let select = query_value(graph[1], "$select").unwrap();
    for field in [
        "id",
        "userPrincipalName",
        "employeeId",
        "accountEnabled",
        "onPremisesSyncEnabled",
        "jobTitle",
        "department",
        "employeeOrgData",
        "onPremisesExtensionAttributes",
    ] {
        assert!(select.split(',').any(|f| f == field), "{field} in {select}");
    }
    assert_eq!(
        snapshot.cursor.as_ref().map(DeltaCursor::as_str),
        Some(
            format!(
                "{}/v1.0/users/delta?$deltatoken=oEcOySpF_hWYmTIUZBOIfPzcLatest",
                server.uri()
            )
            .as_str()
        )
    );

    let by_upn: BTreeMap<&str, _> = snapshot
        .users
        .iter()
        .map(|u| (u.user_principal_name.as_str(), u))
        .collect();
    assert_eq!(by_upn.len(), 5);
    let zoe = by_upn["zoe.mueller@contoso.com"];
    assert_eq!(zoe.employee_id.as_deref(), Some("100234"));
    assert!(zoe.account_enabled);
    assert_eq!(
        zoe.property(&connector_azuread::properties::COST_CENTER),
        Some(&PropertyValue::text("CC-4711"))
    );
    assert_eq!(
        zoe.property(&connector_azuread::properties::extension_attribute(1)),
        Some(&PropertyValue::text("personio:100234"))
    );
    let admin = by_upn["admin@contoso.onmicrosoft.com"];
    assert_eq!(admin.employee_id, None);
    assert_eq!(
        admin.property(&connector_azuread::properties::JOB_TITLE),
        None
    );
    assert_eq!(by_upn["helpdesk-agent@contoso.com"].kind, ObjectKind::Agent);
    let jonas = by_upn["jonas.keller@contoso.com"];
    assert!(jonas.on_premises_sync_enabled && !jonas.previously_synced);
    let lena = by_upn["lena.vogt@contoso.com"];
    assert!(
        !lena.on_premises_sync_enabled && lena.previously_synced,
        "T11"
    );
    assert!(!lena.account_enabled);
    assert_eq!(
        lena.property(&connector_azuread::properties::DIVISION),
        None
    );
}

// With managers mapped, a full read is one delta round with `$select=…,manager`; the replayed
// user keeps the manager `manager@delta` named earlier in the round.
#[tokio::test]
async fn full_read_with_managers_is_one_delta_round() {
    let server = graph().await;
    let second = "$skiptoken=pqwSUjGYvb3jQpbwVAwEL7yuI3dU1LecfkkfLPtnIjsXoYQp_dpA3cNJWc";
    let routes = [
        (
            &*format!("/v1.0/users/delta?{second}"),
            "delta-managers-page-2.json",
        ),
        ("/v1.0/users/delta", "delta-managers-page-1.json"),
    ];
    expect_gets(&server, &routes).await;

    let snapshot = directory(&server, true).list_users().await.unwrap();

    let first = &requests_to(&server, "/v1.0/users/delta").await[0];
    let select = query_value(first, "$select").unwrap();
    assert!(select.ends_with(",manager"), "{select}");
    assert!(query_value(first, "$top").is_none(), "delta takes no $top");
    assert!(requests_to(&server, "/v1.0/users").await.is_empty());
    assert_eq!(snapshot.users.len(), 2);
    let zoe = snapshot
        .users
        .iter()
        .find(|u| u.id.as_str() == ZOE)
        .unwrap();
    assert_eq!(zoe.manager_id, Some(DirectoryUserId::new(JONAS)));
    assert!(
        snapshot
            .cursor
            .unwrap()
            .as_str()
            .ends_with("$deltatoken=mS5DuRZGjVL-abreviated")
    );
}

// A stored delta link is requested exactly as stored, and its answer merged by id in feed
// order (T7): the replayed user's last state wins, a manager reference marked `@removed`
// removes the manager, a removal after a change removes, `@removed` "changed" counts too.
#[tokio::test]
async fn stored_delta_link_is_followed_verbatim_and_merged() {
    let server = graph().await;
    expect_gets(
        &server,
        &[(
            "/v1.0/users/delta?$deltatoken=stored-token-1",
            "delta-changes.json",
        )],
    )
    .await;
    let stored = format!(
        "{}/v1.0/users/delta?$deltatoken=stored-token-1",
        server.uri()
    );
    let changes = directory(&server, true)
        .list_user_changes(&DeltaCursor::new(stored.clone()))
        .await
        .unwrap();

    let sent = &requests_to(&server, "/v1.0/users/delta").await[0];
    // (wiremock names the host `localhost`; path and query are what the link said.)
    assert_eq!(sent.url.path(), "/v1.0/users/delta");
    assert_eq!(sent.url.query(), Some("$deltatoken=stored-token-1"));
    assert_eq!(
        sent.headers.get("authorization").unwrap(),
        format!("Bearer {TOKEN}").as_str()
    );
    assert_eq!(changes.changed.len(), 1);
    let zoe = &changes.changed[0];
    assert_eq!(zoe.id.as_str(), ZOE);
    assert!(!zoe.account_enabled, "the later entry wins");
    assert_eq!(
        changes.managers.get(&zoe.id),
        Some(&None),
        "manager removed"
    );
    let mut removed: Vec<&str> = changes
        .removed
        .iter()
        .map(DirectoryUserId::as_str)
        .collect();
    removed.sort_unstable();
    let mut expected = vec![LENA, ADMIN];
    expected.sort_unstable();
    assert_eq!(removed, expected);
    assert!(
        changes
            .cursor
            .unwrap()
            .as_str()
            .ends_with("$deltatoken=oEcOySpF_hWYmTIUZBOIfPzcNext")
    );
}

// A stored delta link the service no longer takes (a 4xx such as `syncStateNotFound`): the
// engine is told to read everything again.
#[tokio::test]
async fn a_refused_delta_link_asks_for_a_full_read() {
    let server = graph().await;
    serve_error(
        &server,
        "GET",
        "/v1.0/users/delta",
        400,
        "error-sync-state.json",
    )
    .await;
    let stored = format!("{}/v1.0/users/delta?$deltatoken=expired", server.uri());
    let err = directory(&server, true)
        .list_user_changes(&DeltaCursor::new(stored))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::CursorExpired, "{err}");
}

fn mia() -> NewUser {
    let properties = [
        (connector_azuread::properties::JOB_TITLE, "Data Analyst"),
        (connector_azuread::properties::DEPARTMENT, "Finance"),
        (connector_azuread::properties::DIVISION, "Corporate"),
        (connector_azuread::properties::COST_CENTER, "CC-1200"),
        (
            connector_azuread::properties::extension_attribute(1),
            "personio:100250",
        ),
    ]
    .into_iter()
    .map(|(p, v)| (p, PropertyValue::text(v)))
    .collect();
    NewUser {
        password: Password::new("Contract-Passw0rd-Long!"),
        properties,
        ..hris_sync_core::testkit::directory::person(
            "mia.schmidt@contoso.com",
            "Mia",
            "Schmidt",
            "100250",
        )
    }
}

fn id(s: &str) -> DirectoryUserId {
    DirectoryUserId::new(s)
}

// One `$batch` with one of each write: the envelope must equal the fixture exactly (create
// with nested complex properties, a PATCH clearing with `null` and carrying `employeeOrgData`
// whole, the disable alone, the manager `$ref` body with an absolute URL, a DELETE with no
// body, revoke with `{}` and Content-Type, the leave date in its own PATCH). Graph's answer
// comes back out of order and is matched by id.
#[tokio::test]
async fn batch_envelope_for_each_write() {
    let server = graph().await;
    expect_batch(
        &server,
        "batch-writes-request.json",
        "batch-writes-answer.json",
    )
    .await;
    let ops = vec![
        Operation::Create(Box::new(mia())),
        update(
            &id(ZOE),
            &[
                (connector_azuread::properties::JOB_TITLE, None),
                (
                    connector_azuread::properties::DIVISION,
                    Some(PropertyValue::text("R&D")),
                ),
                (connector_azuread::properties::COST_CENTER, None),
            ],
        ),
        update(
            &id(LENA),
            &[(
                DirectoryProperty::ACCOUNT_ENABLED,
                Some(PropertyValue::Bool(false)),
            )],
        ),
        Operation::SetManager {
            user: id(ZOE),
            manager: Some(id(JONAS)),
        },
        Operation::SetManager {
            user: id(ADMIN),
            manager: None,
        },
        Operation::RevokeSessions { user: id(LENA) },
        set(
            LENA,
            connector_azuread::properties::EMPLOYEE_LEAVE_DATE_TIME,
            "2025-06-30T00:00:00Z",
        ),
        Operation::CreateAccessPass {
            user: id("2b3c4d5e-6f70-4a81-92a3-b4c5d6e7f809"),
            request: AccessPassRequest {
                start: Some("2025-07-01T06:00:00Z".parse().unwrap()),
                lifetime_minutes: Some(480),
                usable_once: true,
            },
        },
    ];
    let outcomes = directory(&server, true).apply(&ops).await;
    assert_eq!(outcomes.len(), ops.len());
    let Ok(Applied::Created(created)) = &outcomes[0] else {
        panic!("{:?}", outcomes[0]);
    };
    // Graph answers a create with its default property set; the rest is what was sent.
    assert_eq!(created.id.as_str(), "2b3c4d5e-6f70-4a81-92a3-b4c5d6e7f809");
    assert_eq!(created.employee_id.as_deref(), Some("100250"));
    assert!(created.account_enabled);
    assert_eq!(
        created.property(&connector_azuread::properties::COST_CENTER),
        Some(&PropertyValue::text("CC-1200"))
    );
    let Some(Ok(Applied::AccessPass(pass))) = outcomes.last() else {
        panic!("{:?}", outcomes.last());
    };
    assert_eq!(pass.pass.expose_secret(), "+drkzqAD");
    assert_eq!(pass.lifetime_minutes, Some(480));
    for (i, outcome) in outcomes.iter().enumerate().take(ops.len() - 1).skip(1) {
        assert!(matches!(outcome, Ok(Applied::Done)), "{i}: {outcome:?}");
    }
}

// A create answered with the documented duplicate-UPN error (T4): the holder is looked up with
// `$filter=userPrincipalName eq '…'`, the quote doubled as OData asks; another person's account
// holds it, so the conflict stands and says whose.
#[tokio::test]
async fn conflict_looks_up_the_holder_with_an_escaped_filter() {
    let server = graph().await;
    let conflict = json_fixture("error-conflict.json", &server.uri());
    batch_answers(&server, serde_json::json!({
            "responses": [
                { "id": "0", "status": 400, "headers": { "Content-Type": "application/json" }, "body": conflict }
            ]
        }), 1).await;
    Mock::given(method("GET"))
        .and(path("/v1.0/users"))
        .and(query_param(
            "$filter",
            "userPrincipalName eq 'sean.o''brien@contoso.com'",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users",
            "value": [ {
                "id": JONAS,
                "userPrincipalName": "sean.o'brien@contoso.com",
                "employeeId": "47001",
                "accountEnabled": true,
                "displayName": "Seán O'Brien (2019)",
                "onPremisesSyncEnabled": null
            } ]
        })))
        .expect(1)
        .mount(&server)
        .await;
    let mut new = mia();
    new.user_principal_name = "sean.o'brien@contoso.com".to_owned();
    new.mail_nickname = "sean.o'brien".to_owned();
    let outcomes = directory(&server, false)
        .apply(&[Operation::Create(Box::new(new))])
        .await;
    let err = outcomes[0].as_ref().unwrap_err();
    assert!(err.is_upn_conflict(), "{err}");
    assert!(err.message().contains(JONAS), "{err}");
}

// A sub-request answered 429 with its own `Retry-After` (the documented batch answer) is sent
// again alone, unchanged, in a new batch; the others are not repeated.
#[tokio::test]
async fn throttled_sub_request_is_sent_again_alone() {
    let server = graph().await;
    let throttled = json_fixture("error-throttled.json", &server.uri());
    Mock::given(method("POST"))
        .and(path("/v1.0/$batch"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "responses": [
                { "id": "1", "status": 429,
                  "headers": { "Retry-After": "1", "Content-Type": "application/json" },
                  "body": throttled },
                { "id": "0", "status": 204, "headers": { "x-ms-resource-unit": "1" } }
            ]
        })))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    batch_answers(
        &server,
        serde_json::json!({
            "responses": [ { "id": "1", "status": 204, "headers": {} } ]
        }),
        1,
    )
    .await;
    let ops = [
        set(ZOE, connector_azuread::properties::DEPARTMENT, "Finance"),
        Operation::SetManager {
            user: id(LENA),
            manager: Some(id(JONAS)),
        },
    ];
    let outcomes = directory(&server, false).apply(&ops).await;
    assert!(
        outcomes.iter().all(|o| matches!(o, Ok(Applied::Done))),
        "{outcomes:?}"
    );
    let batches = requests_to(&server, "/v1.0/$batch").await;
    assert_eq!(batches.len(), 2);
    let first: Value = serde_json::from_slice(&batches[0].body).unwrap();
    let second: Value = serde_json::from_slice(&batches[1].body).unwrap();
    assert_eq!(second["requests"].as_array().unwrap().len(), 1);
    assert_eq!(second["requests"][0], first["requests"][1]);
}

// docs/rules.md §1: a host's own `reqwest::Client` (its proxy, its roots, its headers) carries every
// request, the token request included, and ours still go out as JSON requests.
#[tokio::test(flavor = "current_thread")]
async fn a_host_client_carries_every_request() {
    let server = graph().await;
    serve(
        &server,
        "GET",
        "/v1.0/domains",
        answer(&server, "domains.json"),
    )
    .await;
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-host-proxy", "corp-egress".parse().unwrap());
    let host = reqwest::Client::builder()
        .default_headers(headers)
        .build()
        .unwrap();
    let entra = builder(&server).with_http_client(host).build().unwrap();
    entra.verified_domains().await.unwrap();
    let seen = server.received_requests().await.unwrap();
    assert_eq!(seen.len(), 2, "a token and the domains");
    for r in &seen {
        assert_eq!(r.headers.get("x-host-proxy").unwrap(), "corp-egress");
        assert_eq!(r.headers.get("accept").unwrap(), "application/json");
    }
}

// G3/G4 reads: the group with the properties that decide whether the sync may keep it, then
// its user members by the `microsoft.graph.user` cast, following `@odata.nextLink` verbatim.
#[tokio::test]
async fn a_group_and_its_member_pages_are_read_as_documented() {
    let server = graph().await;
    let group = "45b7d2e7-b882-4a80-ba97-10b7a63b8fa4";
    Mock::given(method("GET"))
        .and(path(format!("/v1.0/groups/{group}")))
        .and(query_param(
            "$select",
            "id,displayName,groupTypes,mailEnabled,securityEnabled,isAssignableToRole,onPremisesSyncEnabled",
        ))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(answer(&server, "group.json"))
        .expect(1)
        .mount(&server)
        .await;
    let members = format!("/v1.0/groups/{group}/members/microsoft.graph.user");
    let routes = [
        (
            format!("{members}?$skiptoken=RFNwdAIAAQAAACpHcm91cF8"),
            "group-members-page-2.json",
        ),
        (
            format!("{members}?$select=id&$top=999"),
            "group-members-page-1.json",
        ),
    ];
    let routes = routes.each_ref().map(|(r, f)| (r.as_str(), *f));
    expect_gets(&server, &routes).await;
    let info = directory(&server, false).read_group(group).await.unwrap();
    assert_eq!(info.display_name, "Finance");
    assert_eq!(info.refusal, None);
    let ids: Vec<&str> = info.members.iter().map(DirectoryUserId::as_str).collect();
    assert_eq!(ids, [LENA, JONAS, ZOE]);
}

// G4 writes in `$batch`: adds reference `directoryObjects/{id}` by absolute URL with a JSON
// body, removes are DELETEs with no body; Graph's "already exist" 400 for an add and its 404
// for a remove of a non-member are both the desired state, so done.
#[tokio::test]
async fn membership_writes_are_batched_and_repeats_are_done() {
    let server = graph().await;
    expect_batch(
        &server,
        "batch-members-request.json",
        "batch-members-answer.json",
    )
    .await;
    let group = "45b7d2e7-b882-4a80-ba97-10b7a63b8fa4".to_owned();
    let ops = vec![
        Operation::AddMember {
            group: group.clone(),
            user: id(ZOE),
        },
        Operation::AddMember {
            group: group.clone(),
            user: id(JONAS),
        },
        Operation::RemoveMember {
            group: group.clone(),
            user: id(LENA),
        },
        Operation::RemoveMember {
            group,
            user: id(ADMIN),
        },
    ];
    let outcomes = directory(&server, false).apply(&ops).await;
    for (i, o) in outcomes.iter().enumerate() {
        assert!(matches!(o, Ok(Applied::Done)), "{i}: {o:?}");
    }
}

// `[entra] usage_location`, read by this connector from its own section, goes into each create
// that does not map `usageLocation` itself (Graph assigns no license without one); a mapped
// value is left as it is.
#[tokio::test]
async fn the_sections_usage_location_goes_into_creates() {
    let server = graph().await;
    let mut answer = json_fixture("batch-writes-answer.json", &server.uri());
    if let Some(Value::Array(responses)) = answer.get_mut("responses") {
        responses.retain(|r| r["id"] == "0");
    }
    batch_answers(&server, answer, 2).await;
    let file = hris_sync_core::policy::ConfigFile::from_toml(
        "[entra]\nusage_location = \"de\"\n[upn]\ndomain = \"contoso.com\"\n",
    )
    .unwrap();
    let entra = builder(&server).config(&file).unwrap().build().unwrap();
    let mut mapped = mia();
    mapped.properties.insert(
        connector_azuread::properties::USAGE_LOCATION,
        PropertyValue::text("AT"),
    );
    for new in [mia(), mapped] {
        let outcomes = entra.apply(&[Operation::Create(Box::new(new))]).await;
        assert!(
            matches!(outcomes[0], Ok(Applied::Created(_))),
            "{outcomes:?}"
        );
    }
    let sent: Vec<Value> = requests_to(&server, "/v1.0/$batch")
        .await
        .iter()
        .map(|r| serde_json::from_slice::<Value>(&r.body).unwrap())
        .map(|b| b["requests"][0]["body"]["usageLocation"].clone())
        .collect();
    assert_eq!(sent, [Value::from("DE"), Value::from("AT")]);
}
