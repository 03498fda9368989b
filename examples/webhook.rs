//! Personio webhooks for `--watch --listen` (docs/rules.md §8): `POST /webhooks/personio`.
//!
//! Personio sends *dataless* notifications — `{company_id, event_name, occurred_at, payload,
//! meta?}`, the payload naming the person or employment, no personal data — with the token
//! configured on the subscription verbatim in `Authorization` (or a custom header), expects a
//! 2xx within 3 s, retries on timeouts and 5xx, delivers at least once and in no promised
//! order. So the receiver:
//!
//! - compares the token in constant time and answers 401 to anything else;
//! - caps the body (64 KiB; 413 beyond) and reads it only after the token matched;
//! - does no sync work: it records the person in the [`Inbox`] and answers 200 at once;
//! - acks what it cannot use (malformed JSON, unknown events, no person to be found), logging
//!   why, because a refusal would only make Personio retry the same notification for days;
//! - drops duplicates (the same event, person and time) it has seen lately.
//!
//! The watch loop waits for the inbox, lets a burst settle for the debounce window, and runs
//! one targeted cycle for every person named meanwhile; one cycle at a time, always.

use std::collections::{BTreeSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use hris_sync_core::EmployeeId;
use hris_sync_core::secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use tokio::sync::Notify;

/// The largest notification body accepted.
pub const MAX_BODY: usize = 64 * 1024;
/// How many recent notifications are remembered to drop their duplicates.
const REMEMBERED: usize = 8192;

/// How callers authenticate: the shared token and the header that carries it.
pub struct WebhookAuth {
    token: SecretString,
    header: String,
}

impl std::fmt::Debug for WebhookAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookAuth")
            .field("header", &self.header)
            .field("token", &"[redacted]")
            .finish()
    }
}

impl WebhookAuth {
    /// `token` in the header `header` (`authorization` for Personio's `TOKEN` auth type; a
    /// custom header for `CUSTOM`).
    #[must_use]
    pub fn new(token: SecretString, header: &str) -> Self {
        Self {
            token,
            header: header.trim().to_ascii_lowercase(),
        }
    }

    fn admits(&self, headers: &HeaderMap) -> bool {
        let given = headers
            .get(self.header.as_str())
            .map_or(&[][..], axum::http::HeaderValue::as_bytes);
        constant_time_eq(given, self.token.expose_secret().as_bytes())
    }
}

/// Equal bytes, compared in time that depends on the lengths only.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = u8::from(a.len() != b.len());
    for (i, x) in a.iter().enumerate() {
        diff |= x ^ b.get(i).copied().unwrap_or(!x);
    }
    diff == 0
}

/// What one notification asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Wanted {
    /// Refresh this person.
    Person(EmployeeId),
    /// A person or employment event whose person cannot be told: an incremental cycle.
    Anyone,
}

/// A notification as far as the sync reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    /// `event_name`.
    pub event: String,
    /// What to refresh.
    pub wanted: Wanted,
    /// The event, person and time: equal keys are duplicates.
    pub key: String,
}

/// Read a notification body. `Err` says why it is of no use (it is acked all the same).
///
/// # Errors
/// Not JSON, not the documented envelope, or an event the sync does not act on.
pub fn parse(body: &[u8]) -> Result<Notification, String> {
    let v: Value = serde_json::from_slice(body).map_err(|e| format!("not JSON: {e}"))?;
    let event = v["event_name"].as_str().ok_or("no event_name")?.to_owned();
    if !(event.starts_with("person.") || event.starts_with("employment.")) {
        return Err(format!("event {event:?} is not one the sync acts on"));
    }
    let payload = &v["payload"];
    let text = |x: &Value| match x {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    let person = if event.starts_with("person.") {
        text(&payload["id"])
            .or_else(|| text(&payload["person_id"]))
            .or_else(|| text(&payload["person"]["id"]))
    } else {
        text(&payload["person"]["id"]).or_else(|| text(&payload["person_id"]))
    };
    let occurred = v["occurred_at"].as_str().unwrap_or_default();
    let wanted = match person.map(EmployeeId::new) {
        Some(Ok(id)) => Wanted::Person(id),
        Some(Err(e)) => return Err(format!("the person id is unusable: {e}")),
        None => Wanted::Anyone,
    };
    let key = match &wanted {
        Wanted::Person(id) => format!("{event}|{id}|{occurred}"),
        Wanted::Anyone => format!("{event}|{payload}|{occurred}"),
    };
    Ok(Notification { event, wanted, key })
}

#[derive(Debug, Default)]
struct Pending {
    people: BTreeSet<EmployeeId>,
    anyone: bool,
    seen: VecDeque<String>,
    seen_set: BTreeSet<String>,
    accepted: u64,
    duplicates: u64,
    ignored: u64,
    refused: u64,
}

/// The persons notified and not yet synced, shared by the receiver and the watch loop.
#[derive(Debug, Default)]
pub struct Inbox {
    pending: Mutex<Pending>,
    arrived: Notify,
}

/// What the watch loop takes from the inbox for one cycle.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Batch {
    /// The persons to refresh.
    pub people: BTreeSet<EmployeeId>,
    /// Some event named no person: run an incremental cycle instead of a targeted one.
    pub anyone: bool,
}

