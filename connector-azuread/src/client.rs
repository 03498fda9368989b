//! The HTTP client: tokens, GETs with retries, and single `$batch` posts.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use std::sync::atomic::AtomicBool;

use hris_sync_core::pacing::Budget;
use hris_sync_core::{Error, ErrorKind, Result};
use hris_sync_http::{Step, TokenCache, read_json, retrying};
use reqwest::Url;
use reqwest::header::{ACCEPT, HeaderValue, RETRY_AFTER};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use tokio::sync::Mutex;

use crate::credential::{TokenCredential, TokenRequest};
use crate::error::{error_for_status, parse_retry_after, transport_error};
use crate::model::{BatchRequest, BatchResponse};

/// Validated settings (see [`crate::GraphBuilder`]).
pub(crate) struct Settings {
    pub(crate) credential: Arc<dyn TokenCredential>,
    pub(crate) graph: Url,
    pub(crate) tuning: crate::config::Tuning,
}

/// Graph answers JSON; every request asks for it (a host's own client has no default headers
/// of ours).
const JSON: HeaderValue = HeaderValue::from_static("application/json");

/// What a single `$batch` post came back with.
pub(crate) enum BatchOutcome {
    /// The envelope: one sub-response per sub-request.
    Answered(BatchResponse),
    /// The whole batch was refused (400, 401, 403 …): no sub-request ran.
    Refused(Error),
    /// No usable answer (timeout, dropped connection, a whole-batch 429 or 5xx): the
    /// sub-requests may or may not have run (T4).
    Unknown(Error),
}

