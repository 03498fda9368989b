//! Example programs for hris-sync, and what they share: the demo company (`demo`), and the
//! parts of the `sync` tool: its command line (`cli`), where new hires' one-time passwords go
//! (`credentials`), the state lock (`lock`), private files (`private_file`), its logs
//! (`logging`) and its human output (`table`). They live in this library so their tests run
//! with `cargo test` while the `sync` example stays a plain binary.
//!
//! - `cargo run --release --example sync -- --demo`: a whole sync over HTTP against both
//!   simulators.
//! - `cargo run --example embed`: the smallest host service that embeds the library.
//! - `cargo run --example plan_preview`: a plan, computed in memory, printed as JSON.

pub mod cli;
pub mod credentials;
pub mod demo;
pub mod lock;
pub mod logging;
pub mod metrics;
pub mod private_file;
pub mod progress;
pub mod serve;
pub mod signals;
pub mod table;
pub mod webhook;
