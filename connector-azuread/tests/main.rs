//! HTTP-level tests of the Graph connector against its simulator, one binary.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::needless_pass_by_value
)]

mod support;

mod auth;
mod conformance;
mod contract;
mod contract_credentials;
mod credentials;
mod delta;
mod embedding;
mod groups;
mod onboarding;
mod reads;
mod secrets;
mod stopping;
mod tenant;
mod writes;
