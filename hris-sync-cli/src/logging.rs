//! Logs on stderr: the level from `RUST_LOG` (default `info`), text or one JSON object a line.
//! Colour only on a terminal and never when `NO_COLOR` is set (<https://no-color.org>).

use std::io::IsTerminal as _;

use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;

use crate::cli::LogFormat;

/// Whether stderr may carry colour.
pub fn colour() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// The filter `RUST_LOG` names: a level (`debug`), or `target=level` directives separated by
/// commas (`hris_sync_core=debug,info`); what no directive names logs at `info`. (Span and
/// field filters of other tools' `RUST_LOG` are not supported: a directive with them is an
/// error that says so.)
///
/// # Errors
/// A directive that is not `level` or `target=level`, with the variable named.
pub fn filter(rust_log: Option<&str>) -> Result<Targets, String> {
    let filter = match rust_log.map(str::trim).filter(|v| !v.is_empty()) {
        None => Targets::new(),
        Some(v) => v.parse::<Targets>().map_err(|e| {
            format!("RUST_LOG: {v:?} is not a filter ({e}); use a level or target=level directives")
        })?,
    };
    Ok(match filter.default_level() {
        Some(_) => filter,
        None => filter.with_default(LevelFilter::INFO),
    })
}

/// Install the global subscriber.
///
/// # Errors
/// When `RUST_LOG` is set but not a valid filter; the message names the variable.
pub fn init(format: LogFormat) -> Result<(), String> {
    let filter = filter(std::env::var("RUST_LOG").ok().as_deref())?;
    let builder = tracing_subscriber::fmt()
        .with_max_level(LevelFilter::TRACE)
        .with_writer(std::io::stderr)
        // A closed stderr (a log pipe gone) must not end the run: by default the subscriber
        // reports a failed write with `eprintln!`, which panics when stderr is closed.
        .log_internal_errors(false);
    let installed = match format {
        LogFormat::Text => builder.with_ansi(colour()).finish().with(filter).try_init(),
        LogFormat::Json => builder
            .json()
            .with_ansi(false)
            .finish()
            .with(filter)
            .try_init(),
    };
    installed.map_err(|e| format!("logging: {e}"))
}

#[cfg(test)]
mod tests {
    use tracing_subscriber::filter::LevelFilter;

    #[test]
    fn rust_log_levels_and_targets() {
        let f = super::filter(None).unwrap();
        assert_eq!(f.default_level(), Some(LevelFilter::INFO));
        let f = super::filter(Some("debug")).unwrap();
        assert_eq!(f.default_level(), Some(LevelFilter::DEBUG));
        let f = super::filter(Some("hris_sync_core=debug")).unwrap();
        assert!(f.would_enable("hris_sync_core::engine", &tracing::Level::DEBUG));
        assert!(f.would_enable("reqwest", &tracing::Level::INFO));
        assert!(!f.would_enable("reqwest", &tracing::Level::DEBUG));
        let err = super::filter(Some("hris_sync_core[span]=debug=x")).unwrap_err();
        assert!(err.starts_with("RUST_LOG:"), "{err}");
    }
}
