//! PKCS#12 (RFC 7292) as OpenSSL 3, older OpenSSL (`-legacy`), Windows and Azure Key Vault
//! write it: password integrity by HMAC (SHA-1 or SHA-256), bags encrypted with PBES2 (PBKDF2
//! and AES-CBC) or with the legacy PKCS#12 schemes (3DES, RC2-40).
//!
//! The structure is walked here; the cryptography is the RustCrypto crates': PBES2 by `pkcs5`,
//! the PKCS#12 key derivation by `pkcs12`, the ciphers by `aes`, `des` and `rc2` in `cbc`
//! mode, the integrity check by `hmac` with `sha1`/`sha2`.
//!
//! An empty password is tried both ways tools write it: as an empty string encoded with its
//! terminating NUL (OpenSSL's `-passout pass:`), and as no password at all.

use cbc::cipher::block_padding::Pkcs7;
use cbc::cipher::{BlockDecryptMut as _, InnerIvInit as _, KeyIvInit as _};
use hmac::Mac as _;
use hris_sync_core::{Error, Result};
use pkcs5::der::Decode as _;
use pkcs12::kdf::{Pkcs12KeyType, derive_key};
use zeroize::Zeroizing;

use super::ber;
use super::der::{Reader, oid, tag};

/// What a PKCS#12 file holds that a client credential needs.
pub(crate) struct Contents {
    /// Every certificate, DER.
    pub(crate) certificates: Vec<Vec<u8>>,
    /// Every private key, PKCS#8 DER.
    pub(crate) keys: Vec<Zeroizing<Vec<u8>>>,
}

fn refused(text: &str) -> Error {
    Error::config(format!("PKCS#12: {text}"))
}

const WRONG: &str =
    "cannot decrypt: wrong password (AZURE_CLIENT_CERTIFICATE_PASSWORD) or a damaged file";

/// The password as the PKCS#12 key derivation takes it: UTF-16BE with a terminating NUL, and
/// for an empty password also no bytes at all.
fn encodings(password: &str) -> Vec<Zeroizing<Vec<u8>>> {
    let bmp: Vec<u8> = password
        .encode_utf16()
        .chain(std::iter::once(0))
        .flat_map(u16::to_be_bytes)
        .collect();
    let mut out = vec![Zeroizing::new(bmp)];
    if password.is_empty() {
        out.push(Zeroizing::new(Vec::new()));
    }
    out
}

/// Reads a PKCS#12 file, DER or BER, with `password` (empty for none).
pub(crate) fn read(file: &[u8], password: &str) -> Result<Contents> {
    // The envelope in DER; the AuthenticatedSafe's bytes as they were, for the MAC.
    let der = ber::to_der(file)?;
    let mut pfx = Reader::new(&der).sequence("PFX")?;
    if pfx.small_uint("PFX version")? != 3 {
        return Err(refused("not a version 3 PFX file"));
    }
    let mut auth_safe = pfx.sequence("authSafe")?;
    if auth_safe.oid("authSafe type")? != oid::DATA {
        return Err(refused("public-key integrity mode is not supported"));
    }
    let safe_bytes = auth_safe
        .next(tag::CONTEXT_0, "authSafe content")?
        .reader()
        .next(tag::OCTET_STRING, "authSafe data")?
        .content;
    match pfx.optional(tag::SEQUENCE, "macData")? {
        Some(mac) => check_mac(&mut mac.reader(), safe_bytes, password)?,
        None => tracing::debug!("PKCS#12 file without integrity MAC"),
    }
    let mut contents = Contents {
        certificates: Vec::new(),
        keys: Vec::new(),
    };
    let safe = ber::to_der(safe_bytes)?;
    let mut infos = Reader::new(&safe).sequence("AuthenticatedSafe")?;
    while !infos.is_empty() {
        let mut info = infos.sequence("ContentInfo")?;
        let kind = info.oid("ContentInfo type")?;
        let mut content = info.next(tag::CONTEXT_0, "ContentInfo content")?.reader();
        if kind == oid::DATA {
            let bags = content.next(tag::OCTET_STRING, "SafeContents")?.content;
            read_bags(&ber::to_der(bags)?, password, &mut contents)?;
        } else if kind == oid::ENCRYPTED_DATA {
            let mut data = content.sequence("EncryptedData")?;
            data.small_uint("EncryptedData version")?;
            let mut info = data.sequence("EncryptedContentInfo")?;
            info.oid("content type")?;
            let algorithm = info
                .next(tag::SEQUENCE, "contentEncryptionAlgorithm")?
                .whole;
            let encrypted = encrypted_content(info.any("encryptedContent")?)?;
            let bags = decrypt(algorithm, &encrypted, password)?;
            read_bags(&ber::to_der(&bags)?, password, &mut contents)?;
        } else {
            return Err(refused("enveloped content is not supported"));
        }
    }
    Ok(contents)
}

