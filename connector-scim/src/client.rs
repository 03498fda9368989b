//! The HTTP client: credentials, one request at a time with the status mapped, and GETs
//! with retries.

use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use hris_sync_core::{Error, ErrorKind, Result};
use hris_sync_http::{Step, TokenCache, retrying};
use reqwest::header::{ACCEPT, CONTENT_TYPE, ETAG, HeaderValue, IF_MATCH, LOCATION, RETRY_AFTER};
use reqwest::{Method, Url};
use secrecy::{ExposeSecret as _, SecretString};
use serde_json::Value;

use crate::config::{ScimAuth, Settings};
use crate::error::{error_for_status, transport_error};

/// RFC 7644 §3.8: the SCIM media type, which providers must accept; plain JSON as well.
const ACCEPTED: HeaderValue = HeaderValue::from_static("application/scim+json, application/json");
const SCIM_JSON: HeaderValue = HeaderValue::from_static("application/scim+json");

/// A success answer.
#[derive(Debug)]
pub(crate) struct Answer {
    /// The status (200, 201, 204).
    pub(crate) status: u16,
    /// The `ETag` header, if any.
    pub(crate) etag: Option<String>,
    /// The `Location` header, if any.
    pub(crate) location: Option<String>,
    /// The body as JSON; `None` when it was empty (a 204).
    pub(crate) body: Option<Value>,
}

/// One request to send.
pub(crate) struct Request<'a> {
    /// Names it in errors and logs (never a filter value: it may be personal data).
    pub(crate) what: &'a str,
    pub(crate) method: Method,
    pub(crate) url: Url,
    pub(crate) body: Option<&'a Value>,
    pub(crate) if_match: Option<&'a str>,
    /// The attribute a 409 clashes on, when the request knows it.
    pub(crate) conflict: Option<&'a str>,
}

pub(crate) struct Client {
    http: reqwest::Client,
    pub(crate) settings: Settings,
    tokens: TokenCache,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScimClient")
            .field("base", &self.settings.base.as_str())
            .field("auth", &self.settings.auth)
            .finish_non_exhaustive()
    }
}

impl Client {
    pub(crate) fn new(settings: Settings) -> Result<Self> {
        Ok(Self {
            http: settings.tuning.http.build_client()?,
            settings,
            tokens: TokenCache::new(),
        })
    }

