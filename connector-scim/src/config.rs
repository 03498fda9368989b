//! [`ScimBuilder`]: where the service provider is, how to authenticate, and how to page and
//! write; validated by [`ScimBuilder::build`] into the settings the client uses.

use std::fmt;
use std::time::Duration;

use hris_sync_core::raw::ReadSet;
use hris_sync_core::{Error, Policy, Result};
use hris_sync_http::HttpOptions;
use reqwest::Url;
use secrecy::{ExposeSecret as _, SecretString};

use crate::{Profile, ScimDirectory};

/// Users per page asked for (a provider may answer fewer; `filter.maxResults` caps it).
pub const DEFAULT_PAGE_SIZE: u32 = 100;

/// How the connector authenticates to the service provider.
#[derive(Clone, Default)]
pub enum ScimAuth {
    /// None configured yet ([`ScimBuilder::build`] refuses this).
    #[default]
    Missing,
    /// A long-lived bearer token, as most SaaS apps issue for SCIM (`SCIM_TOKEN`).
    Bearer(SecretString),
    /// OAuth 2.0 client credentials (RFC 6749 §4.4): a token from `token_url` for
    /// `client_id` and its secret (`SCIM_CLIENT_SECRET`), with an optional `scope`.
    ClientCredentials {
        /// The token endpoint.
        token_url: String,
        /// The client id.
        client_id: String,
        /// The client secret.
        client_secret: SecretString,
        /// The scope asked for, if the provider wants one.
        scope: Option<String>,
    },
}

impl fmt::Debug for ScimAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Missing => f.write_str("Missing"),
            Self::Bearer(_) => f.write_str("Bearer([redacted])"),
            Self::ClientCredentials {
                token_url,
                client_id,
                scope,
                ..
            } => f
                .debug_struct("ClientCredentials")
                .field("token_url", token_url)
                .field("client_id", client_id)
                .field("client_secret", &"[redacted]")
                .field("scope", scope)
                .finish(),
        }
    }
}

/// What the builder tunes, handed whole to the directory.
#[derive(Clone, Debug)]
pub(crate) struct Tuning {
    pub(crate) http: HttpOptions,
    pub(crate) page_size: u32,
    pub(crate) concurrency: usize,
    pub(crate) token_margin: Duration,
}

/// Builds a [`ScimDirectory`]. Start from [`ScimDirectory::builder`] or [`ScimBuilder::from_env`].
#[derive(Clone, Debug)]
pub struct ScimBuilder {
    base_url: Option<String>,
    auth: ScimAuth,
    domains: Vec<String>,
    profile: Profile,
    send_password: bool,
    attributes: Vec<String>,
    read_set: Option<ReadSet>,
    pub(crate) tuning: Tuning,
}

impl Default for ScimBuilder {
    fn default() -> Self {
        Self {
            base_url: None,
            auth: ScimAuth::Missing,
            domains: Vec::new(),
            profile: Profile::default(),
            send_password: false,
            attributes: Vec::new(),
            read_set: None,
            tuning: Tuning {
                http: HttpOptions::default(),
                page_size: DEFAULT_PAGE_SIZE,
                concurrency: 4,
                token_margin: Duration::from_secs(300),
            },
        }
    }
}

/// Validated settings.
#[derive(Debug)]
pub(crate) struct Settings {
    pub(crate) base: Url,
    pub(crate) auth: ScimAuth,
    pub(crate) domains: Vec<String>,
    pub(crate) profile: Profile,
    pub(crate) send_password: bool,
    /// The custom attributes `[scim] attributes` declared.
    pub(crate) attributes: Vec<hris_sync_core::raw::DirectoryProperty>,
    pub(crate) read_set: ReadSet,
    pub(crate) tuning: Tuning,
}

