//! Personio's answers mapped to hris-sync's error kinds, in one place.

use std::time::Duration;

use hris_sync_core::{Error, ErrorKind};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};

use crate::model::ErrorEnvelope;

/// The one status → error mapping of this connector. `what` names the request
/// (`GET /v1/company/employees`); the message carries Personio's own error code and message
/// (never request headers, so never a token).
pub(crate) fn error_for_status(
    what: &str,
    status: StatusCode,
    headers: &HeaderMap,
    body: &str,
) -> Error {
    let kind = match status.as_u16() {
        401 => ErrorKind::Unauthenticated,
        403 => ErrorKind::PermissionDenied,
        404 => ErrorKind::NotFound,
        400 | 409 | 422 => ErrorKind::InvalidInput,
        429 => ErrorKind::Throttled,
        408 | 500..=599 => ErrorKind::Transient,
        _ => ErrorKind::Other,
    };
    let detail = serde_json::from_str::<ErrorEnvelope>(body)
        .ok()
        .and_then(|e| e.error)
        .map(|e| format!("{} (code {})", shorten(&e.message), e.code))
        .or_else(|| v2_detail(body))
        .unwrap_or_else(|| shorten(body));
    let mut error = Error::new(kind, format!("{what}: HTTP {}: {detail}", status.as_u16()));
    if let Some(delay) = retry_after(headers) {
        error = error.with_retry_after(delay);
    }
    error
}

/// A v2 error's titles and details, and its trace id for Personio's support.
fn v2_detail(body: &str) -> Option<String> {
    let e = serde_json::from_str::<crate::model::ErrorResponseV2>(body).ok()?;
    let items: Vec<String> = e
        .errors
        .iter()
        .map(|i| match (i.title.as_deref(), i.detail.as_deref()) {
            (Some(t), Some(d)) => format!("{t}: {d}"),
            (Some(x), None) | (None, Some(x)) => x.to_owned(),
            (None, None) => String::new(),
        })
        .filter(|t| !t.is_empty())
        .collect();
    if items.is_empty() {
        return None;
    }
    let trace = e
        .personio_trace_id
        .map(|t| format!(" (trace {})", shorten(&t)))
        .unwrap_or_default();
    Some(format!("{}{trace}", shorten(&items.join("; "))))
}

/// A transport failure (connect, timeout, broken body): transient.
pub(crate) fn transport_error(what: &str, err: &reqwest::Error) -> Error {
    // reqwest's Display names the URL, which holds no secret (credentials go in the body).
    Error::new(ErrorKind::Transient, format!("{what}: {err}"))
}

/// `Retry-After` as delay-seconds or as an HTTP date (T10). Personio documents none, but a
/// proxy or gateway in front of it may send either form; core's retry policy caps the wait.
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?;
    hris_sync_core::retry::parse_retry_after(value, std::time::SystemTime::now())
}

fn shorten(s: &str) -> String {
    let s = s.trim();
    if s.chars().count() > 200 {
        format!("{}…", s.chars().take(200).collect::<String>())
    } else {
        s.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(status: u16, body: &str) -> Error {
        error_for_status(
            "GET /x",
            StatusCode::from_u16(status).unwrap(),
            &HeaderMap::new(),
            body,
        )
    }

    #[test]
    fn status_table() {
        let table = [
            (401, ErrorKind::Unauthenticated),
            (403, ErrorKind::PermissionDenied),
            (404, ErrorKind::NotFound),
            (400, ErrorKind::InvalidInput),
            (422, ErrorKind::InvalidInput),
            (429, ErrorKind::Throttled),
            (500, ErrorKind::Transient),
            (502, ErrorKind::Transient),
            (503, ErrorKind::Transient),
            (504, ErrorKind::Transient),
            (418, ErrorKind::Other),
        ];
        for (status, kind) in table {
            assert_eq!(err(status, "").kind(), kind, "{status}");
        }
    }

    #[test]
    fn v1_error_envelope_is_read() {
        let e = err(
            403,
            r#"{"success":false,"error":{"code":0,"message":"Provided authorization is not valid"}}"#,
        );
        assert_eq!(
            e.message(),
            "GET /x: HTTP 403: Provided authorization is not valid (code 0)"
        );
    }

    #[test]
    fn retry_after_is_kept() {
        let mut h = HeaderMap::new();
        h.insert(RETRY_AFTER, "3".parse().unwrap());
        let e = error_for_status("GET /x", StatusCode::TOO_MANY_REQUESTS, &h, "");
        assert_eq!(e.retry_after(), Some(Duration::from_secs(3)));
    }

    #[test]
    fn retry_after_as_an_http_date_is_kept() {
        // T10: a date already past means "retry now", not "no advice".
        let mut h = HeaderMap::new();
        h.insert(
            RETRY_AFTER,
            "Wed, 21 Oct 2015 07:28:00 GMT".parse().unwrap(),
        );
        let e = error_for_status("GET /x", StatusCode::SERVICE_UNAVAILABLE, &h, "");
        assert_eq!(e.retry_after(), Some(Duration::ZERO));
    }
}
