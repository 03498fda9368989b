//! Contract tests: each request the connector sends and each documented answer it parses,
//! pinned against `wiremock` with the JSON fixtures in `tests/fixtures/` (their README says
//! where each shape comes from). The real server covers behaviour; these cover the wire, and
//! what the real server never does (429, 503, a 404 for an empty filter, a foreign
//! `Location`, OAuth).

use connector_scim::vocabulary::{COST_CENTER, COUNTRY, DEPARTMENT, LOCALITY, MOBILE_PHONE, TITLE};
use connector_scim::{Profile, ScimAuth, ScimBuilder, ScimDirectory};
use hris_sync_core::raw::{
    Applied, DirectoryProperty as P, NewUser, Operation, Password, PropertyValue,
};
use hris_sync_core::retry::RetryPolicy;
use hris_sync_core::testkit::directory::one;
use hris_sync_core::{Directory, DirectoryUserId, ErrorKind};
use serde_json::{Value, json};
use wiremock::matchers::{body_json, body_string_contains, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TOKEN: &str = "scim-contract-token-5f0c";
const BJENSEN: &str = "2819c223-7f76-453a-919d-413861904646";
const JSMITH: &str = "26118915-6090-4610-87e4-49d8ca9f808d";
const GROUP: &str = "e9e30dba-f08f-4109-8486-d5c6a331660a";

/// A fixture's text with `{{base}}` replaced by the mock server's SCIM base.
fn fixture(name: &str, base: &str) -> Value {
    let file = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file}: {e}"));
    serde_json::from_str(&text.replace("{{base}}", base)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// The SCIM base on the mock server.
fn base(server: &MockServer) -> String {
    format!("{}/scim/v2", server.uri())
}

/// An answer with a fixture as `application/scim+json`.
fn answer(server: &MockServer, status: u16, name: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(
        fixture(name, &base(server)).to_string(),
        "application/scim+json",
    )
}

/// A mock provider with its `/ServiceProviderConfig` (`fixture`), which needs the token.
async fn provider(config: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/scim/v2/ServiceProviderConfig"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(answer(&server, 200, config))
        .mount(&server)
        .await;
    server
}

fn builder(server: &MockServer) -> ScimBuilder {
    ScimDirectory::builder()
        .base_url(base(server))
        .bearer_token(TOKEN)
        .domains(["example.com"])
        .retry(RetryPolicy::default().scaled(100))
}

fn directory(server: &MockServer) -> ScimDirectory {
    builder(server).build().unwrap()
}

/// Mounts `"VERB /path?k=v&…"` (the path under the SCIM base; each query pair, decoded, must
/// be there) answered by `reply`, `times` times exactly when given.
async fn on(server: &MockServer, spec: &str, reply: ResponseTemplate, times: Option<u64>) {
    let (verb, target) = spec.split_once(' ').unwrap_or(("GET", spec));
    let (p, query) = target.split_once('?').unwrap_or((target, ""));
    let p = format!("/scim/v2{p}");
    let mock = query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .fold(
            Mock::given(method(verb)).and(path(p.as_str())),
            |m, (k, v)| m.and(query_param(k, v)),
        )
        .respond_with(reply);
    match times {
        Some(n) => mock.expect(n).mount(server).await,
        None => mock.mount(server).await,
    }
}

/// [`on`], answered exactly once.
async fn once(server: &MockServer, spec: &str, reply: ResponseTemplate) {
    on(server, spec, reply, Some(1)).await;
}

/// [`on`], answered however often it is asked.
async fn always(server: &MockServer, spec: &str, reply: ResponseTemplate) {
    on(server, spec, reply, None).await;
}

/// [`once`] with a fixture: `status` and `name` as [`answer`] takes them.
async fn once_file(server: &MockServer, spec: &str, status: u16, name: &str) {
    once(server, spec, answer(server, status, name)).await;
}

/// [`always`] with a fixture.
async fn always_file(server: &MockServer, spec: &str, status: u16, name: &str) {
    always(server, spec, answer(server, status, name)).await;
}

async fn requests(server: &MockServer, verb: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.method.as_str() == verb)
        .collect()
}

async fn mount_pages(server: &MockServer) {
    once_file(server, "GET /Users?startIndex=3", 200, "users-page-2.json").await;
    once_file(
        server,
        "GET /Users?startIndex=1&count=2",
        200,
        "users-page-1.json",
    )
    .await;
}

fn mia() -> NewUser {
    let properties = [
        (TITLE, "Data Analyst"),
        (DEPARTMENT, "Finance"),
        (COST_CENTER, "CC-1200"),
        (MOBILE_PHONE, "+49 170 1234567"),
        (LOCALITY, "Berlin"),
        (COUNTRY, "DE"),
    ]
    .into_iter()
    .map(|(p, v)| (p, PropertyValue::text(v)))
    .collect();
    NewUser {
        password: Password::new("Contract-Passw0rd-Long!"),
        properties,
        ..hris_sync_core::testkit::directory::person(
            "mia.schmidt@example.com",
            "Mia",
            "Schmidt",
            "100250",
        )
    }
}

fn update(user: &str, changes: Vec<(P, Option<PropertyValue>)>) -> Operation {
    Operation::Update {
        user: DirectoryUserId::new(user),
        changes: changes.into_iter().collect(),
    }
}

/// Write one attribute of `user` (or clear it), which must succeed.
async fn set(dir: &ScimDirectory, user: &str, p: P, value: Option<PropertyValue>) {
    one(dir, update(user, vec![(p, value)])).await.unwrap();
}

/// `PATCH {resource}` (under the SCIM base) answered `204 No Content`, expected `times` times.
async fn accepts_patch(server: &MockServer, resource: &str, times: u64) {
    let spec = format!("PATCH /{resource}");
    on(server, &spec, ResponseTemplate::new(204), Some(times)).await;
}

// Reads: `startIndex`/`count` paging with the count capped by `filter.maxResults` (2), the
// next page at `startIndex` + the resources received, to `totalResults`; the RFC's full
// User read into the directory's view; no change feed.
#[tokio::test]
async fn users_are_paged_to_the_total_and_read_as_documented() {
    let server = provider("service-provider-config.json").await;
    mount_pages(&server).await;
    let snapshot = directory(&server).list_users().await.unwrap();
    assert!(snapshot.cursor.is_none(), "SCIM has no change feed");
    assert_eq!(snapshot.users.len(), 3);
    let babs = &snapshot.users[0];
    assert_eq!(babs.id.as_str(), BJENSEN);
    assert_eq!(babs.user_principal_name, "bjensen@example.com");
    assert_eq!(babs.employee_id.as_deref(), Some("701984"));
    assert_eq!(babs.mail.as_deref(), Some("bjensen@example.com"));
    assert_eq!(
        babs.manager_id.as_ref().map(DirectoryUserId::as_str),
        Some(JSMITH)
    );
    let text = |p| babs.property(&p).and_then(PropertyValue::as_text);
    assert_eq!(text(TITLE), Some("Tour Guide"));
    assert_eq!(text(DEPARTMENT), Some("Tour Operations"));
    assert_eq!(text(MOBILE_PHONE), Some("555-555-4444"));
    assert_eq!(text(LOCALITY), Some("Hollywood"));
    assert_eq!(text(COUNTRY), Some("US"));
    assert_eq!(text(P::GIVEN_NAME), Some("Barbara"));
    assert_eq!(text(P::SURNAME), Some("Jensen"));
    let jane = &snapshot.users[2];
    assert!(!jane.account_enabled);
    assert_eq!(jane.employee_id, None);
    for r in requests(&server, "GET").await {
        assert_eq!(
            r.headers.get("authorization").unwrap(),
            format!("Bearer {TOKEN}").as_str()
        );
        let accept = r.headers.get("accept").unwrap().to_str().unwrap();
        assert!(accept.contains("application/scim+json"), "{accept}");
    }
}

// `Resources` in lower case and counts as strings are read the same (RFC 7643 §2.1).
#[tokio::test]
async fn names_in_any_case_and_counts_as_strings_are_read() {
    let server = provider("service-provider-config.json").await;
    once_file(&server, "GET /Users", 200, "users-page-lowercase.json").await;
    let users = directory(&server).list_users().await.unwrap().users;
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].employee_id.as_deref(), Some("701984"));
}

