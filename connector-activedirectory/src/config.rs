//! [`AdBuilder`]: where the directory is, how to reach it, and where accounts go.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use hris_sync_core::raw::ReadSet;
use hris_sync_core::retry::RetryPolicy;
use hris_sync_core::{Error, Policy, RequestStats, Result};
use secrecy::SecretString;

use crate::dn;
use crate::sam::SamSchema;
use crate::section::ActiveDirectorySection;

/// Entries per page of a paged search unless configured.
pub const DEFAULT_PAGE_SIZE: u32 = 500;
/// AD's default `MaxPageSize`: a larger page is cut to this by the server anyway.
const MAX_PAGE_SIZE: u32 = 1000;

/// Settings of a built directory.
#[derive(Debug)]
pub(crate) struct Settings {
    pub(crate) endpoint: Endpoint,
    pub(crate) base_dn: String,
    pub(crate) users_ou: String,
    pub(crate) disabled_ou: Option<String>,
    pub(crate) sam: SamSchema,
    pub(crate) bind_dn: String,
    pub(crate) bind_password: SecretString,
    pub(crate) page_size: u32,
    pub(crate) read_set: ReadSet,
    pub(crate) stats: RequestStats,
    pub(crate) retry: RetryPolicy,
    pub(crate) timeout: Duration,
    pub(crate) concurrency: usize,
    pub(crate) tls: Option<Arc<rustls::ClientConfig>>,
}

/// How the connection is made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Endpoint {
    /// Host name or address to connect to.
    pub(crate) host: String,
    /// TCP port.
    pub(crate) port: u16,
    /// How the connection is secured.
    pub(crate) security: Security,
    /// The name the server's certificate must carry.
    pub(crate) tls_name: String,
}

/// Transport security.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Security {
    /// TLS from the first byte (`ldaps://`).
    Ldaps,
    /// Plain connect, then the StartTLS extended operation.
    StartTls,
    /// No encryption: loopback only, and never a password.
    Plain,
}

impl Endpoint {
    /// Parse `ldaps://host[:port]` or `ldap://host[:port]` (a trailing `/` or path is
    /// ignored). Plain LDAP (`ldap://` without StartTLS) is refused unless the host is a
    /// loopback address.
    pub(crate) fn parse(
        url: &str,
        start_tls: Option<bool>,
        tls_name: Option<&str>,
    ) -> Result<Self> {
        let bad = |why: &str| Error::config(format!("active_directory.url: {url:?} {why}"));
        let (scheme, rest) = url
            .trim()
            .split_once("://")
            .ok_or_else(|| bad("is not an LDAP URL (ldaps://host or ldap://host)"))?;
        let authority = rest.split('/').next().unwrap_or_default();
        let (host, port) = match authority.strip_prefix('[') {
            Some(v6) => {
                let (h, after) = v6.split_once(']').ok_or_else(|| bad("has an unclosed ["))?;
                (h.to_owned(), after.strip_prefix(':'))
            }
            None => match authority.rsplit_once(':') {
                Some((h, p)) => (h.to_owned(), Some(p)),
                None => (authority.to_owned(), None),
            },
        };
        if host.is_empty() {
            return Err(bad("names no host"));
        }
        let security = match (scheme.to_ascii_lowercase().as_str(), start_tls) {
            ("ldaps", Some(true)) => {
                return Err(Error::config(
                    "active_directory.start_tls: an ldaps:// URL is encrypted already; StartTLS \
                     applies to ldap:// only",
                ));
            }
            ("ldaps", _) => Security::Ldaps,
            ("ldap", None | Some(true)) => Security::StartTls,
            ("ldap", Some(false)) => Security::Plain,
            (other, _) => {
                return Err(bad(&format!(
                    "has the scheme {other:?}; use ldaps:// (or ldap:// with StartTLS)"
                )));
            }
        };
        if security == Security::Plain && !is_loopback(&host) {
            return Err(Error::config(format!(
                "active_directory.start_tls: plain LDAP to {host} would send the bind password \
                 and new passwords unencrypted; it is accepted to a loopback address only. Use \
                 ldaps:// or StartTLS"
            )));
        }
        let port = match port {
            Some(p) => p
                .parse::<u16>()
                .map_err(|_| bad(&format!("has the port {p:?}, not a number")))?,
            None if security == Security::Ldaps => 636,
            None => 389,
        };
        Ok(Self {
            tls_name: tls_name.map_or_else(|| host.clone(), str::to_owned),
            host,
            port,
            security,
        })
    }

