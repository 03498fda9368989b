//! Client-credentials tokens: `POST {authority}/{tenant}/oauth2/v2.0/token`, cached until
//! `expires_in` minus a margin, refreshed once when Graph answers 401.

use std::fmt;
use std::time::Duration;

use secrecy::SecretString;
use tokio::sync::Mutex;
use tokio::time::Instant;

#[derive(Clone)]
struct Cached {
    token: SecretString,
    expires: Instant,
    generation: u64,
}

/// The current token behind an async mutex, held while fetching so only one fetch runs.
pub(crate) struct TokenCache {
    current: Mutex<Option<Cached>>,
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TokenCache([redacted])")
    }
}

impl TokenCache {
    pub(crate) fn new() -> Self {
        Self {
            current: Mutex::new(None),
        }
    }

    /// The cached token and its generation, or a new one from `fetch` (token and lifetime).
    pub(crate) async fn get<F, Fut>(
        &self,
        margin: Duration,
        fetch: F,
    ) -> hris_sync_core::Result<(SecretString, u64)>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = hris_sync_core::Result<(SecretString, Duration)>>,
    {
        let mut current = self.current.lock().await;
        if let Some(c) = current.as_ref().filter(|c| Instant::now() < c.expires) {
            return Ok((c.token.clone(), c.generation));
        }
        let (token, lifetime) = fetch().await?;
        let generation = current.as_ref().map_or(1, |c| c.generation + 1);
        let keep = lifetime.saturating_sub(margin).max(lifetime / 2);
        *current = Some(Cached {
            token: token.clone(),
            expires: Instant::now() + keep,
            generation,
        });
        Ok((token, generation))
    }

    /// Drop the token of `generation` (a 401 said it is no longer good).
    pub(crate) async fn invalidate(&self, generation: u64) {
        let mut current = self.current.lock().await;
        if let Some(c) = current.as_mut().filter(|c| c.generation == generation) {
            c.expires = Instant::now();
        }
    }
}
