//! Configuration: a builder, `from_env()`, and validation in `build()`.

use std::fmt;
use std::time::Duration;

use hris_sync_core::transport::ensure_secure_transport;
use hris_sync_core::{Error, Result};
use reqwest::Url;
use secrecy::SecretString;

use crate::PersonioSource;
use crate::client::Api;

/// The default overlap of changed-since reads (see [`PersonioBuilder::overlap`]).
pub const DEFAULT_OVERLAP: Duration = Duration::from_secs(15 * 3600);

/// Personio's production API.
pub const DEFAULT_BASE_URL: &str = "https://api.personio.de";

/// The request budget of `GET /v1/company/employees`: 300 a minute, 15 a second.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RateLimits {
    /// Requests allowed per `second`.
    pub per_second: u32,
    /// Requests allowed per `minute`.
    pub per_minute: u32,
    /// The short window (1 s in production; shorter in time-scaled tests).
    pub second: Duration,
    /// The long window (60 s in production).
    pub minute: Duration,
}

impl Default for RateLimits {
    fn default() -> Self {
        Self {
            per_second: 15,
            per_minute: 300,
            second: Duration::from_secs(1),
            minute: Duration::from_secs(60),
        }
    }
}

impl RateLimits {
    /// The same budget with both windows divided by `factor` (for time-scaled simulators).
    #[must_use]
    pub fn scaled(&self, factor: u32) -> Self {
        let f = factor.max(1);
        Self {
            second: self.second / f,
            minute: self.minute / f,
            ..self.clone()
        }
    }
}

/// Everything a [`PersonioSource`] needs. Build one with [`PersonioSource::builder`] or
/// [`PersonioSource::from_env`].
///
/// ```no_run
/// use std::time::Duration;
/// use connector_personio::PersonioSource;
///
/// # fn build() -> hris_sync_core::Result<PersonioSource> {
/// // The host's client: its proxy and trust roots carry every request.
/// let client = reqwest::Client::builder()
///     .proxy(reqwest::Proxy::https("http://proxy.internal:3128").expect("a proxy URL"))
///     .build()
///     .expect("a client");
/// let personio = PersonioSource::from_env() // PERSONIO_CLIENT_ID, PERSONIO_CLIENT_SECRET
///     .app_id("ACME_HRIS_SYNC")
///     .page_size(100)
///     .with_http_client(client)
///     .build()?;
/// # Ok(personio) }
/// ```
#[derive(Clone)]
pub struct PersonioBuilder {
    pub(crate) client_id: Option<String>,
    pub(crate) client_secret: Option<SecretString>,
    pub(crate) base_url: String,
    pub(crate) tuning: Tuning,
}

/// What the builder sets besides where and who: passed on whole to the built source's
/// settings.
#[derive(Clone, Debug)]
pub(crate) struct Tuning {
    pub(crate) api: Api,
    pub(crate) app_id: Option<String>,
    pub(crate) partner_id: Option<String>,
    pub(crate) page_size: u32,
    pub(crate) limits: RateLimits,
    pub(crate) token_margin: Duration,
    pub(crate) overlap: Duration,
    pub(crate) http: hris_sync_http::HttpOptions,
}

impl fmt::Debug for PersonioBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PersonioBuilder")
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[redacted]"),
            )
            .field("base_url", &self.base_url)
            .field("tuning", &self.tuning)
            .finish()
    }
}

impl Default for PersonioBuilder {
    fn default() -> Self {
        Self {
            client_id: None,
            client_secret: None,
            base_url: DEFAULT_BASE_URL.to_owned(),
            tuning: Tuning {
                api: Api::V1,
                app_id: None,
                partner_id: None,
                page_size: 100,
                limits: RateLimits::default(),
                token_margin: Duration::from_secs(300),
                overlap: DEFAULT_OVERLAP,
                http: hris_sync_http::HttpOptions::with_timeout(Duration::from_secs(30)),
            },
        }
    }
}

impl PersonioBuilder {
    hris_sync_http::http_setters!(tuning.http);

