//! HTTP-level tests of the Graph connector, one binary: the wire contract against `wiremock`
//! (always), and behaviour against the simulator (feature `sim`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::needless_pass_by_value
)]

mod contract;
mod contract_credentials;

#[cfg(feature = "sim")]
mod auth;
#[cfg(feature = "sim")]
mod conformance;
#[cfg(feature = "sim")]
mod credentials;
#[cfg(feature = "sim")]
mod delta;
#[cfg(feature = "sim")]
mod embedding;
#[cfg(feature = "sim")]
mod groups;
#[cfg(feature = "sim")]
mod onboarding;
#[cfg(feature = "sim")]
mod reads;
#[cfg(feature = "sim")]
mod secrets;
#[cfg(feature = "sim")]
mod stopping;
#[cfg(feature = "sim")]
mod support;
#[cfg(feature = "sim")]
mod tenant;
#[cfg(feature = "sim")]
mod writes;
