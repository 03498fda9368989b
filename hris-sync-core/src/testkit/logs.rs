//! Captured `tracing` output, for tests that assert what is (and is not) logged.

use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};

/// Every `tracing` event at trace level, as text. Install it for the current thread with
/// [`CapturedLogs::install`]; run the code under test on that thread (a current-thread
/// runtime) so its events are captured.
#[derive(Clone, Debug, Default)]
pub struct CapturedLogs(Arc<Mutex<Vec<u8>>>);

impl CapturedLogs {
    /// Everything captured so far.
    #[must_use]
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(PoisonError::into_inner)).into_owned()
    }

    /// Capture this thread's events until the guard is dropped.
    #[must_use]
    pub fn install(&self) -> tracing::subscriber::DefaultGuard {
        self.install_at(tracing::Level::TRACE)
    }

    /// Capture this thread's events at `level` and above (what an operator's log at that
    /// level holds) until the guard is dropped.
    #[must_use]
    pub fn install_at(&self, level: tracing::Level) -> tracing::subscriber::DefaultGuard {
        let writer = self.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(level)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_default(subscriber)
    }
}

impl Write for CapturedLogs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
