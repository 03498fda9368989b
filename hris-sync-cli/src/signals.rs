//! Shutdown on SIGINT and SIGTERM (docs/rules.md §4): the first signal asks the run to stop at the
//! next safe point — the `$batch`es in flight are answered, the state is saved, the report is
//! printed, and the exit status is 1 if actions were left (0 if nothing was); a second signal
//! exits at once with 128 + the signal's number (130 for SIGINT, 143 for SIGTERM).

use hris_sync_core::Stop;

/// Exit status of a second SIGINT.
pub const EXIT_SIGINT: i32 = 130;
/// Exit status of a second SIGTERM.
pub const EXIT_SIGTERM: i32 = 143;

/// Handle shutdown signals for the rest of the process: the first requests `stop`, the
/// second exits. Must be called inside a Tokio runtime.
///
/// # Errors
/// When the signal handlers cannot be installed.
#[cfg(unix)]
pub fn on_shutdown(stop: Stop) -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate())?;
    let mut interrupt = signal(SignalKind::interrupt())?;
    tokio::spawn(async move {
        loop {
            let (name, code) = tokio::select! {
                _ = terminate.recv() => ("SIGTERM", EXIT_SIGTERM),
                _ = interrupt.recv() => ("SIGINT", EXIT_SIGINT),
            };
            received(&stop, name, code);
        }
    });
    Ok(())
}

/// Handle Ctrl-C (the only shutdown signal outside Unix) the same way.
///
/// # Errors
/// Never; the signature matches the Unix one.
#[cfg(not(unix))]
pub fn on_shutdown(stop: Stop) -> std::io::Result<()> {
    tokio::spawn(async move {
        while tokio::signal::ctrl_c().await.is_ok() {
            received(&stop, "Ctrl-C", EXIT_SIGINT);
        }
    });
    Ok(())
}

#[allow(clippy::print_stderr)]
fn received(stop: &Stop, name: &str, code: i32) {
    if stop.is_requested() {
        eprintln!("{name} again: exiting now; the state file holds the last finished phase");
        std::process::exit(code);
    }
    tracing::warn!(
        signal = name,
        "stopping after the requests in flight; the state will be saved (send it again to exit at once)"
    );
    stop.request();
}
