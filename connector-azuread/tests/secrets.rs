//! Secrets: the client secret, tokens and passwords never in Debug output, errors or logs.

use crate::support::Connect as _;
use hris_sync_core::Directory;
use hris_sync_core::raw::Operation;
use hris_sync_sims::graph::{Fault, Target};

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
    let password = hris_sync_core::testkit::directory::PASSWORD;
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

// The credential kinds' secrets: a certificate's password and key, a federated token, a
// managed identity header. None in `Debug` of builders, credentials or directories, in
// errors, or in logs traced at every level.
#[tokio::test(flavor = "current_thread")]
async fn credential_secrets_absent_from_debug_errors_and_logs() {
    use connector_azuread::{
        ClientCertificateCredential, ClientSecretCredential, ManagedIdentityCredential,
    };
    let captured = Captured::default();
    let _guard = captured.install();
    let sim = sim().await;
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/credentials");
    let pfx = dir.join("app.pfx");
    let key_pem = std::fs::read_to_string(dir.join("app.pem")).unwrap();
    let key_line = key_pem
        .lines()
        .skip_while(|l| !l.contains("PRIVATE KEY"))
        .nth(1)
        .unwrap()
        .to_owned();
    let federated = "eyJhbGciOiJSUzI1NiJ9.federated-secret-claims.sig";
    let token_file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(token_file.path(), federated).unwrap();

    let mut texts = Vec::new();
    let cert = sim.directory().client_certificate(&pfx, "test-pfx-pass");
    texts.push(format!("{cert:?}"));
    let entra = cert.build().unwrap();
    texts.push(format!("{entra:?}"));
    // Not registered in this tenant: refused, and the refusal is logged and returned.
    texts.push(format!("{:?}", entra.list_users().await.unwrap_err()));
    let wrong = sim
        .directory()
        .client_certificate(&pfx, "wrong-pfx-pass")
        .build();
    texts.push(format!("{:?}", wrong.unwrap_err()));
    let wif = sim.directory().federated_token_file(token_file.path());
    texts.push(format!("{wif:?}"));
    let entra = wif.build().unwrap();
    texts.push(format!("{}", entra.list_users().await.unwrap_err()));
    let mi = ManagedIdentityCredential::new()
        .identity_endpoint(&format!("{}/msi/token", sim.base_url()), "mi-header-secret")
        .unwrap();
    texts.push(format!("{mi:?}"));
    let entra = sim.directory().credential(mi).build().unwrap();
    texts.push(format!("{}", entra.list_users().await.unwrap_err()));
    let secret = ClientSecretCredential::new("t", "c", "plain-secret-value").unwrap();
    texts.push(format!("{secret:?}"));
    let c = ClientCertificateCredential::from_file("t", "c", &pfx, "test-pfx-pass").unwrap();
    texts.push(format!("{c:?}"));
    texts.push(captured.text());
    for t in &texts {
        for leaked in [
            "test-pfx-pass",
            "wrong-pfx-pass",
            key_line.as_str(),
            "federated-secret-claims",
            "mi-header-secret",
            "plain-secret-value",
        ] {
            assert!(!t.contains(leaked), "{leaked} leaked: {t}");
        }
    }
}
