//! A stateful Microsoft Graph simulator on a loopback port.
//!
//! It enforces what Graph enforces, per the project's Graph reference:
//!
//! - the client-credentials token endpoint, with AADSTS errors for a wrong tenant, client or
//!   secret, and expiring bearer tokens;
//! - `GET /v1.0/users` with `$select`, `$top` (1–999, default 100; at most 100 with
//!   `$expand=manager`), `@odata.nextLink` paging, and the `$filter` forms the connector uses
//!   (`eq` on `userPrincipalName`, `employeeId`, `mail`, `id`; anything else is
//!   `Request_UnsupportedQuery`);
//! - client assertions signed with a registered certificate (`x5t#S256` or `x5t`, PS256 or
//!   RS256), verified with `x509-parser` and `ring`, and federated tokens from a trusted
//!   issuer;
//! - `/users/delta`, with `$deltatoken=latest`, pages of at most 200, `@odata.deltaLink`,
//!   `manager@delta`, and `410 Gone` for an expired token;
//! - `GET /domains` (and `GET /organization`) with the verified domains;
//! - **an app's permissions** (T1): each endpoint needs what Graph's permission tables name,
//!   and a request without it gets `403 Authorization_RequestDenied`. The default grant is
//!   the least-privilege set of the README: `User.ReadWrite.All` and `Domain.Read.All`, so
//!   `GET /organization` (which needs `Directory.Read.All`) is refused;
//! - **the `$batch` body rule** (T2): a POST, PATCH or PUT sub-request without a
//!   `Content-Type` header and a body fails the whole batch with Graph's
//!   "Write request id : N does not contain Content-Type header or body.";
//! - **replication lag** (T3, `replication_lag`): an account created through the API is
//!   invisible to reads, filters, delta and writes (404 `Request_ResourceNotFound`, also for a
//!   manager `$ref` naming it) for that long, while its UPN is already taken;
//! - **delta replays** (T7, `delta_replays`): every delta page repeats its entries, and a
//!   user deleted by an administrator ([`GraphSim::delete_user`]) is listed as changed and
//!   then `@removed` in the same round;
//! - **foreign links** (T8, `foreign_links`): `@odata.nextLink` names another host;
//! - **whole complex properties** (T5): `employeeOrgData` and `onPremisesExtensionAttributes`
//!   are replaced whole by a PATCH, and previously synchronised users
//!   (`onPremisesSyncEnabled = false`) refuse writes to the latter (T11);
//! - create, update, manager `$ref` and `revokeSignInSessions`, with unique UPNs
//!   (`Request_BadRequest` + `ObjectConflict`), length limits, required create fields, `null`
//!   rather than `""` to clear, and no writes to hybrid users: the state is held in the
//!   simulator's own store, which judges every write by its own model of the `user`
//!   resource ([`schema`]: names, nesting, types and documented limits);
//! - `$batch` of at most 20 with unique ids, per-request status, answers in an order that is
//!   not the request order;
//! - the write quota (3,000 per 150 s) answered with 429 and `Retry-After`.
//!
//! It injects faults on request (`inject`), can take a UPN behind the client's back
//! (`take_upn`), and counts requests by kind. Time can be scaled like the Personio
//! simulator's.

mod groups;
mod identity;
mod keys;
pub mod schema;
mod server;
mod store;
mod users;

pub use groups::SimGroup;

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use crate::quota::Quota;
use hris_sync_core::{DirectoryUser, DirectoryUserId, Result};
use tokio::time::Instant;

