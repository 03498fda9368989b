//! Configuration: a builder, `from_env()`, and validation in `build()`.

use std::collections::BTreeSet;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use hris_sync_core::raw::DirectoryProperty;
use hris_sync_core::transport::ensure_secure_transport;
use hris_sync_core::{Error, Result};
use reqwest::Url;
use secrecy::SecretString;

use crate::EntraDirectory;
use crate::credential::{
    ClientCertificateCredential, ClientSecretCredential, EnvCredential, ManagedIdentityCredential,
    TokenCredential, WorkloadIdentityCredential, no_credential,
};

/// How the directory gets its tokens; built in [`GraphBuilder::build`] with the builder's
/// tenant, client id and authority.
#[derive(Clone)]
enum CredentialChoice {
    Secret(SecretString),
    CertificateFile(PathBuf, SecretString),
    FederatedTokenFile(PathBuf),
    Given(Arc<dyn TokenCredential>),
}

impl fmt::Debug for CredentialChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Secret(_) => f.write_str("ClientSecret([redacted])"),
            Self::CertificateFile(path, _) => write!(f, "ClientCertificate({})", path.display()),
            Self::FederatedTokenFile(path) => write!(f, "WorkloadIdentity({})", path.display()),
            Self::Given(c) => c.fmt(f),
        }
    }
}

/// The global Microsoft Graph endpoint.
pub const DEFAULT_GRAPH_BASE_URL: &str = "https://graph.microsoft.com";
/// The global Microsoft identity platform.
pub const DEFAULT_AUTHORITY_HOST: &str = "https://login.microsoftonline.com";

/// Graph's write quota per app and tenant: 3,000 writes per 150 seconds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WriteLimits {
    /// Writes allowed per window.
    pub writes: u32,
    /// The window (150 s in production; shorter in time-scaled tests).
    pub window: Duration,
}

impl Default for WriteLimits {
    fn default() -> Self {
        Self {
            writes: 3_000,
            window: Duration::from_secs(150),
        }
    }
}

impl WriteLimits {
    /// The same quota over a window divided by `factor`.
    #[must_use]
    pub fn scaled(&self, factor: u32) -> Self {
        Self {
            writes: self.writes,
            window: self.window / factor.max(1),
        }
    }
}

/// Everything an [`EntraDirectory`] needs. Build one with [`EntraDirectory::builder`] or
/// [`EntraDirectory::from_env`].
///
/// ```no_run
/// use connector_azuread::EntraDirectory;
/// use hris_sync_core::Policy;
///
/// # fn build(policy: &Policy) -> hris_sync_core::Result<EntraDirectory> {
/// let entra = EntraDirectory::builder()
///     .tenant_id("contoso.onmicrosoft.com")
///     .client_id("11111111-2222-3333-4444-555555555555")
///     .client_secret(std::env::var("AZURE_CLIENT_SECRET").unwrap_or_default())
///     .policy(policy) // read exactly what the policy maps
///     .batches_in_flight(4)
///     .build()?;
/// # Ok(entra) }
/// ```
/// `Debug` shows no secret: the credential redacts its own.
#[derive(Clone, Debug)]
pub struct GraphBuilder {
    pub(crate) tenant_id: Option<String>,
    pub(crate) client_id: Option<String>,
    credential: Option<CredentialChoice>,
    pub(crate) authority_host: String,
    pub(crate) graph_base_url: String,
    pub(crate) tuning: Tuning,
}

/// What the builder sets besides where and who: passed on whole to the built directory's
/// settings.
#[derive(Clone, Debug)]
pub(crate) struct Tuning {
    pub(crate) managed: BTreeSet<DirectoryProperty>,
    pub(crate) managers: bool,
    pub(crate) batches_in_flight: usize,
    pub(crate) write_limits: WriteLimits,
    pub(crate) token_margin: Duration,
    pub(crate) consistency_wait: Duration,
    pub(crate) http: hris_sync_http::HttpOptions,
    pub(crate) usage_location: Option<String>,
}

