//! The one retry loop every connector shares (HTTP or LDAP): attempts, the policy's waits
//! ([`RetryPolicy`]) and the final "gave up after" error.

use std::future::Future;
use std::time::Instant;

use crate::error::{Error, Result};
use crate::retry::{RetryPolicy, jitter};

/// What one attempt came to.
#[derive(Debug)]
pub enum Step<T> {
    /// Success: return it.
    Done(T),
    /// A failure the policy may retry (throttling, a 5xx, a dropped connection), after the
    /// wait it decides; anything else it gives up on at once.
    Failed(Error),
    /// A failure no retry can help (wrong credentials): return it now.
    Fatal(Error),
    /// Try again at once without counting an attempt: the caller fixed what failed (a
    /// refused token was replaced). Callers bound how often they answer this.
    Again,
}

/// Runs `attempt` until it is done, fatal, or `policy` gives up.
///
/// `service` and `what` name the request in the warning logged before each retry (`Graph`,
/// `GET /users`); neither may carry a secret.
///
/// # Errors
/// The last failure, marked as exhausted with the attempts and time spent, or a fatal one.
pub async fn retrying<T, F, Fut>(
    policy: &RetryPolicy,
    service: &str,
    what: &str,
    mut attempt: F,
) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Step<T>>,
{
    let started = Instant::now();
    let mut failures = 0u32;
    loop {
        let error = match attempt().await {
            Step::Done(value) => return Ok(value),
            Step::Fatal(error) => return Err(error),
            Step::Again => continue,
            Step::Failed(error) => error,
        };
        match policy.delay_within(failures, &error, jitter(), started.elapsed()) {
            Some(wait) => {
                failures += 1;
                tracing::warn!(
                    service,
                    request = what,
                    attempt = failures,
                    max = policy.max_retries,
                    wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                    error = %error,
                    "retrying {service} request"
                );
                tokio::time::sleep(wait).await;
            }
            None => {
                return Err(RetryPolicy::give_up_after(
                    error,
                    failures + 1,
                    started.elapsed(),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::time::Duration;

    use crate::error::ErrorKind;

    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_retries: 2,
            base: Duration::from_millis(10),
            ..RetryPolicy::default()
        }
    }

    #[tokio::test(start_paused = true)]
    async fn transient_failures_are_retried_until_the_policy_gives_up() {
        let calls = Cell::new(0);
        let result: Result<()> = retrying(&policy(), "Test", "GET /x", || {
            calls.set(calls.get() + 1);
            async { Step::Failed(Error::new(ErrorKind::Transient, "HTTP 503")) }
        })
        .await;
        let err = result.unwrap_err();
        assert_eq!(calls.get(), 3, "one attempt and two retries");
        assert!(!err.is_retryable(), "marked exhausted: {err}");
        assert!(err.message().contains("HTTP 503"), "{err}");
    }

    #[tokio::test(start_paused = true)]
    async fn fatal_and_permanent_errors_are_not_retried_and_again_is_not_counted() {
        let calls = Cell::new(0);
        let result: Result<()> = retrying(&policy(), "Test", "GET /x", || {
            calls.set(calls.get() + 1);
            async { Step::Fatal(Error::config("wrong secret")) }
        })
        .await;
        assert_eq!(result.unwrap_err().kind(), ErrorKind::InvalidConfig);
        assert_eq!(calls.get(), 1);

        let calls = Cell::new(0);
        let result: Result<()> = retrying(&policy(), "Test", "GET /x", || {
            calls.set(calls.get() + 1);
            async { Step::Failed(Error::new(ErrorKind::NotFound, "HTTP 404")) }
        })
        .await;
        assert_eq!(result.unwrap_err().kind(), ErrorKind::NotFound);
        assert_eq!(calls.get(), 1);

        // Three "again"s (a refreshed token each), then success: no retry budget used.
        let calls = Cell::new(0);
        let result = retrying(&policy(), "Test", "GET /x", || {
            calls.set(calls.get() + 1);
            let n = calls.get();
            async move { if n <= 3 { Step::Again } else { Step::Done(n) } }
        })
        .await;
        assert_eq!(result.unwrap(), 4);
    }

    #[tokio::test(start_paused = true)]
    async fn a_retry_after_is_waited_for() {
        let calls = Cell::new(0);
        let begun = tokio::time::Instant::now();
        let result = retrying(&policy(), "Test", "GET /x", || {
            calls.set(calls.get() + 1);
            let n = calls.get();
            async move {
                if n == 1 {
                    Step::Failed(
                        Error::new(ErrorKind::Throttled, "HTTP 429")
                            .with_retry_after(Duration::from_secs(7)),
                    )
                } else {
                    Step::Done(())
                }
            }
        })
        .await;
        assert!(result.is_ok());
        assert!(begun.elapsed() >= Duration::from_secs(7));
    }
}
