//! The shared retry policy: which failures to retry, and how long to wait.
//!
//! Pure: the connectors call [`RetryPolicy::delay`] with the attempt number, the error and a
//! jitter value, and sleep for what it returns. Throttling honours the service's `Retry-After`
//! and never waits less than [`RetryPolicy::min_throttle_wait`]; other transient failures back
//! off exponentially with jitter, so many clients do not retry in lockstep. Both are bounded by
//! [`RetryPolicy::max_retries`], after which the error is marked exhausted and callers stop.

use std::time::Duration;

use crate::error::{Error, ErrorKind};

/// How a connector retries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (so `max_retries + 1` attempts in all).
    pub max_retries: u32,
    /// The first back-off; doubled on each further attempt.
    pub base: Duration,
    /// The longest back-off (a `Retry-After` may ask for more and is honoured).
    pub max_backoff: Duration,
    /// The shortest wait after throttling (Personio asks for at least 1 s).
    pub min_throttle_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 5,
            base: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            min_throttle_wait: Duration::from_secs(1),
        }
    }
}

impl RetryPolicy {
    /// A policy for tests: the same shape, with every wait divided by `factor`.
    #[must_use]
    pub fn scaled(&self, factor: u32) -> Self {
        let f = factor.max(1);
        Self {
            max_retries: self.max_retries,
            base: self.base / f,
            max_backoff: self.max_backoff / f,
            min_throttle_wait: self.min_throttle_wait / f,
        }
    }

    /// How long to wait before retry number `attempt + 1` after `error`, or `None` when the
    /// error must not be retried (not retryable, or retries spent). `jitter` is a number in
    /// `[0, 1)`; see [`jitter`].
    #[must_use]
    pub fn delay(&self, attempt: u32, error: &Error, jitter: f64) -> Option<Duration> {
        if !error.is_retryable() || attempt >= self.max_retries {
            return None;
        }
        let exp = self
            .base
            .saturating_mul(2u32.saturating_pow(attempt))
            .min(self.max_backoff);
        // "Equal jitter": half fixed, half random, so the wait never collapses to zero.
        let jitter = jitter.clamp(0.0, 1.0);
        let backoff = exp.mul_f64(0.5 + jitter / 2.0);
        Some(match error.kind() {
            ErrorKind::Throttled => {
                let asked = error.retry_after().unwrap_or_default();
                backoff.max(self.min_throttle_wait).max(asked)
            }
            _ => error
                .retry_after()
                .map_or(backoff, |asked| asked.max(backoff)),
        })
    }

    /// Mark an error that will not be retried any more, so callers up the stack do not retry it
    /// again.
    #[must_use]
    pub fn give_up(error: Error) -> Error {
        error.exhausted()
    }
}

/// A jitter value in `[0, 1)` from the operating system's random source (0.5 if it fails).
#[must_use]
pub fn jitter() -> f64 {
    let mut b = [0u8; 4];
    match getrandom::fill(&mut b) {
        Ok(()) => f64::from(u32::from_le_bytes(b)) / (f64::from(u32::MAX) + 1.0),
        Err(_) => 0.5,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn throttled(after: Option<u64>) -> Error {
        let e = Error::new(ErrorKind::Throttled, "429");
        match after {
            Some(s) => e.with_retry_after(Duration::from_secs(s)),
            None => e,
        }
    }

    #[test]
    fn throttling_waits_at_least_a_second_and_honours_retry_after() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.delay(0, &throttled(None), 0.0),
            Some(Duration::from_secs(1))
        );
        assert_eq!(
            p.delay(0, &throttled(Some(7)), 0.0),
            Some(Duration::from_secs(7))
        );
        // Exponential growth wins once it passes the floor.
        let late = p.delay(4, &throttled(None), 1.0).unwrap();
        assert_eq!(late, Duration::from_secs(8));
    }

    #[test]
    fn transient_backs_off_exponentially_with_jitter_and_a_cap() {
        let p = RetryPolicy::default();
        let e = Error::new(ErrorKind::Transient, "503");
        assert_eq!(p.delay(0, &e, 0.0), Some(Duration::from_millis(250)));
        assert_eq!(p.delay(0, &e, 1.0), Some(Duration::from_millis(500)));
        assert_eq!(p.delay(2, &e, 1.0), Some(Duration::from_secs(2)));
        let capped = RetryPolicy {
            max_retries: 20,
            ..RetryPolicy::default()
        };
        assert_eq!(capped.delay(15, &e, 1.0), Some(Duration::from_secs(30)));
    }

    #[test]
    fn bounded_and_only_retryable() {
        let p = RetryPolicy::default();
        let e = Error::new(ErrorKind::Transient, "503");
        assert!(p.delay(5, &e, 0.5).is_none());
        assert!(p.delay(0, &Error::invalid_input("bad"), 0.5).is_none());
        assert!(p.delay(0, &RetryPolicy::give_up(e), 0.5).is_none());
    }

    #[test]
    fn jitter_is_in_range() {
        for _ in 0..100 {
            let j = jitter();
            assert!((0.0..1.0).contains(&j));
        }
    }

    #[test]
    fn scaled_divides_waits() {
        let p = RetryPolicy::default().scaled(100);
        assert_eq!(p.min_throttle_wait, Duration::from_millis(10));
        assert_eq!(p.max_retries, 5);
    }
}
