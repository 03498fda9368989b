//! Graph's answers mapped to hris-sync's error kinds, in one place.

use std::time::Duration;

use hris_sync_core::{Error, ErrorKind};

use crate::model::{ErrorEnvelope, TokenError};

/// The one status → error mapping of this connector, for whole responses and `$batch`
/// sub-responses alike. The message keeps Graph's `code`, `message` and `request-id`; a
/// duplicate UPN (`Request_BadRequest` with a `details` entry targeting `userPrincipalName`,
/// code `ObjectConflict`) becomes a typed conflict the engine can act on.
pub(crate) fn error_for_status(
    what: &str,
    status: u16,
    retry_after: Option<Duration>,
    body: Option<&serde_json::Value>,
) -> Error {
    let envelope: Option<ErrorEnvelope> = body.and_then(|b| serde_json::from_value(b.clone()).ok());
    let (code, message, request_id) =
        envelope
            .as_ref()
            .map_or((String::new(), String::new(), None), |e| {
                (
                    e.error.code.clone(),
                    shorten(&e.error.message),
                    e.error
                        .inner_error
                        .as_ref()
                        .and_then(|i| i.request_id.clone()),
                )
            });
    let mut text = format!("{what}: HTTP {status}");
    if !code.is_empty() {
        text.push_str(&format!(" {code}"));
    }
    if !message.is_empty() {
        text.push_str(&format!(": {message}"));
    }
    if let Some(id) = request_id {
        text.push_str(&format!(" (request-id {id})"));
    }
    let conflict_target = envelope.as_ref().and_then(|e| {
        e.error
            .details
            .iter()
            .find(|d| d.code.as_deref() == Some("ObjectConflict"))
            .map(|d| d.target.clone().unwrap_or_default())
    });
    // An expired or unknown delta token: 410, or a 400 with one of these codes.
    let resync = ["syncStateNotFound", "syncStateInvalid", "resyncRequired"];
    let error = match (status, conflict_target) {
        (400 | 409, Some(target)) => Error::conflict(target, text),
        (400, None) if resync.iter().any(|c| code.eq_ignore_ascii_case(c)) => {
            Error::new(ErrorKind::CursorExpired, text)
        }
        _ => {
            let kind = match status {
                400 | 405 | 412 | 413 | 415 | 422 => ErrorKind::InvalidInput,
                401 => ErrorKind::Unauthenticated,
                403 => ErrorKind::PermissionDenied,
                404 => ErrorKind::NotFound,
                409 => ErrorKind::AlreadyExists,
                410 => ErrorKind::CursorExpired,
                429 => ErrorKind::Throttled,
                501 => ErrorKind::Unsupported,
                408 | 500 | 502 | 503 | 504 | 509 => ErrorKind::Transient,
                _ => ErrorKind::Other,
            };
            let text = match (status, needed_permission(what)) {
                (403, Some(permission)) => format!(
                    "{text} — the app registration needs the application permission \
                     {permission} with admin consent (see the README's permission table)"
                ),
                _ => text,
            };
            Error::new(kind, text)
        }
    };
    match retry_after {
        Some(d) => error.with_retry_after(d),
        None => error,
    }
}

/// T1: the least-privileged permission a request needs, named in its 403.
fn needed_permission(what: &str) -> Option<&'static str> {
    Some(if what.contains("/groups/") {
        "GroupMember.ReadWrite.All"
    } else if what.contains("temporaryAccessPassMethods") {
        "UserAuthenticationMethod.ReadWrite.All"
    } else if what.contains("revokeSignInSessions") {
        "User.RevokeSessions.All (or User.ReadWrite.All)"
    } else if what.contains("employeeLeaveDateTime") {
        "User-LifeCycleInfo.ReadWrite.All"
    } else if what.starts_with("GET /domains") {
        "Domain.Read.All"
    } else if what.starts_with("GET /users") {
        "User.Read.All (or User.ReadWrite.All)"
    } else if ["POST /users", "PATCH ", "PUT ", "DELETE "]
        .iter()
        .any(|p| what.starts_with(p))
    {
        "User.ReadWrite.All"
    } else {
        return None;
    })
}

