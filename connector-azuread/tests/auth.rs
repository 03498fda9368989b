//! Tokens: cached, refreshed once on 401, AADSTS errors as configuration errors.

use crate::support::Connect as _;
use connector_azuread::EntraDirectory;
use hris_sync_core::Directory;

use crate::support::{refused, sim, users};

#[tokio::test(flavor = "current_thread")]
async fn token_is_cached_and_refreshed_once_on_401() {
    let sim = sim().await;
    sim.seed(users(10)).unwrap();
    let entra = sim.directory().build().unwrap();
    for _ in 0..3 {
        entra.list_users().await.unwrap();
    }
    assert_eq!(sim.counts().token, 1);
    sim.revoke_tokens();
    assert_eq!(entra.list_users().await.unwrap().users.len(), 10);
    let counts = sim.counts();
    assert_eq!(counts.token, 2);
    assert_eq!(counts.unauthorized, 1);
    assert_eq!(entra.token_calls(), 2);
}

#[tokio::test(flavor = "current_thread")]
async fn wrong_secret_is_a_config_error_with_the_aadsts_code() {
    let sim = sim().await;
    let entra = sim.directory().client_secret("wrong").build().unwrap();
    refused(&entra, "AADSTS7000215", "AZURE_CLIENT_SECRET").await;
    let tenant = sim.directory().tenant_id("nobody.example").build().unwrap();
    let err = tenant.verified_domains().await.unwrap_err();
    assert!(err.message().contains("AADSTS90002"), "{err}");
}

#[test]
fn builder_validation() {
    let base = || {
        EntraDirectory::builder()
            .tenant_id("t")
            .client_id("c")
            .client_secret("s")
    };
    assert!(base().build().is_ok());
    let err = base()
        .graph_base_url("http://graph.example.com")
        .build()
        .unwrap_err();
    assert!(err.message().starts_with("GRAPH_BASE_URL"), "{err}");
    let err = base()
        .authority_host("http://login.example.com")
        .build()
        .unwrap_err();
    assert!(err.message().starts_with("AZURE_AUTHORITY_HOST"), "{err}");
    assert!(base().graph_base_url("http://127.0.0.1:1").build().is_ok());
    assert!(
        EntraDirectory::builder()
            .client_id("c")
            .client_secret("s")
            .build()
            .is_err()
    );
    assert!(base().batches_in_flight(0).build().is_err());
}
