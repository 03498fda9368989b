//! The identity platform's side of certificates and tokens, with well-kept crates:
//! certificates read with `x509-parser`, signatures checked and made with `ring`.
//!
//! An app registration holds certificates (DER); a client assertion names one by thumbprint
//! (`x5t#S256`, or the legacy SHA-1 `x5t`) and must verify against its RSA key with the
//! algorithm its header names (PS256 or RS256). A federated credential trusts an issuer's
//! signing key the same way.

use base64::Engine as _;
use hris_sync_core::{Error, ErrorKind, Result};
use ring::signature;

/// `client_assertion_type` of a JWT client assertion (RFC 7523).
pub(super) const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Seconds since the epoch.
pub(super) fn epoch_now() -> u64 {
    #[allow(clippy::disallowed_methods)]
    let now = std::time::SystemTime::now();
    now.duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn invalid(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::InvalidInput, message)
}

/// The bytes of the first `label` block of a PEM file (RFC 7468).
pub(super) fn pem_block(file: &[u8], label: &str) -> Result<Vec<u8>> {
    let text = String::from_utf8_lossy(file);
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let body = text
        .split_once(&begin)
        .and_then(|(_, rest)| rest.split_once(&end))
        .map(|(body, _)| body)
        .ok_or_else(|| invalid(format!("no {label} block in the file")))?;
    let b64: String = body.chars().filter(|c| !c.is_whitespace()).collect();
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|e| invalid(format!("the {label} block is not base64: {e}")))
}

/// The RSA public key (PKCS#1 `RSAPublicKey`) of a certificate, or `None` for another kind
/// of key or a certificate that does not parse.
pub(super) fn rsa_public_key(certificate: &[u8]) -> Option<Vec<u8>> {
    let (_, cert) = x509_parser::parse_x509_certificate(certificate).ok()?;
    let spki = cert.public_key();
    (spki.algorithm.algorithm == x509_parser::oid_registry::OID_PKCS1_RSAENCRYPTION)
        .then(|| spki.subject_public_key.data.to_vec())
}

/// Whether `signature` over `signed` verifies with the certificate's RSA key under `alg`
/// (`PS256` or `RS256`).
pub(super) fn verifies(certificate: &[u8], alg: &str, signed: &[u8], signature: &[u8]) -> bool {
    let Some(key) = rsa_public_key(certificate) else {
        return false;
    };
    let algorithm: &dyn signature::VerificationAlgorithm = match alg {
        "PS256" => &signature::RSA_PSS_2048_8192_SHA256,
        "RS256" => &signature::RSA_PKCS1_2048_8192_SHA256,
        _ => return false,
    };
    signature::UnparsedPublicKey::new(algorithm, key)
        .verify(signed, signature)
        .is_ok()
}

/// A certificate's thumbprint as a JOSE header carries it: base64url of its digest.
pub(super) fn thumbprint(
    certificate: &[u8],
    algorithm: &'static ring::digest::Algorithm,
) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(ring::digest::digest(algorithm, certificate).as_ref())
}

/// An RS256 JWT with `claims`, signed by the PKCS#8 RSA key of a PEM file that also holds the
/// certificate (whose SHA-1 thumbprint is the `kid`).
pub(super) fn sign_rs256(pem_file: &[u8], claims: &serde_json::Value) -> Result<String> {
    let certificate = pem_block(pem_file, "CERTIFICATE")?;
    let key = pem_block(pem_file, "PRIVATE KEY")?;
    let pair = signature::RsaKeyPair::from_pkcs8(&key)
        .map_err(|e| invalid(format!("not a PKCS#8 RSA key: {e}")))?;
    let b64 = |v: &serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string().as_bytes())
    };
    let header = serde_json::json!({
        "alg": "RS256",
        "typ": "JWT",
        "kid": thumbprint(&certificate, &ring::digest::SHA1_FOR_LEGACY_USE_ONLY),
    });
    let signed = format!("{}.{}", b64(&header), b64(claims));
    let mut sig = vec![0; pair.public().modulus_len()];
    pair.sign(
        &signature::RSA_PKCS1_SHA256,
        &ring::rand::SystemRandom::new(),
        signed.as_bytes(),
        &mut sig,
    )
    .map_err(|_| invalid("signing failed"))?;
    Ok(format!(
        "{signed}.{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sig)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const APP: &[u8] = include_bytes!("../../tests/fixtures/app.pem");

    #[test]
    fn a_token_signed_here_verifies_against_its_certificate() {
        let certificate = pem_block(APP, "CERTIFICATE").unwrap();
        assert!(rsa_public_key(&certificate).is_some());
        let token = sign_rs256(APP, &serde_json::json!({"sub": "x"})).unwrap();
        let (signed, sig) = token.rsplit_once('.').unwrap();
        let sig = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(sig)
            .unwrap();
        assert!(verifies(&certificate, "RS256", signed.as_bytes(), &sig));
        assert!(!verifies(&certificate, "PS256", signed.as_bytes(), &sig));
        assert!(!verifies(&certificate, "RS256", b"other", &sig));
        assert!(pem_block(b"nothing", "CERTIFICATE").is_err());
    }
}
