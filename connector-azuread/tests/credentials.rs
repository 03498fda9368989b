//! Each credential kind against the simulator's identity platform: accepted when it should
//! be, refused with the real AADSTS code when it should not, and never leaking its secret.

use crate::support::Connect as _;
use std::path::PathBuf;

use connector_azuread::{
    ClientCertificateCredential, EntraDirectory, GraphBuilder, ManagedIdentityCredential,
};
use hris_sync_core::{Directory, ErrorKind};
use hris_sync_sims::graph::{
    self as sim, FederatedCredential, GraphSim, ManagedIdentity, SimConfig, TOKEN_EXCHANGE_AUDIENCE,
};
use serde_json::json;

use crate::support::{config, refused, users};

const ISSUER: &str = "https://oidc.cluster.example/7f3c";
const SUBJECT: &str = "system:serviceaccount:hr:hris-sync";
const MI_CLIENT: &str = "99999999-8888-4777-8666-555555555555";
const MI_HEADER: &str = "853b9a84-5bfa-4b22-a3f3-0b9a43d9ad8a";

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/credentials")
        .join(name)
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).unwrap()
}

/// A tenant whose app has `app.pem`'s certificate registered, trusts `issuer.pem` for one
/// Kubernetes service account, and runs on a host with a managed identity.
async fn tenant() -> GraphSim {
    let app_cert = sim::certificate_der(&read("app.pem")).unwrap();
    let issuer_cert = sim::certificate_der(&read("issuer.pem")).unwrap();
    let sim = GraphSim::start(SimConfig {
        certificates: vec![app_cert],
        federated: vec![FederatedCredential {
            issuer: ISSUER.to_owned(),
            subject: SUBJECT.to_owned(),
            audience: TOKEN_EXCHANGE_AUDIENCE.to_owned(),
            issuer_certificate: issuer_cert,
        }],
        managed_identity: Some(ManagedIdentity {
            client_id: MI_CLIENT.to_owned(),
            identity_header: MI_HEADER.to_owned(),
        }),
        ..config()
    })
    .await
    .unwrap();
    sim.seed(users(3)).unwrap();
    sim
}

/// The simulator's builder with the secret replaced by `f`'s credential.
fn builder(sim: &GraphSim) -> GraphBuilder {
    sim.directory()
}

async fn reads(entra: &EntraDirectory) -> hris_sync_core::Result<usize> {
    entra.list_users().await.map(|l| l.users.len())
}

/// The error reading with `credential` fails with; the test fails when it succeeds.
async fn read_error(
    sim: &GraphSim,
    credential: impl connector_azuread::TokenCredential + 'static,
) -> hris_sync_core::Error {
    let entra = builder(sim).credential(credential).build().unwrap();
    reads(&entra).await.unwrap_err()
}

fn federated_token(sub: &str, aud: &str, exp_from_now: i64) -> String {
    let now = sim::epoch_now();
    let exp = now.saturating_add_signed(exp_from_now);
    sim::sign_token(
        &read("issuer.pem"),
        &json!({"iss": ISSUER, "sub": sub, "aud": aud, "iat": now - 60, "nbf": now - 60, "exp": exp}),
    )
    .unwrap()
}

/// The directory of `sim` with the certificate fixture `file`, opened with `password`.
fn with_certificate(
    sim: &GraphSim,
    file: &str,
    password: &str,
) -> hris_sync_core::Result<EntraDirectory> {
    builder(sim)
        .client_certificate(fixture(file), password)
        .build()
}

#[tokio::test(flavor = "current_thread")]
async fn a_pem_certificate_signs_an_assertion_the_tenant_accepts() {
    let sim = tenant().await;
    for (file, password) in [
        ("app.pem", ""),
        ("app-pkcs1.pem", ""),
        ("app-encrypted-key.pem", "test-key-pass"),
    ] {
        let entra =
            with_certificate(&sim, file, password).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(reads(&entra).await.unwrap(), 3, "{file}");
    }
    let counts = sim.counts();
    assert_eq!(counts.assertions, 3);
    assert_eq!(counts.token, 3);
}

