//! The parts of the `hris-sync` command, in a library so they are tested with `cargo test`
//! while the binary stays small: its command line (`cli`), the audit trail on disk (`audit`), where new hires' one-time
//! passwords go (`credentials`), the state lock (`lock`), private files (`private_file`), its
//! logs (`logging`), its human output (`table`), the `--watch --listen` server (`serve`,
//! `metrics`, `webhook`), signals (`signals`) and progress (`progress`); with the `demo`
//! feature, the demo company against the simulators (`demo`).
//!
//! - `cargo run -p hris-sync -- --demo`: a whole sync over HTTP against both simulators.
//! - `cargo install --locked --path hris-sync-cli`: the command, as `hris-sync`.

#[cfg(not(feature = "personio"))]
compile_error!("hris-sync needs an HR source: build it with the feature `personio`");

pub mod audit;
pub mod cli;
pub mod connectors;
pub mod credentials;
#[cfg(feature = "demo")]
pub mod demo;
pub mod explain;
pub mod lock;
pub mod logging;
pub mod metrics;
pub mod private_file;
pub mod progress;
pub mod serve;
pub mod signals;
pub mod status;
pub mod status_http;
pub mod table;
pub mod webhook;