impl Default for GraphBuilder {
    fn default() -> Self {
        Self {
            tenant_id: None,
            client_id: None,
            credential: None,
            authority_host: DEFAULT_AUTHORITY_HOST.to_owned(),
            graph_base_url: DEFAULT_GRAPH_BASE_URL.to_owned(),
            tuning: Tuning {
                managed: BTreeSet::new(),
                managers: false,
                batches_in_flight: 4,
                write_limits: WriteLimits::default(),
                token_margin: Duration::from_secs(300),
                consistency_wait: Duration::from_secs(60),
                http: hris_sync_http::HttpOptions::with_timeout(Duration::from_secs(60)),
                usage_location: None,
            },
        }
    }
}

impl GraphBuilder {
    hris_sync_http::http_setters!(tuning.http);

    hris_sync_core::raw::setters! {
        /// The `usageLocation` of new accounts (a two-letter country code, as `[entra]
        /// usage_location` gives it), where a mapping does not set one.
        usage_location: Some<String> => tuning.usage_location;
    }

    /// Read the credential from the environment as [`EnvCredential`] describes
    /// (`AZURE_TENANT_ID`, `AZURE_CLIENT_ID`, and `AZURE_CLIENT_SECRET`,
    /// `AZURE_CLIENT_CERTIFICATE_PATH` [+ `_PASSWORD`], `AZURE_FEDERATED_TOKEN_FILE`, or a
    /// managed identity), and (optional) `AZURE_AUTHORITY_HOST` and `GRAPH_BASE_URL` for
    /// national clouds.
    #[must_use]
    pub fn from_env() -> Self {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let mut builder = Self {
            tenant_id: var("AZURE_TENANT_ID"),
            client_id: var("AZURE_CLIENT_ID"),
            authority_host: var("AZURE_AUTHORITY_HOST")
                .unwrap_or_else(|| DEFAULT_AUTHORITY_HOST.to_owned()),
            graph_base_url: var("GRAPH_BASE_URL")
                .unwrap_or_else(|| DEFAULT_GRAPH_BASE_URL.to_owned()),
            ..Self::default()
        };
        builder.credential = match EnvCredential::detect() {
            EnvCredential::Secret => {
                var("AZURE_CLIENT_SECRET").map(|s| CredentialChoice::Secret(SecretString::from(s)))
            }
            EnvCredential::Certificate => var("AZURE_CLIENT_CERTIFICATE_PATH").map(|p| {
                CredentialChoice::CertificateFile(
                    PathBuf::from(p),
                    SecretString::from(
                        std::env::var("AZURE_CLIENT_CERTIFICATE_PASSWORD").unwrap_or_default(),
                    ),
                )
            }),
            EnvCredential::WorkloadIdentity => var("AZURE_FEDERATED_TOKEN_FILE")
                .map(|p| CredentialChoice::FederatedTokenFile(PathBuf::from(p))),
            EnvCredential::ManagedIdentity => Some(CredentialChoice::Given(Arc::new(
                ManagedIdentityCredential::from_env(),
            ))),
            _ => None,
        };
        builder
    }

    hris_sync_core::raw::setters! {
        /// The directory (tenant) id or a verified domain of the tenant.
        tenant_id: Some<String> => tenant_id;

        /// The app registration's client id.
        client_id: Some<String> => client_id;
    }

    /// Authenticate with the app registration's client secret.
    #[must_use]
    pub fn client_secret(mut self, secret: impl Into<String>) -> Self {
        self.credential = Some(CredentialChoice::Secret(SecretString::from(secret.into())));
        self
    }

    /// Authenticate with a certificate file, PEM or PKCS#12, opened with `password` (empty
    /// for none): see [`ClientCertificateCredential`]. The file is read by
    /// [`GraphBuilder::build`].
    #[must_use]
    pub fn client_certificate(
        mut self,
        path: impl Into<PathBuf>,
        password: impl Into<SecretString>,
    ) -> Self {
        self.credential = Some(CredentialChoice::CertificateFile(
            path.into(),
            password.into(),
        ));
        self
    }

