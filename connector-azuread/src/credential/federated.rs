//! Workload identity federation: a token from another issuer (Kubernetes, GitHub Actions, a
//! cloud's workload identity) exchanged for an Entra token, with no secret stored anywhere.

use std::path::PathBuf;

use async_trait::async_trait;
use hris_sync_core::{Error, Result};
use secrecy::SecretString;

use super::endpoint::{AccessToken, App};
use super::{TokenCredential, TokenRequest};

/// Authenticates with the federated token in `AZURE_FEDERATED_TOKEN_FILE`, as an app
/// registration (or user-assigned managed identity) that trusts its issuer and subject.
///
/// The file is read again for **every** token request: the platform that writes it (the
/// Kubernetes kubelet, for one) replaces it before the token inside expires, and a token read
/// once would be refused an hour later (`AADSTS700024`).
///
/// It holds no secret: `Debug` shows the tenant, the client id and the file's path.
#[derive(Clone, Debug)]
pub struct WorkloadIdentityCredential {
    app: App,
    token_file: PathBuf,
}

impl WorkloadIdentityCredential {
    /// For the app `client_id` in `tenant_id`, with the federated token at `token_file`.
    ///
    /// # Errors
    /// [`hris_sync_core::ErrorKind::InvalidConfig`] naming a missing or malformed value. The
    /// file itself is read at each token request.
    pub fn new(tenant_id: &str, client_id_: &str, token_file: impl Into<PathBuf>) -> Result<Self> {
        let token_file = token_file.into();
        if token_file.as_os_str().is_empty() {
            return Err(Error::config("AZURE_FEDERATED_TOKEN_FILE: missing"));
        }
        Ok(Self {
            app: App::global(tenant_id, client_id_)?,
            token_file,
        })
    }

    /// Another identity platform; default `https://login.microsoftonline.com`.
    ///
    /// # Errors
    /// Not a URL, or plain `http://` to a non-loopback host.
    pub fn authority_host(mut self, host: &str) -> Result<Self> {
        self.app.at(host)?;
        Ok(self)
    }

    async fn read_token(&self) -> Result<SecretString> {
        let path = self.token_file.clone();
        let text = tokio::task::spawn_blocking(move || std::fs::read_to_string(&path))
            .await
            .map_err(|e| Error::config(format!("AZURE_FEDERATED_TOKEN_FILE: {e}")))?
            .map_err(|e| {
                Error::config(format!(
                    "AZURE_FEDERATED_TOKEN_FILE: cannot read {}: {e}",
                    self.token_file.display()
                ))
            })?;
        let token = text.trim();
        if token.is_empty() {
            return Err(Error::config(format!(
                "AZURE_FEDERATED_TOKEN_FILE: {} is empty",
                self.token_file.display()
            )));
        }
        Ok(SecretString::from(token.to_owned()))
    }
}

#[async_trait]
impl TokenCredential for WorkloadIdentityCredential {
    async fn get_token(&self, request: TokenRequest<'_>) -> Result<AccessToken> {
        let assertion = self.read_token().await?;
        let hint = "check that the app registration has a federated credential whose issuer, subject \
             and audience match the token in AZURE_FEDERATED_TOKEN_FILE, and that the file is \
             kept fresh";
        self.app.post_assertion(request, &assertion, hint).await
    }
}