// A short read never looks like departed users: an empty page before `totalResults` fails
// the read.
#[tokio::test]
async fn an_empty_page_before_the_total_fails_the_read() {
    let server = provider("service-provider-config.json").await;
    let empty = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": 3, "startIndex": 3, "itemsPerPage": 0, "Resources": []});
    always(
        &server,
        "GET /Users?startIndex=3",
        ResponseTemplate::new(200).set_body_json(empty),
    )
    .await;
    always_file(&server, "GET /Users?startIndex=1", 200, "users-page-1.json").await;
    let err = directory(&server).list_users().await.unwrap_err();
    assert!(err.message().contains("incomplete"), "{err}");
}

// 429 with `Retry-After` and 503 with an HTTP date: waited out and asked again.
#[tokio::test]
async fn throttled_and_unavailable_answers_are_retried() {
    let server = provider("service-provider-config.json").await;
    Mock::given(method("GET"))
        .and(path("/scim/v2/Users"))
        .respond_with(ResponseTemplate::new(429).insert_header("Retry-After", "1"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/scim/v2/Users"))
        .respond_with(
            ResponseTemplate::new(503)
                .insert_header("Retry-After", "Wed, 21 Oct 2015 07:28:00 GMT"),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    mount_pages(&server).await;
    let users = directory(&server).list_users().await.unwrap().users;
    assert_eq!(users.len(), 3);
}

// `POST /Users`: the body exactly as the fixture (schemas, userName, externalId and
// employeeNumber, names, the work email as primary, typed entries, Enterprise attributes; no
// password by default), `Content-Type: application/scim+json`; the 201's resource is the
// created account.
#[tokio::test]
async fn a_create_sends_the_documented_body() {
    let server = provider("service-provider-config.json").await;
    Mock::given(method("POST"))
        .and(path("/scim/v2/Users"))
        .and(header("content-type", "application/scim+json"))
        .and(body_json(fixture("create-request.json", "")))
        .respond_with(answer(&server, 201, "created.json"))
        .expect(1)
        .mount(&server)
        .await;
    match one(&directory(&server), Operation::Create(Box::new(mia()))).await {
        Ok(Applied::Created(u)) => {
            assert_eq!(u.id.as_str(), BJENSEN);
            assert_eq!(u.employee_id.as_deref(), Some("100250"));
        }
        other => panic!("{other:?}"),
    }
    let sent = &requests(&server, "POST").await[0];
    assert!(!String::from_utf8_lossy(&sent.body).contains("Contract-Passw0rd"));
}

// A custom extension attribute (`[scim] attributes`) goes into its extension's object, and
// its URN into `schemas`; an undeclared attribute is refused before anything is sent.
#[tokio::test]
async fn a_custom_extension_attribute_is_written_in_its_schema() {
    let server = provider("service-provider-config.json").await;
    let urn = "urn:ietf:params:scim:schemas:extension:acme:2.0:User";
    let badge = connector_scim::vocabulary::custom(&format!("{urn}:badge")).unwrap();
    let mut expected = fixture("create-request.json", "");
    expected["schemas"].as_array_mut().unwrap().push(json!(urn));
    expected[urn] = json!({"badge": "B-42"});
    Mock::given(method("POST"))
        .and(path("/scim/v2/Users"))
        .and(body_json(expected))
        .respond_with(answer(&server, 201, "created.json"))
        .expect(1)
        .mount(&server)
        .await;
    let mut new = mia();
    new.properties
        .insert(badge.clone(), PropertyValue::text("B-42"));
    let plain = directory(&server);
    let err = one(&plain, Operation::Create(Box::new(new.clone())))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    let dir = builder(&server).attributes([badge.name()]).build().unwrap();
    assert!(matches!(
        one(&dir, Operation::Create(Box::new(new))).await,
        Ok(Applied::Created(_))
    ));
}

// T4: a 409 `uniqueness` (RFC 7644 §3.12) asks who holds the userName with a filter
// (escaped, percent-encoded): this employee's account is adopted, another's is U3's
// collision.
#[tokio::test]
async fn a_409_is_settled_by_who_holds_the_name() {
    for (holder_id, adopted) in [("100250", true), ("999999", false)] {
        let server = provider("service-provider-config.json").await;
        once_file(&server, "POST /Users", 409, "error-uniqueness.json").await;
        let mut list = fixture("list-one.json", &base(&server));
        list["Resources"][0]["externalId"] = json!(holder_id);
        once(
            &server,
            "GET /Users?filter=userName eq \"mia.schmidt@example.com\"",
            ResponseTemplate::new(200).set_body_json(list),
        )
        .await;
        let outcome = one(&directory(&server), Operation::Create(Box::new(mia()))).await;
        if adopted {
            assert!(matches!(outcome, Ok(Applied::Adopted(_))), "{outcome:?}");
        } else {
            let err = outcome.unwrap_err();
            assert!(err.is_upn_conflict(), "{err}");
            assert!(err.message().contains(BJENSEN), "{err}");
        }
        let get = &requests(&server, "GET").await;
        let filter = get
            .iter()
            .find(|r| r.url.path() == "/scim/v2/Users")
            .unwrap();
        assert_eq!(
            filter.url.query(),
            Some("filter=userName%20eq%20%22mia.schmidt%40example.com%22")
        );
    }
}

// A lost answer (a 503 after the POST) is not repeated blindly: the name's holder is asked
// for first. Okta's 404 for a filter that matched nothing counts as nobody, and a filter the
// provider ignored (everyone answered) matches nobody either, so the create is sent again.
#[tokio::test]
async fn a_lost_create_is_sent_again_only_when_nobody_holds_the_name() {
    let server = provider("service-provider-config.json").await;
    Mock::given(method("POST"))
        .and(path("/scim/v2/Users"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    always(&server, "POST /Users", answer(&server, 201, "created.json")).await;
    always(
        &server,
        "GET /Users?filter=userName eq \"mia.schmidt@example.com\"",
        answer(&server, 404, "error-okta-404.json"),
    )
    .await;
    always(
        &server,
        "GET /Users?filter=externalId eq \"100250\"",
        answer(&server, 200, "users-page-1.json"),
    )
    .await;
    let outcome = one(&directory(&server), Operation::Create(Box::new(mia()))).await;
    assert!(matches!(outcome, Ok(Applied::Created(_))), "{outcome:?}");
    assert_eq!(requests(&server, "POST").await.len(), 2);
}

// An update after a read: one PATCH with the operations exactly as the fixture (a removed
// Enterprise attribute, the display name with `name.formatted`, entries that exist replaced
// through a value filter), `If-Match` with the version read (ETags are supported).
#[tokio::test]
async fn an_update_is_one_patch_of_what_changed() {
    let server = provider("service-provider-config.json").await;
    mount_pages(&server).await;
    Mock::given(method("PATCH"))
        .and(path(format!("/scim/v2/Users/{BJENSEN}")))
        .and(header("if-match", "W/\"a330bc54f0671c9\""))
        .and(header("content-type", "application/scim+json"))
        .and(body_json(fixture("patch-request.json", "")))
        .respond_with(ResponseTemplate::new(204).insert_header("ETag", "W/\"b\""))
        .expect(1)
        .mount(&server)
        .await;
    let dir = directory(&server);
    dir.list_users().await.unwrap();
    let op = update(
        BJENSEN,
        vec![
            (TITLE, Some(PropertyValue::text("Head Tour Guide"))),
            (DEPARTMENT, None),
            (MOBILE_PHONE, Some(PropertyValue::text("555-555-0000"))),
            (LOCALITY, Some(PropertyValue::text("Burbank"))),
            (
                P::DISPLAY_NAME,
                Some(PropertyValue::text("Babs Jensen-Smith")),
            ),
        ],
    );
    assert_eq!(one(&dir, op).await.unwrap(), Applied::Done);
}

// An entry the user lacks is added (a replace through a filter that matches nothing is
// `noTarget`); removing an entry's value removes the entry; disabling is `active = false`,
// a JSON boolean. No DELETE, ever.
#[tokio::test]
async fn entries_are_added_or_removed_and_leavers_are_deactivated() {
    let server = provider("service-provider-config.json").await;
    mount_pages(&server).await;
    accepts_patch(&server, &format!("Users/{JSMITH}"), 1).await;
    accepts_patch(&server, &format!("Users/{BJENSEN}"), 2).await;
    // After a write that changed entries, the next write reads the user (and its ETag) again.
    let babs = fixture("users-page-1.json", &base(&server))["Resources"][0].clone();
    let reply = ResponseTemplate::new(200).set_body_json(babs);
    once(&server, &format!("GET /Users/{BJENSEN}"), reply).await;
    let dir = directory(&server);
    dir.list_users().await.unwrap();
    set(
        &dir,
        JSMITH,
        MOBILE_PHONE,
        Some(PropertyValue::text("555-0100")),
    )
    .await;
    set(&dir, BJENSEN, MOBILE_PHONE, None).await;
    set(
        &dir,
        BJENSEN,
        P::ACCOUNT_ENABLED,
        Some(PropertyValue::Bool(false)),
    )
    .await;
    let patches: Vec<Value> = requests(&server, "PATCH")
        .await
        .iter()
        .map(|r| serde_json::from_slice::<Value>(&r.body).unwrap()["Operations"].clone())
        .collect();
    assert_eq!(
        patches[0],
        json!([{"op": "add", "path": "phoneNumbers", "value": [{"type": "mobile", "value": "555-0100"}]}])
    );
    assert_eq!(
        patches[1],
        json!([{"op": "remove", "path": "phoneNumbers[type eq \"mobile\"]"}])
    );
    assert_eq!(
        patches[2],
        json!([{"op": "replace", "path": "active", "value": false}])
    );
    assert!(requests(&server, "DELETE").await.is_empty());
}

// The `github` profile: no filters in paths, so a changed entry is written with its whole
// multi-valued attribute, the other entries as read.
#[tokio::test]
async fn the_github_profile_writes_multi_valued_attributes_whole() {
    let server = provider("service-provider-config.json").await;
    mount_pages(&server).await;
    accepts_patch(&server, &format!("Users/{BJENSEN}"), 1).await;
    let dir = builder(&server).profile(Profile::GitHub).build().unwrap();
    dir.list_users().await.unwrap();
    set(
        &dir,
        BJENSEN,
        MOBILE_PHONE,
        Some(PropertyValue::text("555-0199")),
    )
    .await;
    let sent: Value = serde_json::from_slice(&requests(&server, "PATCH").await[0].body).unwrap();
    assert_eq!(
        sent["Operations"],
        json!([{"op": "replace", "path": "phoneNumbers", "value": [
            {"value": "555-555-5555", "type": "work"},
            {"value": "555-0199", "type": "mobile"}
        ]}])
    );
}

// Groups: read with their user members (a nested group left out); members added with `add`
// and removed through a value filter, never by `remove members` without one (which would
// empty the group).
#[tokio::test]
async fn group_members_are_read_added_and_removed_one_by_one() {
    let server = provider("service-provider-config.json").await;
    once(
        &server,
        &format!("GET /Groups/{GROUP}"),
        answer(&server, 200, "group.json"),
    )
    .await;
    accepts_patch(&server, &format!("Groups/{GROUP}"), 2).await;
    let dir = directory(&server);
    let group = dir.read_group(GROUP).await.unwrap();
    assert_eq!(group.display_name, "Tour Guides");
    let members: Vec<&str> = group.members.iter().map(DirectoryUserId::as_str).collect();
    assert_eq!(members, [BJENSEN, "902c246b-6245-4190-8e05-00816be7344a"]);
    let user = DirectoryUserId::new(JSMITH);
    for op in [
        Operation::AddMember {
            group: GROUP.to_owned(),
            user: user.clone(),
        },
        Operation::RemoveMember {
            group: GROUP.to_owned(),
            user,
        },
    ] {
        assert_eq!(one(&dir, op).await.unwrap(), Applied::Done);
    }
    let bodies: Vec<Value> = requests(&server, "PATCH")
        .await
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    assert_eq!(
        bodies[0],
        json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
               "Operations": [{"op": "add", "path": "members", "value": [{"value": JSMITH}]}]})
    );
    assert_eq!(
        bodies[1]["Operations"],
        json!([{"op": "remove", "path": format!("members[value eq \"{JSMITH}\"]")}])
    );
}

// What the provider lacks is a start-up error naming it; a provider with no
// `/ServiceProviderConfig` is assumed to have PATCH and filters.
#[tokio::test]
async fn a_provider_without_patch_is_refused_at_start_up() {
    let server = provider("service-provider-config-no-patch.json").await;
    let err = directory(&server).verified_domains().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfig);
    assert!(err.message().contains("patch.supported = false"), "{err}");
    let server = MockServer::start().await;
    let domains = directory(&server).verified_domains().await.unwrap();
    assert_eq!(domains, ["example.com"]);
}

// A 201 without a body is read from its `Location`, but only on the configured host (T8):
// the token never goes elsewhere.
#[tokio::test]
async fn a_location_on_another_host_is_not_followed() {
    let server = provider("service-provider-config.json").await;
    let reply = ResponseTemplate::new(201).insert_header(
        "Location",
        format!("https://elsewhere.example/Users/{BJENSEN}"),
    );
    once(&server, "POST /Users", reply).await;
    let err = one(&directory(&server), Operation::Create(Box::new(mia())))
        .await
        .unwrap_err();
    assert!(err.message().contains("elsewhere.example"), "{err}");
    assert!(err.message().contains("not followed"), "{err}");
}

// A refused static token is a clear error that never shows the token.
#[tokio::test]
async fn a_refused_token_is_named_without_showing_it() {
    let server = MockServer::start().await;
    let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": "401", "detail": "Authorization failure"});
    always(
        &server,
        "GET /ServiceProviderConfig",
        ResponseTemplate::new(401).set_body_json(body),
    )
    .await;
    let dir = directory(&server);
    let err = dir.verified_domains().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthenticated);
    assert!(err.message().contains("SCIM_TOKEN"), "{err}");
    for shown in [
        format!("{err} {err:?}"),
        format!("{dir:?}"),
        format!("{:?}", builder(&server)),
    ] {
        assert!(!shown.contains(TOKEN), "{shown}");
    }
}

// OAuth 2.0 client credentials (RFC 6749 §4.4): the form with the secret in the body, the
// token as the bearer of every SCIM request, a refused token replaced once.
#[tokio::test]
async fn client_credentials_fetch_the_token_and_renew_a_refused_one() {
    let server = MockServer::start().await;
    let secret = "client-s3cret&=+";
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .and(body_string_contains("grant_type=client_credentials"))
        .and(body_string_contains("client_id=hris-sync"))
        .and(body_string_contains("scope=scim"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"access_token": "oauth-token-1", "token_type": "Bearer", "expires_in": 3600}),
        ))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/scim/v2/ServiceProviderConfig"))
        .respond_with(ResponseTemplate::new(401))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/scim/v2/ServiceProviderConfig"))
        .and(header("authorization", "Bearer oauth-token-1"))
        .respond_with(answer(&server, 200, "service-provider-config.json"))
        .mount(&server)
        .await;
    let dir = ScimDirectory::builder()
        .base_url(base(&server))
        .auth(ScimAuth::ClientCredentials {
            token_url: format!("{}/oauth/token", server.uri()),
            client_id: "hris-sync".to_owned(),
            client_secret: secret.to_owned().into(),
            scope: Some("scim".to_owned()),
        })
        .domains(["example.com"])
        .build()
        .unwrap();
    dir.verified_domains().await.unwrap();
    let token = &requests(&server, "POST").await[0];
    assert_eq!(
        token.url.query(),
        None,
        "the secret is in the body, not the URL"
    );
    assert!(!format!("{dir:?}").contains(secret));
}

