//! Managed identity: the Azure host hands out tokens for the identity assigned to it.
//!
//! Two documented protocols, both plain HTTP to an endpoint on the host itself:
//! - **IMDS** (virtual machines, scale sets, AKS nodes):
//!   `GET http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=…`
//!   with the header `Metadata: true`;
//! - **`IDENTITY_ENDPOINT`** (App Service, Functions, Container Apps):
//!   `GET $IDENTITY_ENDPOINT?api-version=2019-08-01&resource=…` with the header
//!   `X-IDENTITY-HEADER: $IDENTITY_HEADER`.
//!
//! Either takes `client_id` for a user-assigned identity. The answer has the token endpoint's
//! shape with `expires_in`/`expires_on` as strings.

use std::fmt;

use async_trait::async_trait;
use hris_sync_core::transport::ensure_secure_transport;
use hris_sync_core::{Error, Result};
use reqwest::Url;
use secrecy::{ExposeSecret, SecretString};

use super::endpoint::{AccessToken, read_answer};
use super::{TokenCredential, TokenRequest};
use crate::error::transport_error;

/// Where Azure VMs serve managed identity tokens.
pub const IMDS_ENDPOINT: &str = "http://169.254.169.254/metadata/identity/oauth2/token";

#[derive(Clone)]
enum Endpoint {
    /// IMDS; `None` is the well-known address.
    Imds(Option<Url>),
    Identity {
        url: Url,
        header: SecretString,
    },
}

/// Authenticates as the managed identity of the Azure resource this runs on: nothing to store,
/// nothing to rotate. Grant the identity's service principal the Graph application
/// permissions (README, "Permissions").
///
/// ```no_run
/// use connector_azuread::ManagedIdentityCredential;
///
/// // IDENTITY_ENDPOINT/IDENTITY_HEADER when set (App Service, Container Apps), else IMDS;
/// // AZURE_CLIENT_ID picks a user-assigned identity.
/// let credential = ManagedIdentityCredential::from_env();
/// ```
#[derive(Clone)]
pub struct ManagedIdentityCredential {
    endpoint: Endpoint,
    client_id: Option<String>,
}

impl fmt::Debug for ManagedIdentityCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let endpoint = match &self.endpoint {
            Endpoint::Imds(None) => IMDS_ENDPOINT,
            Endpoint::Imds(Some(url)) | Endpoint::Identity { url, .. } => url.as_str(),
        };
        f.debug_struct("ManagedIdentityCredential")
            .field("endpoint", &endpoint)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl Default for ManagedIdentityCredential {
    fn default() -> Self {
        Self::new()
    }
}

/// Plain HTTP is allowed to the host itself only: loopback, or the link-local range IMDS
/// lives in.
fn local_endpoint(what: &str, raw: &str) -> Result<Url> {
    let url = Url::parse(raw.trim())
        .map_err(|e| Error::config(format!("{what}: {raw:?} is not a URL: {e}")))?;
    let host = url.host_str().unwrap_or_default();
    // Link-local by address (169.254.0.0/16), not by how the name begins: a name such as
    // `169.254.evil.example` resolves anywhere.
    let link_local = host
        .parse::<std::net::Ipv4Addr>()
        .is_ok_and(|ip| ip.is_link_local());
    if url.scheme() == "http" && link_local {
        return Ok(url);
    }
    ensure_secure_transport(what, url.scheme(), host)?;
    Ok(url)
}

impl ManagedIdentityCredential {
    /// The system-assigned identity, through IMDS.
    #[must_use]
    pub fn new() -> Self {
        Self {
            endpoint: Endpoint::Imds(None),
            client_id: None,
        }
    }

    /// As the platform says: `IDENTITY_ENDPOINT` and `IDENTITY_HEADER` when both are set,
    /// IMDS otherwise; `AZURE_CLIENT_ID`, when set, names a user-assigned identity. An
    /// `IDENTITY_ENDPOINT` that is not a local URL is ignored with a warning.
    #[must_use]
    pub fn from_env() -> Self {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let mut credential = Self::new();
        if let (Some(url), Some(header)) = (var("IDENTITY_ENDPOINT"), var("IDENTITY_HEADER")) {
            match credential.clone().identity_endpoint(&url, header) {
                Ok(c) => credential = c,
                Err(e) => tracing::warn!(error = %e, "IDENTITY_ENDPOINT ignored; using IMDS"),
            }
        }
        match var("AZURE_CLIENT_ID") {
            Some(id) => credential.user_assigned(id),
            None => credential,
        }
    }