/// Simulator settings.
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// The tenant id the token endpoint accepts.
    pub tenant_id: String,
    /// The client id it accepts.
    pub client_id: String,
    /// The client secret it accepts.
    pub client_secret: String,
    /// Verified domains.
    pub domains: Vec<String>,
    /// Token lifetime reported as `expires_in` (and enforced, scaled).
    pub token_ttl: Duration,
    /// Divide every window and lifetime by this (1 = real time).
    pub time_scale: u32,
    /// Writes per `write_window`.
    pub writes: u32,
    /// The write-quota window (150 s).
    pub write_window: Duration,
    /// Largest delta page.
    pub delta_page: usize,
    /// The app's granted application permissions (T1). Default: the least-privilege set,
    /// [`LEAST_PRIVILEGE`].
    pub permissions: Vec<String>,
    /// How long a new account stays invisible to reads and writes (T3; scaled like every
    /// other time). Zero turns it off.
    pub replication_lag: Duration,
    /// Repeat delta entries, as Graph may (T7).
    pub delta_replays: bool,
    /// Send `@odata.nextLink`s that name another host (T8).
    pub foreign_links: bool,
    /// The tenant's Temporary Access Pass policy: minimum and maximum lifetime in minutes
    /// (Entra's defaults: 60 and 480; the default lifetime is the minimum). A request outside
    /// it is refused with 400, as Graph refuses it.
    pub access_pass_lifetime: (u32, u32),
    /// Certificates registered on the app (its key credentials), DER: client assertions
    /// signed by their keys are accepted. [`certificate_der`] reads one from a file.
    pub certificates: Vec<Vec<u8>>,
    /// The app's federated identity credentials.
    pub federated: Vec<FederatedCredential>,
    /// The managed identity of the host the client runs on, if it has one.
    pub managed_identity: Option<ManagedIdentity>,
}

/// A federated identity credential: tokens from `issuer` for `subject` and `audience` are
/// exchanged for the app's tokens.
#[derive(Clone, Debug)]
pub struct FederatedCredential {
    /// `iss` of the accepted tokens.
    pub issuer: String,
    /// `sub` of the accepted tokens.
    pub subject: String,
    /// An `aud` the tokens must carry (`api://AzureADTokenExchange` by convention).
    pub audience: String,
    /// The issuer's signing certificate, DER (what the real service reads from the issuer's
    /// published keys).
    pub issuer_certificate: Vec<u8>,
}

/// The audience Entra's federated credentials use by default.
pub const TOKEN_EXCHANGE_AUDIENCE: &str = "api://AzureADTokenExchange";

/// The managed identity the simulated host has.
#[derive(Clone, Debug)]
pub struct ManagedIdentity {
    /// Its client id (`client_id=` picks it; another id is "Identity not found").
    pub client_id: String,
    /// The `IDENTITY_HEADER` value the App Service endpoint requires.
    pub identity_header: String,
}

/// The certificate (DER) in a PEM file's bytes: its first `CERTIFICATE` block, as an app
/// registration's upload takes it.
///
/// # Errors
/// [`hris_sync_core::ErrorKind::InvalidInput`] when the file holds no certificate.
pub fn certificate_der(pem_file: &[u8]) -> Result<Vec<u8>> {
    keys::pem_block(pem_file, "CERTIFICATE")
}

/// A token as an external issuer (a Kubernetes cluster, a CI system) signs it: RS256 with
/// the PKCS#8 key in `issuer_pem`, `kid` the certificate's SHA-1 thumbprint, and `claims` as
/// given (`iss`, `sub`, `aud`, `exp`, `nbf`…). For workload identity federation tests.
///
/// # Errors
/// A file without a certificate and an RSA key.
pub fn sign_token(issuer_pem: &[u8], claims: &serde_json::Value) -> Result<String> {
    keys::sign_rs256(issuer_pem, claims)
}

/// Seconds since the epoch, for `exp`/`nbf` claims in tests.
#[must_use]
pub fn epoch_now() -> u64 {
    keys::epoch_now()
}

/// The permissions the README asks for (T1): `User.ReadWrite.All`, `Domain.Read.All`.
pub const LEAST_PRIVILEGE: &[&str] = &["User.ReadWrite.All", "Domain.Read.All"];

impl Default for SimConfig {
    fn default() -> Self {
        Self {
            tenant_id: "00000000-aaaa-4bbb-8ccc-000000000001".to_owned(),
            client_id: "11111111-2222-3333-4444-555555555555".to_owned(),
            client_secret: "sim~Secret.Value_7Qx9".to_owned(),
            domains: vec!["demo.com".to_owned(), "demo.onmicrosoft.com".to_owned()],
            token_ttl: Duration::from_secs(3599),
            time_scale: 1,
            writes: 3_000,
            write_window: Duration::from_secs(150),
            delta_page: 200,
            permissions: LEAST_PRIVILEGE.iter().map(|p| (*p).to_owned()).collect(),
            replication_lag: Duration::ZERO,
            delta_replays: false,
            foreign_links: false,
            access_pass_lifetime: (60, 480),
            certificates: Vec::new(),
            federated: Vec::new(),
            managed_identity: None,
        }
    }
}

