//! The simulator's identity platform: the token endpoint for secrets, certificate assertions
//! and federated tokens, and the two managed identity endpoints.
//!
//! Each refusal answers as the identity platform does, with the code operators search for:
//! - no credential in the form: `AADSTS7000218`; wrong secret: `AADSTS7000215` ([CC]);
//! - a malformed JWT, or one whose `aud` is not this token endpoint: `AADSTS50027`;
//! - a certificate thumbprint the app has not registered, or a signature that does not
//!   verify: `AADSTS700027` ("Client assertion contains an invalid signature"), with the
//!   thumbprint, as the real message carries it;
//! - `sub` other than the client id: `AADSTS700021`;
//! - outside `nbf`..`exp` (5 minutes of clock skew allowed): `AADSTS700024` ("Client
//!   assertion is not within its valid time range"), for app assertions and federated tokens
//!   alike;
//! - a federated token from an issuer, for an audience or a subject the app has no federated
//!   credential for: `AADSTS700211`, `AADSTS700212`, `AADSTS700213`.
//!
//! The codes come from the identity platform's documented error bodies and the messages
//! its users report; `AADSTS50027` for a wrong `aud` is this simulator's choice.
//!
//! Managed identity: IMDS (`GET /metadata/identity/oauth2/token`, needs `Metadata: true`,
//! `api-version`, `resource`) and the App Service protocol (`GET /msi/token`, needs
//! `X-IDENTITY-HEADER`). Both answer `expires_in`/`expires_on` as strings.
#![allow(clippy::result_large_err)]

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::response::Response;
use base64::Engine as _;
use serde_json::{Value, json};

use super::keys::{JWT_BEARER, epoch_now, thumbprint, verifies};
use super::server::{before, json_response, pairs};
use super::{Shared, Target};

/// Clock skew the identity platform tolerates on `nbf` and `exp`.
const SKEW: u64 = 300;

/// An identity-platform error body (`error`, `error_description` with the code, `error_codes`).
pub(super) fn refusal(status: u16, error: &str, code: u64, text: &str) -> Response {
    json_response(
        status,
        &json!({
            "error": error,
            "error_description": format!("AADSTS{code}: {text}\r\nTrace ID: 0b1c-sim\r\nCorrelation ID: 5e6f-sim\r\nTimestamp: 2025-01-01 00:00:00Z"),
            "error_codes": [code],
            "timestamp": "2025-01-01 00:00:00Z",
            "trace_id": "0b1c-sim",
            "correlation_id": "5e6f-sim"
        }),
    )
}

/// A new access token, remembered with its (scaled) expiry.
fn mint(shared: &Shared) -> String {
    let c = &shared.config;
    let ttl = c.token_ttl / c.time_scale.max(1);
    let s = &mut *shared.lock();
    let shape = ("eyJ0eXAiOiJKV1Qi.sim", '.');
    crate::issue_token(&mut s.next_token, &mut s.tokens, shape, ttl)
}

/// A token request, taken from the request: counted, and answered by an injected fault
/// instead where one is due.
pub(super) struct TokenCall {
    shared: Arc<Shared>,
    headers: HeaderMap,
    query: Option<String>,
}

impl FromRequestParts<Arc<Shared>> for TokenCall {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, shared: &Arc<Shared>) -> Result<Self, Response> {
        shared.lock().counts.token += 1;
        before(shared, Target::Token).await?;
        Ok(Self {
            shared: Arc::clone(shared),
            headers: parts.headers.clone(),
            query: parts.uri.query().map(str::to_owned),
        })
    }
}

