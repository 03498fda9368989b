//! HTTP-level tests of the Personio connector, one binary: the wire contract against
//! `wiremock` (always), and behaviour against the simulator (feature `sim`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::needless_pass_by_value
)]

mod contract;
mod contract_v2;

#[cfg(feature = "sim")]
mod support;

#[cfg(feature = "sim")]
mod auth;
#[cfg(feature = "sim")]
mod by_id;
#[cfg(feature = "sim")]
mod conformance;
#[cfg(feature = "sim")]
mod hostile;
#[cfg(feature = "sim")]
mod limits;
#[cfg(feature = "sim")]
mod paging;
#[cfg(feature = "sim")]
mod parsing;
#[cfg(feature = "sim")]
mod secrets;
#[cfg(feature = "sim")]
mod v2;
