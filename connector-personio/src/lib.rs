//! # connector-personio
//!
//! Personio as an [`HrSource`](hris_sync_core::HrSource) for hris-sync, over Personio's v1
//! HTTP API (`POST /v1/auth`, `GET /v1/company/employees`,
//! `GET /v1/company/employees/attributes`).
//!
//! The connector is thin: wire models mirror Personio's JSON (`model`), records are turned into
//! core [`Employee`](hris_sync_core::Employee)s at the edge (`convert`), and every HTTP status
//! maps to a core error kind in one function (`error`). What it adds is what a real tenant
//! needs:
//!
//! - **Complete reads or none.** Pages of 100 are read until a short or empty page. Duplicates
//!   across pages are removed by id. Any page that fails after retries fails the listing, so a
//!   missing page never looks like departed employees.
//! - **Records that survive real data.** See `convert` for the quirks handled. A record that
//!   cannot be read is reported in [`EmployeeListing::rejected`](hris_sync_core::raw::EmployeeListing)
//!   and skipped; the others still sync.
//! - **Limits respected.** Requests are paced under 300 a minute and 15 a second. A 429 waits at
//!   least a second with jittered exponential back-off (or `Retry-After` when sent). 5xx and
//!   connection errors are retried a bounded number of times.
//! - **Tokens handled.** One `POST /v1/auth` per token lifetime (credentials in the body). A
//!   token returned in a response header is adopted. A refused token triggers one
//!   re-authentication.
//! - **Secrets kept.** The client secret and tokens are [`secrecy`] values. They are redacted
//!   from `Debug` output and never logged.
//!
//! Its tests run against the Personio simulator of the `hris-sync-sims` crate, which imports
//! nothing from this one.
//!
//! ```no_run
//! # async fn run() -> hris_sync_core::Result<()> {
//! use connector_personio::PersonioSource;
//! use hris_sync_core::HrSource;
//!
//! let personio = PersonioSource::from_env().app_id("ACME_HRIS_SYNC").build()?;
//! let listing = personio.list_employees().await?;
//! # Ok(()) }
//! ```

mod client;
mod config;
mod connector;
mod convert;
mod error;
#[cfg(test)]
mod hostile_tests;
mod model;
mod pacer;
mod section;
mod source;
mod v2;
pub mod webhooks;

pub use client::Api;
pub use config::{DEFAULT_BASE_URL, DEFAULT_OVERLAP, PersonioBuilder, RateLimits};
pub use connector::{CONNECTOR, CREDENTIALS};

/// Parse one record of `GET /v1/company/employees`'s `data[]`, as the listing does: an
/// employee, or the reason it cannot be read. Never panics, whatever the JSON.
///
/// # Errors
/// A [`hris_sync_core::raw::RejectedRecord`] naming the field that could not be read.
pub fn parse_record(
    record: &serde_json::Value,
) -> Result<hris_sync_core::Employee, hris_sync_core::raw::RejectedRecord> {
    convert::employee(record)
}
/// The HTTP client crate whose `Client` `with_http_client` takes, so a host builds it with
/// the same version.
pub use reqwest;
pub use section::{PersonioSection, SECTION, traits};
pub use source::PersonioSource;
