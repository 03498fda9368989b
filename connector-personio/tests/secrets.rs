//! Secrets: never in Debug output, errors or logs.

use crate::support::Connect as _;
use hris_sync_core::HrSource;
use hris_sync_sims::personio::Fault;

use crate::support::{Captured, config, seeded};

#[tokio::test(flavor = "current_thread")]
async fn secrets_absent_from_debug_errors_and_logs() {
    let captured = Captured::default();
    let _guard = captured.install();
    let sim = seeded(120).await;
    sim.inject([Fault::Status(503), Fault::Drop, Fault::Throttle(None)]);
    let builder = sim.source();
    let secret = config().client_secret;
    assert!(!format!("{builder:?}").contains(&secret));
    let personio = builder.build().unwrap();
    personio.list_employees().await.unwrap();
    sim.revoke_tokens();
    personio.list_employees().await.unwrap();
    let debug = format!("{personio:?}");
    assert!(!debug.contains(&secret), "{debug}");
    // A failing run: every page fails.
    sim.fail_page(0, Fault::Status(500), 100);
    let err = personio.list_employees().await.unwrap_err();
    let logs = captured.text();
    assert!(
        logs.contains("retrying Personio request"),
        "logs were captured: {logs}"
    );
    for text in [&logs, &format!("{err} {err:?}"), &debug] {
        assert!(!text.contains(&secret), "client secret leaked");
        assert!(!text.contains("papi-sim-0"), "a token leaked: {text}");
    }
}
