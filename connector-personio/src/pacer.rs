//! Client-side pacing: stay under Personio's request budget instead of running into 429s.

use std::collections::VecDeque;
use std::time::Duration;

use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::config::RateLimits;

/// A sliding-window limiter over two windows (per second and per minute).
#[derive(Debug)]
pub(crate) struct Pacer {
    windows: [(Duration, usize); 2],
    sent: Mutex<VecDeque<Instant>>,
}

impl Pacer {
    pub(crate) fn new(limits: &RateLimits) -> Self {
        let n = |v: u32| usize::try_from(v.max(1)).unwrap_or(usize::MAX);
        Self {
            windows: [
                (limits.second, n(limits.per_second)),
                (limits.minute, n(limits.per_minute)),
            ],
            sent: Mutex::new(VecDeque::new()),
        }
    }

    /// Wait until one more request fits both windows, then count it.
    pub(crate) async fn acquire(&self) {
        loop {
            let wait = {
                let mut sent = self.sent.lock().await;
                let now = Instant::now();
                let longest = self.windows.iter().map(|w| w.0).max().unwrap_or_default();
                while sent
                    .front()
                    .is_some_and(|t| now.duration_since(*t) >= longest)
                {
                    sent.pop_front();
                }
                // For each window, if it is full, the request must wait until its oldest entry
                // inside the window leaves it.
                let wait = self
                    .windows
                    .iter()
                    .filter_map(|(window, limit)| {
                        let inside: Vec<&Instant> = sent
                            .iter()
                            .filter(|t| now.duration_since(**t) < *window)
                            .collect();
                        (inside.len() >= *limit).then(|| {
                            let oldest = inside[inside.len() - limit];
                            (*oldest + *window).saturating_duration_since(now)
                        })
                    })
                    .max();
                match wait {
                    None => {
                        sent.push_back(now);
                        return;
                    }
                    Some(w) => w,
                }
            };
            tokio::time::sleep(wait.max(Duration::from_millis(1))).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn paces_to_the_short_window() {
        let pacer = Pacer::new(&RateLimits::default());
        let start = Instant::now();
        for _ in 0..15 {
            pacer.acquire().await;
        }
        assert!(start.elapsed() < Duration::from_millis(10));
        pacer.acquire().await; // the 16th waits for the first second to pass
        assert!(start.elapsed() >= Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn paces_to_the_long_window() {
        let pacer = Pacer::new(&RateLimits::default());
        let start = Instant::now();
        for _ in 0..301 {
            pacer.acquire().await;
        }
        // 300 fit the first minute (15/s → 20 s); the 301st waits for the minute to roll.
        assert!(
            start.elapsed() >= Duration::from_secs(60),
            "{:?}",
            start.elapsed()
        );
        assert!(
            start.elapsed() < Duration::from_secs(62),
            "{:?}",
            start.elapsed()
        );
    }
}
