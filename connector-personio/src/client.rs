//! The HTTP client: pacing, authentication, retries. One request loop for every endpoint.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use hris_sync_core::retry::{RetryPolicy, jitter};
use hris_sync_core::{Error, ErrorKind, RequestStats, Result};
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue};
use reqwest::{StatusCode, Url};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;

use crate::auth::TokenCache;
use crate::config::RateLimits;
use crate::error::{error_for_status, transport_error};
use crate::model::{AuthRequest, AuthResponse};
use crate::pacer::Pacer;

/// Validated settings (see [`crate::PersonioBuilder`]).
pub(crate) struct Settings {
    pub(crate) client_id: String,
    pub(crate) client_secret: SecretString,
    pub(crate) base: Url,
    pub(crate) app_id: Option<String>,
    pub(crate) partner_id: Option<String>,
    pub(crate) page_size: u32,
    pub(crate) limits: RateLimits,
    pub(crate) retry: RetryPolicy,
    pub(crate) timeout: Duration,
    pub(crate) token_margin: Duration,
    pub(crate) overlap: Duration,
    pub(crate) stats: RequestStats,
}

/// Personio's documented default token lifetime, used when a response does not say.
const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(86_400);

pub(crate) struct Client {
    http: reqwest::Client,
    pub(crate) settings: Settings,
    tokens: TokenCache,
    pacer: Pacer,
    auth_calls: AtomicU64,
    rotating: std::sync::atomic::AtomicBool,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PersonioClient")
            .field("base", &self.settings.base.as_str())
            .field("client_id", &self.settings.client_id)
            .field("client_secret", &"[redacted]")
            .field("app_id", &self.settings.app_id)
            .field("auth_calls", &self.auth_calls.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl Client {
    pub(crate) fn new(settings: Settings) -> Result<Self> {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        for (name, value) in [
            ("x-personio-app-id", &settings.app_id),
            ("x-personio-partner-id", &settings.partner_id),
        ] {
            if let Some(v) = value {
                let v = HeaderValue::from_str(v)
                    .map_err(|_| Error::config(format!("{name}: not a valid header value")))?;
                headers.insert(name, v);
            }
        }
        let http = reqwest::Client::builder()
            .default_headers(headers)
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("hris-sync/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::config(format!("HTTP client: {e}")))?;
        Ok(Self {
            pacer: Pacer::new(&settings.limits),
            http,
            settings,
            tokens: TokenCache::new(),
            auth_calls: AtomicU64::new(0),
            rotating: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Whether the tenant hands out single-use tokens (each answer carries the next one).
    /// Concurrent requests would then invalidate each other's tokens.
    pub(crate) fn rotating(&self) -> bool {
        self.rotating.load(Ordering::Relaxed)
    }

    /// How many times this client called `POST /v1/auth`.
    pub(crate) fn auth_calls(&self) -> u64 {
        self.auth_calls.load(Ordering::Relaxed)
    }

    fn url(&self, path: &str) -> Url {
        let mut url = self.settings.base.clone();
        let base_path = url.path().trim_end_matches('/').to_owned();
        url.set_path(&format!("{base_path}{path}"));
        url
    }

    /// `POST /v1/auth` with the credentials in the JSON body, retried like any request.
    async fn authenticate(&self) -> Result<(SecretString, Duration)> {
        let what = "POST /v1/auth";
        let mut attempt = 0u32;
        let started = std::time::Instant::now();
        loop {
            self.auth_calls.fetch_add(1, Ordering::Relaxed);
            tracing::debug!(attempt, "authenticating with Personio");
            let body = AuthRequest {
                client_id: &self.settings.client_id,
                client_secret: self.settings.client_secret.expose_secret(),
            };
            self.settings.stats.sent();
            let result = self
                .http
                .post(self.url("/v1/auth"))
                .json(&body)
                .send()
                .await;
            let error = match result {
                Err(e) => transport_error(what, &e),
                Ok(resp) if resp.status().is_success() => {
                    let bytes = resp.bytes().await.map_err(|e| transport_error(what, &e))?;
                    let parsed: AuthResponse = serde_json::from_slice(&bytes).map_err(|e| {
                        Error::new(
                            ErrorKind::InvalidData,
                            format!("{what}: unexpected answer: {e}"),
                        )
                    })?;
                    let lifetime = parsed
                        .data
                        .expires_in
                        .map_or(DEFAULT_TOKEN_LIFETIME, Duration::from_secs);
                    return Ok((SecretString::from(parsed.data.token), lifetime));
                }
                Ok(resp) => {
                    let (status, headers) = (resp.status(), resp.headers().clone());
                    self.settings.stats.answered(status.as_u16());
                    let body = resp.text().await.unwrap_or_default();
                    let e = error_for_status(what, status, &headers, &body);
                    if matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) {
                        // Wrong credentials: retrying cannot help.
                        return Err(Error::config(format!(
                            "Personio refused the API credentials (PERSONIO_CLIENT_ID / \
                             PERSONIO_CLIENT_SECRET): {}",
                            e.message()
                        )));
                    }
                    e
                }
            };
            match self
                .settings
                .retry
                .delay_within(attempt, &error, jitter(), started.elapsed())
            {
                Some(wait) => {
                    tracing::warn!(attempt, wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX), error = %error, "retrying Personio authentication");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                None => {
                    return Err(RetryPolicy::give_up_after(
                        error,
                        attempt + 1,
                        started.elapsed(),
                    ));
                }
            }
        }
    }

    /// GET `path` with `query`, paced, authenticated and retried; the body parsed as `T`.
    pub(crate) async fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T> {
        let what = format!("GET {path}");
        let mut attempt = 0u32;
        let started = std::time::Instant::now();
        let mut reauthenticated = false;
        loop {
            let lease = self
                .tokens
                .get(self.settings.token_margin, || self.authenticate())
                .await?;
            let taken = self.pacer.acquire().await;
            self.settings.stats.sent();
            let sent = self
                .http
                .get(self.url(path))
                .query(query)
                .bearer_auth(lease.value.expose_secret())
                .send()
                .await;
            self.pacer.answered(taken).await;
            let error = match sent {
                Err(e) => transport_error(&what, &e),
                Ok(resp) => {
                    if let Some(token) = resp
                        .headers()
                        .get(AUTHORIZATION)
                        .and_then(|v| v.to_str().ok())
                    {
                        if self.tokens.adopt(token).await
                            && !self.rotating.swap(true, Ordering::Relaxed)
                        {
                            tracing::info!(
                                "Personio rotates tokens on this tenant; requests go one at a time"
                            );
                        }
                    }
                    let status = resp.status();
                    self.settings.stats.answered(status.as_u16());
                    if status.is_success() {
                        match resp.bytes().await {
                            Ok(bytes) => {
                                return serde_json::from_slice(&bytes).map_err(|e| {
                                    Error::new(
                                        ErrorKind::InvalidData,
                                        format!(
                                            "{what}: the answer is not the documented JSON: {e}"
                                        ),
                                    )
                                });
                            }
                            Err(e) => transport_error(&what, &e),
                        }
                    } else if matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN)
                        && !reauthenticated
                    {
                        tracing::info!(
                            status = status.as_u16(),
                            "Personio refused the token; authenticating again"
                        );
                        self.tokens.invalidate(lease.generation).await;
                        reauthenticated = true;
                        continue;
                    } else {
                        let headers = resp.headers().clone();
                        let body = resp.text().await.unwrap_or_default();
                        error_for_status(&what, status, &headers, &body)
                    }
                }
            };
            match self
                .settings
                .retry
                .delay_within(attempt, &error, jitter(), started.elapsed())
            {
                Some(wait) => {
                    tracing::warn!(
                        request = %what,
                        attempt = attempt + 1,
                        max = self.settings.retry.max_retries,
                        wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                        error = %error,
                        "retrying Personio request"
                    );
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                None => {
                    return Err(RetryPolicy::give_up_after(
                        error,
                        attempt + 1,
                        started.elapsed(),
                    ));
                }
            }
        }
    }
}
