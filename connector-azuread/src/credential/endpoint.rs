//! The identity platform's token endpoint, shared by every credential that posts a form to
//! it (secret, certificate, federated), and the answer every credential returns.

use std::time::Duration;

use hris_sync_core::transport::ensure_secure_transport;
use hris_sync_core::{Error, ErrorKind, Result};
use reqwest::Url;
use reqwest::header::{ACCEPT, HeaderValue};
use secrecy::{ExposeSecret, SecretString};

use super::TokenRequest;
use crate::config::DEFAULT_AUTHORITY_HOST;
use crate::error::{token_error, transport_error};
use crate::model::TokenResponse;

/// A bearer token and how long it is good for. `Debug` shows no token (`SecretString` redacts
/// itself).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct AccessToken {
    /// The bearer token.
    pub token: SecretString,
    /// Its lifetime from now, as the issuer stated it.
    pub expires_in: Duration,
}

impl AccessToken {
    /// A token good for `expires_in` from now.
    #[must_use]
    pub fn new(token: SecretString, expires_in: Duration) -> Self {
        Self { token, expires_in }
    }
}

/// The token endpoint of `tenant_id` at the identity platform `host`
/// (`https://login.microsoftonline.com`, or a national cloud's):
/// `{host}/{tenant}/oauth2/v2.0/token`, and the tenant id trimmed.
///
/// # Errors
/// A tenant id that is empty or carries URL syntax; an authority that is not a URL or is plain
/// `http://` to a non-loopback host.
fn token_endpoint(host: &str, tenant_id: &str) -> Result<(String, String)> {
    let tenant_id = tenant_id.trim();
    if tenant_id.is_empty() || tenant_id.contains(['/', '?', '#', ' ']) {
        return Err(Error::config("AZURE_TENANT_ID: missing or not a tenant id"));
    }
    let url = Url::parse(host.trim_end_matches('/'))
        .map_err(|e| Error::config(format!("AZURE_AUTHORITY_HOST: {host:?} is not a URL: {e}")))?;
    let host_name = url.host_str().unwrap_or_default();
    ensure_secure_transport("AZURE_AUTHORITY_HOST", url.scheme(), host_name)?;
    let base = url.as_str().trim_end_matches('/');
    Ok((
        format!("{base}/{tenant_id}/oauth2/v2.0/token"),
        tenant_id.to_owned(),
    ))
}

/// A client id: present, and plain text.
pub(crate) fn client_id(id: &str) -> Result<String> {
    let id = id.trim();
    if id.is_empty() {
        Err(Error::config("AZURE_CLIENT_ID: missing"))
    } else {
        Ok(id.to_owned())
    }
}

/// Posts one client-credentials form (RFC 6749 §4.4) and reads the answer. `hint` ends a
/// refusal's message: what to check for this kind of credential.
pub(crate) async fn post_form(
    http: &reqwest::Client,
    url: &str,
    form: &[(&str, &str)],
    hint: &str,
) -> Result<AccessToken> {
    let resp = http
        .post(url)
        .header(ACCEPT, HeaderValue::from_static("application/json"))
        .form(form)
        .send()
        .await
        .map_err(|e| transport_error("token endpoint", &e))?;
    read_answer(resp, "token endpoint", hint).await
}

/// The form value naming a JWT client assertion (RFC 7523).
pub(crate) const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// An app registration: its tenant, that tenant's token endpoint, and its client id.
#[derive(Clone, Debug)]
pub(crate) struct App {
    pub(crate) tenant_id: String,
    pub(crate) token_url: String,
    pub(crate) client_id: String,
}

impl App {
    /// The app `client_id` in `tenant_id`, at the identity platform `host`.
    ///
    /// # Errors
    /// As [`token_endpoint`] and [`client_id`].
    pub(crate) fn new(host: &str, tenant_id: &str, client_id_: &str) -> Result<Self> {
        let (token_url, tenant_id) = token_endpoint(host, tenant_id)?;
        Ok(Self {
            tenant_id,
            token_url,
            client_id: client_id(client_id_)?,
        })
    }

    /// The app `client_id` in `tenant_id`, at the global cloud's identity platform.
    ///
    /// # Errors
    /// As [`App::new`].
    pub(crate) fn global(tenant_id: &str, client_id_: &str) -> Result<Self> {
        Self::new(DEFAULT_AUTHORITY_HOST, tenant_id, client_id_)
    }

    /// The same app at another identity platform (`host`).
    ///
    /// # Errors
    /// As [`token_endpoint`].
    pub(crate) fn at(&mut self, host: &str) -> Result<()> {
        self.token_url = token_endpoint(host, &self.tenant_id)?.0;
        Ok(())
    }

    /// Posts a client-assertion form (RFC 7523): a signed certificate assertion or a
    /// federated token, in place of a secret.
    pub(crate) async fn post_assertion(
        &self,
        request: TokenRequest<'_>,
        assertion: &SecretString,
        hint: &str,
    ) -> Result<AccessToken> {
        let form = [
            ("client_id", self.client_id.as_str()),
            ("scope", request.scope),
            ("client_assertion_type", JWT_BEARER),
            ("client_assertion", assertion.expose_secret()),
            ("grant_type", "client_credentials"),
        ];
        post_form(request.http, &self.token_url, &form, hint).await
    }
}

/// A token answer: `{"access_token", "expires_in"}` (seconds, a number from the token
/// endpoint and a string from the managed identity endpoints), or an error body.
pub(crate) async fn read_answer(
    resp: reqwest::Response,
    what: &str,
    hint: &str,
) -> Result<AccessToken> {
    let status = resp.status().as_u16();
    let bytes =
        hris_sync_http::read_capped(what, resp, hris_sync_http::SMALL_CAP, transport_error).await?;
    if !(200..300).contains(&status) {
        return Err(token_error(status, &String::from_utf8_lossy(&bytes), hint));
    }
    let token: TokenResponse = serde_json::from_slice(&bytes).map_err(|e| {
        Error::new(
            ErrorKind::InvalidData,
            format!("{what}: unexpected answer: {e}"),
        )
    })?;
    let expires_in = token.lifetime(std::time::SystemTime::now());
    Ok(AccessToken::new(
        SecretString::from(token.access_token),
        expires_in,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authority_validation() {
        let login = "https://login.microsoftonline.com";
        let a = App::new(&format!("{login}/"), "contoso.com", "c").unwrap();
        assert_eq!(
            a.token_url,
            format!("{login}/contoso.com/oauth2/v2.0/token")
        );
        for bad in ["", " ", "a/b", "a?b", "a#b"] {
            let e = App::new(login, bad, "c").unwrap_err();
            assert!(e.message().starts_with("AZURE_TENANT_ID"), "{e}");
        }
        let e = App::new("http://login.example.com", "t", "c").unwrap_err();
        assert!(e.message().starts_with("AZURE_AUTHORITY_HOST"), "{e}");
        assert!(App::new("http://127.0.0.1:9", "t", "c").is_ok());
        assert!(App::new(login, "t", " ").is_err());
    }
}
