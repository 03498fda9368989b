//! The service provider's answers mapped to hris-sync's error kinds, in one place.

use std::time::Duration;

use hris_sync_core::{Error, ErrorKind};
use serde_json::Value;

use crate::json;

/// The one status → error mapping of this connector. The message keeps the SCIM error's
/// `scimType` and `detail` (RFC 7644 §3.12; `status` is read from the status line, because
/// providers write it as a string or a number). `conflict` names the attribute a 409 clashes
/// on, when the request says which (a create's `userName`).
pub(crate) fn error_for_status(
    what: &str,
    status: u16,
    retry_after: Option<Duration>,
    body: Option<&Value>,
    conflict: Option<&str>,
) -> Error {
    let scim_type = body.and_then(|b| json::text(b, "scimType")).unwrap_or("");
    let detail = body
        .and_then(|b| json::text(b, "detail"))
        .map(shorten)
        .unwrap_or_default();
    let mut text = format!("{what}: HTTP {status}");
    if !scim_type.is_empty() {
        text.push_str(&format!(" {scim_type}"));
    }
    if !detail.is_empty() {
        text.push_str(&format!(": {detail}"));
    }
    let kind = match status {
        400 if scim_type.eq_ignore_ascii_case("invalidVers") => ErrorKind::Unsupported,
        400 | 405 | 413 | 415 | 422 => ErrorKind::InvalidInput,
        401 => ErrorKind::Unauthenticated,
        403 => ErrorKind::PermissionDenied,
        404 => ErrorKind::NotFound,
        409 => ErrorKind::AlreadyExists,
        // The resource changed since its ETag was read: read it again and write again.
        412 => ErrorKind::Transient,
        429 => ErrorKind::Throttled,
        501 => ErrorKind::Unsupported,
        408 | 500 | 502 | 503 | 504 => ErrorKind::Transient,
        _ => ErrorKind::Other,
    };
    let text = match kind {
        ErrorKind::Unauthenticated => format!(
            "{text} — the service provider refused the credentials: check SCIM_TOKEN (or \
             SCIM_CLIENT_SECRET with [scim] token_url and client_id)"
        ),
        ErrorKind::PermissionDenied => format!(
            "{text} — the token is valid but may not do this: give its app or user the \
             provisioning (SCIM) permission the README names for this provider"
        ),
        _ => text,
    };
    let error = match (status, conflict) {
        (409, Some(target)) => Error::conflict(target, text),
        _ => Error::new(kind, text),
    };
    match retry_after {
        Some(d) => error.with_retry_after(d),
        None => error,
    }
}

/// A transport failure (no answer): transient, named, without the URL (it may carry a
/// filter with personal data).
pub(crate) fn transport_error(what: &str, e: &reqwest::Error) -> Error {
    Error::new(
        ErrorKind::Transient,
        format!("{what}: {}", hris_sync_http::describe(e)),
    )
}

/// At most 300 characters of a provider's text, on one line.
fn shorten(s: &str) -> String {
    let one_line: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    match one_line.char_indices().nth(300) {
        Some((i, _)) => format!("{}…", &one_line[..i]),
        None => one_line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scim_errors_map_to_kinds_and_keep_scim_type_and_detail() {
        let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                          "status": "409", "scimType": "uniqueness", "detail": "taken"});
        let e = error_for_status(
            "POST /Users",
            409,
            None,
            Some(&body),
            Some("userPrincipalName"),
        );
        assert!(e.is_upn_conflict());
        assert_eq!(e.message(), "POST /Users: HTTP 409 uniqueness: taken");
        // Okta writes `status` as a number; the status line decides anyway.
        let body = json!({"status": 404, "detail": "User not found"});
        let e = error_for_status("GET /Users/x", 404, None, Some(&body), None);
        assert_eq!(e.kind(), ErrorKind::NotFound);
        let e = error_for_status("PATCH /Users/x", 409, None, None, None);
        assert_eq!(e.kind(), ErrorKind::AlreadyExists);
        assert!(!e.is_upn_conflict());
        let e = error_for_status("GET /Users", 429, Some(Duration::from_secs(3)), None, None);
        assert_eq!(e.kind(), ErrorKind::Throttled);
        assert_eq!(e.retry_after(), Some(Duration::from_secs(3)));
        let e = error_for_status("GET /Users", 401, None, None, None);
        assert!(e.message().contains("SCIM_TOKEN"), "{e}");
        let body = json!({"scimType": "invalidVers"});
        assert_eq!(
            error_for_status("GET /Users", 400, None, Some(&body), None).kind(),
            ErrorKind::Unsupported
        );
        let e = error_for_status("PATCH /Users/x", 412, None, None, None);
        assert!(e.is_retryable());
    }
}
