//! Integration tests of hris-sync-core, one binary. Each test names the DESIGN rule it checks.

mod support;

mod convergence;
#[cfg(feature = "testkit")]
mod conformance;
mod properties;
mod upn_table;
mod workflows;
