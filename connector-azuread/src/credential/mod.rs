//! Credentials for Microsoft Graph, named and chosen as `azure_identity` names and chooses
//! them.
//!
//! One trait, [`TokenCredential`], and four implementations:
//!
//! | Credential | Environment | Use |
//! |---|---|---|
//! | [`ClientSecretCredential`] | `AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, `AZURE_CLIENT_SECRET` | quick start |
//! | [`ClientCertificateCredential`] | … `AZURE_CLIENT_CERTIFICATE_PATH` (PEM or PKCS#12), `AZURE_CLIENT_CERTIFICATE_PASSWORD` | production off Azure |
//! | [`WorkloadIdentityCredential`] | … `AZURE_FEDERATED_TOKEN_FILE` | Kubernetes, CI, other clouds |
//! | [`ManagedIdentityCredential`] | `IDENTITY_ENDPOINT` + `IDENTITY_HEADER`, or IMDS; `AZURE_CLIENT_ID` for a user-assigned one | on Azure |
//!
//! [`EnvCredential`] picks one from the environment in that order (a secret first, as
//! `azure_identity`'s environment credential does). Managed identity is picked when
//! `IDENTITY_ENDPOINT` is set, or when `AZURE_TOKEN_CREDENTIALS=ManagedIdentityCredential`
//! asks for IMDS; it is never a silent fallback, so a missing variable on a laptop is an
//! error naming it, not a minute of probing for IMDS.
//!
//! A host with its own token source (an `azure_identity` credential, a vault) implements
//! [`TokenCredential`] and hands it to [`GraphBuilder::credential`](crate::GraphBuilder::credential).
//! The directory caches the token for its lifetime less a margin, fetches a new one on a 401,
//! and retries transient failures of `get_token` (kinds `Transient` and `Throttled`).

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use async_trait::async_trait;
use hris_sync_core::{Error, Result};
use secrecy::SecretString;

mod ber;
mod certificate;
pub(crate) mod der;
mod endpoint;
mod federated;
#[cfg(test)]
mod hostile_tests;
mod managed;
mod pem;
mod pkcs12;
mod secret;

pub use certificate::ClientCertificateCredential;
pub use endpoint::AccessToken;
pub use federated::WorkloadIdentityCredential;
pub use managed::{IMDS_ENDPOINT, ManagedIdentityCredential};
pub use secret::ClientSecretCredential;

/// What a token is asked for, and the HTTP client to ask with (the directory's: the host's
/// proxy and roots apply to token requests too).
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct TokenRequest<'a> {
    /// `https://graph.microsoft.com/.default` (or a national cloud's Graph).
    pub scope: &'a str,
    /// The client to send with.
    pub http: &'a reqwest::Client,
}

impl<'a> TokenRequest<'a> {
    /// A request for `scope`, sent with `http`.
    #[must_use]
    pub fn new(scope: &'a str, http: &'a reqwest::Client) -> Self {
        Self { scope, http }
    }
}

/// A source of bearer tokens for Microsoft Graph.
///
/// Errors should carry a kind the directory can act on: `InvalidConfig` for a refusal (it
/// ends the run with exit 2), `Transient` or `Throttled` for what another try may fix.
#[async_trait]
pub trait TokenCredential: Send + Sync + fmt::Debug {
    /// A new token (the directory caches it; this is not called per request).
    async fn get_token(&self, request: TokenRequest<'_>) -> Result<AccessToken>;
}

#[async_trait]
impl<T: TokenCredential + ?Sized> TokenCredential for Arc<T> {
    async fn get_token(&self, request: TokenRequest<'_>) -> Result<AccessToken> {
        (**self).get_token(request).await
    }
}

/// Which credential the environment configures, before anything is read from disk.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EnvCredential {
    /// `AZURE_CLIENT_SECRET` is set.
    Secret,
    /// `AZURE_CLIENT_CERTIFICATE_PATH` is set.
    Certificate,
    /// `AZURE_FEDERATED_TOKEN_FILE` is set.
    WorkloadIdentity,
    /// `IDENTITY_ENDPOINT` is set, or `AZURE_TOKEN_CREDENTIALS=ManagedIdentityCredential`.
    ManagedIdentity,
    /// Nothing is set: a client secret is what is missing.
    None,
}