/// `encryptedContent [0] IMPLICIT OCTET STRING`: primitive in DER, or in BER constructed of
/// OCTET STRING segments.
fn encrypted_content(element: super::der::Element<'_>) -> Result<Vec<u8>> {
    match element.tag {
        tag::CONTEXT_0_PRIMITIVE => Ok(element.content.to_vec()),
        tag::CONTEXT_0 => {
            let mut segments = element.reader();
            let mut out = Vec::new();
            while !segments.is_empty() {
                out.extend_from_slice(
                    segments
                        .next(tag::OCTET_STRING, "encryptedContent")?
                        .content,
                );
            }
            Ok(out)
        }
        other => Err(refused(&format!(
            "encryptedContent: unexpected tag 0x{other:02x}"
        ))),
    }
}

fn read_bags(der: &[u8], password: &str, out: &mut Contents) -> Result<()> {
    let mut bags = Reader::new(der).sequence("SafeContents")?;
    while !bags.is_empty() {
        let mut bag = bags.sequence("SafeBag")?;
        let id = bag.oid("bagId")?;
        let mut value = bag.next(tag::CONTEXT_0, "bagValue")?.reader();
        if id == oid::KEY_BAG {
            out.keys.push(Zeroizing::new(
                value.next(tag::SEQUENCE, "keyBag")?.whole.to_vec(),
            ));
        } else if id == oid::SHROUDED_KEY_BAG {
            let shrouded = value.next(tag::SEQUENCE, "EncryptedPrivateKeyInfo")?;
            out.keys
                .push(decrypt_private_key(shrouded.whole, password)?);
        } else if id == oid::CERT_BAG {
            let mut cert = value.sequence("CertBag")?;
            if cert.oid("certId")? == oid::X509_CERTIFICATE {
                let der = cert
                    .next(tag::CONTEXT_0, "certValue")?
                    .reader()
                    .next(tag::OCTET_STRING, "certificate")?
                    .content;
                out.certificates.push(der.to_vec());
            }
        }
        // CRL, secret and nested bags carry nothing a client credential needs.
    }
    Ok(())
}

/// A PKCS#8 `EncryptedPrivateKeyInfo` (a PKCS#12 shrouded key bag, or a PEM `ENCRYPTED
/// PRIVATE KEY`), decrypted to its `PrivateKeyInfo`.
pub(crate) fn decrypt_private_key(der: &[u8], password: &str) -> Result<Zeroizing<Vec<u8>>> {
    let mut info = Reader::new(der).sequence("EncryptedPrivateKeyInfo")?;
    let algorithm = info.next(tag::SEQUENCE, "encryptionAlgorithm")?.whole;
    let encrypted = info.next(tag::OCTET_STRING, "encryptedData")?.content;
    decrypt(algorithm, encrypted, password)
}

/// Decrypt with the scheme `algorithm` (an `AlgorithmIdentifier`, DER) names: PBES2 (RFC 8018
/// §6.2) or a legacy PKCS#12 scheme (RFC 7292 Appendix C).
fn decrypt(algorithm: &[u8], encrypted: &[u8], password: &str) -> Result<Zeroizing<Vec<u8>>> {
    let mut reader = Reader::new(algorithm).sequence("encryption algorithm")?;
    let scheme = reader.oid("encryption algorithm")?;
    if scheme == oid::PBES2 {
        let pbes2 = pkcs5::EncryptionScheme::from_der(algorithm)
            .map_err(|e| refused(&format!("unsupported PBES2 parameters: {e}")))?;
        return pbes2
            .decrypt(password, encrypted)
            .map(Zeroizing::new)
            .map_err(|_| refused(WRONG));
    }
    let legacy = if scheme == oid::PBE_SHA1_3DES {
        Legacy::TripleDes
    } else if scheme == oid::PBE_SHA1_RC2_40 {
        Legacy::Rc2_40
    } else {
        return Err(refused("unknown encryption algorithm"));
    };
    let mut params = reader.sequence("PBE parameters")?;
    let salt = params.next(tag::OCTET_STRING, "PBE salt")?.content;
    let iterations = i32::try_from(params.small_uint("PBE iterations")?)
        .map_err(|_| refused("too many PBE iterations"))?;
    for pass in encodings(password) {
        let key = Zeroizing::new(derive_key::<sha1::Sha1>(
            &pass,
            salt,
            Pkcs12KeyType::EncryptionKey,
            iterations,
            legacy.key_len(),
        ));
        let iv = derive_key::<sha1::Sha1>(&pass, salt, Pkcs12KeyType::Iv, iterations, 8);
        if let Some(plain) = legacy.decrypt(&key, &iv, encrypted) {
            return Ok(plain);
        }
    }
    Err(refused(WRONG))
}

