//! [`RequestStats`]: what a connector sent and how often it was throttled, for a host's
//! metrics (the `sync` tool's `/metrics`).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

/// Counters of one connector's HTTP traffic, shared by clones. A connector counts every
/// request it sends (retries included) and every `429` it gets, for a whole request or for
/// one sub-request of a `$batch`.
#[derive(Clone, Debug, Default)]
pub struct RequestStats(Arc<Counters>);

#[derive(Debug, Default)]
struct Counters {
    requests: AtomicU64,
    throttled: AtomicU64,
}

/// The counters at one moment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RequestCounts {
    /// HTTP requests sent.
    pub requests: u64,
    /// `429` answers (whole requests and `$batch` sub-requests).
    pub throttled: u64,
}

impl RequestStats {
    /// Counters starting at zero.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// One request was sent.
    pub fn sent(&self) {
        self.0.requests.fetch_add(1, Ordering::Relaxed);
    }

    /// One answer (or sub-answer) was `429`.
    pub fn throttled(&self) {
        self.0.throttled.fetch_add(1, Ordering::Relaxed);
    }

    /// Count `status` as throttled when it is `429`.
    pub fn answered(&self, status: u16) {
        if status == 429 {
            self.throttled();
        }
    }

    /// The counts so far.
    #[must_use]
    pub fn counts(&self) -> RequestCounts {
        RequestCounts {
            requests: self.0.requests.load(Ordering::Relaxed),
            throttled: self.0.throttled.load(Ordering::Relaxed),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_the_counts() {
        let stats = RequestStats::new();
        let other = stats.clone();
        other.sent();
        other.sent();
        stats.answered(200);
        stats.answered(429);
        assert_eq!(
            stats.counts(),
            RequestCounts {
                requests: 2,
                throttled: 1
            }
        );
    }
}