impl ScimBuilder {
    /// A builder with the credentials of the environment: `SCIM_TOKEN`, or else
    /// `SCIM_CLIENT_SECRET` for the client-credentials grant (with `[scim] token_url` and
    /// `client_id` from the configuration file).
    #[must_use]
    pub fn from_env() -> Self {
        let mut builder = Self::default();
        if let Some(token) = std::env::var("SCIM_TOKEN").ok().filter(|t| !t.is_empty()) {
            builder.auth = ScimAuth::Bearer(SecretString::from(token));
        } else if let Some(secret) = std::env::var("SCIM_CLIENT_SECRET")
            .ok()
            .filter(|t| !t.is_empty())
        {
            builder.auth = ScimAuth::ClientCredentials {
                token_url: String::new(),
                client_id: String::new(),
                client_secret: SecretString::from(secret),
                scope: None,
            };
        }
        builder
    }

    hris_sync_core::raw::setters! {
        /// The SCIM base URL, the resource endpoints' parent: `https://api.example.com/scim/v2`
        /// (`/Users` and `/Groups` are appended).
        base_url: Some<String> => base_url;
    }

    /// Authenticate with this bearer token.
    #[must_use]
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.auth = ScimAuth::Bearer(SecretString::from(token.into()));
        self
    }

    /// Authenticate as configured.
    #[must_use]
    pub fn auth(mut self, auth: ScimAuth) -> Self {
        self.auth = auth;
        self
    }

    /// Where the client-credentials grant gets its token, for which client and scope (the
    /// secret comes with [`ScimAuth::ClientCredentials`] or `SCIM_CLIENT_SECRET`).
    #[must_use]
    pub fn client_credentials(
        mut self,
        token_url: impl Into<String>,
        client_id: impl Into<String>,
        scope: Option<String>,
    ) -> Self {
        let secret = match &self.auth {
            ScimAuth::ClientCredentials { client_secret, .. } => client_secret.clone(),
            _ => SecretString::from(String::new()),
        };
        self.auth = ScimAuth::ClientCredentials {
            token_url: token_url.into(),
            client_id: client_id.into(),
            client_secret: secret,
            scope,
        };
        self
    }

    /// The domains the application accepts in a `userName` (the UPN domain must be one;
    /// default: the policy's UPN domain).
    #[must_use]
    pub fn domains(mut self, domains: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.domains = domains
            .into_iter()
            .map(|d| d.into().to_lowercase())
            .collect();
        self
    }

    hris_sync_core::raw::setters! {
        /// The provider's known quirks (default [`Profile::Rfc`]).
        profile: Profile => profile;
        /// Send the generated one-time password in a create (`password`, write-only). Off by
        /// default: SCIM applications usually sign in through single sign-on, and some refuse a
        /// password.
        send_password: bool => send_password;
    }

    /// Custom attributes a `[[mapping]]` may target besides the standard vocabulary: an
    /// extension's by its full path (`urn:ietf:params:scim:schemas:extension:acme:2.0:User:badge`),
    /// or a core attribute the vocabulary lacks (`name.middleName`). See
    /// [`vocabulary::custom`](crate::vocabulary::custom).
    #[must_use]
    pub fn attributes(mut self, names: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.attributes = names.into_iter().map(Into::into).collect();
        self
    }

    hris_sync_core::raw::setters! {
        /// Users per page asked for, 1–1000 (default 100).
        page_size: u32 => tuning.page_size;
        /// Writes in flight at once, 1–64 (default 4).
        concurrency: usize => tuning.concurrency;
    }

    /// What the reads report to the planner; [`ScimBuilder::policy`] sets it. SCIM answers
    /// whole resources, so this names what is compared, not what is fetched.
    #[must_use]
    pub fn read_set(mut self, read_set: ReadSet) -> Self {
        self.read_set = Some(read_set);
        self
    }

    /// Take what `policy` needs: the mapped attributes and the manager (its read set), and
    /// the UPN domain as the accepted domain unless [`domains`](Self::domains) named some.
    #[must_use]
    pub fn policy(mut self, policy: &Policy) -> Self {
        self.read_set = Some(ReadSet::for_policy(policy));
        if self.domains.is_empty() && !policy.upn.domain.is_empty() {
            self.domains = vec![policy.upn.domain.to_lowercase()];
        }
        self
    }

    hris_sync_http::http_setters!(tuning.http);

    /// Validate and build the directory.
    ///
    /// # Errors
    /// [`hris_sync_core::ErrorKind::InvalidConfig`] naming the setting: no base URL, a bad
    /// URL, plain `http://` to a non-loopback host, missing credentials, no accepted domain,
    /// a page size or concurrency out of range.
    pub fn build(self) -> Result<ScimDirectory> {
        let raw = self
            .base_url
            .ok_or_else(|| Error::config("scim: base_url is missing (the SCIM endpoint's URL)"))?;
        let base = Url::parse(raw.trim_end_matches('/'))
            .map_err(|e| Error::config(format!("scim: base_url {raw:?}: {e}")))?;
        check_scheme("base_url", &base)?;
        match &self.auth {
            ScimAuth::Missing => {
                return Err(Error::config(
                    "scim: no credentials: set SCIM_TOKEN (a bearer token), or SCIM_CLIENT_SECRET \
                     with [scim] token_url and client_id",
                ));
            }
            ScimAuth::Bearer(token) if token.expose_secret().trim().is_empty() => {
                return Err(Error::config(
                    "scim: the bearer token is empty: set SCIM_TOKEN to the token the service \
                     provider issued",
                ));
            }
            ScimAuth::Bearer(_) => {}
            ScimAuth::ClientCredentials {
                token_url,
                client_id,
                client_secret,
                ..
            } => {
                if client_secret.expose_secret().is_empty() {
                    return Err(Error::config(
                        "scim: [scim] token_url is set, so the client-credentials grant needs \
                         SCIM_CLIENT_SECRET (SCIM_TOKEN is not used with it)",
                    ));
                }
                if token_url.is_empty() || client_id.is_empty() {
                    return Err(Error::config(
                        "scim: SCIM_CLIENT_SECRET is set, but [scim] token_url and client_id \
                         are not (both are needed for the client-credentials grant)",
                    ));
                }
                let url = Url::parse(token_url)
                    .map_err(|e| Error::config(format!("scim: token_url {token_url:?}: {e}")))?;
                check_scheme("token_url", &url)?;
            }
        }
        if self.domains.is_empty() {
            return Err(Error::config(
                "scim: no accepted domain: set [scim] domains, or build from a policy with a \
                 UPN domain",
            ));
        }
        if !(1..=1000).contains(&self.tuning.page_size) {
            return Err(Error::config(format!(
                "scim: page_size {} is outside 1–1000",
                self.tuning.page_size
            )));
        }
        if !(1..=64).contains(&self.tuning.concurrency) {
            return Err(Error::config(format!(
                "scim: concurrency {} is outside 1–64",
                self.tuning.concurrency
            )));
        }
        let attributes = self
            .attributes
            .iter()
            .map(|n| crate::vocabulary::custom(n))
            .collect::<std::result::Result<Vec<_>, String>>()
            .map_err(|e| Error::config(format!("scim: attributes: {e}")))?;
        let read_set = self.read_set.unwrap_or_else(|| {
            ReadSet::of(
                ReadSet::NAMES
                    .into_iter()
                    .chain(crate::vocabulary::mappable())
                    .chain(attributes.iter().cloned()),
                true,
            )
        });
        ScimDirectory::new(Settings {
            base,
            auth: self.auth,
            domains: self.domains,
            profile: self.profile,
            send_password: self.send_password,
            attributes,
            read_set,
            tuning: self.tuning,
        })
    }
}

/// HTTPS, or plain HTTP to a loopback address (tests, a local proxy): a bearer token never
/// crosses a network in clear.
fn check_scheme(key: &str, url: &Url) -> Result<()> {
    hris_sync_core::raw::transport::ensure_secure_transport(
        &format!("scim: {key}"),
        url.scheme(),
        url.host_str().unwrap_or(""),
    )
}
