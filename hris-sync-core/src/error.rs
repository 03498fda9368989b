//! The one error type of hris-sync, classified by meaning and by retryability.
//!
//! Connectors map every transport failure and every HTTP status onto an [`ErrorKind`] in one
//! place, so the engine can decide what to do (retry, fall back to another UPN, report) without
//! knowing which service answered.

use std::fmt;
use std::time::Duration;

/// Shorthand for results whose error is [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, by meaning.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The configuration is invalid (bad key, unknown property, unverified domain, an attribute
    /// the HR credentials may not read). Fix the configuration; retrying will not help.
    InvalidConfig,
    /// The credentials were refused (wrong secret, expired or revoked token).
    Unauthenticated,
    /// The credentials are valid but lack a permission for this operation.
    PermissionDenied,
    /// The object does not exist.
    NotFound,
    /// A unique value is already held by another object (for example a UPN). See
    /// [`Error::conflict_target`] for the property that clashed.
    AlreadyExists,
    /// The request was rejected as invalid (length limit, missing required field, bad value).
    InvalidInput,
    /// Data read from a service could not be understood.
    InvalidData,
    /// The service asked us to slow down. [`Error::retry_after`] holds its requested delay.
    Throttled,
    /// A transient failure: 5xx, timeout, dropped connection. Retrying may succeed.
    Transient,
    /// An incremental-read cursor is no longer valid; a full read is needed.
    CursorExpired,
    /// The implementation does not support this operation (for example incremental reads).
    Unsupported,
    /// The run was stopped on purpose (safety guard, interrupted).
    Aborted,
    /// Anything else.
    Other,
}

impl ErrorKind {
    /// Whether an operation that failed with this kind may succeed if repeated unchanged.
    #[must_use]
    pub fn is_retryable(self) -> bool {
        matches!(self, Self::Throttled | Self::Transient)
    }

    /// A stable snake_case name, used in reports.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidConfig => "invalid_config",
            Self::Unauthenticated => "unauthenticated",
            Self::PermissionDenied => "permission_denied",
            Self::NotFound => "not_found",
            Self::AlreadyExists => "already_exists",
            Self::InvalidInput => "invalid_input",
            Self::InvalidData => "invalid_data",
            Self::Throttled => "throttled",
            Self::Transient => "transient",
            Self::CursorExpired => "cursor_expired",
            Self::Unsupported => "unsupported",
            Self::Aborted => "aborted",
            Self::Other => "other",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error from hris-sync or one of its connectors.
///
/// Messages never contain secrets: connectors build them from status codes, error codes and
/// request ids, never from credentials or tokens.
///
/// It is one struct with a [`ErrorKind`] rather than an enum per failure, so a host matches on
/// the kind (retry, alert, exit 2) and new failures never break its matches; `Display`,
/// `std::error::Error` and `source()` are written out by hand, which is why the crate does not
/// depend on `thiserror`.
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    retry_after: Option<Duration>,
    conflict_target: Option<String>,
    exhausted: bool,
    source: Option<Box<dyn std::error::Error + Send + Sync + 'static>>,
}

impl Error {
    /// A new error of `kind` with a human-readable message.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            retry_after: None,
            conflict_target: None,
            exhausted: false,
            source: None,
        }
    }

    /// Shorthand for an [`ErrorKind::InvalidConfig`] error.
    pub fn config(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidConfig, message)
    }

    /// Shorthand for an [`ErrorKind::InvalidInput`] error.
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput, message)
    }

    /// An [`ErrorKind::AlreadyExists`] error naming the property whose value clashed.
    pub fn conflict(target: impl Into<String>, message: impl Into<String>) -> Self {
        let mut err = Self::new(ErrorKind::AlreadyExists, message);
        err.conflict_target = Some(target.into());
        err
    }

    /// Attach the delay the service asked for.
    #[must_use]
    pub fn with_retry_after(mut self, delay: Duration) -> Self {
        self.retry_after = Some(delay);
        self
    }

    /// Attach the underlying cause.
    #[must_use]
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(source));
        self
    }

    /// Mark the error as final: retries were already spent, callers must not retry again.
    #[must_use]
    pub fn exhausted(mut self) -> Self {
        self.exhausted = true;
        self
    }

    /// The same error with `note` appended to its message.
    #[must_use]
    pub fn with_note(mut self, note: &str) -> Self {
        self.message.push_str(note);
        self
    }

    /// What kind of error this is.
    #[must_use]
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The message, without the kind.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The delay the service asked for before a retry, if it named one.
    #[must_use]
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    /// For [`ErrorKind::AlreadyExists`]: the property whose value clashed (for example
    /// `userPrincipalName`).
    #[must_use]
    pub fn conflict_target(&self) -> Option<&str> {
        self.conflict_target.as_deref()
    }

    /// Whether this error is a clash on the user principal name.
    #[must_use]
    pub fn is_upn_conflict(&self) -> bool {
        self.kind == ErrorKind::AlreadyExists
            && self
                .conflict_target
                .as_deref()
                .is_some_and(|t| t.eq_ignore_ascii_case("userPrincipalName"))
    }

    /// A copy of this error without its source (errors are not `Clone` because sources are
    /// not); for reporting one failure against several operations.
    #[must_use]
    pub fn replicate(&self) -> Self {
        Self {
            kind: self.kind,
            message: self.message.clone(),
            retry_after: self.retry_after,
            conflict_target: self.conflict_target.clone(),
            exhausted: self.exhausted,
            source: None,
        }
    }

    /// Whether repeating the operation may succeed: the kind is retryable and retries were not
    /// already spent.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        self.kind.is_retryable() && !self.exhausted
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)?;
        if let Some(target) = &self.conflict_target {
            write!(f, " (property {target})")?;
        }
        if let Some(delay) = self.retry_after {
            write!(f, " (retry after {} ms)", delay.as_millis())?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryable_kinds() {
        assert!(ErrorKind::Throttled.is_retryable());
        assert!(ErrorKind::Transient.is_retryable());
        assert!(!ErrorKind::InvalidInput.is_retryable());
        assert!(!ErrorKind::AlreadyExists.is_retryable());
        let e = Error::new(ErrorKind::Transient, "503").exhausted();
        assert!(!e.is_retryable());
    }

    #[test]
    fn upn_conflict_is_typed() {
        let e = Error::conflict("userPrincipalName", "taken");
        assert!(e.is_upn_conflict());
        assert!(!Error::conflict("mail", "taken").is_upn_conflict());
        assert_eq!(
            e.to_string(),
            "already_exists: taken (property userPrincipalName)"
        );
    }

    #[test]
    fn display_names_retry_after() {
        let e =
            Error::new(ErrorKind::Throttled, "slow down").with_retry_after(Duration::from_secs(2));
        assert_eq!(e.retry_after(), Some(Duration::from_secs(2)));
        assert!(e.to_string().contains("2000 ms"));
    }
}
