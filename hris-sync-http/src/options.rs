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

    hris_sync_core::raw::setters! {
        /// Requests time out after this long.
        timeout: Duration => timeout;
        /// Failed requests are retried by this policy.
        retry: RetryPolicy => retry;
        /// Requests are counted in these counters.
        request_stats: RequestStats => stats;
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

/// The HTTP setters every HTTP connector's builder has, generated once: `retry`, `timeout`,
/// `request_stats`, `with_http_client` and `http_options`, each writing the builder's
/// [`HttpOptions`] field. Use it inside the builder's `impl` block:
///
/// ```
/// # use hris_sync_http::HttpOptions;
/// #[derive(Default)]
/// pub struct MyBuilder { http: HttpOptions }
/// impl MyBuilder {
///     hris_sync_http::http_setters!(http);
/// }
/// let b = MyBuilder::default().timeout(std::time::Duration::from_secs(5));
/// assert_eq!(b.http.timeout.as_secs(), 5);
/// ```
#[macro_export]
macro_rules! http_setters {
    ($($field:ident).+) => {
        /// How failed requests are retried.
        #[must_use]
        pub fn retry(mut self, retry: $crate::reexport::RetryPolicy) -> Self {
            self.$($field).+.retry = retry;
            self
        }

        /// Timeout of one HTTP request (the connector's default until set).
        #[must_use]
        pub fn timeout(mut self, timeout: ::std::time::Duration) -> Self {
            self.$($field).+.timeout = timeout;
            self
        }

        /// Count requests and throttles in `stats` (a host's metrics); by default they are
        /// counted where nobody reads them.
        #[must_use]
        pub fn request_stats(mut self, stats: $crate::reexport::RequestStats) -> Self {
            self.$($field).+.stats = stats;
            self
        }

        /// Send with the host's own client (its proxy, corporate roots and connection pool)
        /// instead of one built here. Its own timeouts then apply; `timeout` does not.
        #[must_use]
        pub fn with_http_client(mut self, client: $crate::reexport::reqwest::Client) -> Self {
            self.$($field).+ = self.$($field).+.with_http_client(client);
            self
        }

        /// All the HTTP settings at once ([`HttpOptions`](hris_sync_http::HttpOptions):
        /// client, timeout, retry policy, request counters), as every HTTP connector takes
        /// them.
        #[must_use]
        pub fn http_options(mut self, options: $crate::HttpOptions) -> Self {
            self.$($field).+ = options;
            self
        }
    };
}
