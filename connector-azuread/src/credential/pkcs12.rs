//! PKCS#12 (RFC 7292) as written by OpenSSL 3, Windows and Azure Key Vault today: password
//! integrity by HMAC (SHA-1 or SHA-256), bags encrypted with PBES2 (PBKDF2 and AES-CBC).
//!
//! Decision: the legacy RC2 and 3DES encryptions are not implemented. They need two more
//! ciphers for files that the tools above no longer write by default. Such a file is refused
//! with the `openssl` command that converts it.

use aes::cipher::{BlockDecrypt, KeyInit, generic_array::GenericArray};
use hris_sync_core::{Error, Result};
use ring::{digest, hmac, pbkdf2};
use std::num::NonZeroU32;
use zeroize::Zeroizing;

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

const LEGACY: &str = "uses a legacy encryption (RC2 or 3DES) that hris-sync does not read; \
     convert it with `openssl pkcs12 -in OLD.pfx -legacy -nodes | openssl pkcs12 -export \
     -keypbe AES-256-CBC -certpbe AES-256-CBC -macalg sha256 -out NEW.pfx`, or use PEM";

/// Reads `der` with `password` (empty for none).
pub(crate) fn read(der: &[u8], password: &str) -> Result<Contents> {
    let mut pfx = Reader::new(der).sequence("PFX")?;
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
    let mut infos = Reader::new(safe_bytes).sequence("AuthenticatedSafe")?;
    while !infos.is_empty() {
        let mut info = infos.sequence("ContentInfo")?;
        let kind = info.oid("ContentInfo type")?;
        let mut content = info.next(tag::CONTEXT_0, "ContentInfo content")?.reader();
        if kind == oid::DATA {
            let bags = content.next(tag::OCTET_STRING, "SafeContents")?.content;
            read_bags(bags, password, &mut contents)?;
        } else if kind == oid::ENCRYPTED_DATA {
            let mut data = content.sequence("EncryptedData")?;
            data.small_uint("EncryptedData version")?;
            let mut info = data.sequence("EncryptedContentInfo")?;
            info.oid("content type")?;
            let algorithm = info.sequence("contentEncryptionAlgorithm")?;
            let encrypted = info
                .next(tag::CONTEXT_0_PRIMITIVE, "encryptedContent")?
                .content;
            let bags = decrypt(algorithm, encrypted, password)?;
            read_bags(&bags, password, &mut contents)?;
        } else {
            return Err(refused("enveloped content is not supported"));
        }
    }
    Ok(contents)
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
    let algorithm = info.sequence("encryptionAlgorithm")?;
    let encrypted = info.next(tag::OCTET_STRING, "encryptedData")?.content;
    decrypt(algorithm, encrypted, password)
}

/// PBES2 (RFC 8018 §6.2) with PBKDF2 and AES-CBC.
fn decrypt(
    mut algorithm: Reader<'_>,
    encrypted: &[u8],
    password: &str,
) -> Result<Zeroizing<Vec<u8>>> {
    let scheme = algorithm.oid("encryption algorithm")?;
    if scheme == oid::PBE_SHA1_3DES || scheme == oid::PBE_SHA1_RC2_40 {
        return Err(refused(LEGACY));
    }
    if scheme != oid::PBES2 {
        return Err(refused("unknown encryption algorithm"));
    }
    let mut params = algorithm.sequence("PBES2 parameters")?;
    let mut kdf = params.sequence("keyDerivationFunc")?;
    if kdf.oid("key derivation")? != oid::PBKDF2 {
        return Err(refused("only PBKDF2 key derivation is supported"));
    }
    let mut kdf_params = kdf.sequence("PBKDF2 parameters")?;
    let salt = kdf_params.next(tag::OCTET_STRING, "PBKDF2 salt")?.content;
    let iterations = NonZeroU32::new(kdf_params.small_uint("PBKDF2 iterations")?)
        .ok_or_else(|| refused("zero PBKDF2 iterations"))?;
    kdf_params.optional(tag::INTEGER, "PBKDF2 key length")?;
    let prf = match kdf_params.optional(tag::SEQUENCE, "PBKDF2 prf")? {
        None => pbkdf2::PBKDF2_HMAC_SHA1,
        Some(prf) => match prf.reader().oid("prf")? {
            o if o == oid::HMAC_SHA256 => pbkdf2::PBKDF2_HMAC_SHA256,
            o if o == oid::HMAC_SHA1 => pbkdf2::PBKDF2_HMAC_SHA1,
            _ => return Err(refused("unsupported PBKDF2 hash")),
        },
    };
    let mut cipher = params.sequence("encryptionScheme")?;
    let key_len = match cipher.oid("cipher")? {
        o if o == oid::AES128_CBC => 16,
        o if o == oid::AES192_CBC => 24,
        o if o == oid::AES256_CBC => 32,
        _ => return Err(refused("only AES-CBC encryption is supported")),
    };
    let iv = cipher.next(tag::OCTET_STRING, "AES IV")?.content;
    let mut key = Zeroizing::new(vec![0u8; key_len]);
    pbkdf2::derive(prf, iterations, salt, password.as_bytes(), &mut key);
    aes_cbc_decrypt(&key, iv, encrypted)
}