/// Which requests a fault applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Target {
    /// `POST …/oauth2/v2.0/token`.
    Token,
    /// `GET /users` (including filtered look-ups).
    List,
    /// `GET /users/delta`.
    Delta,
    /// `POST /$batch`.
    Batch,
    /// One write sub-request inside a `$batch`.
    BatchItem,
    /// A `$batch` holding at least one create (`POST /users`), after any `Batch` fault: for
    /// tests that must hit the creates, whatever batches come before them. Random faults
    /// leave it alone (they already reach every batch through `Batch`).
    CreateBatch,
}

/// A failure to inject.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// Answer with this status and a Graph error body.
    Status(u16),
    /// Answer 429 with `Retry-After` in seconds.
    Throttle(u64),
    /// Answer 429 with `Retry-After` as an HTTP date at least this far ahead (whole seconds,
    /// real time), and keep answering 429 to every request of the target until that date, as
    /// a service does to a client that retries early (T10). Whole requests only, not
    /// `BatchItem`.
    ThrottleUntil(Duration),
    /// Break the connection before doing anything.
    Drop,
    /// Do the work, then break the connection (the client cannot know it ran).
    DropAfter,
    /// Wait this long, then answer normally.
    Latency(Duration),
}

/// Requests seen, by kind.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Token requests.
    pub token: u64,
    /// `GET /users` pages (including filtered look-ups).
    pub list: u64,
    /// `GET /users/delta` pages.
    pub delta: u64,
    /// `GET /organization`.
    pub organization: u64,
    /// `GET /domains`.
    pub domains: u64,
    /// Requests refused for a missing permission (403, T1).
    pub forbidden: u64,
    /// `POST /$batch` requests.
    pub batch: u64,
    /// Sub-requests inside batches.
    pub batch_items: u64,
    /// Writes accepted (creates, updates, manager changes, revocations).
    pub writes: u64,
    /// Creates accepted.
    pub creates: u64,
    /// 429 answers (whole requests or sub-requests).
    pub throttled: u64,
    /// Injected faults that fired.
    pub faults: u64,
    /// Requests refused for a missing, invalid or expired token.
    pub unauthorized: u64,
    /// Certificate client assertions accepted.
    pub assertions: u64,
    /// Federated tokens accepted (workload identity federation).
    pub federated: u64,
    /// `GET /groups/{id}` and member pages.
    pub groups: u64,
    /// Membership writes accepted (adds and removes).
    pub memberships: u64,
}

pub(crate) struct State {
    pub(crate) tokens: BTreeMap<String, Instant>,
    pub(crate) next_token: u64,
    pub(crate) faults: BTreeMap<Target, VecDeque<Fault>>,
    pub(crate) writes: Quota,
    pub(crate) counts: Counts,
    pub(crate) delta_floor: u64,
    pub(crate) batch_sizes: Vec<usize>,
    /// Random faults: probability per request, and the generator's state.
    pub(crate) fault_rate: f64,
    pub(crate) rng: u64,
    /// Accounts created through the API, and when they become readable (T3).
    pub(crate) born: BTreeMap<DirectoryUserId, Instant>,
    /// Targets throttled until a date (T10, [`Fault::ThrottleUntil`]).
    pub(crate) throttled_until: BTreeMap<Target, std::time::SystemTime>,
    /// Users deleted by [`GraphSim::delete_user`], as they were (for replays, T7).
    pub(crate) tombstones: BTreeMap<DirectoryUserId, DirectoryUser>,
    /// Groups, by id.
    pub(crate) groups: BTreeMap<String, SimGroup>,
}

impl State {
    /// A number in `[0, 1)` from a xorshift generator (seeded, so runs repeat).
    fn roll(&mut self) -> f64 {
        let mut x = self.rng | 1;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.rng = x;
        #[allow(clippy::cast_precision_loss)]
        let r = (x >> 11) as f64 / (1u64 << 53) as f64;
        r
    }