    /// `{base}/{segments…}`, each segment percent-encoded (an id may hold any character).
    pub(crate) fn url(&self, segments: &[&str]) -> Url {
        let mut url = self.settings.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty().extend(segments);
        }
        url
    }

    /// T8: a URL the provider named (a `Location`) is used only on the configured scheme,
    /// host and port, so the token never goes anywhere else.
    pub(crate) fn check_link(&self, what: &str, link: &str) -> Result<Url> {
        hris_sync_http::follow(&self.settings.base, link, what, "[scim] base_url")
    }

    async fn fetch_token(&self) -> Result<(SecretString, Duration)> {
        let ScimAuth::ClientCredentials {
            token_url,
            client_id,
            client_secret,
            scope,
        } = &self.settings.auth
        else {
            return Err(Error::config("scim: no client credentials"));
        };
        let mut form = vec![
            ("grant_type", "client_credentials"),
            ("client_id", client_id.as_str()),
            ("client_secret", client_secret.expose_secret()),
        ];
        if let Some(scope) = scope {
            form.push(("scope", scope.as_str()));
        }
        let what = "POST token_url";
        retrying(&self.settings.tuning.http.retry, "SCIM", what, || async {
            self.settings.tuning.http.stats.sent();
            let sent = self
                .http
                .post(token_url.as_str())
                .header(ACCEPT, HeaderValue::from_static("application/json"))
                .form(&form)
                .send()
                .await;
            let resp = match sent {
                Ok(r) => r,
                Err(e) => return Step::Failed(transport_error(what, &e)),
            };
            let status = resp.status().as_u16();
            self.settings.tuning.http.stats.answered(status);
            let text = hris_sync_http::error_text(resp).await;
            let body: Option<Value> = serde_json::from_str(&text).ok();
            if !(200..300).contains(&status) {
                // RFC 6749 §5.2: `error` and `error_description`; never the secret.
                let code = body
                    .as_ref()
                    .and_then(|b| crate::json::text(b, "error"))
                    .unwrap_or("");
                let error = Error::new(
                    if matches!(status, 429 | 500..=599) {
                        ErrorKind::Transient
                    } else {
                        ErrorKind::InvalidConfig
                    },
                    format!(
                        "{what}: HTTP {status} {code} — check [scim] token_url, client_id, scope \
                         and SCIM_CLIENT_SECRET"
                    ),
                );
                return if error.is_retryable() {
                    Step::Failed(error)
                } else {
                    Step::Fatal(error)
                };
            }
            let token = body
                .as_ref()
                .and_then(|b| crate::json::text(b, "access_token"));
            let Some(token) = token else {
                return Step::Fatal(Error::new(
                    ErrorKind::InvalidData,
                    format!("{what}: the answer holds no access_token"),
                ));
            };
            let lifetime = body
                .as_ref()
                .and_then(|b| crate::json::count(b, "expires_in"))
                .unwrap_or(3600);
            Step::Done((
                SecretString::from(token.to_owned()),
                Duration::from_secs(lifetime),
            ))
        })
        .await
    }

    /// The bearer token and its generation (0 for a static token).
    async fn bearer(&self) -> Result<(SecretString, u64)> {
        match &self.settings.auth {
            ScimAuth::Bearer(token) => Ok((token.clone(), 0)),
            ScimAuth::Missing => Err(Error::config("scim: no credentials")),
            ScimAuth::ClientCredentials { .. } => {
                let lease = self
                    .tokens
                    .get(self.settings.tuning.token_margin, || self.fetch_token())
                    .await?;
                Ok((lease.value, lease.generation))
            }
        }
    }

    /// Send `r` once. A refused OAuth token is replaced once ([`Step::Again`]); a failure is
    /// [`Step::Failed`] when the retry policy may try again, [`Step::Fatal`] otherwise.
    pub(crate) async fn once(&self, r: &Request<'_>, refreshed: &AtomicBool) -> Step<Answer> {
        let (token, generation) = match self.bearer().await {
            Ok(t) => t,
            Err(e) => return Step::Fatal(e),
        };
        let stats = &self.settings.tuning.http.stats;
        stats.sent();
        let mut builder = self
            .http
            .request(r.method.clone(), r.url.clone())
            .header(ACCEPT, ACCEPTED)
            .bearer_auth(token.expose_secret());
        if let Some(body) = r.body {
            builder = builder
                .header(CONTENT_TYPE, SCIM_JSON)
                .body(body.to_string());
        }
        if let Some(tag) = r.if_match {
            builder = builder.header(IF_MATCH, tag);
        }
        let resp = match builder.send().await {
            Ok(resp) => resp,
            Err(e) => return Step::Failed(transport_error(r.what, &e)),
        };
        let status = resp.status().as_u16();
        stats.answered(status);
        let header = |name| {
            resp.headers()
                .get(name)
                .and_then(|v: &HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let etag = header(ETAG);
        let location = header(LOCATION);
        let retry_after = header(RETRY_AFTER).and_then(|v| {
            hris_sync_core::retry::parse_retry_after(&v, std::time::SystemTime::now())
        });
        if (200..300).contains(&status) {
            let bytes = match hris_sync_http::read_capped(
                r.what,
                resp,
                hris_sync_http::PAGE_CAP,
                transport_error,
            )
            .await
            {
                Ok(b) => b,
                Err(e) if e.kind() == ErrorKind::InvalidData => return Step::Fatal(e),
                Err(e) => return Step::Failed(e),
            };
            let body = if bytes.iter().all(u8::is_ascii_whitespace) {
                None
            } else {
                match serde_json::from_slice(&bytes) {
                    Ok(v) => Some(v),
                    Err(e) => {
                        return Step::Fatal(Error::new(
                            ErrorKind::InvalidData,
                            format!("{}: the answer is not JSON: {e}", r.what),
                        ));
                    }
                }
            };
            return Step::Done(Answer {
                status,
                etag,
                location,
                body,
            });
        }
        if status == 401 && generation > 0 && !refreshed.swap(true, Ordering::Relaxed) {
            tracing::info!(
                request = r.what,
                "the SCIM provider refused the token; fetching a new one"
            );
            self.tokens.invalidate(generation).await;
            return Step::Again;
        }
        let body = serde_json::from_str::<Value>(&hris_sync_http::error_text(resp).await).ok();
        let error = error_for_status(r.what, status, retry_after, body.as_ref(), r.conflict);
        if error.is_retryable() {
            Step::Failed(error)
        } else {
            Step::Fatal(error)
        }
    }

    /// Send `r` with the retry policy (for requests that may be repeated: reads, and writes
    /// that set a value rather than add one).
    pub(crate) async fn send(&self, r: &Request<'_>) -> Result<Answer> {
        let refreshed = AtomicBool::new(false);
        retrying(&self.settings.tuning.http.retry, "SCIM", r.what, || {
            self.once(r, &refreshed)
        })
        .await
    }

    /// GET `url` (retried) and return its JSON body.
    pub(crate) async fn get(&self, what: &str, url: Url) -> Result<Answer> {
        let answer = self
            .send(&Request {
                what,
                method: Method::GET,
                url,
                body: None,
                if_match: None,
                conflict: None,
            })
            .await?;
        if answer.body.is_none() {
            return Err(Error::new(
                ErrorKind::InvalidData,
                format!("{what}: HTTP {} with an empty body", answer.status),
            ));
        }
        Ok(answer)
    }
}
