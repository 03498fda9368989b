//! A stateful Personio simulator on a loopback port.
//!
//! It enforces what Personio enforces, per the project's Personio reference: `POST /v1/auth`
//! with credentials in the body (query-string credentials are refused), bearer tokens that
//! expire, `limit` ≤ 100 (default 50), 300 requests a minute and 15 a second on the employee
//! list and 60 a minute on auth (429 beyond), the attribute whitelist (attributes not allowed
//! are left out, not nulled), and `updated_since`. It serves Personio's value quirks (see
//! `render`), can inject latency, 5xx, dropped connections and 429s, and counts requests by
//! endpoint.
//!
//! Time can be scaled: with `time_scale = 100` a "minute" of rate limiting lasts 0.6 s, so tests
//! and demos exercise the limits without waiting for them.
//!
//! ```no_run
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! use hris_sync_sims::personio::{PersonioSim, SimConfig};
//!
//! let sim = PersonioSim::start(SimConfig::default()).await?;
//! // Point a client at it: `POST {base}/v1/auth` with these credentials, then
//! // `GET {base}/v1/company/employees`.
//! let (base, id, secret) = (sim.base_url(), &sim.config().client_id, &sim.config().client_secret);
//! # let _ = (base, id, secret);
//! # Ok(()) }
//! ```

mod deliver;

/// The simulated company's id: the `company_id` of every notification it delivers.
pub const COMPANY_ID: &str = "4711";
mod render;
mod server;
mod v2;

pub use deliver::Chaos;
pub use v2::Subscription;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crate::quota::Quota;
use hris_sync_core::{Employee, EmployeeId};
use serde_json::Value;

/// Simulator settings.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// The client id the simulator accepts.
    pub client_id: String,
    /// The client secret the simulator accepts.
    pub client_secret: String,
    /// Token lifetime reported as `expires_in` (and enforced, scaled).
    pub token_ttl: Duration,
    /// Divide every window and lifetime by this (1 = real time).
    pub time_scale: u32,
    /// Employee-list requests per second (15).
    pub per_second: u32,
    /// Employee-list requests per minute (300).
    pub per_minute: u32,
    /// Auth requests per minute (60).
    pub auth_per_minute: u32,
    /// Largest `limit` accepted (100).
    pub max_limit: u32,
    /// `limit` when none is given (50).
    pub default_limit: u32,
    /// Readable attribute keys; `None` = every key. The id is always returned.
    pub whitelist: Option<BTreeSet<String>>,
    /// Echo the token in each response's `Authorization` header.
    pub echo_token: bool,
    /// Personio's older behaviour: every token is single-use, and each answer carries the next
    /// one in its `Authorization` header. A client that does not adopt it must authenticate
    /// for every request.
    pub rotate_tokens: bool,
    /// Answer at most this many records a page whatever the `limit`, with metadata that still
    /// counts every employee (T9: a real answer may be shorter than the limit mid-listing).
    pub short_pages: Option<u32>,
    /// v2: give `next` links relative (`/v2/persons?cursor=…`) instead of absolute.
    pub relative_links: bool,
    /// Accept webhook URLs `http://127.0.0.1…` (tests whose receiver has no TLS); Personio
    /// itself accepts HTTPS only, which stays the rule for every other host.
    pub loopback_webhooks: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            client_id: "papi-sim-client".to_owned(),
            client_secret: "papi-sim-secret-5f2b9c".to_owned(),
            token_ttl: Duration::from_secs(86_400),
            time_scale: 1,
            per_second: 15,
            per_minute: 300,
            auth_per_minute: 60,
            max_limit: 100,
            default_limit: 50,
            whitelist: None,
            echo_token: true,
            rotate_tokens: false,
            short_pages: None,
            relative_links: false,
            loopback_webhooks: false,
        }
    }
}

/// A failure to inject into the next employee-list request(s).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this status and a v1 error body.
    Status(u16),
    /// Answer 429, with `Retry-After` when given (Personio documents none).
    Throttle(Option<u64>),
    /// Start the answer, then break the connection mid-body.
    Drop,
    /// Wait this long, then answer normally.
    Latency(Duration),
}

