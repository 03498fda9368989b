//! `GET /`: the status page over HTTP, and who may see it.
//!
//! On a loopback address (the default of `--listen PORT`) anyone on this host may. Bound
//! beyond loopback, the page names people, so it needs `HRIS_SYNC_STATUS_TOKEN`: sent as
//! `Authorization: Bearer <token>`, or as the password of HTTP Basic authentication (any
//! user name), which a browser asks for. Without the variable the page is off there (403,
//! saying how to turn it on). Every answer is `no-store` with the usual security headers: no
//! framing, no sniffing, no referrer, a content policy that allows the inline style only.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine as _;
use secrecy::{ExposeSecret as _, SecretString};
use subtle::ConstantTimeEq as _;

use crate::metrics::Metrics;

/// The variable that holds the status page's token.
pub const TOKEN_VARIABLE: &str = "HRIS_SYNC_STATUS_TOKEN";

/// Who may see the page.
#[derive(Clone, Debug)]
pub struct Access {
    public: bool,
    token: Option<SecretString>,
}

impl Access {
    /// For a server bound to `addr`, with `token` (the variable's value, if set).
    #[must_use]
    pub fn new(addr: SocketAddr, token: Option<String>) -> Self {
        Self {
            public: !addr.ip().is_loopback(),
            token: token.filter(|t| !t.is_empty()).map(SecretString::from),
        }
    }

    /// From the environment.
    #[must_use]
    pub fn from_env(addr: SocketAddr) -> Self {
        Self::new(addr, std::env::var(TOKEN_VARIABLE).ok())
    }

    fn admits(&self, headers: &HeaderMap) -> Result<(), (StatusCode, &'static str)> {
        if !self.public {
            return Ok(());
        }
        let Some(token) = &self.token else {
            return Err((
                StatusCode::FORBIDDEN,
                "The status page is off on an address beyond loopback: set HRIS_SYNC_STATUS_TOKEN to turn it on.\n",
            ));
        };
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(presented);
        let expected = token.expose_secret().as_bytes();
        match given {
            Some(g) if bool::from(g.as_bytes().ct_eq(expected)) => Ok(()),
            _ => Err((
                StatusCode::UNAUTHORIZED,
                "A token is needed (HRIS_SYNC_STATUS_TOKEN).\n",
            )),
        }
    }
}

/// The token a request presents: a Bearer token, or a Basic password.
fn presented(value: &str) -> Option<String> {
    let (scheme, rest) = value.trim().split_once(' ')?;
    if scheme.eq_ignore_ascii_case("bearer") {
        return Some(rest.trim().to_owned());
    }
    if scheme.eq_ignore_ascii_case("basic") {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(rest.trim())
            .ok()?;
        let text = String::from_utf8(decoded).ok()?;
        return text
            .split_once(':')
            .map(|(_, password)| password.to_owned());
    }
    None
}

/// `GET /`, for `metrics`' board, as `access` allows.
pub fn router(metrics: Arc<Metrics>, access: Access) -> Router {
    Router::new()
        .route("/", get(page))
        .with_state((metrics, Arc::new(access)))
}

fn secured(mut response: Response) -> Response {
    let h = response.headers_mut();
    for (name, value) in [
        (header::CACHE_CONTROL, "no-store"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
        ),
    ] {
        h.insert(name, HeaderValue::from_static(value));
    }
    response
}

async fn page(
    State((metrics, access)): State<(Arc<Metrics>, Arc<Access>)>,
    headers: HeaderMap,
) -> Response {
    if let Err((status, text)) = access.admits(&headers) {
        let mut r = (status, text).into_response();
        if status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"hris-sync status\", charset=\"UTF-8\""),
            );
        }
        return secured(r);
    }
    #[allow(clippy::disallowed_methods)] // the page shows the time it was made
    let now = std::time::SystemTime::now();
    let html = crate::status::render(metrics.board(), metrics.webhook_counts(), now);
    secured(([(header::CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(auth: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, auth.parse().unwrap());
        h
    }

    #[test]
    fn loopback_is_open_and_beyond_it_a_token_is_needed() {
        let none = HeaderMap::new();
        assert!(
            Access::new("127.0.0.1:9100".parse().unwrap(), None)
                .admits(&none)
                .is_ok()
        );
        assert!(
            Access::new("[::1]:9100".parse().unwrap(), None)
                .admits(&none)
                .is_ok()
        );
        let public = "0.0.0.0:9100".parse().unwrap();
        let off = Access::new(public, None).admits(&none).unwrap_err();
        assert_eq!(off.0, StatusCode::FORBIDDEN);
        let on = Access::new(public, Some("s3cret".to_owned()));
        assert_eq!(on.admits(&none).unwrap_err().0, StatusCode::UNAUTHORIZED);
        assert!(on.admits(&with("Bearer s3cret")).is_ok());
        assert!(on.admits(&with("Bearer s3cre")).is_err());
        let basic = base64::engine::general_purpose::STANDARD.encode("admin:s3cret");
        assert!(on.admits(&with(&format!("Basic {basic}"))).is_ok());
        let wrong = base64::engine::general_purpose::STANDARD.encode("admin:nope");
        assert!(on.admits(&with(&format!("Basic {wrong}"))).is_err());
        assert!(on.admits(&with("Basic !!!")).is_err());
    }
}
