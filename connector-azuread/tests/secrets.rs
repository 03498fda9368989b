//! Secrets: the client secret, tokens and passwords never in Debug output, errors or logs.

use connector_azuread::sim::{Fault, Target};
use hris_sync_core::{Directory, Operation};

use crate::support::{Captured, config, new_user, sim};

#[tokio::test(flavor = "current_thread")]
async fn secrets_absent_from_debug_errors_and_logs() {
    let captured = Captured::default();
    let _guard = captured.install();
    let sim = sim().await;
    let secret = config().client_secret;
    let builder = sim.directory();
    assert!(!format!("{builder:?}").contains(&secret));
    let entra = builder.build().unwrap();
    sim.inject(Target::Batch, [Fault::Status(503), Fault::DropAfter]);
    sim.inject(Target::BatchItem, [Fault::Throttle(0)]);
    let new = new_user("anna@demo.com", "1");
    let password = "Sim-Passw0rd-Long-Enough!";
    let op = Operation::Create(Box::new(new));
    assert!(!format!("{op:?}").contains(password));
    let outcomes = entra.apply(&[op]).await;
    sim.revoke_tokens();
    entra.list_users().await.unwrap();
    sim.inject(Target::List, (0..10).map(|_| Fault::Status(500)));
    let err = entra.list_users().await.unwrap_err();
    let logs = captured.text();
    assert!(logs.contains("retrying"), "logs were captured: {logs}");
    let texts = [
        logs,
        format!("{entra:?}"),
        format!("{err} {err:?}"),
        format!("{outcomes:?}"),
    ];
    for t in &texts {
        assert!(!t.contains(&secret), "client secret leaked: {t}");
        assert!(!t.contains("eyJ0eXAiOiJKV1Qi.sim"), "a token leaked: {t}");
        assert!(!t.contains(password), "a password leaked: {t}");
    }
}
