//! HTTP-level tests of the SCIM connector, one binary: the wire contract against `wiremock`
//! (`contract`), and, with the feature `scim2-server`, behaviour against a real SCIM server
//! started on loopback (`real`, `conformance`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::needless_pass_by_value
)]

#[cfg(feature = "scim2-server")]
mod support;

#[cfg(feature = "scim2-server")]
mod conformance;
mod contract;
#[cfg(feature = "scim2-server")]
mod real;
