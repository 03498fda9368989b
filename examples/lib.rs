//! Example programs for hris-sync, and what they share: the demo company (`demo`) and the
//! human output of the `sync` tool (`table`).
//!
//! - `cargo run --release --example sync -- --demo`: a whole sync over HTTP against both
//!   simulators.
//! - `cargo run --example embed`: the smallest host service that embeds the library.
//! - `cargo run --example plan_preview`: a plan, computed in memory, printed as JSON.

pub mod demo;
pub mod table;
