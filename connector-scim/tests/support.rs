//! Shared set-up: the real server (or a printed skip), a tenant per test, wiremock routes.

use std::sync::atomic::{AtomicU32, Ordering};

use connector_scim::ScimDirectory;
use connector_scim::scim2_server::Scim2Server;
use hris_sync_core::raw::NewUser;
use hris_sync_core::retry::RetryPolicy;
use hris_sync_core::testkit::directory::{self as kit, person};
use hris_sync_core::{Directory, DirectoryUser};

/// The shared server, or `None` after saying why the test is skipped
/// (`HRIS_SYNC_REQUIRE_SCIM=1`, set by `.ci/run`, makes that a failure).
pub(crate) fn server() -> Option<&'static Scim2Server> {
    Scim2Server::for_test("the SCIM tests")
}

/// A tenant no other test uses (each has its own users).
pub(crate) fn tenant(stem: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!("{stem}{}", N.fetch_add(1, Ordering::Relaxed))
}

/// The shared server, a new tenant named after `stem`, and a directory on it; `None` after
/// saying why the test is skipped.
pub(crate) fn fresh(stem: &str) -> Option<(&'static Scim2Server, String, ScimDirectory)> {
    let server = server()?;
    let t = tenant(stem);
    let dir = on_tenant(server, &t);
    Some((server, t, dir))
}

/// A directory on `tenant` of `server`, with fast retries.
pub(crate) fn on_tenant(server: &Scim2Server, tenant: &str) -> ScimDirectory {
    server
        .builder(tenant)
        .retry(RetryPolicy::default().scaled(100))
        .build()
        .unwrap()
}

/// A request of the test's own to the server (to set a scene, or to look behind the
/// connector): the status and the JSON body (`null` when empty).
pub(crate) async fn raw(
    server: &Scim2Server,
    tenant: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value) {
    let url = format!("{}{path}", server.base_url(tenant));
    let mut request = reqwest::Client::new()
        .request(method, url)
        .bearer_auth(server.token());
    if let Some(b) = body {
        request = request
            .header("content-type", "application/scim+json")
            .body(b.to_string());
    }
    let answer = request.send().await.unwrap();
    let status = answer.status().as_u16();
    let text = answer.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    )
}

/// An account to create, `local@example.com`.
pub(crate) fn new_user(local: &str, first: &str, last: &str, employee_id: &str) -> NewUser {
    person(&format!("{local}@example.com"), first, last, employee_id)
}

pub(crate) use hris_sync_core::testkit::directory::one;

/// Create `new`; the test fails unless it comes back created.
pub(crate) async fn create(dir: &dyn Directory, new: NewUser) -> DirectoryUser {
    kit::create(dir, new).await.unwrap()
}