fn env(key: &str) -> Option<String> {
    std::env::var(key).ok().filter(|v| !v.trim().is_empty())
}

impl EnvCredential {
    /// Reads the variables (not the files they name).
    #[must_use]
    pub fn detect() -> Self {
        let managed = env("AZURE_TOKEN_CREDENTIALS")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("ManagedIdentityCredential"));
        if managed {
            Self::ManagedIdentity
        } else if env("AZURE_CLIENT_SECRET").is_some() {
            Self::Secret
        } else if env("AZURE_CLIENT_CERTIFICATE_PATH").is_some() {
            Self::Certificate
        } else if env("AZURE_FEDERATED_TOKEN_FILE").is_some() {
            Self::WorkloadIdentity
        } else if env("IDENTITY_ENDPOINT").is_some() {
            Self::ManagedIdentity
        } else {
            Self::None
        }
    }

    /// The variables this credential needs that are unset or empty, by name. With nothing
    /// set, a client secret (and its tenant and client id) is what is reported missing.
    #[must_use]
    pub fn missing(&self) -> Vec<&'static str> {
        let needed: &[&'static str] = match self {
            Self::Secret | Self::None => {
                &["AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"]
            }
            Self::Certificate | Self::WorkloadIdentity => &["AZURE_TENANT_ID", "AZURE_CLIENT_ID"],
            Self::ManagedIdentity => &[],
        };
        needed
            .iter()
            .copied()
            .filter(|k| env(k).is_none())
            .collect()
    }

    /// Builds the credential, its authority from `AZURE_AUTHORITY_HOST` when set.
    ///
    /// # Errors
    /// [`hris_sync_core::ErrorKind::InvalidConfig`] naming the variable that is missing or
    /// wrong (an unreadable certificate file, a wrong password).
    pub fn build(&self) -> Result<Arc<dyn TokenCredential>> {
        let var = |k: &str| env(k).unwrap_or_default();
        let (tenant, client) = (var("AZURE_TENANT_ID"), var("AZURE_CLIENT_ID"));
        let authority = env("AZURE_AUTHORITY_HOST");
        let authority = authority
            .as_deref()
            .unwrap_or(crate::DEFAULT_AUTHORITY_HOST);
        Ok(match self {
            Self::Secret | Self::None => {
                let secret = SecretString::from(var("AZURE_CLIENT_SECRET"));
                let credential = ClientSecretCredential::new(&tenant, &client, secret)?;
                Arc::new(credential.authority_host(authority)?)
            }
            Self::Certificate => {
                let path = PathBuf::from(var("AZURE_CLIENT_CERTIFICATE_PATH"));
                let password = std::env::var("AZURE_CLIENT_CERTIFICATE_PASSWORD");
                let password = SecretString::from(password.unwrap_or_default());
                let credential =
                    ClientCertificateCredential::from_file(&tenant, &client, path, password)?;
                Arc::new(credential.authority_host(authority)?)
            }
            Self::WorkloadIdentity => {
                let file = PathBuf::from(var("AZURE_FEDERATED_TOKEN_FILE"));
                let credential = WorkloadIdentityCredential::new(&tenant, &client, file)?;
                Arc::new(credential.authority_host(authority)?)
            }
            Self::ManagedIdentity => Arc::new(ManagedIdentityCredential::from_env()),
        })
    }
}

/// The tenant and client id, checked before a missing credential is reported.
pub(crate) fn validate_ids(authority: &str, tenant: &str, client: &str) -> Result<()> {
    endpoint::App::new(authority, tenant, client).map(drop)
}

/// The error for a directory built with no way to get a token.
pub(crate) fn no_credential() -> Error {
    Error::config(
        "AZURE_CLIENT_SECRET: missing (or set AZURE_CLIENT_CERTIFICATE_PATH, \
         AZURE_FEDERATED_TOKEN_FILE, or use a managed identity)",
    )
}
