//! Logs on stderr: the level from `RUST_LOG` (default `info`), text or one JSON object a line.
//! Colour only on a terminal and never when `NO_COLOR` is set (<https://no-color.org>).

use std::io::IsTerminal as _;

use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::LevelFilter;

use crate::cli::LogFormat;

/// Whether stderr may carry colour.
pub fn colour() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Install the global subscriber.
///
/// # Errors
/// When `RUST_LOG` is set but not a valid filter; the message names the variable.
pub fn init(format: LogFormat) -> Result<(), String> {
    let filter = EnvFilter::builder()
        .with_default_directive(LevelFilter::INFO.into())
        .from_env()
        .map_err(|e| format!("RUST_LOG: {e}"))?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // A closed stderr (a log pipe gone) must not end the run: by default the subscriber
        // reports a failed write with `eprintln!`, which panics when stderr is closed.
        .log_internal_errors(false);
    let installed = match format {
        LogFormat::Text => builder.with_ansi(colour()).try_init(),
        LogFormat::Json => builder.json().with_ansi(false).try_init(),
    };
    installed.map_err(|e| format!("logging: {e}"))
}
