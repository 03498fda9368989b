//! Personio webhooks for `--watch --listen` (docs/rules.md §8): `POST /webhooks/personio`.
//!
//! Personio sends *dataless* notifications — `{company_id, event_name, occurred_at, payload,
//! meta?}`, the payload naming the entities by id (`{"person": {"id": "…"}}`; an employment's
//! notification names the employment and, nested or beside it, its person), no personal data
//! — with the token configured on the subscription verbatim in `Authorization` (or a custom
//! header), expects a 2xx within 3 s, retries on timeouts and 5xx, delivers at least once and
//! in no promised order (`shared/reference/personio-api.md` §6b). The endpoint faces the
//! internet, so the receiver:
//!
//! - compares the token in constant time (`subtle`) **before** it reads the body, and answers
//!   401 to anything else;
//! - reads the body within [`BODY_TIMEOUT`] and [`MAX_BODY`] bytes (413 for a larger length
//!   announced; 503 for a body that breaks off or is late, so Personio tries again); header read
//!   timeouts and a cap on connections are the server's ([`crate::serve`]);
//! - acts only on its own company's notifications (`[personio] company_id`): another
//!   company's are acked and counted, never acted on;
//! - checks each person id as S1 checks employee ids (at most 16 characters) and more
//!   narrowly, since it goes into a URL: letters, digits, `-` and `_` only;
//! - does no sync work: it records the person in the [`Inbox`] and answers 200 at once;
//! - acks what it cannot use (malformed JSON, unknown events, no usable person), logging why,
//!   because a refusal would only make Personio retry the same notification for days;
//! - drops duplicates (the same event, person and time) it has seen lately, remembered as
//!   hashes, not as the sender's text;
//! - holds at most [`MAX_QUEUED`] people between cycles; past that, the next cycle is an
//!   incremental one for everybody instead of a targeted one.
//!
//! The watch loop waits for the inbox, lets a burst settle for the debounce window, and runs
//! one targeted cycle for every person named meanwhile; one cycle at a time, always.

use std::collections::{BTreeSet, VecDeque};
use std::hash::{BuildHasher as _, RandomState};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::post;
use hris_sync_core::EmployeeId;
use hris_sync_core::secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use subtle::ConstantTimeEq as _;
use tokio::sync::Notify;

/// The largest notification body accepted.
pub const MAX_BODY: usize = 64 * 1024;
/// How long the body of an admitted notification may take to arrive.
pub const BODY_TIMEOUT: Duration = Duration::from_secs(10);
/// How many people may wait for a targeted cycle; past this, an incremental cycle.
pub const MAX_QUEUED: usize = 1000;
/// How many recent notifications are remembered to drop their duplicates.
const REMEMBERED: usize = 8192;
/// The longest person id acted on (S1: the directory's `employeeId` holds 16 characters).
const MAX_ID: usize = hris_sync_core::MAX_EMPLOYEE_ID_LEN;

/// The events the sync acts on (the ones it subscribes to), each naming a person whose
/// record may have changed: the six of Personio's webhooks documentation, and the
/// effective-date and cost-centre events of its changelogs
/// (`shared/reference/personio-api.md` §6.4). The targeted cycle reads the person again and
/// plans whatever changed.
pub use connector_personio::webhooks::EVENTS;

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
        // `subtle` compares in time that depends on the lengths only.
        bool::from(given.ct_eq(self.token.expose_secret().as_bytes()))
    }
}

/// What one notification asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Wanted {
    /// Refresh this person.
    Person(EmployeeId),
    /// An employment event whose person cannot be told: an incremental cycle.
    Anyone,
}

/// A notification as far as the sync reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notification {
    /// `event_name`.
    pub event: String,
    /// What to refresh.
    pub wanted: Wanted,
    /// A hash of the event, person and time: equal keys are duplicates.
    pub key: u64,
}

/// Why a notification is acked and not acted on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Ignored {
    /// Another company's notification (`company_id` is not ours).
    OtherCompany,
    /// Malformed, an event the sync does not act on, or no usable person.
    Unusable(String),
}

