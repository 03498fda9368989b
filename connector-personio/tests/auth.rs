//! Authentication: one token per lifetime, adopted from headers, refreshed once on refusal.

use crate::support::Connect as _;
use hris_sync_core::{ErrorKind, HrSource};

use crate::support::{company, seeded, sim, sim_with};

// The token is cached: several listings cost one POST /v1/auth.
#[tokio::test(flavor = "current_thread")]
async fn token_is_cached() {
    let sim = seeded(250).await;
    let personio = sim.source().build().unwrap();
    for _ in 0..3 {
        personio.list_employees().await.unwrap();
    }
    assert_eq!(sim.counts().auth, 1);
    assert_eq!(personio.auth_calls(), 1);
}

// Credentials go in the body, never the query string; the App ID header is sent.
#[tokio::test(flavor = "current_thread")]
async fn credentials_in_the_body_and_app_id_sent() {
    let sim = seeded(3).await;
    sim.source()
        .partner_id("ACME_PARTNER")
        .build()
        .unwrap()
        .list_employees()
        .await
        .unwrap();
    let seen = sim.seen();
    let auth = seen.iter().find(|s| s.path == "POST /v1/auth").unwrap();
    assert!(auth.query.is_empty(), "{:?}", auth.query);
    assert!(
        seen.iter()
            .all(|s| s.app_id.as_deref() == Some("HRIS_SYNC_TESTS"))
    );
    assert!(
        seen.iter()
            .all(|s| s.partner_id.as_deref() == Some("ACME_PARTNER"))
    );
}

// A refused token (401/403) causes exactly one re-authentication, then the request succeeds.
#[tokio::test(flavor = "current_thread")]
async fn refused_token_one_reauth_then_success() {
    let sim = seeded(20).await;
    let personio = sim.source().build().unwrap();
    personio.list_employees().await.unwrap();
    sim.revoke_tokens();
    let listing = personio.list_employees().await.unwrap();
    assert_eq!(listing.employees.len(), 20);
    let counts = sim.counts();
    assert_eq!(counts.auth, 2);
    assert_eq!(counts.unauthorized, 1);
}

// Personio's older single-use tokens: each answer carries the next token in its
// Authorization header. Adopting it means one authentication for a whole listing.
#[tokio::test(flavor = "current_thread")]
async fn token_adopted_from_response_header() {
    let sim = sim_with(|c| c.rotate_tokens = true).await;
    sim.seed(company(350));
    let personio = sim.source().build().unwrap();
    let listing = personio.list_employees().await.unwrap();
    assert_eq!(listing.employees.len(), 350);
    let counts = sim.counts();
    assert_eq!(counts.employees, 4);
    assert_eq!(counts.auth, 1, "the rotated token was adopted");
    assert_eq!(counts.unauthorized, 0);
}

// Wrong credentials are a configuration error, not retried.
#[tokio::test(flavor = "current_thread")]
async fn wrong_credentials_are_a_config_error() {
    let sim = sim().await;
    let personio = sim.source().client_secret("wrong").build().unwrap();
    let err = personio.list_employees().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfig, "{err}");
    assert!(err.message().contains("PERSONIO_CLIENT_SECRET"), "{err}");
    assert_eq!(sim.counts().auth, 1);
}

// v2: the simulator refuses wrong credentials as Personio documents it (HTTP 400,
// `invalid_client`); that is a credentials error (exit 2), sent once, never retried as bad
// input.
#[tokio::test(flavor = "current_thread")]
async fn wrong_v2_credentials_are_a_config_error() {
    let sim = sim().await;
    let personio = sim
        .source()
        .api(connector_personio::Api::V2)
        .client_secret("wrong")
        .build()
        .unwrap();
    let err = personio.list_employees().await.unwrap_err();
    assert_eq!(hris_sync_core::engine::exit_code_for(&err), 2, "{err}");
    assert!(err.message().contains("PERSONIO_CLIENT_SECRET"), "{err}");
    assert_eq!(sim.counts().auth, 1);
}
