//! [`HttpOptions`]: what every HTTP connector's builder takes the same way.

use std::time::Duration;

use hris_sync_core::retry::RetryPolicy;
use hris_sync_core::{RequestStats, Result};

use crate::HttpClient;

/// The HTTP settings every HTTP connector takes, the same way: where its `reqwest::Client`
/// comes from, the timeout of one request, how failures are retried, and where requests are
/// counted. Each connector's builder holds one (`http_options`, or the shortcuts `timeout`,
/// `retry`, `request_stats` and `with_http_client`).
///
/// ```
/// use std::time::Duration;
/// use hris_sync_core::RequestStats;
/// use hris_sync_http::HttpOptions;
///
/// let stats = RequestStats::new();
/// let options = HttpOptions::default()
///     .timeout(Duration::from_secs(20))
///     .request_stats(stats.clone());
/// assert_eq!(options.timeout, Duration::from_secs(20));
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct HttpOptions {
    /// The client: built by the connector, or the host's.
    pub client: HttpClient,
    /// The longest one request may take (a client built here; the host's keeps its own).
    pub timeout: Duration,
    /// How failed requests are retried.
    pub retry: RetryPolicy,
    /// Where requests and throttles are counted.
    pub stats: RequestStats,
}

impl Default for HttpOptions {
    /// A client built by the connector, a 30 s timeout, the default retry policy, fresh
    /// counters.
    fn default() -> Self {
        Self::with_timeout(Duration::from_secs(30))
    }
}

impl HttpOptions {
    /// The defaults with a request timeout of `timeout` (a connector's own default).
    #[must_use]
    pub fn with_timeout(timeout: Duration) -> Self {
        Self {
            client: HttpClient::Default,
            timeout,
            retry: RetryPolicy::default(),
            stats: RequestStats::new(),
        }
    }

    /// Requests time out after `timeout`.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Failed requests are retried by `retry`.
    #[must_use]
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Requests are counted in `stats`.
    #[must_use]
    pub fn request_stats(mut self, stats: RequestStats) -> Self {
        self.stats = stats;
        self
    }

    /// Send with the host's `client` (its proxy, roots, pool and timeouts).
    #[must_use]
    pub fn with_http_client(mut self, client: reqwest::Client) -> Self {
        self.client = HttpClient::Given(client);
        self
    }

    /// The client to send with.
    ///
    /// # Errors
    /// When reqwest cannot build a client.
    pub fn build_client(&self) -> Result<reqwest::Client> {
        self.client.build(self.timeout)
    }
}
