//! The one bearer-token cache.

use std::fmt;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use hris_sync_core::Result;
use secrecy::{ExposeSecret, SecretString};
use tokio::sync::Mutex;
use tokio::time::Instant;

struct Token {
    value: SecretString,
    expires: Instant,
    generation: u64,
}

/// The current token behind an async mutex, held while fetching so only one fetch runs at a
/// time. `Debug` shows no token.
pub struct TokenCache {
    current: Mutex<Option<Token>>,
    generation: AtomicU64,
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenCache([redacted])")
    }
}

impl Default for TokenCache {
    fn default() -> Self {
        Self::new()
    }
}

/// A token handed to one request, with the generation to [`TokenCache::invalidate`] if the
/// service refuses it. `Debug` shows no token (`SecretString` redacts itself).
#[derive(Debug)]
pub struct Lease {
    /// The bearer token.
    pub value: SecretString,
    /// Which token this is.
    pub generation: u64,
}

/// The longest a token is kept, whatever lifetime its service announced.
pub const MAX_LIFETIME: Duration = Duration::from_secs(24 * 3600);

impl TokenCache {
    /// An empty cache.
    #[must_use]
    pub fn new() -> Self {
        Self {
            current: Mutex::new(None),
            generation: AtomicU64::new(0),
        }
    }

    /// The cached token, or a new one from `fetch` (which returns the token and its lifetime).
    /// A token is kept for its lifetime minus `margin`, and at least half its lifetime.
    ///
    /// # Errors
    /// `fetch`'s.
    pub async fn get<F, Fut>(&self, margin: Duration, fetch: F) -> Result<Lease>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(SecretString, Duration)>>,
    {
        let mut current = self.current.lock().await;
        if let Some(t) = current.as_ref().filter(|t| Instant::now() < t.expires) {
            return Ok(Lease {
                value: t.value.clone(),
                generation: t.generation,
            });
        }
        let (value, lifetime) = fetch().await?;
        // A service may answer any `expires_in`; no token is trusted for more than a day,
        // and 2^64 - 1 seconds must not overflow the clock.
        let lifetime = lifetime.min(MAX_LIFETIME);
        let generation = self.next_generation();
        let keep = lifetime.saturating_sub(margin).max(lifetime / 2);
        *current = Some(Token {
            value: value.clone(),
            expires: Instant::now() + keep,
            generation,
        });
        Ok(Lease { value, generation })
    }

    /// Forget the token of `generation` (the service refused it), unless a newer one has
    /// replaced it already: concurrent refusals of one token cause one new fetch.
    pub async fn invalidate(&self, generation: u64) {
        let mut current = self.current.lock().await;
        if current.as_ref().is_some_and(|t| t.generation == generation) {
            *current = None;
        }
    }

    /// Adopt a token a response carried (`Authorization: Bearer …`; Personio tenants that
    /// rotate tokens). Returns whether it differed from the cached one.
    pub async fn adopt(&self, header: &str) -> bool {
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
        self.generation.fetch_add(1, Ordering::Relaxed) + 1
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    fn token(s: &str) -> SecretString {
        SecretString::from(s.to_owned())
    }

    /// A token endpoint that counts its fetches and issues `t1`, `t2`, … good for `lifetime`.
    struct Issuer {
        fetches: Cell<u32>,
        lifetime: Duration,
    }

    impl Issuer {
        fn new(lifetime: Duration) -> Self {
            Self {
                fetches: Cell::new(0),
                lifetime,
            }
        }

        fn fetch(&self) -> impl Future<Output = Result<(SecretString, Duration)>> + use<> {
            self.fetches.set(self.fetches.get() + 1);
            let (n, lifetime) = (self.fetches.get(), self.lifetime);
            async move { Ok((token(&format!("t{n}")), lifetime)) }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn cached_for_its_lifetime_minus_the_margin_and_invalidated_once() {
        let cache = TokenCache::new();
        let issuer = Issuer::new(Duration::from_secs(3600));
        let fetches = &issuer.fetches;
        let fetch = || issuer.fetch();
        let a = cache.get(Duration::from_secs(300), fetch).await.unwrap();
        let b = cache.get(Duration::from_secs(300), fetch).await.unwrap();
        assert_eq!((a.generation, b.generation, fetches.get()), (1, 1, 1));
        // Two requests refused with the same token: one new fetch.
        cache.invalidate(a.generation).await;
        let c = cache.get(Duration::from_secs(300), fetch).await.unwrap();
        cache.invalidate(a.generation).await;
        let d = cache.get(Duration::from_secs(300), fetch).await.unwrap();
        assert_eq!(
            (c.value.expose_secret(), d.generation, fetches.get()),
            ("t2", c.generation, 2)
        );
        // Expiry: 3600 s minus the 300 s margin.
        tokio::time::advance(Duration::from_secs(3299)).await;
        let _ = cache.get(Duration::from_secs(300), fetch).await.unwrap();
        assert_eq!(fetches.get(), 2);
        tokio::time::advance(Duration::from_secs(2)).await;
        let _ = cache.get(Duration::from_secs(300), fetch).await.unwrap();
        assert_eq!(fetches.get(), 3);
    }

    // A lifetime of 2^64 - 1 seconds overflowed `Instant + Duration` (a panic); now any
    // lifetime is kept at most a day.
    #[tokio::test(start_paused = true)]
    async fn an_absurd_lifetime_is_capped_at_a_day() {
        let issuer = Issuer::new(Duration::from_secs(u64::MAX));
        let cache = TokenCache::new();
        let fetch = || issuer.fetch();
        let fetches = &issuer.fetches;
        let _ = cache.get(Duration::from_secs(300), fetch).await.unwrap();
        tokio::time::advance(MAX_LIFETIME).await;
        let _ = cache.get(Duration::from_secs(300), fetch).await.unwrap();
        assert_eq!(fetches.get(), 2, "fetched again after a day");
    }

    #[tokio::test]
    async fn a_rotated_token_is_adopted_and_debug_is_redacted() {
        let cache = TokenCache::new();
        let first = cache
            .get(Duration::ZERO, || async {
                Ok((token("old"), Duration::from_secs(60)))
            })
            .await
            .unwrap();
        assert!(!cache.adopt("Bearer old").await);
        assert!(cache.adopt("Bearer new-one").await);
        let now = cache
            .get(Duration::ZERO, || async {
                Ok((token("never"), Duration::from_secs(60)))
            })
            .await
            .unwrap();
        assert_eq!(now.value.expose_secret(), "new-one");
        assert!(now.generation > first.generation);
        assert!(!format!("{cache:?} {now:?}").contains("new-one"));
    }
}
