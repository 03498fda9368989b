//! HTTP-level tests of the Personio connector, one binary: the wire contract against
//! `wiremock`, and behaviour against the simulator of `hris-sync-sims`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::needless_pass_by_value
)]

mod contract;
mod contract_v2;

mod support;

mod auth;
mod by_id;
mod conformance;
mod hostile;
mod limits;
mod paging;
mod parsing;
mod secrets;
mod v2;
