//! `POST /v1/auth` and the token cache.
//!
//! The token is cached for its lifetime minus a margin and shared by every request. A token
//! that Personio returns in a response's `Authorization` header is adopted (older tenants rotate
//! tokens that way; newer ones echo the same token). A 401/403 invalidates the token once, so
//! concurrent failures cause one re-authentication, not one each. Credentials go in the JSON
//! body, never the query string, and neither they nor the token are ever logged.

use std::fmt;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Mutex;
use tokio::time::Instant;

#[derive(Clone)]
struct Token {
    value: SecretString,
    expires: Instant,
    generation: u64,
}

/// The current token, if any, behind an async mutex (held while authenticating, so only one
/// authentication runs at a time).
pub(crate) struct TokenCache {
    current: Mutex<Option<Token>>,
    generation: std::sync::atomic::AtomicU64,
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenCache([redacted])")
    }
}

/// A token handed to one request, with the generation to invalidate if it is refused.
pub(crate) struct Lease {
    pub(crate) value: SecretString,
    pub(crate) generation: u64,
}

impl TokenCache {
    pub(crate) fn new() -> Self {
        Self {
            current: Mutex::new(None),
            generation: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// The cached token, or a fresh one from `authenticate` (which returns the token and its
    /// lifetime; the cache keeps it for the lifetime minus `margin`).
    pub(crate) async fn get<F, Fut>(
        &self,
        margin: Duration,
        authenticate: F,
    ) -> hris_sync_core::Result<Lease>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = hris_sync_core::Result<(SecretString, Duration)>>,
    {
        let mut current = self.current.lock().await;
        if let Some(t) = current.as_ref().filter(|t| Instant::now() < t.expires) {
            return Ok(Lease {
                value: t.value.clone(),
                generation: t.generation,
            });
        }
        let (value, lifetime) = authenticate().await?;
        let generation = self.next_generation();
        let keep = lifetime.saturating_sub(margin).max(lifetime / 2);
        *current = Some(Token {
            value: value.clone(),
            expires: Instant::now() + keep,
            generation,
        });
        Ok(Lease { value, generation })
    }

    /// Forget the token a request was refused with (unless a newer one replaced it already).
    pub(crate) async fn invalidate(&self, generation: u64) {
        let mut current = self.current.lock().await;
        if current.as_ref().is_some_and(|t| t.generation == generation) {
            *current = None;
        }
    }

    /// Adopt a token a response carried in its `Authorization` header. Returns whether it was
    /// a new token (the tenant rotates tokens).
    pub(crate) async fn adopt(&self, header: &str) -> bool {
        let token = header.trim();
        let token = token
            .strip_prefix("Bearer ")
            .or_else(|| token.strip_prefix("bearer "))
            .unwrap_or(token)
            .trim();
        if token.is_empty() {
            return false;
        }
        let mut current = self.current.lock().await;
        match current.as_mut() {
            Some(t) if t.value.expose_secret() != token => {
                t.value = SecretString::from(token.to_owned());
                t.generation = self.next_generation();
                true
            }
            _ => false,
        }
    }

    fn next_generation(&self) -> u64 {
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            + 1
    }
}
