//! Response bodies read with a cap: a service (or whatever answers in its place) cannot make
//! the process hold more than the cap in memory.

use hris_sync_core::{Error, ErrorKind, Result};

/// The most a page of a listing may hold (Graph's 999 users with every property selected are
/// a few MiB; Personio's 200 employees less).
pub const PAGE_CAP: usize = 32 * 1024 * 1024;

/// The most a token answer or an error body may hold.
pub const SMALL_CAP: usize = 1024 * 1024;

/// The whole body of `answer`, or an error once it passes `cap` bytes (the rest is not read).
///
/// # Errors
/// [`ErrorKind::InvalidData`] past the cap; the transport's error (through `transport`) when
/// the body breaks off.
pub async fn read_capped(
    what: &str,
    mut answer: reqwest::Response,
    cap: usize,
    transport: fn(&str, &reqwest::Error) -> Error,
) -> Result<Vec<u8>> {
    if answer.content_length().is_some_and(|n| n > cap as u64) {
        return Err(too_large(what, cap));
    }
    let mut body = Vec::new();
    loop {
        match answer.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > cap {
                    return Err(too_large(what, cap));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(e) => return Err(transport(what, &e)),
        }
    }
}

/// An error body as text, at most [`SMALL_CAP`] bytes of it (the rest is dropped, and a body
/// that breaks off is what arrived): error bodies only go into messages.
pub async fn error_text(mut answer: reqwest::Response) -> String {
    let mut body = Vec::new();
    while let Ok(Some(chunk)) = answer.chunk().await {
        let room = SMALL_CAP.saturating_sub(body.len());
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() >= SMALL_CAP {
            break;
        }
    }
    String::from_utf8_lossy(&body).into_owned()
}

fn too_large(what: &str, cap: usize) -> Error {
    Error::new(
        ErrorKind::InvalidData,
        format!(
            "{what}: the answer is larger than {} MiB; refusing to read it",
            cap / (1024 * 1024)
        ),
    )
}

/// What went wrong with a request, in words, without its URL (a link may carry a
/// continuation token, a filter personal data): the kind of failure, then each cause.
#[must_use]
pub fn describe(err: &reqwest::Error) -> String {
    let mut text = if err.is_timeout() {
        "timed out"
    } else if err.is_connect() {
        "could not connect"
    } else if err.is_body() || err.is_decode() {
        "the answer broke off"
    } else {
        "request failed"
    }
    .to_owned();
    let mut source = std::error::Error::source(err);
    while let Some(s) = source {
        text.push_str(&format!(": {s}"));
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};

    use super::*;
    use crate::HttpClient;

    fn transport(what: &str, e: &reqwest::Error) -> Error {
        Error::new(ErrorKind::Transient, format!("{what}: {e}"))
    }

    // A body past the cap is refused, not read into memory; one within it is read whole;
    // an error body is cut at the small cap.
    #[tokio::test]
    async fn bodies_are_read_with_a_cap() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_body_bytes(vec![b'x'; SMALL_CAP + 1]))
            .mount(&server)
            .await;
        let client = HttpClient::Default
            .build(std::time::Duration::from_secs(10))
            .unwrap();
        let answer = client.get(server.uri()).send().await.unwrap();
        let err = read_capped("GET /", answer, SMALL_CAP, transport)
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidData, "{err}");
        let answer = client.get(server.uri()).send().await.unwrap();
        let whole = read_capped("GET /", answer, PAGE_CAP, transport)
            .await
            .unwrap();
        assert_eq!(whole.len(), SMALL_CAP + 1);
        let answer = client.get(server.uri()).send().await.unwrap();
        assert_eq!(error_text(answer).await.len(), SMALL_CAP);
    }

    // A 307 is an answer, not an instruction: the request (a token form with its secret) is
    // never sent to the place it points at.
    #[tokio::test]
    async fn redirects_are_not_followed() {
        let elsewhere = MockServer::start().await;
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .respond_with(
                ResponseTemplate::new(307).insert_header("location", elsewhere.uri().as_str()),
            )
            .mount(&server)
            .await;
        let client = HttpClient::Default
            .build(std::time::Duration::from_secs(10))
            .unwrap();
        let answer = client
            .post(server.uri())
            .body("client_secret=s3cret")
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status().as_u16(), 307);
        assert!(elsewhere.received_requests().await.unwrap().is_empty());
    }
}