    /// Whether the connection is encrypted.
    pub(crate) fn is_secure(&self) -> bool {
        self.security != Security::Plain
    }
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Builds an [`ActiveDirectory`](crate::ActiveDirectory).
///
/// ```
/// use connector_activedirectory::AdBuilder;
/// use hris_sync_core::Policy;
/// use hris_sync_core::policy::SourceTraits;
///
/// let policy = Policy::from_toml_with(r#"
///     [directory]
///     kind = "active_directory"
///     [upn]
///     domain = "corp.example"
///     [[mapping]]
///     source = "department"
///     ad = "department"
/// "#, &SourceTraits::default(), &connector_activedirectory::traits())?;
/// let directory = AdBuilder::new()
///     .url("ldaps://dc1.corp.example")
///     .base_dn("OU=Staff,DC=corp,DC=example")
///     .users_ou("OU=New,OU=Staff,DC=corp,DC=example")
///     .bind("CN=svc-hris,OU=Service,DC=corp,DC=example", "a secret from the vault")
///     .policy(&policy)
///     .build()?;
/// # drop(directory);
/// # Ok::<(), hris_sync_core::Error>(())
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct AdBuilder {
    url: Option<String>,
    start_tls: Option<bool>,
    base_dn: Option<String>,
    users_ou: Option<String>,
    disabled_ou: Option<String>,
    sam: SamSchema,
    ca_file: Option<PathBuf>,
    tls_server_name: Option<String>,
    page_size: u32,
    bind_dn: Option<String>,
    bind_password: Option<SecretString>,
    read_set: ReadSet,
    stats: RequestStats,
    retry: RetryPolicy,
    timeout: Duration,
    concurrency: usize,
}

impl Default for AdBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl AdBuilder {
    /// Nothing set: give the URL, the DNs and the bind account, or use
    /// [`from_env`](Self::from_env) and [`section`](Self::section).
    pub fn new() -> Self {
        Self {
            url: None,
            start_tls: None,
            base_dn: None,
            users_ou: None,
            disabled_ou: None,
            sam: SamSchema::default(),
            ca_file: None,
            tls_server_name: None,
            page_size: DEFAULT_PAGE_SIZE,
            bind_dn: None,
            bind_password: None,
            read_set: ReadSet::of(ReadSet::NAMES, false),
            stats: RequestStats::default(),
            retry: RetryPolicy::default(),
            timeout: Duration::from_secs(30),
            concurrency: 4,
        }
    }

    /// The bind account from the environment: `AD_BIND_DN` and `AD_BIND_PASSWORD`.
    pub fn from_env() -> Self {
        let mut b = Self::new();
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        b.bind_dn = var("AD_BIND_DN");
        b.bind_password = var("AD_BIND_PASSWORD").map(SecretString::from);
        b
    }

    /// The `[active_directory]` table of the configuration file.
    ///
    /// # Errors
    /// [`hris_sync_core::ErrorKind::InvalidConfig`] naming the key whose value is unusable.
    pub fn section(mut self, s: &ActiveDirectorySection) -> Result<Self> {
        self.url = s.url.clone().or(self.url);
        self.start_tls = s.start_tls.or(self.start_tls);
        self.base_dn = s.base_dn.clone().or(self.base_dn);
        self.users_ou = s.users_ou.clone().or(self.users_ou);
        self.disabled_ou = s.disabled_ou.clone().or(self.disabled_ou);
        self.ca_file = s.ca_file.clone().map(PathBuf::from).or(self.ca_file);
        self.tls_server_name = s.tls_server_name.clone().or(self.tls_server_name);
        if let Some(n) = s.page_size {
            if !(1..=MAX_PAGE_SIZE).contains(&n) {
                return Err(Error::config(format!(
                    "active_directory.page_size: {n} is outside 1..={MAX_PAGE_SIZE}"
                )));
            }
            self.page_size = n;
        }
        self.sam = SamSchema::parse(s.sam_account_name.as_deref(), s.sam_prefix.as_deref())?;
        Ok(self)
    }

