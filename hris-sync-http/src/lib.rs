//! The HTTP plumbing the hris-sync connectors share, so each behaviour exists once:
//!
//! - [`retrying`]: the one retry loop. It asks the core's pure
//!   [`RetryPolicy`](hris_sync_core::retry::RetryPolicy) how long to wait after each failure
//!   (honouring `Retry-After`, a deadline, and which errors are retryable), logs each retry,
//!   sleeps on tokio's clock and gives up with the attempts counted in the error.
//! - [`TokenCache`]: the one bearer-token cache. One fetch at a time, a token kept for its
//!   lifetime minus a margin, one invalidation per refused token (so concurrent 401s cause one
//!   new token, not one each), and adoption of a rotated token a response carries.
//! - [`HttpClient`]: the `reqwest::Client` a connector sends with, either built here (timeouts,
//!   user agent, webpki roots, and the OS trust store with the `native-roots` feature) or
//!   handed in by the host (its proxy, its corporate roots, its connection pool).
//!
//! - [`HttpOptions`]: the client, timeout, retry policy and request counters every HTTP
//!   connector's builder takes the same way.
//! - [`read_capped`] and [`error_text`]: response bodies read with a cap ([`PAGE_CAP`] for
//!   pages, [`SMALL_CAP`] for tokens and errors), so no answer can exhaust memory.
//!
//! hris-sync-core stays free of HTTP; connectors keep their own status→error mapping.
//!
//! ```
//! use hris_sync_core::retry::RetryPolicy;
//! use hris_sync_core::{Error, ErrorKind};
//! use hris_sync_http::{Step, retrying};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let mut calls = 0;
//! let policy = RetryPolicy { base: std::time::Duration::from_millis(1), ..RetryPolicy::default() };
//! let answer = retrying(&policy, "Example", "GET /thing", || {
//!     calls += 1;
//!     let n = calls;
//!     async move {
//!         if n < 3 {
//!             Step::Failed(Error::new(ErrorKind::Transient, "HTTP 503"))
//!         } else {
//!             Step::Done(n)
//!         }
//!     }
//! })
//! .await;
//! assert_eq!(answer.unwrap(), 3);
//! # }
//! ```

mod body;
mod client;
#[cfg(feature = "sim")]
mod loopback;
mod options;
mod retry;
mod token;

pub use body::{PAGE_CAP, SMALL_CAP, describe, error_text, read_capped};
pub use client::{HttpClient, follow, same_origin};
#[cfg(feature = "sim")]
pub use loopback::Loopback;
pub use options::HttpOptions;
pub use retry::{Step, read_json, retrying};
pub use token::{Lease, MAX_LIFETIME, TokenCache};

/// What [`http_setters!`] names in the builders it expands in, so a connector needs no import
/// of its own for them.
#[doc(hidden)]
pub mod reexport {
    pub use hris_sync_core::RequestStats;
    pub use hris_sync_core::retry::RetryPolicy;
    pub use reqwest;
}
