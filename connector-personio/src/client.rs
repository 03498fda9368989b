//! The HTTP client: pacing, authentication, retries. One request loop for every endpoint.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use hris_sync_core::retry::RetryPolicy;
use hris_sync_core::{Error, ErrorKind, RequestStats, Result};
use hris_sync_http::{HttpClient, Step, TokenCache, read_json, retrying};
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue};
use reqwest::{StatusCode, Url};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;

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
    pub(crate) http: HttpClient,
}

/// Personio's documented default token lifetime, used when a response does not say.
const DEFAULT_TOKEN_LIFETIME: Duration = Duration::from_secs(86_400);

pub(crate) struct Client {
    http: reqwest::Client,
    /// `Accept` and the app/partner ids, sent with every request (a host's own client has no
    /// default headers of ours).
    headers: HeaderMap,
    pub(crate) settings: Settings,
    tokens: TokenCache,
    pacer: Pacer,
    auth_calls: AtomicU64,
    rotating: AtomicBool,
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
        let http = settings.http.build(settings.timeout)?;
        Ok(Self {
            pacer: Pacer::new(&settings.limits),
            http,
            headers,
            settings,
            tokens: TokenCache::new(),
            auth_calls: AtomicU64::new(0),
            rotating: AtomicBool::new(false),
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
        retrying(&self.settings.retry, "Personio", "POST /v1/auth", || {
            self.authenticate_once()
        })
        .await
    }

    async fn authenticate_once(&self) -> Step<(SecretString, Duration)> {
        let what = "POST /v1/auth";
        self.auth_calls.fetch_add(1, Ordering::Relaxed);
        tracing::debug!("authenticating with Personio");
        let body = AuthRequest {
            client_id: &self.settings.client_id,
            client_secret: self.settings.client_secret.expose_secret(),
        };
        self.settings.stats.sent();
        let sent = self
            .http
            .post(self.url("/v1/auth"))
            .headers(self.headers.clone())
            .json(&body)
            .send()
            .await;
        let resp = match sent {
            Err(e) => return Step::Failed(transport_error(what, &e)),
            Ok(resp) => resp,
        };
        let (status, headers) = (resp.status(), resp.headers().clone());
        if status.is_success() {
            let bytes = match resp.bytes().await {
                Ok(b) => b,
                Err(e) => return Step::Failed(transport_error(what, &e)),
            };
            return match serde_json::from_slice::<AuthResponse>(&bytes) {
                Ok(parsed) => {
                    let lifetime = parsed
                        .data
                        .expires_in
                        .map_or(DEFAULT_TOKEN_LIFETIME, Duration::from_secs);
                    Step::Done((SecretString::from(parsed.data.token), lifetime))
                }
                Err(e) => Step::Fatal(Error::new(
                    ErrorKind::InvalidData,
                    format!("{what}: unexpected answer: {e}"),
                )),
            };
        }
        self.settings.stats.answered(status.as_u16());
        let body = resp.text().await.unwrap_or_default();
        let e = error_for_status(what, status, &headers, &body);
        if matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) {
            // Wrong credentials: retrying cannot help.
            return Step::Fatal(Error::config(format!(
                "Personio refused the API credentials (PERSONIO_CLIENT_ID / \
                 PERSONIO_CLIENT_SECRET): {}",
                e.message()
            )));
        }
        Step::Failed(e)
    }

    /// GET `path` with `query`, paced, authenticated and retried; the body parsed as `T`.
    /// A refused token is replaced once per call.
    pub(crate) async fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<T> {
        let what = format!("GET {path}");
        let reauthenticated = AtomicBool::new(false);
        retrying(&self.settings.retry, "Personio", &what, || {
            self.get_once(&what, path, query, &reauthenticated)
        })
        .await
    }

    async fn get_once<T: DeserializeOwned>(
        &self,
        what: &str,
        path: &str,
        query: &[(&str, String)],
        reauthenticated: &AtomicBool,
    ) -> Step<T> {
        let lease = match self
            .tokens
            .get(self.settings.token_margin, || self.authenticate())
            .await
        {
            Ok(lease) => lease,
            Err(e) => return Step::Fatal(e),
        };
        let taken = self.pacer.acquire().await;
        self.settings.stats.sent();
        let sent = self
            .http
            .get(self.url(path))
            .headers(self.headers.clone())
            .query(query)
            .bearer_auth(lease.value.expose_secret())
            .send()
            .await;
        self.pacer.answered(taken).await;
        let resp = match sent {
            Err(e) => return Step::Failed(transport_error(what, &e)),
            Ok(resp) => resp,
        };
        if let Some(token) = resp
            .headers()
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
        {
            if self.tokens.adopt(token).await && !self.rotating.swap(true, Ordering::Relaxed) {
                tracing::info!("Personio rotates tokens on this tenant; requests go one at a time");
            }
        }
        let status = resp.status();
        self.settings.stats.answered(status.as_u16());
        if status.is_success() {
            return read_json(what, resp, transport_error).await;
        }
        if matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN)
            && !reauthenticated.swap(true, Ordering::Relaxed)
        {
            tracing::info!(
                status = status.as_u16(),
                "Personio refused the token; authenticating again"
            );
            self.tokens.invalidate(lease.generation).await;
            return Step::Again;
        }
        let headers = resp.headers().clone();
        let body = resp.text().await.unwrap_or_default();
        Step::Failed(error_for_status(what, status, &headers, &body))
    }
}