/// Requests seen, by endpoint.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// `POST /v1/auth`.
    pub auth: u64,
    /// `GET /v1/company/employees`.
    pub employees: u64,
    /// `GET /v1/company/employees/{id}`.
    pub by_id: u64,
    /// `GET /v2/persons` pages and `GET /v2/persons/{id}`.
    pub persons: u64,
    /// `GET /v2/persons/{id}/employments`.
    pub employments: u64,
    /// `GET /v2/org-units/{id}`.
    pub org_units: u64,
    /// Changes announced to at least one subscription.
    pub notifications: u64,
    /// Webhook POSTs sent (tries, duplicates included).
    pub deliveries: u64,
    /// Webhook POSTs that timed out or got a 5xx.
    pub delivery_failures: u64,
    /// Notifications dropped by [`Chaos`].
    pub deliveries_dropped: u64,
    /// `GET /v1/company/employees/attributes`.
    pub attributes: u64,
    /// Answers with status 429 (any endpoint).
    pub throttled: u64,
    /// Answers with status 5xx or broken connections (injected).
    pub faults: u64,
    /// Requests refused for a missing or invalid token.
    pub unauthorized: u64,
}

/// One request as the simulator saw it (for assertions).
#[derive(Clone, Debug)]
pub struct Seen {
    /// Method and path.
    pub path: String,
    /// The raw query string.
    pub query: String,
    /// The `X-Personio-App-ID` header.
    pub app_id: Option<String>,
    /// The `X-Personio-Partner-ID` header.
    pub partner_id: Option<String>,
}

#[derive(Debug)]
pub(crate) struct State {
    pub(crate) employees: BTreeMap<EmployeeId, Employee>,
    pub(crate) raw: Vec<Value>,
    /// Raw v2 persons (malformed-record tests), listed after the employees.
    pub(crate) raw_v2: Vec<Value>,
    pub(crate) webhooks: Vec<Subscription>,
    pub(crate) chaos: Chaos,
    pub(crate) next_webhook: u64,
    pub(crate) tokens: BTreeMap<String, tokio::time::Instant>,
    pub(crate) next_token: u64,
    pub(crate) faults: VecDeque<Fault>,
    pub(crate) page_faults: BTreeMap<u64, (Fault, u32)>,
    pub(crate) list_budget: Quota,
    pub(crate) auth_budget: Quota,
    pub(crate) counts: Counts,
    pub(crate) seen: Vec<Seen>,
    pub(crate) duplicate_at_page_edges: bool,
    /// Random faults: probability per request, and the generator's state.
    pub(crate) fault_rate: f64,
    pub(crate) rng: u64,
}

impl State {
    /// A random fault at the configured rate (seeded xorshift, so runs repeat).
    /// A number in `[0, 1)` from the seeded generator.
    pub(crate) fn roll(&mut self) -> f64 {
        let mut x = self.rng | 1;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng = x;
        #[allow(clippy::cast_precision_loss)]
        let r = (x >> 11) as f64 / (1u64 << 53) as f64;
        r
    }

    pub(crate) fn random_fault(&mut self) -> Option<Fault> {
        let rate = self.fault_rate;
        if rate <= 0.0 || self.roll() >= rate {
            return None;
        }
        let pick = self.roll();
        Some(if pick < 0.3 {
            Fault::Status(503)
        } else if pick < 0.55 {
            Fault::Throttle(None)
        } else if pick < 0.8 {
            Fault::Drop
        } else {
            Fault::Latency(Duration::from_millis(5))
        })
    }
}

pub(crate) struct Shared {
    pub(crate) config: SimConfig,
    pub(crate) state: Mutex<State>,
    pub(crate) base: Mutex<String>,
}

