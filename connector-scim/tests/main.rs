//! HTTP-level tests of the SCIM connector, one binary: the wire contract against `wiremock`
//! (`contract`), and behaviour against a real SCIM server, `scim2-server`, started on
//! loopback (`real`, `conformance`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::needless_pass_by_value
)]

mod support;

mod conformance;
mod contract;
mod real;
