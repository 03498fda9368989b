//! How far an apply has come: a bar per `$batch` on a terminal, a log line every 10 s
//! elsewhere (cron, systemd, a container), where a bar would be noise in the journal.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use hris_sync_core::Progress;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// A bar on standard error that moves as each `$batch` is answered. Plain characters and no
/// colour, so `NO_COLOR` and dumb terminals are served as they are.
#[derive(Debug)]
pub struct Bar {
    bar: ProgressBar,
}

impl Default for Bar {
    fn default() -> Self {
        Self::new(ProgressDrawTarget::stderr())
    }
}

impl Bar {
    /// A bar drawn to `target`.
    #[must_use]
    pub fn new(target: ProgressDrawTarget) -> Self {
        let bar = ProgressBar::with_draw_target(Some(0), target);
        let style = ProgressStyle::with_template(
            "  [{bar:30}] {pos}/{len} actions  {msg}  {elapsed_precise} (eta {eta})",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("#>.");
        bar.set_style(style);
        Self { bar }
    }

    /// Where the bar stands (for tests).
    #[must_use]
    pub fn position(&self) -> (u64, Option<u64>) {
        (self.bar.position(), self.bar.length())
    }
}

impl Progress for Bar {
    fn begin(&self, total: usize) {
        self.bar.reset();
        self.bar.set_length(total as u64);
        self.bar.set_message("applying");
    }

    fn advance(&self, phase: &str, done: usize, total: usize) {
        self.bar.set_length(total as u64);
        self.bar.set_position(done as u64);
        self.bar.set_message(format!("{phase} done"));
        if done >= total {
            self.bar.finish();
        }
    }

    fn written(&self, n: usize) {
        // The phase's `advance` sets the exact count; in between, never run past the end.
        let len = self.bar.length().unwrap_or(0);
        let next = (self.bar.position() + n as u64).min(len);
        self.bar.set_position(next);
    }
}

/// Progress as log lines: an `info` event at most every `every` (and always the last one),
/// so a long first run shows it is alive without flooding the log.
#[derive(Debug)]
pub struct ProgressLines {
    every: Duration,
    last: Mutex<Option<Instant>>,
    done: AtomicUsize,
    total: AtomicUsize,
}

impl ProgressLines {
    /// One line at most every `every`.
    #[must_use]
    pub fn new(every: Duration) -> Self {
        Self {
            every,
            last: Mutex::new(None),
            done: AtomicUsize::new(0),
            total: AtomicUsize::new(0),
        }
    }

    /// Whether a line is due now (and if so, the clock restarts).
    fn due(&self, last_one: bool) -> bool {
        let now = Instant::now();
        let mut last = self.last.lock().unwrap_or_else(PoisonError::into_inner);
        let due = last.is_none_or(|t| now.duration_since(t) >= self.every);
        if due || last_one {
            *last = Some(now);
        }
        due || last_one
    }
}

impl Progress for ProgressLines {
    fn begin(&self, total: usize) {
        self.done.store(0, Ordering::Relaxed);
        self.total.store(total, Ordering::Relaxed);
    }

    fn advance(&self, phase: &str, done: usize, total: usize) {
        self.done.store(done, Ordering::Relaxed);
        if self.due(done >= total) {
            tracing::info!(phase, done, total, "progress");
        }
    }

    fn written(&self, n: usize) {
        let total = self.total.load(Ordering::Relaxed);
        let done = (self.done.fetch_add(n, Ordering::Relaxed) + n).min(total);
        if self.due(false) {
            tracing::info!(done, total, "progress");
        }
    }
}

/// The progress display for this process: a bar when stderr is a terminal, log lines every
/// 10 s otherwise.
#[must_use]
pub fn for_stderr() -> Arc<dyn Progress> {
    use std::io::IsTerminal as _;
    if std::io::stderr().is_terminal() {
        Arc::new(Bar::default())
    } else {
        Arc::new(ProgressLines::new(Duration::from_secs(10)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bar_moves_per_batch_and_never_past_the_end() {
        let bar = Bar::new(ProgressDrawTarget::hidden());
        bar.begin(45);
        bar.written(20);
        assert_eq!(bar.position(), (20, Some(45)));
        bar.written(20);
        bar.written(20);
        assert_eq!(bar.position(), (45, Some(45)));
        bar.advance("create", 40, 45);
        assert_eq!(bar.position(), (40, Some(45)));
        // A second cycle starts from zero.
        bar.begin(3);
        assert_eq!(bar.position(), (0, Some(3)));
    }

    #[test]
    fn lines_are_rate_limited_but_the_last_always_comes() {
        let lines = ProgressLines::new(Duration::from_secs(3600));
        lines.begin(100);
        assert!(lines.due(false), "the first line is due");
        assert!(!lines.due(false), "the next within the period is not");
        assert!(lines.due(true), "the last line always is");
        lines.written(150);
        assert_eq!(lines.done.load(Ordering::Relaxed), 150);
    }
}