impl Shared {
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// `http://127.0.0.1:PORT`, for absolute links.
    pub(crate) fn base(&self) -> String {
        self.base
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    pub(crate) fn scaled(&self, d: Duration) -> Duration {
        d / self.config.time_scale.max(1)
    }

    pub(crate) fn visible(&self, key: &str) -> bool {
        self.config
            .whitelist
            .as_ref()
            .is_none_or(|w| w.contains(key))
    }
}

/// Personio's standard employee attributes (the v1 API's keys, `shared/reference/personio-api.md`
/// §2): what the attributes endpoint lists, with the custom ones in use, when no whitelist
/// limits the credential.
const STANDARD: &[&str] = &[
    "id",
    "first_name",
    "last_name",
    "preferred_name",
    "email",
    "gender",
    "status",
    "position",
    "supervisor",
    "employment_type",
    "weekly_working_hours",
    "hire_date",
    "contract_end_date",
    "termination_date",
    "probation_period_end",
    "last_working_day",
    "termination_type",
    "termination_reason",
    "created_at",
    "last_modified_at",
    "subcompany",
    "office",
    "department",
    "team",
    "cost_centers",
];

/// A running simulator. Dropping it stops the server.
#[derive(Debug)]
pub struct PersonioSim {
    listening: crate::Listening,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Shared")
    }
}

impl PersonioSim {
    /// Start a simulator on `127.0.0.1` and a free port.
    ///
    /// # Errors
    /// When no port can be bound.
    pub async fn start(config: SimConfig) -> std::io::Result<Self> {
        let scale = config.time_scale.max(1);
        let n = |v: u32| usize::try_from(v).unwrap_or(usize::MAX);
        let state = State {
            employees: BTreeMap::new(),
            raw: Vec::new(),
            raw_v2: Vec::new(),
            webhooks: Vec::new(),
            chaos: Chaos::default(),
            next_webhook: 0,
            tokens: BTreeMap::new(),
            next_token: 0,
            faults: VecDeque::new(),
            page_faults: BTreeMap::new(),
            list_budget: Quota::new(&[
                (Duration::from_secs(1) / scale, n(config.per_second)),
                (Duration::from_secs(60) / scale, n(config.per_minute)),
            ]),
            auth_budget: Quota::new(&[(
                Duration::from_secs(60) / scale,
                n(config.auth_per_minute),
            )]),
            counts: Counts::default(),
            seen: Vec::new(),
            duplicate_at_page_edges: false,
            fault_rate: 0.0,
            rng: 0x2545_f491_4f6c_dd1d,
        };
        let shared = Arc::new(Shared {
            config,
            state: Mutex::new(state),
            base: Mutex::new(String::new()),
        });
        let listening = crate::serve(
            server::router(Arc::clone(&shared)),
            &shared.base,
            "Personio simulator",
        )
        .await?;
        Ok(Self { listening, shared })
    }

    /// `http://127.0.0.1:PORT`.
    #[must_use]
    pub fn base_url(&self) -> String {
        self.listening.base_url()
    }

    /// Its settings: the credentials it accepts, its limits and its clock's scale (a client's
    /// waits should be scaled alike).
    #[must_use]
    pub fn config(&self) -> &SimConfig {
        &self.shared.config
    }

    /// Add or replace employees. With webhook subscriptions, each change is announced as
    /// Personio announces it: `person.created` for a new person; for a known one
    /// `employment.updated` when an employment field changed (status, dates, supervisor,
    /// department, position), `person.updated` when another field did, nothing when nothing
    /// did.
    pub fn seed(&self, employees: impl IntoIterator<Item = Employee>) {
        let mut events = Vec::new();
        {
            let mut s = self.shared.lock();
            for e in employees {
                let event = match s.employees.get(&e.id) {
                    None => Some("person.created"),
                    Some(old) if old == &e => None,
                    Some(old) => {
                        let job = |x: &Employee| {
                            (
                                x.status,
                                x.hire_date,
                                x.termination_date,
                                x.last_working_day,
                                x.supervisor_id.clone(),
                                x.attributes.get("department").cloned(),
                            )
                        };
                        // Users report that a job (position) change fires no webhook
                        // (`shared/reference/personio-api.md` §6.4): only the periodic
                        // cycle sees one.
                        let without_position = |x: &Employee| {
                            let mut x = x.clone();
                            x.attributes.remove("position");
                            x
                        };
                        if job(old) != job(&e) {
                            Some("employment.updated")
                        } else if without_position(old) != without_position(&e) {
                            Some("person.updated")
                        } else {
                            None
                        }
                    }
                };
                if let Some(event) = event {
                    events.push((event, e.id.to_string()));
                }
                s.employees.insert(e.id.clone(), e);
            }
        }
        for (event, id) in events {
            deliver::notify(&self.shared, event, &id);
        }
    }