    /// Read `PERSONIO_CLIENT_ID`, `PERSONIO_CLIENT_SECRET` and `PERSONIO_BASE_URL` (optional).
    #[must_use]
    pub fn from_env() -> Self {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        Self {
            client_id: var("PERSONIO_CLIENT_ID"),
            client_secret: var("PERSONIO_CLIENT_SECRET").map(SecretString::from),
            base_url: var("PERSONIO_BASE_URL").unwrap_or_else(|| DEFAULT_BASE_URL.to_owned()),
            ..Self::default()
        }
    }

    hris_sync_core::raw::setters! {
        /// The API credentials' client id.
        client_id: Some<String> => client_id;
    }

    /// The API credentials' secret.
    #[must_use]
    pub fn client_secret(mut self, secret: impl Into<String>) -> Self {
        self.client_secret = Some(SecretString::from(secret.into()));
        self
    }

    /// Which API to read (default [`Api::V1`]). With [`Api::V2`] the source authenticates
    /// with `POST /v2/auth/token` and reads `/v2/persons` and each person's employments; the
    /// credentials need the `personio:persons:read` scope (and org units for department
    /// names).
    #[must_use]
    pub fn api(mut self, api: Api) -> Self {
        self.tuning.api = api;
        self
    }

    hris_sync_core::raw::setters! {
        /// The API's base URL (default `https://api.personio.de`). Plain `http://` only to loopback.
        base_url: Into<String> => base_url;

        /// Sent as `X-Personio-App-ID` (UPPER_SNAKE_CASE, e.g. `ACME_HRIS_SYNC`).
        app_id: Some<String> => tuning.app_id;

        /// Sent as `X-Personio-Partner-ID` (UPPER_SNAKE_CASE).
        partner_id: Some<String> => tuning.partner_id;

        /// Employees per page, 1–100 (default 100, Personio's maximum).
        page_size: u32 => tuning.page_size;
        /// The request budget the client paces itself to.
        rate_limits: RateLimits => tuning.limits;
        /// Renew the token this long before it expires (default 5 min).
        token_margin: Duration => tuning.token_margin;
        /// How far before the requested instant a changed-since read starts (default 15 h).
        ///
        /// Personio takes `updated_since` without a time zone and does not say which zone it reads
        /// it in, and users report it misses changes near the boundary. Reading from 15 hours
        /// earlier covers every zone's offset and clock skew; the extra records cost little, and
        /// reading a change twice is harmless.
        overlap: Duration => tuning.overlap;
    }

    /// Validate and build the source.
    ///
    /// # Errors
    /// [`hris_sync_core::ErrorKind::InvalidConfig`] naming the setting: missing credentials,
    /// a bad URL, plain `http://` to a non-loopback host, a page size outside 1–100, or an
    /// app/partner id that is not UPPER_SNAKE_CASE.
    pub fn build(self) -> Result<PersonioSource> {
        let client_id = self
            .client_id
            .clone()
            .ok_or_else(|| Error::config("PERSONIO_CLIENT_ID: missing"))?;
        let client_secret = self
            .client_secret
            .clone()
            .ok_or_else(|| Error::config("PERSONIO_CLIENT_SECRET: missing"))?;
        let base = Url::parse(self.base_url.trim_end_matches('/')).map_err(|e| {
            Error::config(format!(
                "PERSONIO_BASE_URL: {:?} is not a URL: {e}",
                self.base_url
            ))
        })?;
        ensure_secure_transport(
            "PERSONIO_BASE_URL",
            base.scheme(),
            base.host_str().unwrap_or_default(),
        )?;
        if !(1..=100).contains(&self.tuning.page_size) {
            return Err(Error::config(format!(
                "page size {} is outside Personio's 1–100",
                self.tuning.page_size
            )));
        }
        for (what, id) in [
            ("personio.app_id", &self.tuning.app_id),
            ("personio.partner_id", &self.tuning.partner_id),
        ] {
            if let Some(id) = id {
                let upper_snake = !id.is_empty()
                    && id
                        .chars()
                        .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
                if !upper_snake {
                    return Err(Error::config(format!(
                        "{what}: {id:?} must be UPPER_SNAKE_CASE, e.g. ACME_HRIS_SYNC"
                    )));
                }
            }
        }
        PersonioSource::new(crate::client::Settings {
            client_id,
            client_secret,
            base,
            tuning: self.tuning,
        })
    }
}