    hris_sync_core::raw::setters! {
        /// `ldaps://host[:port]`, or `ldap://host[:port]` with StartTLS.
        url: Some<String> => url;

        /// With an `ldap://` URL: whether to upgrade with StartTLS (default true). Without it the
        /// URL must name a loopback address, and no password is ever written.
        start_tls: Some<bool> => start_tls;

        /// Where users are read (subtree search).
        base_dn: Some<String> => base_dn;

        /// Where new accounts are created (at or under the base DN).
        users_ou: Some<String> => users_ou;

        /// Where disabled accounts are moved (at or under the base DN, so they stay in sight).
        disabled_ou: Some<String> => disabled_ou;

        /// How `sAMAccountName` is made.
        sam_account_name: SamSchema => sam;

        /// A PEM file with the CA certificates to check the domain controller's certificate
        /// against, instead of the operating system's trust store.
        ca_file: Some<PathBuf> => ca_file;

        /// The name the DC's certificate must carry, when the URL names the DC otherwise.
        tls_server_name: Some<String> => tls_server_name;
    }

    /// Entries per page of a paged search (1..=1000).
    pub fn page_size(mut self, n: u32) -> Self {
        self.page_size = n.clamp(1, MAX_PAGE_SIZE);
        self
    }

    /// The service account to bind as (a simple bind over TLS).
    pub fn bind(mut self, dn: impl Into<String>, password: impl Into<String>) -> Self {
        self.bind_dn = Some(dn.into());
        self.bind_password = Some(SecretString::from(password.into()));
        self
    }

    /// Read what `policy` maps (its names, mapped attributes and the manager).
    pub fn policy(mut self, policy: &Policy) -> Self {
        self.read_set = ReadSet::for_policy(policy);
        self
    }

    hris_sync_core::raw::setters! {
        /// Read exactly this [`ReadSet`] (a host without a [`Policy`]; [`policy`](Self::policy) is the
        /// usual way).
        read_set: ReadSet => read_set;
        /// Count every LDAP request into these counters (a host's metrics).
        request_stats: RequestStats => stats;
        /// How `busy`, `unavailable` and lost connections are retried.
        retry: RetryPolicy => retry;
        /// How long one LDAP operation may take (default 30 s).
        timeout: Duration => timeout;
    }

    /// How many writes are in flight at once (default 4).
    pub fn concurrency(mut self, n: usize) -> Self {
        self.concurrency = n.max(1);
        self
    }