    /// Remove an employee (announced as `person.deleted`).
    pub fn remove(&self, id: &EmployeeId) {
        let removed = self.shared.lock().employees.remove(id).is_some();
        if removed {
            deliver::notify(&self.shared, "person.deleted", id.as_str());
        }
    }

    /// Announce `event` about `person` to the subscriptions, as a change would.
    pub fn notify(&self, event: &str, person: &EmployeeId) {
        deliver::notify(&self.shared, event, person.as_str());
    }

    /// How unreliable webhook deliveries are from now on (seeded like the faults).
    pub fn webhook_chaos(&self, chaos: Chaos, seed: u64) {
        let mut s = self.shared.lock();
        s.chaos = chaos;
        s.rng = seed | 1;
    }

    /// Every employee held, in id order.
    #[must_use]
    pub fn employees(&self) -> Vec<Employee> {
        self.shared.lock().employees.values().cloned().collect()
    }

    /// The webhook subscriptions held.
    #[must_use]
    pub fn webhooks(&self) -> Vec<Subscription> {
        self.shared.lock().webhooks.clone()
    }

    /// Append a raw v2 person (for malformed-record tests), listed after the employees.
    pub fn push_raw_person(&self, person: Value) {
        self.shared.lock().raw_v2.push(person);
    }

    /// Append a raw `data[]` record (for malformed-record tests), served after the employees.
    pub fn push_raw(&self, record: Value) {
        self.shared.lock().raw.push(record);
    }

    /// Inject faults into the next employee-list requests, one each, in order.
    pub fn inject(&self, faults: impl IntoIterator<Item = Fault>) {
        self.shared.lock().faults.extend(faults);
    }

    /// Answer the page at `offset` with `fault`, `times` times.
    pub fn fail_page(&self, offset: u64, fault: Fault, times: u32) {
        self.shared
            .lock()
            .page_faults
            .insert(offset, (fault, times));
    }

    /// Repeat the last record of each page as the first record of the next, as Personio does
    /// when the list shifts between page reads.
    pub fn duplicate_at_page_edges(&self, on: bool) {
        self.shared.lock().duplicate_at_page_edges = on;
    }

    /// Fail this share of employee-list requests at random (503, 429, dropped connections,
    /// latency), from a seeded generator so a run repeats. 0 turns it off.
    pub fn random_faults(&self, rate: f64, seed: u64) {
        let mut s = self.shared.lock();
        s.fault_rate = rate.clamp(0.0, 1.0);
        s.rng = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    }

    /// Invalidate every issued token (the next request gets 403).
    pub fn revoke_tokens(&self) {
        self.shared.lock().tokens.clear();
    }

    /// Requests seen so far, by endpoint.
    #[must_use]
    pub fn counts(&self) -> Counts {
        self.shared.lock().counts.clone()
    }

    /// Every request seen so far.
    #[must_use]
    pub fn seen(&self) -> Vec<Seen> {
        self.shared.lock().seen.clone()
    }

    /// The keys the attributes endpoint lists (the whitelist, or every key in use).
    pub(crate) fn readable(shared: &Shared) -> BTreeSet<String> {
        if let Some(w) = &shared.config.whitelist {
            return w.clone();
        }
        let s = shared.lock();
        let mut keys: BTreeSet<String> = STANDARD.iter().map(|k| (*k).to_owned()).collect();
        for e in s.employees.values() {
            keys.extend(e.attributes.keys().cloned());
        }
        keys
    }
}
