//! Contract tests of the requests each credential sends and the answers it parses: the
//! certificate's client assertion as the certificate-credentials document describes it, and
//! the two managed identity protocols.

use std::collections::BTreeMap;

use base64::Engine as _;
use connector_azuread::{EntraDirectory, ManagedIdentityCredential};
use hris_sync_core::Directory;
use serde_json::Value;
use wiremock::matchers::{header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::contract::requests_to;

const TENANT: &str = "contoso.onmicrosoft.com";
const CLIENT_ID: &str = "11111111-2222-3333-4444-555555555555";

fn fixture(name: &str) -> String {
    let file = format!("{}/tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn form(body: &[u8]) -> BTreeMap<String, String> {
    reqwest::Url::parse(&format!(
        "http://form/?{}",
        std::str::from_utf8(body).unwrap()
    ))
    .unwrap()
    .query_pairs()
    .map(|(k, v)| (k.into_owned(), v.into_owned()))
    .collect()
}

fn json_part(part: &str) -> Value {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .expect("base64url without padding");
    serde_json::from_slice(&bytes).unwrap()
}

async fn with_domains(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/v1.0/domains"))
        .and(header(
            "authorization",
            "Bearer eyJ0eXAiOiJKV1QiLCJhbGciOi.contract-test-token",
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(fixture("domains.json"), "application/json"),
        )
        .mount(server)
        .await;
}

// The certificate credential posts `client_assertion_type` = jwt-bearer and a PS256 JWT with
// `x5t#S256`, `aud` = the token endpoint, `iss` = `sub` = the client id, a fresh `jti`, and a
// ten-minute validity; no secret field.
#[tokio::test]
async fn a_certificate_assertion_is_the_documented_jwt() {
    let server = MockServer::start().await;
    let token_path = format!("/{TENANT}/oauth2/v2.0/token");
    Mock::given(method("POST"))
        .and(path(token_path.as_str()))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(fixture("token.json"), "application/json"),
        )
        .mount(&server)
        .await;
    with_domains(&server).await;
    let cert = format!(
        "{}/tests/fixtures/credentials/app.pfx",
        env!("CARGO_MANIFEST_DIR")
    );
    let thumbprint = connector_azuread::ClientCertificateCredential::from_file(
        TENANT,
        CLIENT_ID,
        &cert,
        "test-pfx-pass",
    )
    .unwrap()
    .thumbprint();
    for _ in 0..2 {
        let entra = EntraDirectory::builder()
            .tenant_id(TENANT)
            .client_id(CLIENT_ID)
            .client_certificate(&cert, "test-pfx-pass")
            .authority_host(server.uri())
            .graph_base_url(server.uri())
            .build()
            .unwrap();
        entra.verified_domains().await.unwrap();
    }
    let sent = requests_to(&server, &token_path).await;
    assert_eq!(sent.len(), 2);
    let mut ids = Vec::new();
    for request in &sent {
        let fields = form(&request.body);
        let keys: Vec<&str> = fields.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "client_assertion",
                "client_assertion_type",
                "client_id",
                "grant_type",
                "scope"
            ]
        );
        assert_eq!(
            fields["client_assertion_type"],
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        );
        assert_eq!(fields["client_id"], CLIENT_ID);
        assert_eq!(fields["grant_type"], "client_credentials");
        assert_eq!(fields["scope"], format!("{}/.default", server.uri()));
        let parts: Vec<&str> = fields["client_assertion"].split('.').collect();
        assert_eq!(parts.len(), 3);
        let head = json_part(parts[0]);
        assert_eq!(head["alg"], "PS256");
        assert_eq!(head["typ"], "JWT");
        assert_eq!(head["x5t#S256"], thumbprint.as_str());
        let claims = json_part(parts[1]);
        assert_eq!(claims["aud"], format!("{}{token_path}", server.uri()));
        assert_eq!(claims["iss"], CLIENT_ID);
        assert_eq!(claims["sub"], CLIENT_ID);
        let nbf = claims["nbf"].as_u64().unwrap();
        assert_eq!(claims["exp"].as_u64().unwrap() - nbf, 600);
        assert_eq!(claims["iat"].as_u64().unwrap(), nbf);
        let jti = claims["jti"].as_str().unwrap().to_owned();
        assert_eq!(jti.len(), 36, "a GUID: {jti}");
        ids.push(jti);
        let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(parts[2])
            .unwrap();
        assert_eq!(signature.len(), 256, "RSA-2048");
    }
    assert_ne!(ids[0], ids[1], "a fresh jti per assertion");
}

// IMDS: `GET …/metadata/identity/oauth2/token?api-version=2018-02-01&resource=<Graph>` with
// `Metadata: true`, `client_id` for a user-assigned identity; the answer's string fields parse.
#[tokio::test]
async fn imds_is_asked_as_documented() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/metadata/identity/oauth2/token"))
        .and(header("metadata", "true"))
        .and(query_param("api-version", "2018-02-01"))
        .and(query_param("resource", server.uri().as_str()))
        .and(query_param("client_id", "5e29463d-user-assigned"))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(fixture("imds-token.json"), "application/json"),
        )
        .expect(1)
        .mount(&server)
        .await;
    with_domains(&server).await;
    let credential = ManagedIdentityCredential::new()
        .imds_endpoint(&format!("{}/metadata/identity/oauth2/token", server.uri()))
        .unwrap()
        .user_assigned("5e29463d-user-assigned");
    let entra = EntraDirectory::builder()
        .credential(credential)
        .graph_base_url(server.uri())
        .build()
        .unwrap();
    entra.verified_domains().await.unwrap();
    entra.verified_domains().await.unwrap();
}

// App Service / Container Apps: `GET $IDENTITY_ENDPOINT?api-version=2019-08-01&resource=…` with
// `X-IDENTITY-HEADER`; the answer carries `expires_on` only, and the token is kept by it.
#[tokio::test]
async fn the_identity_endpoint_is_asked_as_documented() {
    let server = MockServer::start().await;
    let in_an_hour = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 3600;
    Mock::given(method("GET"))
        .and(path("/msi/token"))
        .and(header(
            "x-identity-header",
            "853b9a84-5bfa-4b22-a3f3-0b9a43d9ad8a",
        ))
        .and(query_param("api-version", "2019-08-01"))
        .and(query_param("resource", server.uri().as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_raw(
            fixture("msi-token.json").replace("{{expires_on}}", &in_an_hour.to_string()),
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    with_domains(&server).await;
    let credential = ManagedIdentityCredential::new()
        .identity_endpoint(
            &format!("{}/msi/token", server.uri()),
            "853b9a84-5bfa-4b22-a3f3-0b9a43d9ad8a",
        )
        .unwrap();
    let entra = EntraDirectory::builder()
        .credential(credential)
        .graph_base_url(server.uri())
        .build()
        .unwrap();
    for _ in 0..3 {
        entra.verified_domains().await.unwrap();
    }
    // `.expect(1)`: one token for three calls, kept until its `expires_on`.
}
