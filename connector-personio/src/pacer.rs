//! Client-side pacing: stay under Personio's request budget instead of running into 429s.

use hris_sync_core::pacing::Budget;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::config::RateLimits;

/// Personio's two windows (per second and per minute) over core's sliding-window budget.
#[derive(Debug)]
pub(crate) struct Pacer {
    budget: Mutex<Budget>,
}

impl Pacer {
    pub(crate) fn new(limits: &RateLimits) -> Self {
        let n = |v: u32| usize::try_from(v).unwrap_or(usize::MAX);
        Self {
            budget: Mutex::new(Budget::new(&[
                (limits.second, n(limits.per_second)),
                (limits.minute, n(limits.per_minute)),
            ])),
        }
    }

    /// Wait until one more request fits both windows, then count it. Returns the instant it
    /// was counted at, for [`Pacer::answered`].
    pub(crate) async fn acquire(&self) -> std::time::Instant {
        loop {
            let now = Instant::now().into_std();
            let wait = match self.budget.lock().await.try_take(now, 1) {
                Ok(()) => return now,
                Err(wait) => wait,
            };
            tokio::time::sleep(wait).await;
        }
    }

    /// Count the request taken at `taken` from now on, when its answer arrived: Personio
    /// counted it when it received it, which is later than it was sent.
    pub(crate) async fn answered(&self, taken: std::time::Instant) {
        let now = Instant::now().into_std();
        self.budget.lock().await.restamp(taken, now, 1);
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// How long `n` acquisitions take (on tokio's paused clock).
    async fn acquiring(pacer: &Pacer, n: usize) -> Duration {
        let start = Instant::now();
        for _ in 0..n {
            pacer.acquire().await;
        }
        start.elapsed()
    }

    #[tokio::test(start_paused = true)]
    async fn paces_to_the_short_window() {
        let pacer = Pacer::new(&RateLimits::default());
        assert!(acquiring(&pacer, 15).await < Duration::from_millis(10));
        // The 16th waits for the first second to pass.
        assert!(acquiring(&pacer, 1).await >= Duration::from_millis(990));
    }

    #[tokio::test(start_paused = true)]
    async fn paces_to_the_long_window() {
        // 300 fit the first minute (15/s → 20 s); the 301st waits for the minute to roll.
        let took = acquiring(&Pacer::new(&RateLimits::default()), 301).await;
        assert!(took >= Duration::from_secs(60), "{took:?}");
        assert!(took < Duration::from_secs(62), "{took:?}");
    }
}
