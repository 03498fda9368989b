//! Example programs for hris-sync (`cargo run -p hris-sync-examples --example NAME`):
//!
//! - `embed`: the smallest host service that embeds the engine: its own state store, a
//!   credential sink, a cycle spawned on its runtime, against the simulators.
//! - `plan_preview`: a plan, computed in memory, printed as JSON.
//! - `custom_directory`: a directory written outside the connector crates ([`jsonl`]), with
//!   its own configuration section, run by the real engine from `custom_directory.toml`.
//!
//! The command itself is the `hris-sync` package.

pub mod jsonl;