    hris_sync_core::raw::setters! {
        /// A user-assigned identity, by its client id.
        user_assigned: Some<String> => client_id;
    }

    /// IMDS at another address (Azure Arc, a test).
    ///
    /// # Errors
    /// Not a URL, or plain `http://` to a host that is not local.
    pub fn imds_endpoint(mut self, url: &str) -> Result<Self> {
        self.endpoint = Endpoint::Imds(Some(local_endpoint("IMDS endpoint", url)?));
        Ok(self)
    }

    /// The App Service protocol: `IDENTITY_ENDPOINT` and the `IDENTITY_HEADER` value.
    ///
    /// # Errors
    /// Not a URL, or plain `http://` to a host that is not local.
    pub fn identity_endpoint(mut self, url: &str, header: impl Into<SecretString>) -> Result<Self> {
        self.endpoint = Endpoint::Identity {
            url: local_endpoint("IDENTITY_ENDPOINT", url)?,
            header: header.into(),
        };
        Ok(self)
    }
}

#[async_trait]
impl TokenCredential for ManagedIdentityCredential {
    async fn get_token(&self, request: TokenRequest<'_>) -> Result<AccessToken> {
        let resource = request.scope.trim_end_matches("/.default");
        let (mut url, version) = match &self.endpoint {
            Endpoint::Imds(None) => (
                local_endpoint("IMDS endpoint", IMDS_ENDPOINT)?,
                "2018-02-01",
            ),
            Endpoint::Imds(Some(url)) => (url.clone(), "2018-02-01"),
            Endpoint::Identity { url, .. } => (url.clone(), "2019-08-01"),
        };
        {
            let mut query = url.query_pairs_mut();
            query.append_pair("api-version", version);
            query.append_pair("resource", resource);
            if let Some(id) = &self.client_id {
                query.append_pair("client_id", id);
            }
        }
        let builder = request
            .http
            .get(url)
            .header(reqwest::header::ACCEPT, "application/json");
        let builder = match &self.endpoint {
            Endpoint::Imds(_) => builder.header("Metadata", "true"),
            Endpoint::Identity { header, .. } => {
                builder.header("X-IDENTITY-HEADER", header.expose_secret())
            }
        };
        let resp = builder
            .send()
            .await
            .map_err(|e| transport_error("managed identity endpoint", &e))?;
        read_answer(
            resp,
            "managed identity endpoint",
            "check that this host has a managed identity (AZURE_CLIENT_ID names a user-assigned \
             one) and that its service principal holds the Graph permissions",
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_must_be_local() {
        assert!(
            ManagedIdentityCredential::new()
                .imds_endpoint("http://169.254.169.254/x")
                .is_ok()
        );
        assert!(
            ManagedIdentityCredential::new()
                .imds_endpoint("http://127.0.0.1:9/x")
                .is_ok()
        );
        assert!(
            ManagedIdentityCredential::new()
                .imds_endpoint("http://example.com/x")
                .is_err()
        );
        // A name that only begins like the link-local range is not in it: refused over HTTP
        // (it passed before, by its prefix).
        for name in [
            "http://169.254.evil.example/x",
            "http://169.254.1.1.nip.io/x",
        ] {
            assert!(
                ManagedIdentityCredential::new()
                    .imds_endpoint(name)
                    .is_err(),
                "{name}"
            );
        }
        let e = ManagedIdentityCredential::new()
            .identity_endpoint("http://10.0.0.1/msi", "h")
            .unwrap_err();
        assert!(e.message().starts_with("IDENTITY_ENDPOINT"), "{e}");
        let debug = format!(
            "{:?}",
            ManagedIdentityCredential::new()
                .identity_endpoint("http://localhost:42356/msi/token", "853b9a84-secret")
                .unwrap()
        );
        assert!(!debug.contains("853b9a84"), "{debug}");
    }
}
