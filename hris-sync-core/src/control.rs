//! Steering a running apply from outside: a [`Stop`] request and a [`Progress`] display.
//!
//! A host that is asked to shut down (SIGTERM from systemd, a service's own shutdown) calls
//! [`Stop::request`]. The engine then finishes what is in flight and goes no further:
//!
//! - the [`crate::engine::Syncer`] checks between its phases (no apply starts after a stop);
//! - [`crate::apply`] checks between apply phases (links, creates, updates, managers,
//!   disables, enables) and saves the state after each one (S6: a recorded disable is never
//!   lost);
//! - a [`crate::Directory`] checks between its own requests (the Graph connector: before each
//!   new `$batch`, and before it retries or waits), through [`ApplyContext`].
//!
//! Whatever was not sent is reported as failed with [`ErrorKind::Aborted`] and the reason
//! "not applied: the run was stopped"; the next cycle plans it again.

use std::fmt;
use std::sync::Arc;

use tokio::sync::watch;

use crate::error::{Error, ErrorKind};

/// A request to stop at the next safe point, shared by clones.
#[derive(Clone)]
pub struct Stop {
    flag: Arc<watch::Sender<bool>>,
}

impl Default for Stop {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stop")
            .field("requested", &self.is_requested())
            .finish()
    }
}

impl Stop {
    /// A stop nobody has requested yet.
    #[must_use]
    pub fn new() -> Self {
        Self {
            flag: Arc::new(watch::channel(false).0),
        }
    }

    /// Ask every holder of a clone to stop at its next safe point. Idempotent.
    pub fn request(&self) {
        self.flag.send_replace(true);
    }

    /// Whether a stop was requested.
    #[must_use]
    pub fn is_requested(&self) -> bool {
        *self.flag.borrow()
    }

    /// Completes once a stop is requested (at once if it already was). For waits that
    /// should end early: `tokio::select!` it against a sleep.
    pub async fn requested(&self) {
        let mut seen = self.flag.subscribe();
        // The sender lives in `self`, so the channel cannot close while we wait.
        let _ = seen.wait_for(|stop| *stop).await;
    }

    /// The outcome of an operation that was not sent because of a stop.
    #[must_use]
    pub fn not_applied() -> Error {
        Error::new(
            ErrorKind::Aborted,
            "not applied: the run was stopped before this was sent; the next run plans it again",
        )
    }
}

/// Told how far an apply has come. Called from the engine and from inside a directory's
/// concurrent requests, so it takes `&self`.
pub trait Progress: Send + Sync {
    /// An apply of `total` actions starts.
    fn begin(&self, total: usize) {
        let _ = total;
    }

    /// `phase` (`link`, `create`, …) finished; `done` of `total` actions are through.
    fn advance(&self, phase: &str, done: usize, total: usize);

    /// `n` more operations of the current phase were answered (a `$batch` came back). The
    /// next [`Progress::advance`] gives the exact count; this only moves a bar in between.
    fn written(&self, n: usize) {
        let _ = n;
    }
}

/// Reports nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn advance(&self, _: &str, _: usize, _: usize) {}
}

/// What the engine hands to [`crate::Directory::apply_with`]: the stop request to honour
/// between requests, and where to report answered operations.
#[derive(Clone)]
pub struct ApplyContext {
    stop: Stop,
    progress: Arc<dyn Progress>,
}

impl Default for ApplyContext {
    fn default() -> Self {
        Self::new(Stop::new(), Arc::new(NoProgress))
    }
}

impl fmt::Debug for ApplyContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApplyContext")
            .field("stop", &self.stop)
            .finish_non_exhaustive()
    }
}

impl ApplyContext {
    /// A context with this stop request and progress display.
    #[must_use]
    pub fn new(stop: Stop, progress: Arc<dyn Progress>) -> Self {
        Self { stop, progress }
    }

    /// The stop request.
    #[must_use]
    pub fn stop(&self) -> &Stop {
        &self.stop
    }

    /// Whether a stop was requested: send nothing new.
    #[must_use]
    pub fn is_stopped(&self) -> bool {
        self.stop.is_requested()
    }

    /// `n` more operations were answered.
    pub fn written(&self, n: usize) {
        if n > 0 {
            self.progress.written(n);
        }
    }

    /// The progress display.
    #[must_use]
    pub fn progress(&self) -> &dyn Progress {
        self.progress.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_stop_reaches_every_clone_and_wakes_a_waiter() {
        let stop = Stop::new();
        let other = stop.clone();
        assert!(!other.is_requested());
        let waiter = tokio::spawn(async move { other.requested().await });
        stop.request();
        stop.request();
        waiter.await.expect("the waiter ends");
        assert!(stop.is_requested());
        // Already requested: completes at once.
        stop.requested().await;
        assert_eq!(Stop::not_applied().kind(), ErrorKind::Aborted);
        assert!(format!("{stop:?}").contains("true"));
    }
}
