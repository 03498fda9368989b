use connector_scim::vocabulary::{DEPARTMENT, TITLE};
use hris_sync_core::testkit::{self, Kit};
use reqwest::Method;
use serde_json::json;

use crate::support::{on_tenant, raw, server, tenant};

// The core's conformance kit, on a tenant of the real server, group membership included.
#[tokio::test]
async fn the_connector_passes_the_conformance_kit() {
    let Some(server) = server() else { return };
    let t = tenant("kit");
    let (status, group) = raw(
        server,
        &t,
        Method::POST,
        "/Groups",
        Some(
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                    "displayName": "Kit Group"}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{group}");
    let kit = Kit::new("example.com", "kit")
        .with_attributes(DEPARTMENT, TITLE)
        .with_group(group["id"].as_str().unwrap());
    testkit::directory::run_all(&on_tenant(server, &t), &kit)
        .await
        .unwrap();
}
