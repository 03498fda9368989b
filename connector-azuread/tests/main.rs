//! HTTP-level tests of the Graph connector, one binary: the wire contract against `wiremock`
//! (always), and behaviour against the simulator of `hris-sync-sims`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::needless_pass_by_value
)]

mod contract;
mod contract_credentials;
mod pfx;

mod auth;
mod conformance;
mod credentials;
mod delta;
mod embedding;
mod groups;
mod onboarding;
mod reads;
mod secrets;
mod stopping;
mod support;
mod tenant;
mod writes;