fn aes_cbc_decrypt(key: &[u8], iv: &[u8], data: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    let wrong = || {
        refused(
            "cannot decrypt: wrong password (AZURE_CLIENT_CERTIFICATE_PASSWORD) or a damaged file",
        )
    };
    if iv.len() != 16 || data.is_empty() || data.len() % 16 != 0 {
        return Err(wrong());
    }
    let mut out = Zeroizing::new(data.to_vec());
    let mut previous = [0u8; 16];
    previous.copy_from_slice(iv);
    macro_rules! run {
        ($cipher:ty) => {{
            let cipher = <$cipher>::new_from_slice(key).map_err(|_| wrong())?;
            for block in out.chunks_exact_mut(16) {
                let mut current = [0u8; 16];
                current.copy_from_slice(block);
                cipher.decrypt_block(GenericArray::from_mut_slice(block));
                block.iter_mut().zip(previous).for_each(|(b, p)| *b ^= p);
                previous = current;
            }
        }};
    }
    match key.len() {
        16 => run!(aes::Aes128),
        24 => run!(aes::Aes192),
        _ => run!(aes::Aes256),
    }
    let pad = usize::from(*out.last().ok_or_else(wrong)?);
    if pad == 0
        || pad > 16
        || out[out.len() - pad..]
            .iter()
            .any(|b| usize::from(*b) != pad)
    {
        return Err(wrong());
    }
    let keep = out.len() - pad;
    out.truncate(keep);
    Ok(out)
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
        mac.small_uint("iterations")?
    };
    let (hash, hmac_alg) = if algorithm == oid::SHA256 {
        (&digest::SHA256, hmac::HMAC_SHA256)
    } else if algorithm == oid::SHA1 {
        (
            &digest::SHA1_FOR_LEGACY_USE_ONLY,
            hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
        )
    } else {
        return Err(refused(
            "unsupported integrity algorithm (PBMAC1 or an unknown hash)",
        ));
    };
    let key = pkcs12_kdf(hash, password, salt, iterations, 3, hash.output_len());
    let key = hmac::Key::new(hmac_alg, &key);
    hmac::verify(&key, data, expected).map_err(|_| {
        refused("the integrity check failed: wrong password (AZURE_CLIENT_CERTIFICATE_PASSWORD) or a damaged file")
    })
}

/// RFC 7292 Appendix B.2, over the password as a NUL-terminated UTF-16BE string.
fn pkcs12_kdf(
    hash: &'static digest::Algorithm,
    password: &str,
    salt: &[u8],
    iterations: u32,
    id: u8,
    len: usize,
) -> Zeroizing<Vec<u8>> {
    let v = hash.block_len();
    let u = hash.output_len();
    let mut pass: Zeroizing<Vec<u8>> = Zeroizing::new(
        password
            .encode_utf16()
            .chain(std::iter::once(0))
            .flat_map(u16::to_be_bytes)
            .collect(),
    );
    if password.is_empty() {
        pass.clear();
    }
    let fill = |src: &[u8]| -> Vec<u8> {
        if src.is_empty() {
            return Vec::new();
        }
        let n = v * src.len().div_ceil(v);
        src.iter().copied().cycle().take(n).collect()
    };
    let mut i: Zeroizing<Vec<u8>> = Zeroizing::new(fill(salt));
    i.extend_from_slice(&fill(&pass));
    let d = vec![id; v];
    let mut out = Zeroizing::new(Vec::with_capacity(len));
    while out.len() < len {
        let mut ctx = digest::Context::new(hash);
        ctx.update(&d);
        ctx.update(&i);
        let mut a = ctx.finish();
        for _ in 1..iterations {
            a = digest::digest(hash, a.as_ref());
        }
        let take = u.min(len - out.len());
        out.extend_from_slice(&a.as_ref()[..take]);
        if out.len() >= len {
            break;
        }
        // I_j = (I_j + B + 1) mod 2^(v·8), B = A repeated to v bytes.
        let b: Vec<u8> = a.as_ref().iter().copied().cycle().take(v).collect();
        for block in i.chunks_exact_mut(v) {
            let mut carry = 1u16;
            for (x, y) in block.iter_mut().rev().zip(b.iter().rev()) {
                let sum = u16::from(*x) + u16::from(*y) + carry;
                *x = (sum & 0xff) as u8;
                carry = sum >> 8;
            }
        }
    }
    out
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
    fn kdf_output_has_the_asked_length() {
        let k = pkcs12_kdf(&digest::SHA256, "pw", b"salt", 2, 1, 40);
        assert_eq!(k.len(), 40);
        let again = pkcs12_kdf(&digest::SHA256, "pw", b"salt", 2, 1, 40);
        assert_eq!(*k, *again);
        assert_ne!(*k, *pkcs12_kdf(&digest::SHA256, "pw", b"salt", 2, 3, 40));
    }
}