#[tokio::test(flavor = "current_thread")]
async fn a_pkcs12_certificate_works_and_a_wrong_password_says_so() {
    let sim = tenant().await;
    let entra = with_certificate(&sim, "app.pfx", "test-pfx-pass").unwrap();
    assert_eq!(reads(&entra).await.unwrap(), 3);
    assert_eq!(sim.counts().assertions, 1);

    let err = with_certificate(&sim, "app.pfx", "wrong").unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfig);
    assert!(
        err.message().starts_with("AZURE_CLIENT_CERTIFICATE_PATH"),
        "{err}"
    );
    assert!(err.message().contains("wrong password"), "{err}");
    assert!(!err.message().contains("wrong\""), "{err}");

    // The legacy encryptions (RC2-40 and 3DES) are read too, and sign as well.
    let legacy = with_certificate(&sim, "app-legacy.pfx", "test-pfx-pass").unwrap();
    assert_eq!(reads(&legacy).await.unwrap(), 3);

    let err = with_certificate(&sim, "ec.pem", "").unwrap_err();
    assert!(err.message().contains("RSA"), "{err}");
    let err = with_certificate(&sim, "missing.pem", "").unwrap_err();
    assert!(err.message().contains("cannot read"), "{err}");
}

#[tokio::test(flavor = "current_thread")]
async fn an_assertion_signed_by_an_unregistered_certificate_is_refused() {
    let sim = tenant().await;
    let entra = with_certificate(&sim, "other.pem", "").unwrap();
    refused(&entra, "AADSTS700027", "AZURE_CLIENT_CERTIFICATE_PATH").await;
    let counts = sim.counts();
    assert_eq!(
        (counts.token, counts.assertions, counts.list),
        (1, 0, 0),
        "not retried, nothing read"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn the_thumbprint_is_the_sha256_of_the_certificate() {
    let credential =
        ClientCertificateCredential::from_file("t", "c", fixture("app.pfx"), "test-pfx-pass")
            .unwrap();
    let pem = ClientCertificateCredential::from_file("t", "c", fixture("app.pem"), "").unwrap();
    assert_eq!(
        credential.thumbprint(),
        pem.thumbprint(),
        "same certificate, either file"
    );
    assert_eq!(credential.thumbprint().len(), 43, "base64url of 32 bytes");
    let debug = format!("{credential:?}");
    assert!(debug.contains(&credential.thumbprint()), "{debug}");
    assert!(
        !debug.contains("PRIVATE") && !debug.contains("test-pfx-pass"),
        "{debug}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_federated_token_is_exchanged_and_the_file_is_read_for_every_token() {
    let sim = tenant().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("token");
    std::fs::write(
        &file,
        federated_token(SUBJECT, TOKEN_EXCHANGE_AUDIENCE, 600),
    )
    .unwrap();
    let entra = builder(&sim).federated_token_file(&file).build().unwrap();
    assert_eq!(reads(&entra).await.unwrap(), 3);
    assert_eq!(sim.counts().federated, 1);

    // The platform rotates the file; Graph revokes our token. The next token request
    // presents the new file's token.
    std::fs::write(
        &file,
        federated_token(SUBJECT, TOKEN_EXCHANGE_AUDIENCE, 900),
    )
    .unwrap();
    sim.revoke_tokens();
    assert_eq!(reads(&entra).await.unwrap(), 3);
    assert_eq!(sim.counts().federated, 2);

    // An expired token in the file (the platform stopped refreshing it): AADSTS700024.
    std::fs::write(
        &file,
        federated_token(SUBJECT, TOKEN_EXCHANGE_AUDIENCE, -3600),
    )
    .unwrap();
    sim.revoke_tokens();
    refused(&entra, "AADSTS700024", "AZURE_FEDERATED_TOKEN_FILE").await;
    assert_eq!(sim.counts().federated, 2);
}

#[tokio::test(flavor = "current_thread")]
async fn federated_tokens_for_another_subject_audience_or_issuer_are_refused() {
    let sim = tenant().await;
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (federated_token("system:serviceaccount:hr:other", TOKEN_EXCHANGE_AUDIENCE, 600), "AADSTS700213"),
        (federated_token(SUBJECT, "api://SomethingElse", 600), "AADSTS700212"),
        (
            // Signed by the app's key, claiming the trusted issuer: the signature fails.
            sim::sign_token(
                &read("other.pem"),
                &json!({"iss": ISSUER, "sub": SUBJECT, "aud": TOKEN_EXCHANGE_AUDIENCE, "nbf": sim::epoch_now(), "exp": sim::epoch_now() + 600}),
            )
            .unwrap(),
            "AADSTS700027",
        ),
        (
            sim::sign_token(
                &read("issuer.pem"),
                &json!({"iss": "https://token.actions.githubusercontent.com", "sub": SUBJECT, "aud": TOKEN_EXCHANGE_AUDIENCE, "nbf": sim::epoch_now(), "exp": sim::epoch_now() + 600}),
            )
            .unwrap(),
            "AADSTS700211",
        ),
        ("not a jwt".to_owned(), "AADSTS50027"),
    ];
    for (i, (token, code)) in cases.into_iter().enumerate() {
        let file = dir.path().join(format!("token{i}"));
        std::fs::write(&file, &token).unwrap();
        let entra = builder(&sim).federated_token_file(&file).build().unwrap();
        let err = reads(&entra).await.unwrap_err();
        assert!(err.message().contains(code), "{code}: {err}");
        assert!(
            !err.message().contains(&token),
            "the token is not echoed: {err}"
        );
    }
    let empty = dir.path().join("empty");
    std::fs::write(&empty, "\n").unwrap();
    let entra = builder(&sim).federated_token_file(&empty).build().unwrap();
    let err = reads(&entra).await.unwrap_err();
    assert!(err.message().contains("is empty"), "{err}");
    assert_eq!(sim.counts().federated, 0);
}

#[tokio::test(flavor = "current_thread")]
async fn managed_identity_through_the_identity_endpoint_and_imds() {
    let sim = tenant().await;
    let app_service = ManagedIdentityCredential::new()
        .identity_endpoint(&format!("{}/msi/token", sim.base_url()), MI_HEADER)
        .unwrap();
    let entra = builder(&sim).credential(app_service).build().unwrap();
    assert_eq!(reads(&entra).await.unwrap(), 3);

    let imds = ManagedIdentityCredential::new()
        .imds_endpoint(&format!(
            "{}/metadata/identity/oauth2/token",
            sim.base_url()
        ))
        .unwrap()
        .user_assigned(MI_CLIENT);
    let entra = builder(&sim).credential(imds).build().unwrap();
    assert_eq!(reads(&entra).await.unwrap(), 3);
    assert_eq!(sim.counts().token, 2);

    // A wrong identity header, and a user-assigned identity the host does not have.
    let wrong = ManagedIdentityCredential::new()
        .identity_endpoint(&format!("{}/msi/token", sim.base_url()), "stale-header")
        .unwrap();
    let err = read_error(&sim, wrong).await;
    assert_eq!(err.kind(), ErrorKind::InvalidConfig, "{err}");
    assert!(err.message().contains("X-IDENTITY-HEADER"), "{err}");
    assert!(!err.message().contains("stale-header"), "{err}");
    let other = ManagedIdentityCredential::new()
        .imds_endpoint(&format!(
            "{}/metadata/identity/oauth2/token",
            sim.base_url()
        ))
        .unwrap()
        .user_assigned("00000000-0000-0000-0000-000000000000");
    let err = read_error(&sim, other).await;
    assert!(err.message().contains("Identity not found"), "{err}");
}

#[tokio::test(flavor = "current_thread")]
async fn a_host_without_a_managed_identity_is_told_so() {
    let sim = GraphSim::start(config()).await.unwrap();
    let imds = ManagedIdentityCredential::new()
        .imds_endpoint(&format!(
            "{}/metadata/identity/oauth2/token",
            sim.base_url()
        ))
        .unwrap();
    let err = read_error(&sim, imds).await;
    assert_eq!(err.kind(), ErrorKind::InvalidConfig, "{err}");
    assert!(err.message().contains("Identity not found"), "{err}");
    assert!(err.message().contains("managed identity"), "{err}");
}

#[tokio::test(flavor = "current_thread")]
async fn no_credential_names_what_to_set() {
    let err = EntraDirectory::builder()
        .tenant_id("t")
        .client_id("c")
        .build()
        .unwrap_err();
    assert!(
        err.message().starts_with("AZURE_CLIENT_SECRET: missing"),
        "{err}"
    );
    assert!(
        err.message().contains("AZURE_CLIENT_CERTIFICATE_PATH"),
        "{err}"
    );
}
