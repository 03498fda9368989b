//! A sliding-window request budget, shared by the connectors and their simulators.
//!
//! Pure: the caller passes the current instant and sleeps for what [`Budget::try_take`]
//! returns. "300 requests a minute and 15 a second" is two windows; "3,000 writes per 150
//! seconds" is one.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// A budget over one or more sliding windows.
#[derive(Clone, Debug)]
pub struct Budget {
    windows: Vec<(Duration, usize)>,
    taken: VecDeque<Instant>,
}

impl Budget {
    /// A budget allowing `limit` units in every `window`, for each `(window, limit)`.
    #[must_use]
    pub fn new(windows: &[(Duration, usize)]) -> Self {
        Self {
            windows: windows.iter().map(|(w, l)| (*w, (*l).max(1))).collect(),
            taken: VecDeque::new(),
        }
    }

    /// Take `n` units at `now` if they fit every window; otherwise take nothing and return how
    /// long to wait before they might. `n` larger than a window's limit is clamped to it, so a
    /// request is never refused forever.
    ///
    /// # Errors
    /// The wait, when the units do not fit now.
    pub fn try_take(&mut self, now: Instant, n: usize) -> Result<(), Duration> {
        let longest = self.windows.iter().map(|w| w.0).max().unwrap_or_default();
        while self
            .taken
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= longest)
        {
            self.taken.pop_front();
        }
        let mut wait = Duration::ZERO;
        for (window, limit) in &self.windows {
            let n = n.min(*limit);
            // Entries inside the window, newest last.
            let inside: Vec<&Instant> = self
                .taken
                .iter()
                .filter(|t| now.saturating_duration_since(**t) < *window)
                .collect();
            if inside.len() + n > *limit {
                // The entry whose leaving makes room for n more.
                let must_leave = inside.len() + n - limit;
                let oldest = inside[must_leave - 1];
                wait = wait.max((*oldest + *window).saturating_duration_since(now));
            }
        }
        if wait > Duration::ZERO {
            return Err(wait.max(Duration::from_millis(1)));
        }
        self.taken.extend(std::iter::repeat_n(now, n));
        Ok(())
    }
}

impl Budget {
    /// Move `n` units taken at `from` to `to`: count them from when the service surely saw
    /// them (when its answer arrived), not from when they were sent. The service's own clock
    /// starts the window when it receives a request, later than the client sent it; counting
    /// from the answer keeps the client's window at or behind the service's, so pacing never
    /// runs into the service's limit.
    pub fn restamp(&mut self, from: Instant, to: Instant, n: usize) {
        let mut moved = 0;
        self.taken.retain(|t| {
            if moved < n && *t == from {
                moved += 1;
                false
            } else {
                true
            }
        });
        let at = self.taken.partition_point(|t| *t <= to);
        for _ in 0..moved {
            self.taken.insert(at, to);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_windows() {
        let mut b = Budget::new(&[(Duration::from_secs(1), 15), (Duration::from_secs(60), 300)]);
        let t0 = Instant::now();
        for _ in 0..15 {
            assert!(b.try_take(t0, 1).is_ok());
        }
        assert_eq!(b.try_take(t0, 1), Err(Duration::from_secs(1)));
        assert!(b.try_take(t0 + Duration::from_secs(1), 1).is_ok());
    }

    #[test]
    fn restamped_units_count_from_the_answer() {
        let mut b = Budget::new(&[(Duration::from_secs(10), 2)]);
        let t0 = Instant::now();
        b.try_take(t0, 2).unwrap();
        b.restamp(t0, t0 + Duration::from_secs(3), 2);
        assert_eq!(
            b.try_take(t0 + Duration::from_secs(10), 1),
            Err(Duration::from_secs(3))
        );
        assert!(b.try_take(t0 + Duration::from_secs(13), 1).is_ok());
    }

    #[test]
    fn batches_take_several_units() {
        let mut b = Budget::new(&[(Duration::from_secs(150), 3000)]);
        let t0 = Instant::now();
        for _ in 0..150 {
            assert!(b.try_take(t0, 20).is_ok());
        }
        let wait = b.try_take(t0 + Duration::from_secs(10), 20).unwrap_err();
        assert_eq!(wait, Duration::from_secs(140));
        assert!(b.try_take(t0 + Duration::from_secs(150), 20).is_ok());
    }
}