/// A token-endpoint refusal: the `AADSTS` code and description, as a configuration error
/// (wrong tenant, client id or credential; missing consent) ending with `hint` (what to
/// check for this kind of credential), or transient for 404, 410, 5xx (the managed identity
/// endpoints answer those while they start) and throttled for 429.
pub(crate) fn token_error(status: u16, body: &str, hint: &str) -> Error {
    let parsed: Option<TokenError> = serde_json::from_str(body).ok();
    let detail = parsed.map_or_else(
        || shorten(body),
        |e| {
            let first_line = e
                .error_description
                .lines()
                .next()
                .unwrap_or_default()
                .to_owned();
            format!("{}: {}", e.error, shorten(&first_line))
        },
    );
    let text = format!("token endpoint: HTTP {status}: {detail}");
    match status {
        429 => Error::new(ErrorKind::Throttled, text),
        404 | 410 | 500..=599 => Error::new(ErrorKind::Transient, text),
        _ => Error::config(format!("{text} — {hint}")),
    }
}

/// `Retry-After` from a header value: seconds or an HTTP date (T10; capped by the retry
/// policy).
pub(crate) fn parse_retry_after(value: Option<&str>) -> Option<Duration> {
    hris_sync_core::retry::parse_retry_after(value?, std::time::SystemTime::now())
}

/// A transport failure (connect, timeout, broken body): transient.
pub(crate) fn transport_error(what: &str, err: &reqwest::Error) -> Error {
    Error::new(
        ErrorKind::Transient,
        format!("{what}: {}", hris_sync_http::describe(err)),
    )
}

fn shorten(s: &str) -> String {
    let s = s.trim();
    if s.chars().count() > 300 {
        format!("{}…", s.chars().take(300).collect::<String>())
    } else {
        s.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn duplicate_upn_is_a_typed_conflict() {
        let body = json!({"error": {
            "code": "Request_BadRequest",
            "message": "Another object with the same value for property userPrincipalName already exists.",
            "innerError": {"date": "2025-03-03T09:14:22", "request-id": "462649d3-a124-42bc-b046-815fb41aae76", "client-request-id": "462649d3-a124-42bc-b046-815fb41aae76"},
            "details": [{"target": "userPrincipalName", "code": "ObjectConflict"}]
        }});
        let e = error_for_status("POST /users", 400, None, Some(&body));
        assert!(e.is_upn_conflict(), "{e}");
        assert!(e.message().contains("request-id 462649d3"), "{e}");
        assert!(e.message().contains("Request_BadRequest"), "{e}");
    }

    #[test]
    fn status_table() {
        let table = [
            (400, ErrorKind::InvalidInput),
            (401, ErrorKind::Unauthenticated),
            (403, ErrorKind::PermissionDenied),
            (404, ErrorKind::NotFound),
            (409, ErrorKind::AlreadyExists),
            (410, ErrorKind::CursorExpired),
            (429, ErrorKind::Throttled),
            (501, ErrorKind::Unsupported),
            (500, ErrorKind::Transient),
            (503, ErrorKind::Transient),
            (504, ErrorKind::Transient),
            (418, ErrorKind::Other),
        ];
        for (status, kind) in table {
            assert_eq!(
                error_for_status("x", status, None, None).kind(),
                kind,
                "{status}"
            );
        }
        let expired =
            serde_json::json!({"error": {"code": "syncStateNotFound", "message": "expired"}});
        assert_eq!(
            error_for_status("x", 400, None, Some(&expired)).kind(),
            ErrorKind::CursorExpired
        );
        let throttled = error_for_status("x", 429, Some(Duration::from_secs(10)), None);
        assert_eq!(throttled.retry_after(), Some(Duration::from_secs(10)));
    }

    #[test]
    fn token_errors_name_the_aadsts_code() {
        let body = r#"{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value.\r\nTrace ID: x","error_codes":[7000215],"timestamp":"2025-01-01 00:00:00Z","trace_id":"t","correlation_id":"c"}"#;
        let e = token_error(401, body, "check the secret");
        assert_eq!(e.kind(), ErrorKind::InvalidConfig);
        assert!(e.message().contains("AADSTS7000215"), "{e}");
        assert!(e.message().ends_with("check the secret"), "{e}");
        assert_eq!(token_error(503, "", "").kind(), ErrorKind::Transient);
    }
}
