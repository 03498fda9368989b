//! One bound LDAP connection, made on first use and again after it breaks, and the loop
//! every operation runs in: count it, give it a deadline, map its error, retry what is
//! transient (`busy`, `unavailable`, a lost connection) with the shared policy.

use std::future::Future;
use std::path::Path;
use std::sync::Arc;

use hris_sync_core::retry::{Step, retrying};
use hris_sync_core::{Error, ErrorKind, Result};
use ldap3::{Ldap, LdapConnAsync, LdapConnSettings, LdapError, StdStream};
use secrecy::ExposeSecret as _;
use tokio::sync::Mutex;

use crate::config::{Security, Settings};
use crate::error::{Right, from_ldap};

/// The TLS client configuration: the CA file's certificates, or the operating system's
/// trust store.
pub(crate) fn tls_config(ca_file: Option<&Path>) -> Result<Arc<rustls::ClientConfig>> {
    let mut roots = rustls::RootCertStore::empty();
    match ca_file {
        Some(path) => {
            use rustls_pki_types::pem::PemObject as _;
            let shown = path.display();
            let certs = rustls_pki_types::CertificateDer::pem_file_iter(path)
                .map_err(|e| Error::config(format!("active_directory.ca_file: {shown}: {e}")))?
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(|e| Error::config(format!("active_directory.ca_file: {shown}: {e}")))?;
            if certs.is_empty() {
                return Err(Error::config(format!(
                    "active_directory.ca_file: {shown} holds no PEM certificate"
                )));
            }
            for cert in certs {
                roots.add(cert).map_err(|e| {
                    Error::config(format!("active_directory.ca_file: {shown}: {e}"))
                })?;
            }
        }
        None => {
            let found = rustls_native_certs::load_native_certs();
            for cert in found.certs {
                // A certificate the store holds but rustls cannot use is skipped, as every
                // client of the store does.
                let _ = roots.add(cert);
            }
            if roots.is_empty() {
                // Every certificate will be refused as of an unknown issuer, naming ca_file.
                tracing::warn!(
                    "the operating system's trust store is empty; set active_directory.ca_file"
                );
            }
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::config(format!("TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(Arc::new(config))
}

/// The connection, shared by every operation of one directory.
#[derive(Debug)]
pub(crate) struct Conn {
    pub(crate) settings: Arc<Settings>,
    live: Mutex<Option<Ldap>>,
}

impl Conn {
    pub(crate) fn new(settings: Arc<Settings>) -> Self {
        Self {
            settings,
            live: Mutex::new(None),
        }
    }

    /// Whether the connection is encrypted (a password may be written).
    pub(crate) fn is_secure(&self) -> bool {
        self.settings.endpoint.is_secure()
    }

    /// A handle on the live connection, connecting and binding first when there is none.
    async fn handle(&self) -> Result<Ldap> {
        let mut live = self.live.lock().await;
        if let Some(ldap) = live.as_mut() {
            if !ldap.is_closed() {
                return Ok(ldap.clone());
            }
        }
        let ldap = self.connect().await?;
        *live = Some(ldap.clone());
        Ok(ldap)
    }

    /// Forget the connection (it broke); the next operation makes a new one.
    async fn reset(&self) {
        *self.live.lock().await = None;
    }

    async fn connect(&self) -> Result<Ldap> {
        let s = &self.settings;
        let e = &s.endpoint;
        let what = format!("connect to {}:{}", e.host, e.port);
        let tcp = tokio::time::timeout(
            s.timeout,
            tokio::net::TcpStream::connect((e.host.as_str(), e.port)),
        )
        .await
        .map_err(|_| Error::new(ErrorKind::Transient, format!("{what}: timed out")))?
        .map_err(|err| Error::new(ErrorKind::Transient, format!("{what}: {err}")))?;
        let std = tcp
            .into_std()
            .map_err(|err| Error::new(ErrorKind::Transient, format!("{what}: {err}")))?;
        let mut ldap_settings = LdapConnSettings::new()
            .set_conn_timeout(s.timeout)
            .set_std_stream(StdStream::Tcp(std))
            .set_starttls(e.security == Security::StartTls);
        if let Some(tls) = &s.tls {
            ldap_settings = ldap_settings.set_config(Arc::clone(tls));
        }
        // The stream is connected already; the URL's host is the name TLS checks.
        let scheme = if e.security == Security::Ldaps {
            "ldaps"
        } else {
            "ldap"
        };
        let url = format!("{scheme}://{}:{}", e.tls_name, e.port);
        let (driver, mut ldap) = LdapConnAsync::with_settings(ldap_settings, &url)
            .await
            .map_err(|err| from_ldap(&what, Right::Read, err))?;
        tokio::spawn(async move {
            if let Err(err) = driver.drive().await {
                tracing::debug!(error = %err, "LDAP connection ended");
            }
        });
        s.stats.sent();
        let bind = format!("bind as {}", s.bind_dn);
        ldap.with_timeout(s.timeout)
            .simple_bind(&s.bind_dn, s.bind_password.expose_secret())
            .await
            .and_then(ldap3::LdapResult::success)
            .map_err(|err| from_ldap(&bind, Right::Read, err))?;
        tracing::debug!(host = %e.host, port = e.port, secure = self.is_secure(), "bound to the domain controller");
        Ok(ldap)
    }

    /// Run `op` on the connection with the retry policy: count each attempt, bound it by the
    /// timeout, map its error (`what` and `right` name it), reconnect after a transport
    /// failure, and retry what is transient.
    ///
    /// `op` may be sent more than once; callers make a repeated write harmless (a create
    /// looks up who holds its names before it gives up).
    pub(crate) async fn run<T, F, Fut>(&self, what: &str, right: Right, op: F) -> Result<T>
    where
        F: Fn(Ldap) -> Fut,
        Fut: Future<Output = std::result::Result<T, LdapError>>,
    {
        retrying(&self.settings.retry, "Active Directory", what, || async {
            let mut ldap = match self.handle().await {
                Ok(ldap) => ldap,
                Err(e) if e.is_retryable() => return Step::Failed(e),
                Err(e) => return Step::Fatal(e),
            };
            ldap.with_timeout(self.settings.timeout);
            self.settings.stats.sent();
            match op(ldap).await {
                Ok(value) => Step::Done(value),
                Err(err) => {
                    let broken = !matches!(err, LdapError::LdapResult { .. });
                    let error = from_ldap(what, right, err);
                    if broken {
                        self.reset().await;
                    }
                    if error.is_retryable() {
                        Step::Failed(error)
                    } else {
                        Step::Fatal(error)
                    }
                }
            }
        })
        .await
    }
}