    /// A random fault for `target`, at the configured rate.
    fn random_fault(&mut self, target: Target) -> Option<Fault> {
        if self.fault_rate <= 0.0 || self.roll() >= self.fault_rate {
            return None;
        }
        let pick = self.roll();
        Some(match target {
            Target::BatchItem if pick < 0.5 => Fault::Throttle(0),
            Target::BatchItem => Fault::Status(503),
            Target::Batch if pick < 0.25 => Fault::DropAfter,
            _ if pick < 0.3 => Fault::Status(503),
            _ if pick < 0.55 => Fault::Throttle(0),
            _ if pick < 0.8 => Fault::Drop,
            _ => Fault::Latency(Duration::from_millis(5)),
        })
    }
}

pub(crate) struct Shared {
    pub(crate) config: SimConfig,
    pub(crate) store: store::Store,
    pub(crate) state: Mutex<State>,
    pub(crate) base: Mutex<String>,
}

impl Shared {
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn base(&self) -> String {
        self.base
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Whether the account is readable yet (T3: not while it replicates).
    pub(crate) fn visible(&self, id: &DirectoryUserId) -> bool {
        self.lock()
            .born
            .get(id)
            .is_none_or(|ready| Instant::now() >= *ready)
    }

    /// The change-feed position to hand out as "now": see [`Shared::hold_back`].
    pub(crate) fn feed_position(&self) -> String {
        self.hold_back(&self.store.position())
    }

    /// `cursor` (a `mem:N` position), held back before the change of any account still
    /// replicating, so a later delta round lists it (T3).
    pub(crate) fn hold_back(&self, cursor: &str) -> String {
        let now = Instant::now();
        let hidden: Vec<DirectoryUserId> = self
            .lock()
            .born
            .iter()
            .filter(|(_, ready)| now < **ready)
            .map(|(id, _)| id.clone())
            .collect();
        let held = hidden
            .iter()
            .filter_map(|id| self.store.changed_seq(id))
            .min()
            .map(|seq| seq.saturating_sub(1));
        let at: Option<u64> = cursor.strip_prefix("mem:").and_then(|n| n.parse().ok());
        match (held, at) {
            (Some(held), Some(at)) if held < at => format!("mem:{held}"),
            _ => cursor.to_owned(),
        }
    }

    /// Record an account created through the API: readable after the replication lag.
    pub(crate) fn born(&self, id: &DirectoryUserId) {
        let lag = self.config.replication_lag / self.config.time_scale.max(1);
        if !lag.is_zero() {
            self.lock().born.insert(id.clone(), Instant::now() + lag);
        }
    }

    /// Whether the app holds one of `any_of` (T1).
    pub(crate) fn granted(&self, any_of: &[&str]) -> bool {
        self.config
            .permissions
            .iter()
            .any(|p| any_of.iter().any(|a| a.eq_ignore_ascii_case(p)))
    }

    pub(crate) fn take_fault(&self, target: Target) -> Option<Fault> {
        let mut s = self.lock();
        let queued = s.faults.get_mut(&target).and_then(VecDeque::pop_front);
        let fault = queued.or_else(|| {
            // The token endpoint is left alone by random faults: they test the data path.
            (!matches!(target, Target::Token | Target::CreateBatch))
                .then(|| s.random_fault(target))
                .flatten()
        });
        if fault.is_some() {
            s.counts.faults += 1;
        }
        fault
    }
}

/// A running simulator. Dropping it stops the server.
pub struct GraphSim {
    listening: crate::Listening,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for GraphSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GraphSim")
            .field("addr", &self.listening.addr)
            .finish_non_exhaustive()
    }
}

impl GraphSim {
    /// Start a simulator on `127.0.0.1` and a free port.
    ///
    /// # Errors
    /// When no port can be bound.
    pub async fn start(config: SimConfig) -> std::io::Result<Self> {
        let scale = config.time_scale.max(1);
        let state = State {
            tokens: BTreeMap::new(),
            next_token: 0,
            faults: BTreeMap::new(),
            writes: Quota::new(&[(
                config.write_window / scale,
                usize::try_from(config.writes).unwrap_or(usize::MAX),
            )]),
            counts: Counts::default(),
            delta_floor: 0,
            batch_sizes: Vec::new(),
            fault_rate: 0.0,
            rng: 0x2545_f491_4f6c_dd1d,
            born: BTreeMap::new(),
            throttled_until: BTreeMap::new(),
            tombstones: BTreeMap::new(),
            groups: BTreeMap::new(),
        };
        let shared = Arc::new(Shared {
            store: store::Store::new(config.domains.clone()),
            config,
            state: Mutex::new(state),
            base: Mutex::new(String::new()),
        });
        let listening = crate::serve(
            server::router(Arc::clone(&shared)),
            &shared.base,
            "Graph simulator",
        )
        .await?;
        Ok(Self { listening, shared })
    }

