//! # connector-azuread
//!
//! Microsoft Entra ID as a [`Directory`](hris_sync_core::Directory) for hris-sync, over
//! Microsoft Graph v1.0 with app-only authentication: a client secret, a client certificate,
//! workload identity federation or a managed identity ([`credential`]), or a host's own
//! [`TokenCredential`].
//!
//! The connector is thin. Wire models mirror Graph's JSON (`model`). Users and operations are
//! converted at the edge (`convert`). Every status, of a whole response or of a `$batch`
//! sub-response, maps to a core error kind in one function (`error`). What it adds is what a
//! real tenant needs:
//!
//! - **Complete reads or none.** `GET /users` with `$select` and `$top=999` follows
//!   `@odata.nextLink` verbatim; with managers read, a full `/users/delta` round (pages of
//!   200, `manager@delta`) replaces it. Any failed page fails the read. Agent identities
//!   (`#microsoft.graph.agentUser`) are kept, marked
//!   [`ObjectKind::Agent`](hris_sync_core::ObjectKind), so the planner knows their UPNs are
//!   taken and never writes them. `onPremisesSyncEnabled` and (optionally) the manager are
//!   carried through.
//! - **Incremental reads.** Each full read also yields a `/users/delta` position (the end of
//!   the delta round, or `$deltatoken=latest` taken *before* the list, so nothing is missed). `list_user_changes`
//!   follows it. An expired position (`410 Gone`) is
//!   [`ErrorKind::CursorExpired`](hris_sync_core::ErrorKind): do a full read.
//! - **Batched, paced writes.** Operations go 20 to a `$batch`, with several batches in flight,
//!   under Graph's write quota of 3,000 per 150 s. Sub-responses are correlated by id. Only the
//!   throttled (429, `Retry-After` honoured) or transient sub-requests are retried. A create is
//!   never repeated blindly: after an ambiguous failure, its UPN is looked up first.
//! - **Typed conflicts.** A duplicate UPN (`Request_BadRequest` with a `details` entry
//!   `userPrincipalName`/`ObjectConflict`) is a conflict the engine can act on (U5).
//! - **Secrets kept.** Client secrets, certificate passwords and keys, federated tokens, access
//!   tokens and new users' passwords are redacted from `Debug` output and never logged.
//!
//! Its tests run against the Graph simulator of the `hris-sync-sims` crate, which imports
//! nothing from this one.

mod batch;
mod client;
mod config;
mod connector;
mod convert;
pub mod credential;
mod directory;
mod error;
mod groups;
mod holder;
#[cfg(test)]
mod hostile_tests;
mod model;
pub mod properties;
mod section;

pub use config::{DEFAULT_AUTHORITY_HOST, DEFAULT_GRAPH_BASE_URL, GraphBuilder, WriteLimits};
pub use connector::CONNECTOR;
pub use credential::{
    AccessToken, ClientCertificateCredential, ClientSecretCredential, EnvCredential,
    ManagedIdentityCredential, TokenCredential, TokenRequest, WorkloadIdentityCredential,
};
pub use directory::EntraDirectory;
/// The HTTP client crate whose `Client` `with_http_client` takes, so a host builds it with
/// the same version.
pub use reqwest;
pub use section::{EntraSection, SECTION, traits};