    /// Check everything and build.
    ///
    /// # Errors
    /// [`hris_sync_core::ErrorKind::InvalidConfig`] naming the missing or unusable setting:
    /// `active_directory.url`, `.base_dn`, `.users_ou`, `.disabled_ou`, `.ca_file`,
    /// `AD_BIND_DN` or `AD_BIND_PASSWORD`.
    pub fn build(self) -> Result<crate::ActiveDirectory> {
        let url = self.url.ok_or_else(|| {
            Error::config("active_directory.url: missing; e.g. \"ldaps://dc1.corp.example\"")
        })?;
        let endpoint = Endpoint::parse(&url, self.start_tls, self.tls_server_name.as_deref())?;
        let dn_key = |key: &str, v: Option<String>| -> Result<String> {
            let v = v
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
                .ok_or_else(|| Error::config(format!("active_directory.{key}: missing")))?;
            if dn::is_valid(&v) {
                Ok(v)
            } else {
                Err(Error::config(format!(
                    "active_directory.{key}: {v:?} is not a distinguished name (e.g. \
                     \"OU=Staff,DC=corp,DC=example\")"
                )))
            }
        };
        let base_dn = dn_key("base_dn", self.base_dn)?;
        let users_ou = dn_key("users_ou", self.users_ou)?;
        let disabled_ou = match self.disabled_ou.filter(|v| !v.trim().is_empty()) {
            Some(v) => Some(dn_key("disabled_ou", Some(v))?),
            None => None,
        };
        for (key, ou) in [
            ("users_ou", Some(&users_ou)),
            ("disabled_ou", disabled_ou.as_ref()),
        ] {
            if let Some(ou) = ou {
                if !dn::is_at_or_under(ou, &base_dn) {
                    return Err(Error::config(format!(
                        "active_directory.{key}: {ou:?} is not under base_dn {base_dn:?}, so \
                         the accounts there would not be read back"
                    )));
                }
            }
        }
        let bind_dn = self
            .bind_dn
            .ok_or_else(|| Error::config("AD_BIND_DN: missing; the service account's DN"))?;
        let bind_password = self.bind_password.ok_or_else(|| {
            Error::config("AD_BIND_PASSWORD: missing; the service account's password")
        })?;
        let tls = match endpoint.security {
            Security::Plain => None,
            Security::Ldaps | Security::StartTls => {
                Some(crate::conn::tls_config(self.ca_file.as_deref())?)
            }
        };
        Ok(crate::ActiveDirectory::new(Settings {
            endpoint,
            base_dn,
            users_ou,
            disabled_ou,
            sam: self.sam,
            bind_dn,
            bind_password,
            page_size: self.page_size,
            read_set: self.read_set,
            stats: self.stats,
            retry: self.retry,
            timeout: self.timeout,
            concurrency: self.concurrency,
            tls,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_their_security() {
        let e = Endpoint::parse("ldaps://dc1.corp.example", None, None).unwrap();
        assert_eq!(
            (e.host.as_str(), e.port, e.security),
            ("dc1.corp.example", 636, Security::Ldaps)
        );
        let e = Endpoint::parse("ldap://dc1.corp.example:3389/", None, None).unwrap();
        assert_eq!((e.port, e.security), (3389, Security::StartTls));
        let e = Endpoint::parse("ldaps://127.0.0.1:636", None, Some("dc1.demo.local")).unwrap();
        assert_eq!(e.tls_name, "dc1.demo.local");
        let e = Endpoint::parse("ldap://[::1]:389", Some(false), None).unwrap();
        assert_eq!((e.host.as_str(), e.security), ("::1", Security::Plain));
        assert!(!e.is_secure());
        let err = Endpoint::parse("ldap://dc1.corp.example", Some(false), None).unwrap_err();
        assert!(
            err.message().starts_with("active_directory.start_tls:"),
            "{err}"
        );
        assert!(err.message().contains("loopback"), "{err}");
        for bad in [
            "dc1.corp.example",
            "https://dc1",
            "ldaps://",
            "ldaps://dc:x",
        ] {
            let err = Endpoint::parse(bad, None, None).unwrap_err();
            assert!(
                err.message().starts_with("active_directory.url:"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn build_names_what_is_missing_or_misplaced() {
        let ok = || {
            AdBuilder::new()
                .url("ldaps://dc1.corp.example")
                .base_dn("OU=Staff,DC=corp,DC=example")
                .users_ou("OU=New,OU=Staff,DC=corp,DC=example")
                .bind("CN=svc,DC=corp,DC=example", "pw")
        };
        assert!(ok().build().is_ok());
        let msg = |b: AdBuilder| b.build().unwrap_err().message().to_owned();
        assert!(msg(AdBuilder::new()).starts_with("active_directory.url:"));
        assert!(
            msg(ok().users_ou("OU=Elsewhere,DC=corp,DC=example")).contains("not under base_dn")
        );
        assert!(msg(ok().disabled_ou("Leavers")).starts_with("active_directory.disabled_ou:"));
        assert!(msg(ok().ca_file("/nonexistent/ca.pem")).starts_with("active_directory.ca_file:"));
        let mut no_pw = ok();
        no_pw.bind_password = None;
        assert!(msg(no_pw).starts_with("AD_BIND_PASSWORD:"));
        let section = ActiveDirectorySection {
            page_size: Some(5000),
            ..ActiveDirectorySection::default()
        };
        let err = ok().section(&section).unwrap_err();
        assert!(
            err.message().starts_with("active_directory.page_size:"),
            "{err}"
        );
    }

    #[test]
    fn the_password_never_shows() {
        let b = AdBuilder::new().bind("CN=svc", "hunter2-very-secret");
        assert!(!format!("{b:?}").contains("hunter2"));
    }
}
