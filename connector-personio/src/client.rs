//! The HTTP client: pacing, authentication, retries. One request loop for every endpoint.

use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use hris_sync_core::{Error, ErrorKind, Result};
use hris_sync_http::{Step, TokenCache, read_json, retrying};
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode, Url};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;

use crate::error::{error_for_status, transport_error};
use crate::model::{AuthRequest, AuthResponse, TokenAnswer};
use crate::pacer::Pacer;

/// Which Personio API a source reads (`[personio] api`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Api {
    /// `/v1/company/employees` with `POST /v1/auth` (the default).
    #[default]
    V1,
    /// `/v2/persons` and their employments with `POST /v2/auth/token` (OAuth2 client
    /// credentials).
    V2,
}

/// Validated settings (see [`crate::PersonioBuilder`]).
pub(crate) struct Settings {
    pub(crate) client_id: String,
    pub(crate) client_secret: SecretString,
    pub(crate) base: Url,
    pub(crate) tuning: crate::config::Tuning,
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
            .field("app_id", &self.settings.tuning.app_id)
            .field("auth_calls", &self.auth_calls.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl Client {
    pub(crate) fn new(settings: Settings) -> Result<Self> {
        let mut headers = HeaderMap::new();
        headers.insert(ACCEPT, HeaderValue::from_static("application/json"));
        for (name, value) in [
            ("x-personio-app-id", &settings.tuning.app_id),
            ("x-personio-partner-id", &settings.tuning.partner_id),
        ] {
            if let Some(v) = value {
                let v = HeaderValue::from_str(v)
                    .map_err(|_| Error::config(format!("{name}: not a valid header value")))?;
                headers.insert(name, v);
            }
        }
        let http = settings.tuning.http.build_client()?;
        Ok(Self {
            pacer: Pacer::new(&settings.tuning.limits),
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

    /// `POST /v1/auth` with the credentials in the JSON body (v1), or `POST /v2/auth/token`
    /// with them in a client-credentials form (v2), retried like any request.
    async fn authenticate(&self) -> Result<(SecretString, Duration)> {
        let what = match self.settings.tuning.api {
            Api::V1 => "POST /v1/auth",
            Api::V2 => "POST /v2/auth/token",
        };
        retrying(&self.settings.tuning.http.retry, "Personio", what, || {
            self.authenticate_once(what)
        })
        .await
    }

    async fn authenticate_once(&self, what: &str) -> Step<(SecretString, Duration)> {
        self.auth_calls.fetch_add(1, Ordering::Relaxed);
        tracing::debug!("authenticating with Personio");
        self.settings.tuning.http.stats.sent();
        let request = match self.settings.tuning.api {
            Api::V1 => self.http.post(self.url("/v1/auth")).json(&AuthRequest {
                client_id: &self.settings.client_id,
                client_secret: self.settings.client_secret.expose_secret(),
            }),
            Api::V2 => self.http.post(self.url("/v2/auth/token")).form(&[
                ("grant_type", "client_credentials"),
                ("client_id", self.settings.client_id.as_str()),
                ("client_secret", self.settings.client_secret.expose_secret()),
            ]),
        };
        let sent = request.headers(self.headers.clone()).send().await;
        let resp = match sent {
            Err(e) => return Step::Failed(transport_error(what, &e)),
            Ok(resp) => resp,
        };
        let (status, headers) = (resp.status(), resp.headers().clone());
        if status.is_success() {
            let bytes = match hris_sync_http::read_capped(
                what,
                resp,
                hris_sync_http::SMALL_CAP,
                transport_error,
            )
            .await
            {
                Ok(b) => b,
                Err(e) if e.kind() == ErrorKind::InvalidData => return Step::Fatal(e),
                Err(e) => return Step::Failed(e),
            };
            let parsed = match self.settings.tuning.api {
                Api::V1 => serde_json::from_slice::<AuthResponse>(&bytes)
                    .map(|a| (a.data.token, a.data.expires_in)),
                Api::V2 => serde_json::from_slice::<TokenAnswer>(&bytes)
                    .map(|a| (a.access_token, a.expires_in)),
            };
            return match parsed {
                Ok((token, expires_in)) => {
                    let lifetime = expires_in.map_or(DEFAULT_TOKEN_LIFETIME, Duration::from_secs);
                    Step::Done((SecretString::from(token), lifetime))
                }
                Err(e) => Step::Fatal(Error::new(
                    ErrorKind::InvalidData,
                    format!("{what}: unexpected answer: {e}"),
                )),
            };
        }
        self.settings.tuning.http.stats.answered(status.as_u16());
        let body = hris_sync_http::error_text(resp).await;
        let e = error_for_status(what, status, &headers, &body);
        // OAuth2 (RFC 6749 §5.2), as `POST /v2/auth/token` answers wrong credentials: HTTP
        // 400 with `error` = invalid_client, unauthorized_client or invalid_grant.
        let refused_grant = status == StatusCode::BAD_REQUEST
            && serde_json::from_str::<serde_json::Value>(&body).is_ok_and(|b| {
                matches!(
                    b["error"].as_str(),
                    Some("invalid_client" | "unauthorized_client" | "invalid_grant")
                )
            });
        if matches!(status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) || refused_grant {
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
        let mut url = self.url(path);
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        self.get_json_at(&format!("GET {path}"), url).await
    }

    /// GET an absolute URL (a `next` link, already checked with [`Client::follow`]); `what`
    /// names it in errors and logs.
    pub(crate) async fn get_json_at<T: DeserializeOwned>(&self, what: &str, url: Url) -> Result<T> {
        let reauthenticated = AtomicBool::new(false);
        retrying(&self.settings.tuning.http.retry, "Personio", what, || {
            self.send_once(what, Method::GET, &url, None, &reauthenticated)
        })
        .await
    }

    /// A write (`POST` with a JSON body, `DELETE`) to `path`, authenticated and paced but
    /// sent **once**: a write whose answer was lost may have happened, so it is for the
    /// caller to look before trying again. A refused token is still replaced once. An empty
    /// success answer (`204`) reads as JSON `null`.
    pub(crate) async fn write_json<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<T> {
        let what = format!("{method} {path}");
        let url = self.url(path);
        let reauthenticated = AtomicBool::new(false);
        loop {
            match self
                .send_once(&what, method.clone(), &url, body, &reauthenticated)
                .await
            {
                Step::Done(v) => return Ok(v),
                Step::Again => {}
                Step::Failed(e) | Step::Fatal(e) => return Err(e),
            }
        }
    }

    /// A paging link from an answer, resolved against the configured base when relative,
    /// and refused unless it points at the configured scheme, host and port: the bearer token
    /// goes nowhere else.
    pub(crate) fn follow(&self, what: &str, link: &str) -> Result<Url> {
        hris_sync_http::follow(&self.settings.base, link, what, "PERSONIO_BASE_URL")
    }

    async fn send_once<T: DeserializeOwned>(
        &self,
        what: &str,
        method: Method,
        url: &Url,
        body: Option<&serde_json::Value>,
        reauthenticated: &AtomicBool,
    ) -> Step<T> {
        let lease = match self
            .tokens
            .get(self.settings.tuning.token_margin, || self.authenticate())
            .await
        {
            Ok(lease) => lease,
            Err(e) => return Step::Fatal(e),
        };
        let taken = self.pacer.acquire().await;
        self.settings.tuning.http.stats.sent();
        let mut request = self
            .http
            .request(method, url.clone())
            .headers(self.headers.clone())
            .bearer_auth(lease.value.expose_secret());
        if let Some(body) = body {
            request = request.json(body);
        }
        let sent = request.send().await;
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
        self.settings.tuning.http.stats.answered(status.as_u16());
        if status == StatusCode::NO_CONTENT {
            return serde_json::from_value(serde_json::Value::Null).map_or_else(
                |e| Step::Fatal(Error::new(ErrorKind::InvalidData, format!("{what}: {e}"))),
                Step::Done,
            );
        }
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
        let body = hris_sync_http::error_text(resp).await;
        Step::Failed(error_for_status(what, status, &headers, &body))
    }
}