/// The legacy PKCS#12 encryptions (RFC 7292 Appendix C), both CBC with SHA-1 derived keys.
#[derive(Clone, Copy)]
enum Legacy {
    /// `pbeWithSHAAnd3-KeyTripleDES-CBC`: what `-legacy` uses for keys, and Windows' default.
    TripleDes,
    /// `pbeWithSHAAnd40BitRC2-CBC`: what `-legacy` uses for certificates.
    Rc2_40,
}

impl Legacy {
    fn key_len(self) -> usize {
        match self {
            Self::TripleDes => 24,
            Self::Rc2_40 => 5,
        }
    }

    /// The plaintext, or `None` when the key does not decrypt it (bad padding).
    fn decrypt(self, key: &[u8], iv: &[u8], data: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        let plain = match self {
            Self::TripleDes => cbc::Decryptor::<des::TdesEde3>::new_from_slices(key, iv)
                .ok()?
                .decrypt_padded_vec_mut::<Pkcs7>(data),
            Self::Rc2_40 => {
                let cipher = rc2::Rc2::new_with_eff_key_len(key, 40);
                cbc::Decryptor::<rc2::Rc2>::inner_iv_slice_init(cipher, iv)
                    .ok()?
                    .decrypt_padded_vec_mut::<Pkcs7>(data)
            }
        };
        plain.ok().map(Zeroizing::new)
    }
}

/// Whether HMAC-`D` over the data, keyed by the PKCS#12 MAC key of `pass` (from the salt and
/// the iteration count), is the expected digest.
fn mac_matches<D>(
    pass: &[u8],
    (salt, iterations, data, expected): (&[u8], i32, &[u8], &[u8]),
) -> Result<bool>
where
    D: sha2::Digest + sha2::digest::FixedOutputReset + sha2::digest::core_api::BlockSizeUser,
{
    let len = <D as sha2::Digest>::output_size();
    let key = Zeroizing::new(derive_key::<D>(
        pass,
        salt,
        Pkcs12KeyType::Mac,
        iterations,
        len,
    ));
    let mut hmac =
        hmac::SimpleHmac::<D>::new_from_slice(&key).map_err(|_| refused("bad MAC key"))?;
    hmac.update(data);
    Ok(hmac.verify_slice(expected).is_ok())
}

/// The integrity check: HMAC over the AuthenticatedSafe with a key from the PKCS#12 KDF.
/// A wrong password fails here, with a message that says so.
fn check_mac(mac: &mut Reader<'_>, data: &[u8], password: &str) -> Result<()> {
    let mut digest_info = mac.sequence("DigestInfo")?;
    let algorithm = digest_info.sequence("digestAlgorithm")?.oid("digest")?;
    let expected = digest_info.next(tag::OCTET_STRING, "digest")?.content;
    let salt = mac.next(tag::OCTET_STRING, "macSalt")?.content;
    let iterations = if mac.is_empty() {
        1
    } else {
        i32::try_from(mac.small_uint("iterations")?)
            .map_err(|_| refused("too many MAC iterations"))?
    };
    let verifies = |pass: &[u8]| -> Result<bool> {
        let mac = (salt, iterations, data, expected);
        if algorithm == oid::SHA256 {
            mac_matches::<sha2::Sha256>(pass, mac)
        } else if algorithm == oid::SHA1 {
            mac_matches::<sha1::Sha1>(pass, mac)
        } else {
            Err(refused(
                "unsupported integrity algorithm (PBMAC1 or an unknown hash)",
            ))
        }
    };
    for pass in encodings(password) {
        if verifies(&pass)? {
            return Ok(());
        }
    }
    Err(refused(
        "the integrity check failed: wrong password (AZURE_CLIENT_CERTIFICATE_PASSWORD) or a damaged file",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for bytes in [
            &b""[..],
            b"\x30",
            b"\x30\x03\x02\x01\x03",
            b"-----BEGIN",
            &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff],
        ] {
            assert!(read(bytes, "x").is_err());
        }
    }

    #[test]
    fn passwords_are_encoded_as_the_kdf_wants_them() {
        assert_eq!(*encodings("a")[0], [0, 0x61, 0, 0]);
        assert_eq!(encodings("a").len(), 1);
        let empty = encodings("");
        assert_eq!(empty.len(), 2, "NUL-terminated and absent");
        assert_eq!(*empty[0], [0, 0]);
        assert!(empty[1].is_empty());
    }
}