// The builder refuses what cannot work, naming it.
#[test]
fn the_builder_names_what_is_missing_or_unsafe() {
    let complete = || {
        ScimDirectory::builder()
            .base_url("https://scim.example.com/v2")
            .bearer_token("t")
            .domains(["example.com"])
    };
    assert!(complete().build().is_ok());
    for (builder, named) in [
        (ScimDirectory::builder(), "base_url"),
        (complete().base_url("http://scim.example.com/v2"), "https"),
        (complete().bearer_token(""), "SCIM_TOKEN"),
        (complete().domains(Vec::<String>::new()), "domains"),
    ] {
        let err = builder.build().expect_err(named);
        assert!(err.message().contains(named), "{err}");
    }
}

// Secrets: the bearer token and a sent one-time password appear in no log line (at trace
// level, through retries and failures), no error and no `Debug` output.
#[tokio::test(flavor = "current_thread")]
async fn secrets_are_absent_from_logs_errors_and_debug() {
    let captured = hris_sync_core::testkit::CapturedLogs::default();
    let _guard = captured.install();
    let server = provider("service-provider-config.json").await;
    let refused = ResponseTemplate::new(500).set_body_json(json!({"status": "500"}));
    always(&server, "POST /Users", refused.clone()).await;
    always(&server, "GET /Users", refused).await;
    let dir = builder(&server).send_password(true).build().unwrap();
    let new = mia();
    let op = Operation::Create(Box::new(new));
    let outcome = one(&dir, op.clone()).await;
    let err = outcome.as_ref().unwrap_err();
    let logs = captured.text();
    assert!(logs.contains("retrying"), "logs were captured: {logs}");
    let sent = requests(&server, "POST").await;
    assert!(
        String::from_utf8_lossy(&sent[0].body).contains("Contract-Passw0rd-Long!"),
        "send_password sends it"
    );
    for text in [
        logs,
        format!("{err} {err:?}"),
        format!("{dir:?}"),
        format!("{op:?}"),
    ] {
        assert!(!text.contains(TOKEN), "{text}");
        assert!(!text.contains("Contract-Passw0rd-Long!"), "{text}");
    }
}

