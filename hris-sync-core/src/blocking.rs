//! Work that would hold up an async runtime: file I/O with `fsync`, and the planner on large
//! companies (about 0.8 s for 100,000 new employees, see `benches/README.md`).
//!
//! Inside a tokio runtime the work runs on its blocking pool, so the host's other tasks (a
//! health endpoint, a webhook receiver) keep answering. Outside one (a host on another
//! executor, a plain test) it runs in place.

use crate::error::{Error, ErrorKind, Result};

/// Runs `work` off the async runtime's worker threads when there is a tokio runtime.
///
/// # Errors
/// When the runtime shut down before the work ran. A panic in `work` is carried on to the
/// caller unchanged.
pub(crate) async fn off_runtime<T, F>(work: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce() -> T + Send + 'static,
{
    let Ok(handle) = tokio::runtime::Handle::try_current() else {
        return Ok(work());
    };
    match handle.spawn_blocking(work).await {
        Ok(value) => Ok(value),
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(e) => Err(Error::new(
            ErrorKind::Aborted,
            format!("the runtime shut down before the work ran: {e}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "current_thread")]
    async fn runs_on_another_thread_inside_a_runtime() {
        let here = std::thread::current().id();
        let there = off_runtime(|| std::thread::current().id()).await.unwrap();
        assert_ne!(here, there);
    }

    #[test]
    fn runs_in_place_without_a_runtime() {
        let here = std::thread::current().id();
        let value = poll_until_ready(off_runtime(|| std::thread::current().id()));
        assert_eq!(value.unwrap(), here);
    }

    /// Polls a future that never waits (no runtime needed).
    fn poll_until_ready<F: Future>(f: F) -> F::Output {
        use std::task::{Context, Poll, Waker};
        let mut f = std::pin::pin!(f);
        let mut cx = Context::from_waker(Waker::noop());
        loop {
            if let Poll::Ready(v) = f.as_mut().poll(&mut cx) {
                return v;
            }
        }
    }
}