    /// `http://127.0.0.1:PORT`: both the authority host and the Graph base URL.
    #[must_use]
    pub fn base_url(&self) -> String {
        self.listening.base_url()
    }

    /// Its settings: tenant, credentials, quotas, and its clock's scale (a client's waits
    /// should be scaled alike).
    #[must_use]
    pub fn config(&self) -> &SimConfig {
        &self.shared.config
    }

    /// Delete a user as an administrator would (the change feed reports it `@removed`).
    pub fn delete_user(&self, id: &DirectoryUserId) -> Option<DirectoryUser> {
        let user = self.shared.store.delete(id)?;
        self.shared
            .lock()
            .tombstones
            .insert(id.clone(), user.clone());
        Some(user)
    }

    /// Put users in place as if they had always been there.
    ///
    /// # Errors
    /// When a UPN or id is taken.
    pub fn seed(&self, users: impl IntoIterator<Item = DirectoryUser>) -> Result<()> {
        for u in users {
            self.shared.store.seed(u)?;
        }
        Ok(())
    }

    /// Create an account holding `upn` behind the client's back (as a race would).
    ///
    /// # Errors
    /// When the UPN is taken already.
    pub fn take_upn(&self, upn: &str) -> Result<DirectoryUserId> {
        self.shared.store.take_upn(upn)
    }

    /// Every user, in id order.
    #[must_use]
    pub fn users(&self) -> Vec<DirectoryUser> {
        self.shared.store.users()
    }

    /// The user with this UPN.
    #[must_use]
    pub fn user_by_upn(&self, upn: &str) -> Option<DirectoryUser> {
        self.shared.store.user_by_upn(upn)
    }

    /// Put a group in place (replacing one with its id).
    pub fn seed_group(&self, group: SimGroup) {
        self.shared.lock().groups.insert(group.id.clone(), group);
    }

    /// A group as it now is.
    #[must_use]
    pub fn group(&self, id: &str) -> Option<SimGroup> {
        self.shared.lock().groups.get(id).cloned()
    }

    /// The user carrying this `employeeId` (as the service holds it, replication lag aside).
    #[must_use]
    pub fn user_by_employee_id(&self, employee_id: &str) -> Option<DirectoryUser> {
        self.shared.store.user_by_employee_id(employee_id)
    }

    /// Inject faults into the next requests of `target`, one each, in order.
    pub fn inject(&self, target: Target, faults: impl IntoIterator<Item = Fault>) {
        self.shared
            .lock()
            .faults
            .entry(target)
            .or_default()
            .extend(faults);
    }

    /// Fail this share of requests at random (503, 429, dropped connections before or after
    /// the work, latency), from a seeded generator so a run repeats. 0 turns it off.
    pub fn random_faults(&self, rate: f64, seed: u64) {
        let mut s = self.shared.lock();
        s.fault_rate = rate.clamp(0.0, 1.0);
        s.rng = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    }

    /// The Temporary Access Passes made, in order: the account and the request as the
    /// simulator took it (its policy's default lifetime filled in).
    #[must_use]
    pub fn access_passes(&self) -> Vec<(DirectoryUserId, hris_sync_core::raw::AccessPassRequest)> {
        self.shared.store.passes()
    }

    /// Invalidate every token (the next Graph request gets 401).
    pub fn revoke_tokens(&self) {
        self.shared.lock().tokens.clear();
    }

    /// Make every delta token issued so far expire (the next delta read gets 410).
    pub fn expire_delta_tokens(&self) {
        let mut s = self.shared.lock();
        s.delta_floor = u64::MAX;
    }

    /// Requests seen so far, by kind.
    #[must_use]
    pub fn counts(&self) -> Counts {
        self.shared.lock().counts.clone()
    }

    /// The number of sub-requests of every `$batch` received, in order.
    #[must_use]
    pub fn batch_sizes(&self) -> Vec<usize> {
        self.shared.lock().batch_sizes.clone()
    }
}
