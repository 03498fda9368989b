//! HTTP-level tests of the Personio connector against its simulator, one binary.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::needless_pass_by_value
)]

mod support;

mod auth;
mod by_id;
mod conformance;
mod contract;
mod hostile;
mod limits;
mod paging;
mod parsing;
mod secrets;
mod v2;
