//! Handing a new account's first credential to whoever onboards the person.
//!
//! The engine makes a one-time password for every account it creates and, with
//! `[onboarding] temporary_access_pass = true`, a Temporary Access Pass. Each goes to the
//! [`CredentialSink`] once and is then dropped: it is never logged, reported or saved.
//!
//! Delivery is async and may fail: a host can write to its secret store, send it to an
//! onboarding service, or queue a message. A failed delivery does not undo the account; the
//! action keeps its success and gets a warning saying the credential was not delivered (the
//! operator then resets it in the directory), and the report counts it.
//!
//! Any `Fn(Credential) -> impl Future<Output = Result<()>>` is a sink:
//!
//! ```
//! use hris_sync_core::{Credential, CredentialSink, Result};
//!
//! fn sink() -> impl CredentialSink {
//!     |credential: Credential| async move {
//!         // e.g. vault.put(credential.upn, credential.secret.expose()).await?
//!         let _ = credential;
//!         Ok(())
//!     }
//! }
//! # let _ = sink();
//! ```

use std::fmt;
use std::future::Future;

use async_trait::async_trait;
use secrecy::ExposeSecret;

use crate::error::Result;
use crate::id::EmployeeId;
use crate::operation::AccessPass;
use crate::password::Password;

/// A new account's first credential, for one delivery.
#[derive(Debug)]
#[non_exhaustive]
pub struct Credential {
    /// Whose account it is.
    pub employee_id: EmployeeId,
    /// The account's user principal name.
    pub upn: String,
    /// The secret itself (redacted in `Debug`).
    pub secret: Secret,
}

impl Credential {
    /// A credential for `employee_id`'s account `upn`.
    #[must_use]
    pub fn new(employee_id: EmployeeId, upn: impl Into<String>, secret: Secret) -> Self {
        Self {
            employee_id,
            upn: upn.into(),
            secret,
        }
    }
}

/// The kinds of first credential.
#[non_exhaustive]
pub enum Secret {
    /// The password the account was created with; the directory asks for a new one at first
    /// sign-in.
    Password(Password),
    /// A Temporary Access Pass (Entra), with when it becomes usable and for how long.
    AccessPass(AccessPass),
}

impl Secret {
    /// The secret text, to hand on (never to log).
    #[must_use]
    pub fn expose(&self) -> &str {
        match self {
            Self::Password(p) => p.expose_secret(),
            Self::AccessPass(p) => p.pass.expose_secret(),
        }
    }

    /// `password` or `temporary_access_pass`, for messages.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Password(_) => "password",
            Self::AccessPass(_) => "temporary_access_pass",
        }
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Password(p) => f.debug_tuple("Password").field(p).finish(),
            Self::AccessPass(p) => f.debug_tuple("AccessPass").field(p).finish(),
        }
    }
}

/// Receives each new account's first credential, once.
#[async_trait]
pub trait CredentialSink: Send + Sync {
    /// Deliver `credential`.
    ///
    /// # Errors
    /// When it could not be delivered. The account stays created; the engine reports the
    /// failure as a warning on the create.
    async fn deliver(&self, credential: Credential) -> Result<()>;
}

#[async_trait]
impl<F, Fut> CredentialSink for F
where
    F: Fn(Credential) -> Fut + Send + Sync,
    Fut: Future<Output = Result<()>> + Send,
{
    async fn deliver(&self, credential: Credential) -> Result<()> {
        self(credential).await
    }
}

/// Drops every credential (accounts are then reset through the directory's own tools).
#[derive(Debug, Default, Clone, Copy)]
pub struct DiscardCredentials;

#[async_trait]
impl CredentialSink for DiscardCredentials {
    async fn deliver(&self, _: Credential) -> Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Error, ErrorKind};
    use std::sync::Mutex;

    fn credential() -> Credential {
        Credential::new(
            EmployeeId::new("7").unwrap(),
            "ada@demo.com",
            Secret::Password(Password::new("Sup3r$ecret-Value")),
        )
    }

    #[tokio::test]
    async fn a_closure_is_a_sink_and_may_fail() {
        let seen = Mutex::new(Vec::new());
        let sink = |c: Credential| {
            seen.lock().unwrap().push(c.secret.expose().to_owned());
            async move {
                if c.upn.starts_with("ada") {
                    Ok(())
                } else {
                    Err(Error::new(ErrorKind::Transient, "vault down"))
                }
            }
        };
        sink.deliver(credential()).await.unwrap();
        let mut other = credential();
        other.upn = "bob@demo.com".into();
        assert!(sink.deliver(other).await.is_err());
        assert_eq!(seen.lock().unwrap().len(), 2);
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let text = format!("{:?}", credential());
        assert!(!text.contains("Sup3r"), "{text}");
        assert!(text.contains("ada@demo.com"));
    }
}