pub(crate) struct Client {
    http: reqwest::Client,
    pub(crate) settings: Settings,
    tokens: TokenCache,
    writes: Mutex<Budget>,
    token_calls: AtomicU64,
    /// Accounts this client created (or adopted, T4), with when: a 404 on them is
    /// replication lag, not absence (T3).
    created: std::sync::Mutex<BTreeMap<String, std::time::Instant>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("GraphClient")
            .field("graph", &self.settings.graph.as_str())
            .field("credential", &self.settings.credential)
            .field("token_calls", &self.token_calls.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl Client {
    pub(crate) fn new(settings: Settings) -> Result<Self> {
        let http = settings.tuning.http.build_client()?;
        let limits = &settings.tuning.write_limits;
        let writes = Budget::new(&[(
            limits.window,
            usize::try_from(limits.writes).unwrap_or(usize::MAX),
        )]);
        Ok(Self {
            http,
            tokens: TokenCache::new(),
            writes: Mutex::new(writes),
            token_calls: AtomicU64::new(0),
            created: std::sync::Mutex::new(BTreeMap::new()),
            settings,
        })
    }

    /// Remember an account this client created or adopted (T3).
    pub(crate) fn note_created(&self, id: &str) {
        self.created
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(id.to_owned(), std::time::Instant::now());
    }

    /// Whether this client created (or adopted) the account with this id.
    pub(crate) fn created_here(&self, id: &str) -> bool {
        self.created
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .contains_key(id)
    }

    /// T8: a link from Graph (`@odata.nextLink`, `@odata.deltaLink`, a stored delta cursor)
    /// is followed only when its scheme, host and port are the configured base URL's, so the
    /// bearer token never goes anywhere else.
    pub(crate) fn check_link(&self, what: &str, link: &str) -> Result<()> {
        hris_sync_http::follow(&self.settings.graph, link, what, "GRAPH_BASE_URL").map(|_| ())
    }

    pub(crate) fn token_calls(&self) -> u64 {
        self.token_calls.load(Ordering::Relaxed)
    }

    /// `https://graph.microsoft.com/v1.0{path}`.
    pub(crate) fn graph_url(&self, path: &str) -> String {
        format!(
            "{}/v1.0{path}",
            self.settings.graph.as_str().trim_end_matches('/')
        )
    }

    /// The Graph base without `/v1.0`, as used in `@odata.id` references.
    pub(crate) fn graph_base(&self) -> String {
        self.settings
            .graph
            .as_str()
            .trim_end_matches('/')
            .to_owned()
    }

    async fn fetch_token(&self) -> Result<(SecretString, Duration)> {
        let scope = format!("{}/.default", self.graph_base());
        retrying(
            &self.settings.tuning.http.retry,
            "Graph",
            "token endpoint",
            || async {
                self.token_calls.fetch_add(1, Ordering::Relaxed);
                self.settings.tuning.http.stats.sent();
                tracing::debug!("requesting a Graph token");
                let request = TokenRequest::new(&scope, &self.http);
                match self.settings.credential.get_token(request).await {
                    Ok(token) => Step::Done((token.token, token.expires_in)),
                    Err(e) if matches!(e.kind(), ErrorKind::Transient | ErrorKind::Throttled) => {
                        Step::Failed(e)
                    }
                    Err(e) => Step::Fatal(e),
                }
            },
        )
        .await
    }

    async fn token(&self) -> Result<(SecretString, u64)> {
        let lease = self
            .tokens
            .get(self.settings.tuning.token_margin, || self.fetch_token())
            .await?;
        Ok((lease.value, lease.generation))
    }

    /// Send `request` as JSON-accepting, with a bearer token, counted in the request stats
    /// (sent, and the status of an answer): the token's generation and the answer. `Err` when
    /// no token could be had.
    async fn send(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<(u64, reqwest::Result<reqwest::Response>)> {
        let (token, generation) = self.token().await?;
        let stats = &self.settings.tuning.http.stats;
        stats.sent();
        let request = request.header(ACCEPT, JSON);
        let sent = request.bearer_auth(token.expose_secret()).send().await;
        if let Ok(resp) = &sent {
            stats.answered(resp.status().as_u16());
        }
        Ok((generation, sent))
    }

    /// GET an absolute URL (a first page or an `@odata.nextLink`, used verbatim), retried;
    /// one token refresh on 401. `what` names the request in errors and logs (never the URL
    /// of a delta link, which carries a token).
    pub(crate) async fn get_json<T: DeserializeOwned>(&self, what: &str, url: &str) -> Result<T> {
        self.check_link(what, url)?;
        let refreshed = AtomicBool::new(false);
        retrying(&self.settings.tuning.http.retry, "Graph", what, || {
            self.get_once(what, url, &refreshed)
        })
        .await
    }

    async fn get_once<T: DeserializeOwned>(
        &self,
        what: &str,
        url: &str,
        refreshed: &AtomicBool,
    ) -> Step<T> {
        let (generation, sent) = match self.send(self.http.get(url)).await {
            Ok(s) => s,
            Err(e) => return Step::Fatal(e),
        };
        let resp = match sent {
            Err(e) => return Step::Failed(transport_error(what, &e)),
            Ok(resp) => resp,
        };
        let status = resp.status();
        if status.is_success() {
            return read_json(what, resp, transport_error).await;
        }
        if status.as_u16() == 401 && !refreshed.swap(true, Ordering::Relaxed) {
            tracing::info!(
                request = what,
                "Graph refused the token; fetching a new one"
            );
            self.tokens.invalidate(generation).await;
            return Step::Again;
        }
        let retry_after = parse_retry_after(
            resp.headers()
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok()),
        );
        let body =
            serde_json::from_str::<serde_json::Value>(&hris_sync_http::error_text(resp).await).ok();
        Step::Failed(error_for_status(
            what,
            status.as_u16(),
            retry_after,
            body.as_ref(),
        ))
    }

    /// Wait until `writes` more writes fit Graph's write quota, then count them. Returns the
    /// instant they were counted at, for [`Client::writes_answered`].
    pub(crate) async fn pace_writes(&self, writes: usize) -> std::time::Instant {
        loop {
            let now = tokio::time::Instant::now().into_std();
            let wait = match self.writes.lock().await.try_take(now, writes) {
                Ok(()) => return now,
                Err(wait) => wait,
            };
            tracing::debug!(
                wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                "pacing writes under Graph's quota"
            );
            tokio::time::sleep(wait).await;
        }
    }

    /// Count `writes` taken at `taken` from now on, when Graph's answer has arrived.
    pub(crate) async fn writes_answered(&self, taken: std::time::Instant, writes: usize) {
        let now = tokio::time::Instant::now().into_std();
        self.writes.lock().await.restamp(taken, now, writes);
    }

    /// POST one `$batch`, once. Retrying is the caller's decision, because a create must not
    /// be repeated blindly.
    pub(crate) async fn post_batch(&self, batch: &BatchRequest) -> BatchOutcome {
        let what = "POST /$batch";
        let mut refreshed = false;
        loop {
            let request = self.http.post(self.graph_url("/$batch")).json(batch);
            let (generation, sent) = match self.send(request).await {
                Ok(s) => s,
                Err(e) => return BatchOutcome::Refused(e),
            };
            let resp = match sent {
                Ok(r) => r,
                Err(e) => return BatchOutcome::Unknown(transport_error(what, &e)),
            };
            let status = resp.status().as_u16();
            if status == 401 && !refreshed {
                self.tokens.invalidate(generation).await;
                refreshed = true;
                continue;
            }
            if (200..300).contains(&status) {
                return match hris_sync_http::read_capped(
                    what,
                    resp,
                    hris_sync_http::PAGE_CAP,
                    transport_error,
                )
                .await
                {
                    Ok(bytes) => match serde_json::from_slice::<BatchResponse>(&bytes) {
                        Ok(answer) => BatchOutcome::Answered(answer),
                        Err(e) => BatchOutcome::Unknown(Error::new(
                            ErrorKind::InvalidData,
                            format!("{what}: the answer is not the documented JSON: {e}"),
                        )),
                    },
                    Err(e) => BatchOutcome::Unknown(e),
                };
            }
            let retry_after = parse_retry_after(
                resp.headers()
                    .get(RETRY_AFTER)
                    .and_then(|v| v.to_str().ok()),
            );
            let body =
                serde_json::from_str::<serde_json::Value>(&hris_sync_http::error_text(resp).await)
                    .ok();
            let error = error_for_status(what, status, retry_after, body.as_ref());
            // T4: a whole-batch throttle or server error says nothing certain about whether
            // the sub-requests ran (Graph documents only 200 and 4xx for the envelope).
            return if matches!(status, 429 | 500 | 502 | 503 | 504) {
                BatchOutcome::Unknown(error)
            } else {
                BatchOutcome::Refused(error)
            };
        }
    }
}
