//! Client certificate: a JWT client assertion signed with the app's private key.
//!
//! The assertion follows the identity platform's certificate-credentials document: header
//! `alg` = `PS256`, `typ` = `JWT`, `x5t#S256` = base64url SHA-256 of the certificate's DER;
//! claims `aud` (the token endpoint), `iss` = `sub` = client id, a fresh `jti`, `nbf`/`iat` now
//! and `exp` ten minutes on. A new assertion is signed for every token request.

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use base64::Engine as _;
use hris_sync_core::{Error, Result};
use ring::rand::{SecureRandom, SystemRandom};
use ring::signature::{self, RsaKeyPair};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use zeroize::Zeroizing;

use super::endpoint::{AccessToken, App};
use super::{TokenCredential, TokenRequest, der, pem, pkcs12};

/// How long a signed assertion is valid.
const ASSERTION_LIFETIME: Duration = Duration::from_secs(600);

fn b64url(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// The JWS algorithms a [`Signer`] can sign with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Alg {
    /// RSASSA-PSS with SHA-256: what the identity platform documents for client assertions.
    Ps256,
}

impl Alg {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Ps256 => "PS256",
        }
    }
}

/// An RSA key and the certificate that holds its public half.
pub(crate) struct Signer {
    key: RsaKeyPair,
    certificate: Vec<u8>,
    rng: SystemRandom,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("x5t#S256", &self.thumbprint())
            .field("key", &"[redacted]")
            .finish()
    }
}

impl Signer {
    /// From the bytes of a PEM file (certificate and key, the key plain or PKCS#8-encrypted
    /// with `password`) or a PKCS#12 file (with `password`, empty for none).
    pub(crate) fn from_bytes(bytes: &[u8], password: &str) -> Result<Self> {
        let text = std::str::from_utf8(bytes)
            .ok()
            .filter(|t| t.contains("-----BEGIN "));
        let pkcs12::Contents { certificates, keys } = match text {
            Some(text) => Self::read_pem(text, password)?,
            None => pkcs12::read(bytes, password)?,
        };
        let key = keys
            .first()
            .ok_or_else(|| Error::config("the certificate file holds no private key"))?;
        let key = RsaKeyPair::from_pkcs8(key)
            .or_else(|_| RsaKeyPair::from_der(key))
            .map_err(|e| {
                Error::config(format!(
                    "the private key is not an RSA key of 2048 bits or more ({e}); client \
                     assertions are signed with RSA"
                ))
            })?;
        let public = key.public().as_ref().to_vec();
        let certificate = certificates
            .into_iter()
            .find(|c| der::certificate_public_key(c).is_ok_and(|(_, k)| k == public.as_slice()))
            .ok_or_else(|| Error::config("no certificate in the file matches its private key"))?;
        Ok(Self {
            key,
            certificate,
            rng: SystemRandom::new(),
        })
    }

    fn read_pem(text: &str, password: &str) -> Result<pkcs12::Contents> {
        let mut certificates = Vec::new();
        let mut keys = Vec::new();
        for section in pem::sections(text)? {
            match section.label.as_str() {
                "CERTIFICATE" => certificates.push(section.der.to_vec()),
                "PRIVATE KEY" | "RSA PRIVATE KEY" => keys.push(section.der),
                "ENCRYPTED PRIVATE KEY" => {
                    keys.push(pkcs12::decrypt_private_key(&section.der, password)?)
                }
                "EC PRIVATE KEY" => {
                    return Err(Error::config(
                        "the private key is an EC key; client assertions are signed with RSA",
                    ));
                }
                _ => {}
            }
        }
        Ok(pkcs12::Contents { certificates, keys })
    }

    /// `x5t#S256`: base64url SHA-256 of the certificate's DER.
    pub(crate) fn thumbprint(&self) -> String {
        b64url(ring::digest::digest(&ring::digest::SHA256, &self.certificate).as_ref())
    }