    /// Authenticate with workload identity federation: the token in `path`, read again for
    /// every token request. See [`WorkloadIdentityCredential`].
    #[must_use]
    pub fn federated_token_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.credential = Some(CredentialChoice::FederatedTokenFile(path.into()));
        self
    }

    /// Authenticate with any [`TokenCredential`]: a [`ManagedIdentityCredential`], or the
    /// host's own token source. The tenant, client id and authority of this builder are then
    /// not used for tokens.
    #[must_use]
    pub fn credential(mut self, credential: impl TokenCredential + 'static) -> Self {
        self.credential = Some(CredentialChoice::Given(Arc::new(credential)));
        self
    }

    hris_sync_core::raw::setters! {
        /// The identity platform (default `https://login.microsoftonline.com`).
        authority_host: Into<String> => authority_host;

        /// Microsoft Graph (default `https://graph.microsoft.com`).
        graph_base_url: Into<String> => graph_base_url;
    }

    /// Read what planning under `policy` needs: its mapped properties (with `$select`) and,
    /// when it maps the manager, each user's manager. This is how a host should configure the
    /// reads; [`hris_sync_core::engine::Syncer`] refuses a directory that reads less than its
    /// policy needs, because every unread property would be written again in every cycle.
    #[must_use]
    pub fn policy(self, policy: &hris_sync_core::Policy) -> Self {
        let needed = hris_sync_core::raw::ReadSet::for_policy(policy);
        self.manage(needed.properties).managers(needed.managers)
    }

    /// Also read these properties (with `$select`); [`GraphBuilder::policy`] sets them from a
    /// policy.
    #[must_use]
    pub fn manage(mut self, properties: impl IntoIterator<Item = DirectoryProperty>) -> Self {
        self.tuning.managed.extend(properties);
        self
    }

    hris_sync_core::raw::setters! {
        /// Read each user's manager, for the manager mapping. Full reads then go through a
        /// `/users/delta` round with `$select=…,manager` (pages of up to 200) instead of `/users`
        /// (pages of 999), so leave this off when the policy does not map the manager.
        managers: bool => tuning.managers;
        /// `$batch` requests in flight at once (default 4).
        batches_in_flight: usize => tuning.batches_in_flight;
        /// The write quota the client paces itself to.
        write_limits: WriteLimits => tuning.write_limits;
        /// How long an object created in this run may stay unreadable (replication lag, T3):
        /// a 404 on it, or on a reference to it, is retried with back-off for this long, and a
        /// UPN conflict whose holder cannot be read is looked up again for this long before the
        /// fallback UPN is used (T4). Default 60 s.
        consistency_wait: Duration => tuning.consistency_wait;
    }

    /// Validate and build the directory.
    ///
    /// # Errors
    /// [`hris_sync_core::ErrorKind::InvalidConfig`] naming the setting: missing credentials,
    /// a bad URL, plain `http://` to a non-loopback host, no batches in flight.
    pub fn build(self) -> Result<EntraDirectory> {
        let tenant = self.tenant_id.clone().unwrap_or_default();
        let client = self.client_id.clone().unwrap_or_default();
        let host = self.authority_host.as_str();
        let credential: Arc<dyn TokenCredential> = match self.credential.clone() {
            Some(CredentialChoice::Given(c)) => c,
            Some(CredentialChoice::Secret(secret)) => Arc::new(
                ClientSecretCredential::new(&tenant, &client, secret)?.authority_host(host)?,
            ),
            Some(CredentialChoice::CertificateFile(path, password)) => Arc::new(
                ClientCertificateCredential::from_file(&tenant, &client, path, password)?
                    .authority_host(host)?,
            ),
            Some(CredentialChoice::FederatedTokenFile(path)) => Arc::new(
                WorkloadIdentityCredential::new(&tenant, &client, path)?.authority_host(host)?,
            ),
            None => {
                // Name what is missing in the order an operator sets it.
                crate::credential::validate_ids(host, &tenant, &client)?;
                return Err(no_credential());
            }
        };
        let url = |what: &str, raw: &str| -> Result<Url> {
            let url = Url::parse(raw.trim_end_matches('/'))
                .map_err(|e| Error::config(format!("{what}: {raw:?} is not a URL: {e}")))?;
            ensure_secure_transport(what, url.scheme(), url.host_str().unwrap_or_default())?;
            Ok(url)
        };
        let graph = url("GRAPH_BASE_URL", &self.graph_base_url)?;
        if self.tuning.batches_in_flight == 0 {
            return Err(Error::config("batches in flight must be at least 1"));
        }
        EntraDirectory::new(crate::client::Settings {
            credential,
            graph,
            tuning: self.tuning,
        })
    }
}