// A provider that refuses to filter by `externalId` (400 `invalidFilter`) still settles a
// 409 by the `userName` look-up: nobody visible holds the name, so the conflict stands (U3).
#[tokio::test]
async fn a_provider_without_an_external_id_filter_still_settles_a_409() {
    let server = provider("service-provider-config.json").await;
    once_file(&server, "POST /Users", 409, "error-uniqueness.json").await;
    let empty = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "totalResults": 0});
    always(
        &server,
        "GET /Users?filter=userName eq \"mia.schmidt@example.com\"",
        ResponseTemplate::new(200).set_body_json(empty),
    )
    .await;
    let refused = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": "400", "scimType": "invalidFilter", "detail": "externalId is not filterable"});
    always(
        &server,
        "GET /Users?filter=externalId eq \"100250\"",
        ResponseTemplate::new(400).set_body_json(refused),
    )
    .await;
    let err = one(&directory(&server), Operation::Create(Box::new(mia())))
        .await
        .unwrap_err();
    assert!(err.is_upn_conflict(), "{err}");
}

// A malformed record in the listing (no id, not an object) is left out, and the rest is read;
// it never fails the read for everyone.
#[tokio::test]
async fn a_malformed_resource_is_left_out_not_fatal() {
    let server = provider("service-provider-config.json").await;
    let mut page = fixture("users-page-lowercase.json", &base(&server));
    page["totalresults"] = json!(3);
    page["resources"]
        .as_array_mut()
        .unwrap()
        .extend([json!(42), json!({"userName": "no-id@example.com"})]);
    always(
        &server,
        "GET /Users",
        ResponseTemplate::new(200).set_body_json(page),
    )
    .await;
    let users = directory(&server).list_users().await.unwrap().users;
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].employee_id.as_deref(), Some("701984"));
}
