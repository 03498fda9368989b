//! The simulator delivers webhooks when its data changes, as Personio documents delivery:
//! a dataless notification `{company_id, event_name, occurred_at, payload: {person: {id}}}` POSTed to
//! each enabled subscription for that event, with its token verbatim in `Authorization`; an
//! answer is awaited for 3 s; a timeout or a 5xx (not 501) is retried, up to 6 attempts over
//! up to 3 days, each attempt with up to 2 fast tries. The schedule here is 0 s, 1 min,
//! 10 min, 1 h, 12 h, 3 days, divided by the time scale. Redirects are not followed.
//!
//! [`Chaos`] makes delivery as unreliable as "at least once, unordered" allows: drop a
//! notification entirely, send it twice, or hold it back so later ones overtake it.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use super::Shared;

/// The pause before each attempt (real time; divided by the simulator's time scale).
const SCHEDULE: [Duration; 6] = [
    Duration::ZERO,
    Duration::from_secs(60),
    Duration::from_secs(600),
    Duration::from_secs(3600),
    Duration::from_secs(12 * 3600),
    Duration::from_secs(3 * 86_400),
];

/// How unreliable deliveries are (each a probability per notification, seeded).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Chaos {
    /// Never deliver it.
    pub drop: f64,
    /// Deliver it twice.
    pub duplicate: f64,
    /// Hold it back up to `max_delay` (so later notifications overtake it).
    pub delay: f64,
    /// The longest hold-back (real time, not scaled).
    pub max_delay: Duration,
}

/// A person's employment id, a UUID as v2 writes them (derived from the person, stable).
fn employment_id(person: &str) -> String {
    let digits: String = person
        .bytes()
        .map(|b| format!("{:02x}", b))
        .collect::<String>()
        .chars()
        .chain(std::iter::repeat('0'))
        .take(12)
        .collect();
    format!("7f0c2d1e-5b8a-4c3e-9d21-{digits}")
}

/// Deliver `event` about `person` to every enabled subscription for it.
pub(crate) fn notify(shared: &Arc<Shared>, event: &str, person: &str) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    let (targets, fate) = {
        let mut s = shared.lock();
        let targets: Vec<_> = s
            .webhooks
            .iter()
            .filter(|w| w.status == "ENABLED" && w.events.iter().any(|e| e == event))
            .cloned()
            .collect();
        if targets.is_empty() {
            return;
        }
        s.counts.notifications += 1;
        let chaos = s.chaos;
        let mut roll = || s.roll();
        let fate = (
            roll() < chaos.drop,
            roll() < chaos.duplicate,
            (roll() < chaos.delay).then(|| chaos.max_delay.mul_f64(roll())),
        );
        (targets, fate)
    };
    let (dropped, twice, held) = fate;
    if dropped {
        shared.lock().counts.deliveries_dropped += 1;
        return;
    }
    #[allow(clippy::disallowed_methods)] // a simulated service stamps real time
    let occurred = hris_sync_core::chrono::Utc::now()
        .to_rfc3339_opts(hris_sync_core::chrono::SecondsFormat::AutoSi, true);
    // Dataless and entity-keyed: each entity as `{"<entity>": {"id": "…"}}` with a string id
    // (the webhooks catalogue and personio/api-docs#210); an employment's notification names
    // its person beside it, since v2 reads an employment only under its person
    // (`shared/reference/personio-api.md` §6.1, the inferred shape).
    let payload = if event.starts_with("employment.") {
        json!({"employment": {"id": employment_id(person)}, "person": {"id": person}})
    } else {
        json!({"person": {"id": person}})
    };
    let body = json!({
        "company_id": super::COMPANY_ID,
        "event_name": event,
        "occurred_at": occurred,
        "payload": payload,
    });
    for target in targets {
        for _ in 0..if twice { 2 } else { 1 } {
            let shared = Arc::clone(shared);
            let body = body.clone();
            let target = target.clone();
            runtime.spawn(async move {
                if let Some(d) = held {
                    tokio::time::sleep(d).await;
                }
                deliver(&shared, &target.url, target.token.as_deref(), &body).await;
            });
        }
    }
}

async fn deliver(shared: &Shared, url: &str, token: Option<&str>, body: &serde_json::Value) {
    let scale = shared.config.time_scale.max(1);
    let Ok(http) = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(3))
        .build()
    else {
        return;
    };
    for pause in SCHEDULE {
        tokio::time::sleep(pause / scale).await;
        for _fast_try in 0..2 {
            let mut request = http.post(url).json(body);
            if let Some(t) = token {
                request = request.header("authorization", t);
            }
            shared.lock().counts.deliveries += 1;
            match request.send().await {
                Ok(r) if r.status().is_success() => return,
                // 4xx (501 included) is final: Personio retries timeouts and 5xx only.
                Ok(r) if r.status().is_client_error() || r.status().as_u16() == 501 => return,
                _ => shared.lock().counts.delivery_failures += 1,
            }
        }
    }
}
