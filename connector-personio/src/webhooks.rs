//! Managing the Personio webhook subscription (`/v2/webhooks`, scope
//! `personio:webhooks:write`): list, register, delete. docs/rules.md §8.
//!
//! Registering is idempotent: an existing subscription for the same URL is returned, not
//! duplicated. Writes are sent once (a lost answer may hide a made subscription), so run
//! `register` again rather than retrying blindly: it looks first.

use hris_sync_core::{Error, ErrorKind, Result};
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};

use crate::PersonioSource;

/// The events the sync subscribes to: every person and employment change, the six of the
/// webhooks documentation and the three of Personio's changelogs (`employment.started` and
/// `employment.terminated` on the effective date, `employment.updated.cost-centers`).
pub const EVENTS: &[&str] = &[
    "person.created",
    "person.updated",
    "person.deleted",
    "employment.created",
    "employment.updated",
    "employment.deleted",
    // Effective-date and cost-centre events (Personio's changelogs).
    "employment.started",
    "employment.terminated",
    "employment.updated.cost-centers",
];

/// A webhook subscription as Personio lists it (never with its token).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Webhook {
    /// Its id.
    pub id: String,
    /// Where Personio delivers.
    pub url: String,
    /// Its description.
    pub description: Option<String>,
    /// The events it delivers.
    pub enabled_events: Vec<String>,
    /// `ENABLED` or `DISABLED`.
    pub status: String,
}

impl Webhook {
    fn from_json(v: &Value) -> Result<Self> {
        let text = |k: &str| v[k].as_str().map(str::to_owned);
        let id = crate::v2::convert::text_of(&v["id"]).ok_or_else(|| {
            Error::new(
                ErrorKind::InvalidData,
                "a webhook without an id in Personio's answer",
            )
        })?;
        Ok(Self {
            id,
            url: text("url").unwrap_or_default(),
            description: text("description"),
            enabled_events: v["enabled_events"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|e| e.as_str().map(str::to_owned))
                .collect(),
            status: text("status").unwrap_or_default(),
        })
    }
}

/// Personio delivers to HTTPS only; plain HTTP is accepted here for loopback tests.
fn check_url(url: &str) -> Result<()> {
    let parsed =
        reqwest::Url::parse(url).map_err(|e| Error::config(format!("webhook URL {url:?}: {e}")))?;
    hris_sync_core::transport::ensure_secure_transport(
        "webhook URL",
        parsed.scheme(),
        parsed.host_str().unwrap_or_default(),
    )
}

impl PersonioSource {
    /// Every webhook subscription of the company (`GET /v2/webhooks`, all pages).
    ///
    /// # Errors
    /// A failed request, or credentials without the webhooks scope.
    pub async fn webhooks(&self) -> Result<Vec<Webhook>> {
        let items = crate::v2::all_pages(self.client(), "GET /v2/webhooks", "/v2/webhooks").await?;
        items.iter().map(Webhook::from_json).collect()
    }

    /// Subscribe `url` to [`EVENTS`], enabled, authenticated by `token` (sent by Personio
    /// verbatim in `Authorization`). Returns the subscription and whether it was made now
    /// (`false`: one for this URL existed and is returned as it is).
    ///
    /// # Errors
    /// A URL that is not HTTPS (loopback aside), an empty token, a refused request.
    pub async fn register_webhook(
        &self,
        url: &str,
        token: &SecretString,
        description: &str,
    ) -> Result<(Webhook, bool)> {
        check_url(url)?;
        if token.expose_secret().trim().is_empty() {
            return Err(Error::config("PERSONIO_WEBHOOK_TOKEN: missing"));
        }
        if let Some(existing) = self.webhooks().await?.into_iter().find(|w| w.url == url) {
            return Ok((existing, false));
        }
        let body = json!({
            "url": url,
            "description": description,
            "enabled_events": EVENTS,
            "status": "ENABLED",
            "auth_type": "TOKEN",
            "token": token.expose_secret(),
        });
        let made: Value = self
            .client()
            .write_json(Method::POST, "/v2/webhooks", Some(&body))
            .await?;
        Ok((Webhook::from_json(&made)?, true))
    }

    /// Delete the subscription `id`.
    ///
    /// # Errors
    /// An unknown id (`NotFound`), a refused request.
    pub async fn delete_webhook(&self, id: &str) -> Result<()> {
        let path = format!("/v2/webhooks/{}", crate::source::url_segment(id));
        let _: Value = self
            .client()
            .write_json(Method::DELETE, &path, None)
            .await?;
        Ok(())
    }
}