pub(super) async fn token(
    Path(tenant): Path<String>,
    TokenCall { shared, .. }: TokenCall,
    body: Bytes,
) -> Response {
    let form = pairs(Some(&String::from_utf8_lossy(&body)));
    let get = |k: &str| {
        form.iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let c = &shared.config;
    if tenant != c.tenant_id && !c.domains.iter().any(|d| d.eq_ignore_ascii_case(&tenant)) {
        return refusal(
            400,
            "invalid_request",
            90002,
            &format!("Tenant '{tenant}' not found."),
        );
    }
    if get("grant_type") != "client_credentials" {
        return refusal(
            400,
            "unsupported_grant_type",
            70003,
            "The app requested an unsupported grant type.",
        );
    }
    if get("client_id") != c.client_id {
        return refusal(
            400,
            "unauthorized_client",
            700016,
            "Application was not found in the directory.",
        );
    }
    let assertion = get("client_assertion");
    if !assertion.is_empty() || !get("client_assertion_type").is_empty() {
        if get("client_assertion_type") != JWT_BEARER {
            return refusal(
                400,
                "invalid_request",
                50027,
                "Invalid JWT token: unsupported client_assertion_type.",
            );
        }
        let token_url = format!("{}/{tenant}/oauth2/v2.0/token", shared.base());
        if let Err(r) = check_assertion(&shared, &assertion, &token_url) {
            return r;
        }
    } else if get("client_secret").is_empty() {
        return refusal(
            400,
            "invalid_client",
            7000218,
            "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
        );
    } else if get("client_secret") != c.client_secret {
        return refusal(
            401,
            "invalid_client",
            7000215,
            "Invalid client secret provided.",
        );
    }
    if get("scope") != format!("{}/.default", shared.base()) {
        return refusal(
            400,
            "invalid_scope",
            1002012,
            "The provided value for scope is not valid.",
        );
    }
    let token = mint(&shared);
    let ttl = c.token_ttl.as_secs();
    json_response(
        200,
        &json!({ "token_type": "Bearer", "expires_in": ttl, "ext_expires_in": ttl, "access_token": token }),
    )
}

/// A compact JWS, decoded: header, claims, the signed bytes and the signature.
struct Jws {
    header: Value,
    claims: Value,
    signed: Vec<u8>,
    signature: Vec<u8>,
}

fn decode(token: &str) -> Option<Jws> {
    let b64 = |s: &str| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(s)
            .ok()
    };
    let mut parts = token.split('.');
    let (h, c, s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    Some(Jws {
        header: serde_json::from_slice(&b64(h)?).ok()?,
        claims: serde_json::from_slice(&b64(c)?).ok()?,
        signed: format!("{h}.{c}").into_bytes(),
        signature: b64(s)?,
    })
}

/// Whether `jws` is signed by the RSA key of `certificate` with the algorithm its header names.
fn signed_by(jws: &Jws, certificate: &[u8]) -> bool {
    let alg = jws.header["alg"].as_str().unwrap_or_default();
    verifies(certificate, alg, &jws.signed, &jws.signature)
}

/// `AADSTS700024` unless now is within `nbf - skew` .. `exp + skew`.
fn check_time(claims: &Value) -> Result<(), Response> {
    let now = epoch_now();
    let exp = claims["exp"].as_u64().unwrap_or(0);
    let nbf = claims["nbf"].as_u64().unwrap_or(0);
    if now > exp + SKEW || now + SKEW < nbf {
        return Err(refusal(
            401,
            "invalid_client",
            700024,
            &format!(
                "Client assertion is not within its valid time range. Current time: {now}, assertion valid from {nbf}, expiry time of assertion {exp}."
            ),
        ));
    }
    Ok(())
}

fn check_assertion(shared: &Shared, assertion: &str, token_url: &str) -> Result<(), Response> {
    let c = &shared.config;
    let Some(jws) = decode(assertion) else {
        return Err(refusal(
            400,
            "invalid_request",
            50027,
            "JWT token is invalid or malformed.",
        ));
    };
    let claims = &jws.claims;
    let iss = claims["iss"].as_str().unwrap_or_default();
    if iss == c.client_id {
        // The app's own assertion, signed with a registered certificate.
        let presented = jws.header["x5t#S256"]
            .as_str()
            .map(|t| (t.to_owned(), &ring::digest::SHA256))
            .or_else(|| {
                jws.header["x5t"]
                    .as_str()
                    .map(|t| (t.to_owned(), &ring::digest::SHA1_FOR_LEGACY_USE_ONLY))
            });
        let Some((print, algorithm)) = presented else {
            return Err(refusal(
                400,
                "invalid_request",
                50027,
                "Invalid JWT token. No certificate thumbprint specified in token header.",
            ));
        };
        let Some(cert) = c
            .certificates
            .iter()
            .find(|cert| thumbprint(cert, algorithm) == print)
        else {
            return Err(refusal(
                401,
                "invalid_client",
                700027,
                &format!(
                    "Client assertion contains an invalid signature. [Reason - The key was not found., Thumbprint of key used by client: '{print}']"
                ),
            ));
        };
        if !signed_by(&jws, cert) {
            return Err(refusal(
                401,
                "invalid_client",
                700027,
                &format!(
                    "Client assertion contains an invalid signature. [Reason - The provided signature value did not match the expected signature value., Thumbprint of key used by client: '{print}']"
                ),
            ));
        }
        if claims["sub"].as_str() != Some(c.client_id.as_str()) {
            return Err(refusal(
                401,
                "invalid_client",
                700021,
                "Client assertion application identifier doesn't match 'client_id' parameter.",
            ));
        }
        if claims["aud"].as_str() != Some(token_url) {
            return Err(refusal(
                400,
                "invalid_request",
                50027,
                "JWT token is invalid or malformed: the audience is not this token endpoint.",
            ));
        }
        check_time(claims)?;
        shared.lock().counts.assertions += 1;
        return Ok(());
    }
    // A federated token: an issuer, audience and subject the app trusts, signed by the
    // issuer's key (which Entra takes from the issuer's published keys).
    let Some(fic) = c.federated.iter().find(|f| f.issuer == iss) else {
        return Err(refusal(
            401,
            "invalid_client",
            700211,
            &format!(
                "No matching federated identity record found for presented assertion issuer '{iss}'. Please check your federated identity credential Subject, Audience and Issuer against the presented assertion."
            ),
        ));
    };
    if !signed_by(&jws, &fic.issuer_certificate) {
        return Err(refusal(
            401,
            "invalid_client",
            700027,
            "Client assertion contains an invalid signature. [Reason - The key was not found in the issuer's keys.]",
        ));
    }
    check_time(claims)?;
    let audiences: Vec<&str> = match &claims["aud"] {
        Value::String(a) => vec![a.as_str()],
        Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if !audiences.contains(&fic.audience.as_str()) {
        return Err(refusal(
            401,
            "invalid_client",
            700212,
            &format!(
                "No matching federated identity record found for presented assertion audience '{}'.",
                audiences.join(",")
            ),
        ));
    }
    let sub = claims["sub"].as_str().unwrap_or_default();
    if sub != fic.subject {
        return Err(refusal(
            401,
            "invalid_client",
            700213,
            &format!(
                "No matching federated identity record found for presented assertion subject '{sub}'."
            ),
        ));
    }
    shared.lock().counts.federated += 1;
    Ok(())
}

/// IMDS: `GET /metadata/identity/oauth2/token?api-version=2018-02-01&resource=…`.
pub(super) async fn imds(call: TokenCall) -> Response {
    let TokenCall {
        shared,
        headers,
        query,
    } = call;
    if headers.get("metadata").and_then(|v| v.to_str().ok()) != Some("true") {
        return json_response(
            400,
            &json!({"error": "invalid_request", "error_description": "Required metadata header not specified"}),
        );
    }
    managed(&shared, query.as_deref())
}

/// App Service and Container Apps: `GET $IDENTITY_ENDPOINT?api-version=2019-08-01&resource=…`.
pub(super) async fn identity_endpoint(call: TokenCall) -> Response {
    let expected = call
        .shared
        .config
        .managed_identity
        .as_ref()
        .map(|m| m.identity_header.as_str());
    let given = call
        .headers
        .get("x-identity-header")
        .and_then(|v| v.to_str().ok());
    if given.is_none() || given != expected {
        return json_response(
            401,
            &json!({"error": "invalid_request", "error_description": "The X-IDENTITY-HEADER is missing or wrong."}),
        );
    }
    managed(&call.shared, call.query.as_deref())
}

fn managed(shared: &Shared, query: Option<&str>) -> Response {
    let q = pairs(query);
    let get = |k: &str| q.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    if get("api-version").is_none() {
        return json_response(
            400,
            &json!({"error": "invalid_request", "error_description": "Required query variable 'api-version' is missing"}),
        );
    }
    let base = shared.base();
    if get("resource") != Some(base.as_str()) {
        return refusal(
            400,
            "invalid_resource",
            500011,
            "The resource principal was not found in the tenant.",
        );
    }
    let Some(identity) = &shared.config.managed_identity else {
        return json_response(
            400,
            &json!({"error": "invalid_request", "error_description": "Identity not found"}),
        );
    };
    if get("client_id").is_some_and(|id| id != identity.client_id) {
        return json_response(
            400,
            &json!({"error": "invalid_request", "error_description": "Identity not found"}),
        );
    }
    let token = mint(shared);
    let ttl = shared.config.token_ttl.as_secs();
    json_response(
        200,
        &json!({
            "access_token": token,
            "refresh_token": "",
            "expires_in": ttl.to_string(),
            "expires_on": (epoch_now() + ttl).to_string(),
            "not_before": epoch_now().to_string(),
            "resource": base,
            "token_type": "Bearer",
            "client_id": identity.client_id,
        }),
    )
}
