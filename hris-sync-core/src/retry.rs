//! The shared retry policy: which failures to retry, and how long to wait.
//!
//! Pure: the connectors call [`RetryPolicy::delay`] with the attempt number, the error and a
//! jitter value, and sleep for what it returns. Throttling honours the service's `Retry-After`
//! and never waits less than [`RetryPolicy::min_throttle_wait`]; other transient failures back
//! off exponentially with jitter, so many clients do not retry in lockstep. Both are bounded by
//! [`RetryPolicy::max_retries`] and by a total [`RetryPolicy::deadline`] per operation (T10),
//! after which the error is marked exhausted, says what was tried, and callers stop. A
//! `Retry-After` is read as seconds or as an HTTP date ([`parse_retry_after`]) and capped at
//! [`RetryPolicy::max_retry_after`], so a hostile or broken header cannot park a run for hours.

pub use crate::retrying::{Step, retrying};

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
    /// The longest `Retry-After` honoured; a longer one is cut to this (T10).
    pub max_retry_after: Duration,
    /// The total time one operation may spend retrying; a retry that would end past it is not
    /// made (T10).
    pub deadline: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 5,
            base: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            min_throttle_wait: Duration::from_secs(1),
            max_retry_after: Duration::from_secs(120),
            deadline: Duration::from_secs(300),
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
            max_retry_after: self.max_retry_after / f,
            deadline: self.deadline / f,
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
        let backoff = self.backoff(attempt, jitter);
        let asked = error.retry_after().map(|a| a.min(self.max_retry_after));
        Some(match error.kind() {
            ErrorKind::Throttled => backoff
                .max(self.min_throttle_wait)
                .max(asked.unwrap_or_default()),
            _ => asked.map_or(backoff, |asked| asked.max(backoff)),
        })
    }

    /// The exponential back-off before retry number `attempt + 1`, capped at
    /// [`max_backoff`](Self::max_backoff), with "equal jitter": half fixed, half random, so
    /// the wait never collapses to zero. `jitter` is a number in `[0, 1)`.
    #[must_use]
    pub fn backoff(&self, attempt: u32, jitter: f64) -> Duration {
        let exp = self
            .base
            .saturating_mul(2u32.saturating_pow(attempt))
            .min(self.max_backoff);
        exp.mul_f64(0.5 + jitter.clamp(0.0, 1.0) / 2.0)
    }

    /// [`delay`](Self::delay), also bounded by the [`deadline`](Self::deadline): `elapsed`
    /// is the time the operation has taken so far, and a wait that would end past the
    /// deadline is not made.
    #[must_use]
    pub fn delay_within(
        &self,
        attempt: u32,
        error: &Error,
        jitter: f64,
        elapsed: Duration,
    ) -> Option<Duration> {
        self.delay(attempt, error, jitter)
            .filter(|wait| elapsed.saturating_add(*wait) <= self.deadline)
    }

    /// Give up on `error` after `attempts` attempts over `elapsed`: the error is marked
    /// exhausted and its message says what was tried.
    #[must_use]
    pub fn give_up_after(error: Error, attempts: u32, elapsed: Duration) -> Error {
        if !error.is_retryable() {
            return error.exhausted();
        }
        let note = format!(
            " (gave up after {attempts} attempt{} over {:.1} s)",
            if attempts == 1 { "" } else { "s" },
            elapsed.as_secs_f64()
        );
        error.with_note(&note).exhausted()
    }

    /// Mark an error that will not be retried any more, so callers up the stack do not retry it
    /// again.
    #[must_use]
    pub fn give_up(error: Error) -> Error {
        error.exhausted()
    }
}

/// A `Retry-After` header value: delay-seconds, or an HTTP date (RFC 9110 §10.2.3), read
/// against `now`. A date in the past is no wait; anything unreadable is `None`.
#[must_use]
pub fn parse_retry_after(value: &str, now: std::time::SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    // An HTTP-date in any of RFC 9110's three forms (IMF-fixdate, RFC 850, asctime).
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
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

    // Retry-After as seconds or as an HTTP-date in each of RFC 9110's three forms; a past
    // date is no wait; anything else is no Retry-After.
    #[test]
    fn retry_after_reads_seconds_and_every_http_date_form() {
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:07 GMT").unwrap();
        let secs = |n| Some(Duration::from_secs(n));
        for (value, wait) in [
            ("Sun, 06 Nov 1994 08:49:37 GMT", secs(30)),
            ("Sunday, 06-Nov-94 08:49:37 GMT", secs(30)),
            ("Sun Nov  6 08:49:37 1994", secs(30)),
            ("120", secs(120)),
            ("Sun, 06 Nov 1994 08:00:00 GMT", Some(Duration::ZERO)),
            ("Sat, 05 Nov 1994 08:49:37 GMT", Some(Duration::ZERO)),
            ("soon", None),
            ("-5", None),
        ] {
            assert_eq!(parse_retry_after(value, now), wait, "{value}");
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
    fn t10_retry_after_is_capped_and_retries_have_a_deadline() {
        let p = RetryPolicy::default();
        // A day-long Retry-After is cut to the cap.
        let e = throttled(Some(86_400));
        assert_eq!(p.delay(0, &e, 0.0), Some(p.max_retry_after));
        // Within the deadline the wait is made; past it, not.
        assert!(p.delay_within(0, &e, 0.0, Duration::ZERO).is_some());
        assert!(p.delay_within(0, &e, 0.0, p.deadline).is_none());
        let gave_up = RetryPolicy::give_up_after(e, 3, Duration::from_millis(4500));
        assert!(!gave_up.is_retryable());
        assert!(
            gave_up.message().contains("3 attempts over 4.5 s"),
            "{gave_up}"
        );
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