/// A person id the receiver acts on: 1–16 characters, letters, digits, `-` and `_` only.
/// Such an id is the same text percent-encoded or not, and never a path segment such as `.`
/// or `..` (which URLs resolve even percent-encoded).
///
/// # Errors
/// Why the id is refused.
pub fn person_id(raw: &str) -> Result<EmployeeId, String> {
    let shown: String = raw.chars().take(24).collect();
    if raw.is_empty() || raw.chars().count() > MAX_ID {
        return Err(format!(
            "person id {shown:?} is not 1 to {MAX_ID} characters"
        ));
    }
    if !raw
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(format!(
            "person id {shown:?} holds characters other than letters, digits, - and _"
        ));
    }
    EmployeeId::new(raw).map_err(|e| e.to_string())
}

fn text(x: &Value) -> Option<String> {
    match x {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Read a notification body for company `company`. `Err` says why it is not acted on (it is
/// acked all the same).
///
/// # Errors
/// Another company's, not JSON, not the documented envelope, an event the sync does not act
/// on, or an unusable person id.
pub fn parse(body: &[u8], company: &str, hasher: &RandomState) -> Result<Notification, Ignored> {
    let unusable = |why: String| Ignored::Unusable(why);
    let v: Value = serde_json::from_slice(body).map_err(|e| unusable(format!("not JSON: {e}")))?;
    match text(&v["company_id"]) {
        Some(c) if c == company => {}
        Some(_) => return Err(Ignored::OtherCompany),
        None => return Err(unusable("no company_id".to_owned())),
    }
    let event = v["event_name"]
        .as_str()
        .ok_or_else(|| unusable("no event_name".to_owned()))?;
    if !EVENTS.contains(&event) {
        let shown: String = event.chars().take(60).collect();
        return Err(unusable(format!(
            "event {shown:?} is not one the sync acts on"
        )));
    }
    let payload = &v["payload"];
    // Entity-keyed: the person beside the employment, or nested in it.
    let person = text(&payload["person"]["id"])
        .or_else(|| text(&payload["employment"]["person"]["id"]))
        .or_else(|| {
            // An older shape some receivers saw: the person's own id at the top.
            event
                .starts_with("person.")
                .then(|| text(&payload["id"]))
                .flatten()
        });
    let occurred = v["occurred_at"].as_str().unwrap_or_default();
    let wanted = match person {
        Some(raw) => Wanted::Person(person_id(&raw).map_err(unusable)?),
        None if event.starts_with("employment.") => Wanted::Anyone,
        None => return Err(unusable("no person id in the payload".to_owned())),
    };
    let key = match &wanted {
        Wanted::Person(id) => hasher.hash_one((event, id.as_str(), occurred)),
        Wanted::Anyone => hasher.hash_one((event, payload.to_string(), occurred)),
    };
    Ok(Notification {
        event: event.to_owned(),
        wanted,
        key,
    })
}

#[derive(Debug, Default)]
struct Pending {
    people: BTreeSet<EmployeeId>,
    anyone: bool,
    seen: VecDeque<u64>,
    seen_set: BTreeSet<u64>,
    accepted: u64,
    duplicates: u64,
    ignored: u64,
    other_company: u64,
    refused: u64,
    overflowed: u64,
    last_delivery: Option<std::time::SystemTime>,
}

/// The persons notified and not yet synced, shared by the receiver and the watch loop.
#[derive(Debug, Default)]
pub struct Inbox {
    pending: Mutex<Pending>,
    arrived: Notify,
    hasher: RandomState,
}

/// What the watch loop takes from the inbox for one cycle.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Batch {
    /// The persons to refresh.
    pub people: BTreeSet<EmployeeId>,
    /// Some event named no person, or more than [`MAX_QUEUED`] people wait: run an
    /// incremental cycle instead of a targeted one.
    pub anyone: bool,
}

/// Counts of notifications, for logs and tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InboxCounts {
    /// Accepted and queued.
    pub accepted: u64,
    /// Seen before, dropped.
    pub duplicates: u64,
    /// Acked but of no use (malformed, unknown event, unusable id).
    pub ignored: u64,
    /// Acked and ignored: another company's.
    pub other_company: u64,
    /// Refused: wrong or missing token.
    pub refused: u64,
    /// Times the queue was full and the next cycle became an incremental one.
    pub overflowed: u64,
    /// When the last notification with the right token arrived.
    pub last_delivery: Option<std::time::SystemTime>,
}

impl Inbox {
    fn lock(&self) -> MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queue a notification; `false` if it was a duplicate.
    pub fn offer(&self, n: Notification) -> bool {
        let mut p = self.lock();
        if !p.seen_set.insert(n.key) {
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
            Wanted::Person(id) if !p.anyone => {
                p.people.insert(id);
                if p.people.len() > MAX_QUEUED {
                    // Too many to read one by one: everybody, by an incremental cycle.
                    p.people.clear();
                    p.anyone = true;
                    p.overflowed += 1;
                }
            }
            // An incremental cycle is queued already: it covers this person too.
            Wanted::Person(_) => {}
            Wanted::Anyone => {
                p.people.clear();
                p.anyone = true;
            }
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
            other_company: p.other_company,
            refused: p.refused,
            overflowed: p.overflowed,
            last_delivery: p.last_delivery,
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
    /// The company whose notifications are acted on (`[personio] company_id`).
    pub company_id: String,
}

/// `POST /webhooks/personio`.
pub fn router(webhooks: Arc<Webhooks>) -> Router {
    Router::new()
        .route("/webhooks/personio", post(receive))
        .with_state(webhooks)
}

async fn receive(
    State(hooks): State<Arc<Webhooks>>,
    headers: HeaderMap,
    body: Body,
) -> impl IntoResponse {
    // The token first: an unauthenticated caller never gets the body read.
    if !hooks.auth.admits(&headers) {
        hooks.inbox.lock().refused += 1;
        tracing::warn!("webhook refused: wrong or missing token");
        return StatusCode::UNAUTHORIZED;
    }
    #[allow(clippy::disallowed_methods)] // when a delivery arrived is wall-clock time
    let now = std::time::SystemTime::now();
    hooks.inbox.lock().last_delivery = Some(now);
    let announced = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if announced.is_some_and(|n| n > MAX_BODY as u64) {
        tracing::warn!(limit = MAX_BODY, "webhook body too large");
        return StatusCode::PAYLOAD_TOO_LARGE;
    }
    let read = tokio::time::timeout(BODY_TIMEOUT, axum::body::to_bytes(body, MAX_BODY)).await;
    let body = match read {
        Ok(Ok(body)) => body,
        // Too large without a length announced, or broken off: a 5xx, so Personio tries
        // again (a 4xx would lose the notification).
        Ok(Err(_)) => {
            tracing::warn!(limit = MAX_BODY, "webhook body too large or broken off");
            return StatusCode::SERVICE_UNAVAILABLE;
        }
        Err(_) => {
            tracing::warn!("webhook body not received in time");
            return StatusCode::SERVICE_UNAVAILABLE;
        }
    };
    match parse(&body, &hooks.company_id, &hooks.inbox.hasher) {
        Ok(n) => {
            let event = n.event.clone();
            let fresh = hooks.inbox.offer(n);
            tracing::debug!(event = %event, duplicate = !fresh, "webhook received");
        }
        Err(Ignored::OtherCompany) => {
            hooks.inbox.lock().other_company += 1;
            tracing::warn!("webhook acknowledged and ignored: another company's notification");
        }
        Err(Ignored::Unusable(why)) => {
            hooks.inbox.lock().ignored += 1;
            tracing::warn!(reason = %why, "webhook acknowledged and ignored");
        }
    }
    StatusCode::OK
}

#[cfg(test)]
mod tests;
