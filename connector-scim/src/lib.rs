//! # connector-scim
//!
//! Any SCIM 2.0 service provider (RFC 7643 schema, RFC 7644 protocol) as a
//! [`Directory`](hris_sync_core::Directory) for hris-sync: Slack, GitHub Enterprise, Zoom,
//! Atlassian, Dropbox and most SaaS applications take their accounts this way, so Personio's
//! joiners, movers and leavers reach them without an identity provider in between. The same
//! core plans (docs/rules.md §12); this crate reads and writes over HTTP.
//!
//! - **Joined by `externalId`.** The HR id is written to `externalId` and to the Enterprise
//!   extension's `employeeNumber`; a user carrying it *is* that employee's account (S1). An
//!   unlinked, active user whose `userName` or primary email equals the HR email is linked.
//! - **Creates that never duplicate.** `POST /Users` with the `userName` of the UPN schema
//!   (U1–U6), the names, the work email as primary, `active` and every mapped attribute. A 409,
//!   or a lost answer, asks who holds the name: this employee's account is adopted (T4),
//!   another's is U3's collision.
//! - **Only what changed**, with `PATCH`: one operation per attribute with an explicit path
//!   (lowercase ops, JSON booleans), `remove` for a cleared one, an entry of a multi-valued
//!   attribute through a filter (`phoneNumbers[type eq "work"].value`) or added when missing;
//!   `If-Match` where the provider has ETags. A write repeated after a failure is computed
//!   again from a fresh read.
//! - **Deactivated, never deleted**: a leaver gets `active = false`; `DELETE` is never sent.
//! - **Complete reads or none.** `startIndex`/`count` paging to `totalResults`; an empty page
//!   before the end, or fewer users than counted, fails the read. Filters escape their value
//!   as a JSON string and percent-encode it (`+` too). A `Location` is followed only on the
//!   configured host. 429 and 503 wait out `Retry-After`.
//! - **What the provider supports** (`/ServiceProviderConfig`) is read at start-up and
//!   honoured: no PATCH is a start-up error naming it; `filter.maxResults` caps the page;
//!   without filters a look-up reads the listing.
//! - **Groups** (G1–G5) by `PATCH /Groups/{id}`: `add` of `members`, `remove` of
//!   `members[value eq "…"]`.
//! - **Credentials** from the environment, never logged: `SCIM_TOKEN`, or `SCIM_CLIENT_SECRET`
//!   for OAuth 2.0 client credentials.
//!
//! This crate owns its configuration: the `[scim]` section ([`ScimSection`]) and what it
//! declares to the policy ([`traits`]): `[[mapping]]` targets are SCIM attribute paths
//! (`title`, `department`, `phoneNumbers[type eq "mobile"].value`; see [`vocabulary`]).
//!
//! ```no_run
//! use connector_scim::ScimBuilder;
//! use hris_sync_core::policy::{ConfigFile, SourceTraits};
//! use hris_sync_core::{Directory, Policy};
//!
//! # async fn run() -> hris_sync_core::Result<()> {
//! let file = ConfigFile::from_toml(r#"
//!     [directory]
//!     kind = "scim"
//!     [scim]
//!     base_url = "https://api.example.com/scim/v2"
//!     [upn]
//!     domain = "example.com"
//!     [[mapping]]
//!     source = "department"
//!     target = "department"
//!     [[mapping]]
//!     source = "position"
//!     target = "title"
//! "#)?;
//! let policy: Policy = file.validate(&SourceTraits::default(), &connector_scim::traits())?;
//! let scim = ScimBuilder::from_env()      // SCIM_TOKEN
//!     .config(&file)?
//!     .policy(&policy)
//!     .build()?;
//! let snapshot = scim.list_users().await?;
//! println!("{} accounts", snapshot.users.len());
//! # Ok(())
//! # }
//! ```
//!
//! With the feature `scim2-server`, the module `scim2_server` starts a throw-away
//! `scim2-server` on loopback for tests and benchmarks.

mod client;
mod config;
mod connector;
mod convert;
mod create;
mod directory;
mod error;
mod filter;
mod groups;
mod json;
mod profile;
mod provider;
#[cfg(feature = "scim2-server")]
pub mod scim2_server;
mod section;
pub mod vocabulary;
mod write;

pub use config::{DEFAULT_PAGE_SIZE, ScimAuth, ScimBuilder};
pub use connector::{CONNECTOR, CREDENTIALS};
pub use directory::ScimDirectory;
pub use profile::Profile;
pub use section::{SECTION, ScimSection};
pub use vocabulary::{mappable, traits, traits_with};