    /// A compact JWS over `claims`, with `alg`, `typ` and `extra` header fields.
    pub(crate) fn sign(&self, alg: Alg, extra: &Value, claims: &Value) -> Result<String> {
        let mut header = json!({ "alg": alg.name(), "typ": "JWT" });
        if let (Some(h), Some(e)) = (header.as_object_mut(), extra.as_object()) {
            h.extend(e.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        let signing_input = format!(
            "{}.{}",
            b64url(header.to_string().as_bytes()),
            b64url(claims.to_string().as_bytes())
        );
        let padding: &dyn signature::RsaEncoding = match alg {
            Alg::Ps256 => &signature::RSA_PSS_SHA256,
        };
        let mut sig = vec![0u8; self.key.public().modulus_len()];
        self.key
            .sign(padding, &self.rng, signing_input.as_bytes(), &mut sig)
            .map_err(|_| Error::config("could not sign the client assertion"))?;
        Ok(format!("{signing_input}.{}", b64url(&sig)))
    }

    /// A GUID-shaped random id for `jti`.
    pub(crate) fn random_id(&self) -> Result<String> {
        let mut b = [0u8; 16];
        self.rng
            .fill(&mut b)
            .map_err(|_| Error::config("no system randomness"))?;
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
        Ok(format!(
            "{}-{}-{}-{}-{}",
            &h[..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..]
        ))
    }
}

/// Seconds since the epoch, now.
pub(crate) fn epoch_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Authenticates as an app registration with a certificate (`AZURE_CLIENT_CERTIFICATE_PATH`,
/// PEM or PKCS#12, and `AZURE_CLIENT_CERTIFICATE_PASSWORD`), the way Microsoft recommends for
/// production over client secrets. Upload the certificate (its public part) to the app
/// registration under *Certificates & secrets*.
///
/// ```no_run
/// use connector_azuread::ClientCertificateCredential;
///
/// # fn build() -> hris_sync_core::Result<()> {
/// let credential = ClientCertificateCredential::from_file(
///     "contoso.onmicrosoft.com",
///     "11111111-2222-3333-4444-555555555555",
///     "/etc/hris-sync/app.pfx",
///     "pfx password",
/// )?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ClientCertificateCredential {
    app: App,
    signer: Arc<Signer>,
}

impl fmt::Debug for ClientCertificateCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCertificateCredential")
            .field("tenant_id", &self.app.tenant_id)
            .field("client_id", &self.app.client_id)
            .field("x5t#S256", &self.signer.thumbprint())
            .finish_non_exhaustive()
    }
}

impl ClientCertificateCredential {
    /// From a certificate file's bytes: PEM (certificate and private key; the key may be an
    /// encrypted PKCS#8 key, opened with `password`) or PKCS#12 (opened with `password`, empty
    /// for none).
    ///
    /// # Errors
    /// [`hris_sync_core::ErrorKind::InvalidConfig`]: a missing tenant or client id, an unreadable
    /// file, a wrong password, a key that is not RSA, no certificate matching the key.
    pub fn new(
        tenant_id: &str,
        client_id_: &str,
        certificate: &[u8],
        password: impl Into<SecretString>,
    ) -> Result<Self> {
        let password = password.into();
        let signer = Signer::from_bytes(certificate, password.expose_secret()).map_err(|e| {
            Error::config(format!("AZURE_CLIENT_CERTIFICATE_PATH: {}", e.message()))
        })?;
        Ok(Self {
            app: App::global(tenant_id, client_id_)?,
            signer: Arc::new(signer),
        })
    }

    /// As [`ClientCertificateCredential::new`], reading the file at `path`.
    ///
    /// # Errors
    /// As `new`, and a file that cannot be read.
    pub fn from_file(
        tenant_id: &str,
        client_id: &str,
        path: impl AsRef<Path>,
        password: impl Into<SecretString>,
    ) -> Result<Self> {
        let path = path.as_ref();
        let bytes = Zeroizing::new(std::fs::read(path).map_err(|e| {
            Error::config(format!(
                "AZURE_CLIENT_CERTIFICATE_PATH: cannot read {}: {e}",
                path.display()
            ))
        })?);
        Self::new(tenant_id, client_id, &bytes, password)
    }

    /// Another identity platform (national clouds); default `https://login.microsoftonline.com`.
    ///
    /// # Errors
    /// Not a URL, or plain `http://` to a non-loopback host.
    pub fn authority_host(mut self, host: &str) -> Result<Self> {
        self.app.at(host)?;
        Ok(self)
    }

    /// The certificate's SHA-256 thumbprint as sent in `x5t#S256` (base64url).
    #[must_use]
    pub fn thumbprint(&self) -> String {
        self.signer.thumbprint()
    }

    fn assertion(&self) -> Result<String> {
        let now = epoch_now();
        let claims = json!({
            "aud": self.app.token_url,
            "iss": self.app.client_id,
            "sub": self.app.client_id,
            "jti": self.signer.random_id()?,
            "nbf": now,
            "iat": now,
            "exp": now + ASSERTION_LIFETIME.as_secs(),
        });
        self.signer.sign(
            Alg::Ps256,
            &json!({ "x5t#S256": self.signer.thumbprint() }),
            &claims,
        )
    }
}

#[async_trait]
impl TokenCredential for ClientCertificateCredential {
    async fn get_token(&self, request: TokenRequest<'_>) -> Result<AccessToken> {
        let assertion = SecretString::from(self.assertion()?);
        let hint = "check AZURE_TENANT_ID and AZURE_CLIENT_ID, that the certificate in \
             AZURE_CLIENT_CERTIFICATE_PATH is uploaded to the app registration and not expired, \
             and that the app has admin consent";
        self.app.post_assertion(request, &assertion, hint).await
    }
}
