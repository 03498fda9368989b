//! Integration tests of hris-sync-core, one binary. Each test names the DESIGN rule it checks.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::cloned_ref_to_slice_refs
)]

mod support;

mod audit;
#[cfg(feature = "testkit")]
mod conformance;
mod convergence;
mod groups;
mod onboarding;
mod properties;
mod stopping;
mod targeted;
mod tenant;
mod upn_table;
mod workflows;
