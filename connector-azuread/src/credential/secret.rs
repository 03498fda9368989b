//! Client secret: the app registration's secret in the token request form.

use std::fmt;

use async_trait::async_trait;
use hris_sync_core::{Error, Result};
use secrecy::{ExposeSecret, SecretString};

use super::endpoint::{AccessToken, App, post_form};
use super::{TokenCredential, TokenRequest};

/// Authenticates as an app registration with a client secret (`AZURE_CLIENT_SECRET`).
/// `Debug` shows no secret.
#[derive(Clone)]
pub struct ClientSecretCredential {
    app: App,
    secret: SecretString,
}

impl fmt::Debug for ClientSecretCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientSecretCredential")
            .field("tenant_id", &self.app.tenant_id)
            .field("client_id", &self.app.client_id)
            .field("secret", &"[redacted]")
            .finish()
    }
}

impl ClientSecretCredential {
    /// For the app `client_id` in `tenant_id` (its GUID or a verified domain).
    ///
    /// # Errors
    /// [`hris_sync_core::ErrorKind::InvalidConfig`] naming a missing or malformed value.
    pub fn new(tenant_id: &str, client_id_: &str, secret: impl Into<SecretString>) -> Result<Self> {
        let app = App::global(tenant_id, client_id_)?;
        let secret = secret.into();
        if secret.expose_secret().trim().is_empty() {
            return Err(Error::config("AZURE_CLIENT_SECRET: missing"));
        }
        Ok(Self { app, secret })
    }

    /// Another identity platform (national clouds); default `https://login.microsoftonline.com`.
    ///
    /// # Errors
    /// Not a URL, or plain `http://` to a non-loopback host.
    pub fn authority_host(mut self, host: &str) -> Result<Self> {
        self.app.at(host)?;
        Ok(self)
    }
}

#[async_trait]
impl TokenCredential for ClientSecretCredential {
    async fn get_token(&self, request: TokenRequest<'_>) -> Result<AccessToken> {
        post_form(
            request.http,
            &self.app.token_url,
            &[
                ("client_id", self.app.client_id.as_str()),
                ("scope", request.scope),
                ("client_secret", self.secret.expose_secret()),
                ("grant_type", "client_credentials"),
            ],
            "check AZURE_TENANT_ID, AZURE_CLIENT_ID and AZURE_CLIENT_SECRET, and that the app \
             registration has admin consent",
        )
        .await
    }
}