/// Counts of notifications, for logs and tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InboxCounts {
    /// Accepted and queued.
    pub accepted: u64,
    /// Seen before, dropped.
    pub duplicates: u64,
    /// Acked but of no use (malformed, unknown event).
    pub ignored: u64,
    /// Refused: wrong or missing token.
    pub refused: u64,
}

impl Inbox {
    fn lock(&self) -> MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queue a notification; `false` if it was a duplicate.
    pub fn offer(&self, n: Notification) -> bool {
        let mut p = self.lock();
        if !p.seen_set.insert(n.key.clone()) {
            p.duplicates += 1;
            return false;
        }
        p.seen.push_back(n.key);
        while p.seen.len() > REMEMBERED {
            if let Some(old) = p.seen.pop_front() {
                p.seen_set.remove(&old);
            }
        }
        match n.wanted {
            Wanted::Person(id) => {
                p.people.insert(id);
            }
            Wanted::Anyone => p.anyone = true,
        }
        p.accepted += 1;
        drop(p);
        self.arrived.notify_one();
        true
    }

    /// Wait until something is queued.
    pub async fn wait(&self) {
        loop {
            let notified = self.arrived.notified();
            if self.has_work() {
                return;
            }
            notified.await;
        }
    }

    fn has_work(&self) -> bool {
        let p = self.lock();
        p.anyone || !p.people.is_empty()
    }

    /// Everything queued, leaving the inbox empty.
    pub fn take(&self) -> Batch {
        let mut p = self.lock();
        Batch {
            people: std::mem::take(&mut p.people),
            anyone: std::mem::take(&mut p.anyone),
        }
    }

    /// The counts so far.
    #[must_use]
    pub fn counts(&self) -> InboxCounts {
        let p = self.lock();
        InboxCounts {
            accepted: p.accepted,
            duplicates: p.duplicates,
            ignored: p.ignored,
            refused: p.refused,
        }
    }
}

/// The receiver's state.
#[derive(Debug)]
pub struct Webhooks {
    /// Who may call.
    pub auth: WebhookAuth,
    /// Where notifications go.
    pub inbox: Arc<Inbox>,
}

/// `POST /webhooks/personio`, with the body cap.
pub fn router(webhooks: Arc<Webhooks>) -> Router {
    Router::new()
        .route("/webhooks/personio", post(receive))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(webhooks)
}

async fn receive(
    State(hooks): State<Arc<Webhooks>>,
    headers: HeaderMap,
    body: Bytes,
) -> impl IntoResponse {
    if !hooks.auth.admits(&headers) {
        hooks.inbox.lock().refused += 1;
        tracing::warn!("webhook refused: wrong or missing token");
        return StatusCode::UNAUTHORIZED;
    }
    match parse(&body) {
        Ok(n) => {
            let event = n.event.clone();
            let fresh = hooks.inbox.offer(n);
            tracing::debug!(event = %event, duplicate = !fresh, "webhook received");
        }
        Err(why) => {
            hooks.inbox.lock().ignored += 1;
            tracing::warn!(reason = %why, "webhook acknowledged and ignored");
        }
    }
    StatusCode::OK
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(body: &str) -> Result<Notification, String> {
        parse(body.as_bytes())
    }

    #[test]
    fn reads_person_and_employment_events() {
        let n = note(r#"{"company_id":"1","event_name":"person.updated","occurred_at":"2026-01-01T00:00:00Z","payload":{"id":"48213"}}"#).unwrap();
        assert_eq!(n.wanted, Wanted::Person(EmployeeId::new("48213").unwrap()));
        let n = note(r#"{"event_name":"employment.terminated","payload":{"id":"9f1c","person":{"id":48213}}}"#).unwrap();
        assert_eq!(n.wanted, Wanted::Person(EmployeeId::new("48213").unwrap()));
        let n = note(r#"{"event_name":"employment.updated","payload":{"id":"9f1c"}}"#).unwrap();
        assert_eq!(n.wanted, Wanted::Anyone);
        assert!(note(r#"{"event_name":"absence.created","payload":{}}"#).is_err());
        assert!(note("not json").is_err());
        assert!(note(r#"{"payload":{}}"#).is_err());
    }

    #[test]
    fn duplicates_are_dropped_and_the_batch_merges() {
        let inbox = Inbox::default();
        let body = r#"{"event_name":"person.updated","occurred_at":"t1","payload":{"id":"1"}}"#;
        assert!(inbox.offer(note(body).unwrap()));
        assert!(!inbox.offer(note(body).unwrap()));
        let later = r#"{"event_name":"person.updated","occurred_at":"t2","payload":{"id":"1"}}"#;
        assert!(inbox.offer(note(later).unwrap()));
        let other = r#"{"event_name":"person.created","occurred_at":"t2","payload":{"id":"2"}}"#;
        assert!(inbox.offer(note(other).unwrap()));
        let batch = inbox.take();
        assert_eq!(batch.people.len(), 2);
        assert!(!batch.anyone);
        assert_eq!(inbox.take(), Batch::default());
        let c = inbox.counts();
        assert_eq!((c.accepted, c.duplicates), (3, 1));
    }

    #[test]
    fn tokens_compare_exactly() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(!constant_time_eq(b"", b"a"));
        assert!(!constant_time_eq(b"a\xff", b"a"));
    }
}
