//! A rate limit as the service counts it: at most `limit` requests in any `window` (a
//! sliding window — Personio's "N per second / per minute", Graph's "3,000 writes per
//! 150 seconds"). The simulators' own, so a client's pacing is checked against an
//! independent count rather than its own arithmetic.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// The requests admitted within the longest window, and the limits they are held to.
#[derive(Debug)]
pub(crate) struct Quota {
    limits: Vec<(Duration, usize)>,
    admitted: VecDeque<Instant>,
}

impl Quota {
    /// At most `limit` requests in any `window`, for each `(window, limit)` (a limit of 0
    /// counts as 1).
    pub(crate) fn new(limits: &[(Duration, usize)]) -> Self {
        Self {
            limits: limits.iter().map(|(w, l)| (*w, (*l).max(1))).collect(),
            admitted: VecDeque::new(),
        }
    }

    /// Admit one request at `now`, or refuse it with the time until a window has room again
    /// (what `Retry-After` tells the client).
    pub(crate) fn admit(&mut self, now: Instant) -> Result<(), Duration> {
        let longest = self
            .limits
            .iter()
            .map(|(w, _)| *w)
            .max()
            .unwrap_or_default();
        // Requests older than every window count no more.
        self.admitted.retain(|t| now.duration_since(*t) < longest);
        let mut wait = Duration::ZERO;
        for (window, limit) in &self.limits {
            let recent: Vec<Instant> = self
                .admitted
                .iter()
                .copied()
                .filter(|t| now.duration_since(*t) < *window)
                .collect();
            if recent.len() >= *limit {
                // Room comes when the request `limit` places before the newest leaves.
                let leaves = recent[recent.len() - limit] + *window;
                wait = wait.max(leaves.duration_since(now));
            }
        }
        if wait.is_zero() {
            self.admitted.push_back(now);
            Ok(())
        } else {
            Err(wait)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_window_refuses_until_its_oldest_request_leaves() {
        let t0 = Instant::now();
        let s = Duration::from_secs(1);
        let mut q = Quota::new(&[(10 * s, 3)]);
        for i in 0..3 {
            q.admit(t0 + i * s).unwrap();
        }
        assert_eq!(q.admit(t0 + 4 * s), Err(6 * s));
        q.admit(t0 + 10 * s).unwrap();
        assert_eq!(q.admit(t0 + 10 * s), Err(s));
    }

    #[test]
    fn every_window_holds() {
        let t0 = Instant::now();
        let ms = Duration::from_millis(1);
        let mut q = Quota::new(&[(1000 * ms, 2), (60_000 * ms, 3)]);
        q.admit(t0).unwrap();
        q.admit(t0).unwrap();
        assert_eq!(q.admit(t0 + 10 * ms), Err(990 * ms), "per second");
        q.admit(t0 + 1000 * ms).unwrap();
        assert_eq!(q.admit(t0 + 2000 * ms), Err(58_000 * ms), "per minute");
    }
}
