//! Just enough DER (ITU-T X.690) to read what a client certificate file holds: PKCS#12
//! containers, X.509 certificates and PKCS#8 keys. Every read is bounds-checked; a file that is
//! not what it claims to be is an error, never a panic.

use hris_sync_core::{Error, Result};

/// Universal and context tags this crate reads.
pub(crate) mod tag {
    pub(crate) const INTEGER: u8 = 0x02;
    pub(crate) const BIT_STRING: u8 = 0x03;
    pub(crate) const OCTET_STRING: u8 = 0x04;
    pub(crate) const OID: u8 = 0x06;
    pub(crate) const SEQUENCE: u8 = 0x30;
    /// `[0]` constructed (explicit context tag 0).
    pub(crate) const CONTEXT_0: u8 = 0xa0;
    /// `[0]` primitive (implicit context tag 0 over an OCTET STRING).
    pub(crate) const CONTEXT_0_PRIMITIVE: u8 = 0x80;
}

/// One element: its tag, its content, and the whole encoding (tag and length included).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Element<'a> {
    pub(crate) tag: u8,
    pub(crate) content: &'a [u8],
    pub(crate) whole: &'a [u8],
}

impl<'a> Element<'a> {
    /// The elements inside a constructed element.
    pub(crate) fn reader(&self) -> Reader<'a> {
        Reader::new(self.content)
    }

    /// This element, which must have tag `want`; `what` names it in the error.
    pub(crate) fn expect(self, want: u8, what: &str) -> Result<Self> {
        if self.tag == want {
            Ok(self)
        } else {
            Err(malformed(&format!(
                "{what}: expected tag 0x{want:02x}, found 0x{:02x}",
                self.tag
            )))
        }
    }
}

/// Reads elements one after another from a byte slice.
#[derive(Clone, Debug)]
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

pub(crate) fn malformed(what: &str) -> Error {
    Error::config(format!("not a readable DER structure: {what}"))
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { rest: bytes }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// The next element, whatever its tag.
    pub(crate) fn any(&mut self, what: &str) -> Result<Element<'a>> {
        let bytes = self.rest;
        let (&tag, after_tag) = bytes
            .split_first()
            .ok_or_else(|| malformed(&format!("{what}: ends early")))?;
        if tag & 0x1f == 0x1f {
            return Err(malformed(&format!(
                "{what}: multi-byte tags are not used here"
            )));
        }
        let (&first, after_len) = after_tag
            .split_first()
            .ok_or_else(|| malformed(&format!("{what}: no length")))?;
        let (len, header) = if first < 0x80 {
            (usize::from(first), 2)
        } else {
            let count = usize::from(first & 0x7f);
            if count == 0 || count > 4 || after_len.len() < count {
                return Err(malformed(&format!("{what}: bad length")));
            }
            let len = after_len[..count]
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
            (len, 2 + count)
        };
        let end = header
            .checked_add(len)
            .filter(|end| *end <= bytes.len())
            .ok_or_else(|| malformed(&format!("{what}: longer than its container")))?;
        self.rest = &bytes[end..];
        Ok(Element {
            tag,
            content: &bytes[header..end],
            whole: &bytes[..end],
        })
    }

    /// The next element, which must have tag `want`.
    pub(crate) fn next(&mut self, want: u8, what: &str) -> Result<Element<'a>> {
        self.any(what)?.expect(want, what)
    }

    /// The next element if it has tag `want`; otherwise nothing is consumed.
    pub(crate) fn optional(&mut self, want: u8, what: &str) -> Result<Option<Element<'a>>> {
        if self.rest.first() == Some(&want) {
            self.any(what).map(Some)
        } else {
            Ok(None)
        }
    }

    /// The next element, which must be a SEQUENCE: a reader over its content.
    pub(crate) fn sequence(&mut self, what: &str) -> Result<Reader<'a>> {
        Ok(self.next(tag::SEQUENCE, what)?.reader())
    }

    /// The next OBJECT IDENTIFIER's content bytes (compared against constants below).
    pub(crate) fn oid(&mut self, what: &str) -> Result<&'a [u8]> {
        Ok(self.next(tag::OID, what)?.content)
    }

    /// The next INTEGER as a small unsigned number.
    pub(crate) fn small_uint(&mut self, what: &str) -> Result<u32> {
        let content = self.next(tag::INTEGER, what)?.content;
        if content.is_empty() || content.len() > 5 || content[0] & 0x80 != 0 {
            return Err(malformed(&format!("{what}: not a small positive integer")));
        }
        let value = content
            .iter()
            .fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        u32::try_from(value).map_err(|_| malformed(&format!("{what}: too large")))
    }
}

/// The object identifiers read here, as DER content bytes.
pub(crate) mod oid {
    /// 1.2.840.113549.1.7.1 data
    pub(crate) const DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];
    /// 1.2.840.113549.1.7.6 encryptedData
    pub(crate) const ENCRYPTED_DATA: &[u8] =
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x06];
    /// 1.2.840.113549.1.12.10.1.1 keyBag
    pub(crate) const KEY_BAG: &[u8] = &[
        0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x0a, 0x01, 0x01,
    ];
    /// 1.2.840.113549.1.12.10.1.2 pkcs8ShroudedKeyBag
    pub(crate) const SHROUDED_KEY_BAG: &[u8] = &[
        0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x0a, 0x01, 0x02,
    ];
    /// 1.2.840.113549.1.12.10.1.3 certBag
    pub(crate) const CERT_BAG: &[u8] = &[
        0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x0a, 0x01, 0x03,
    ];
    /// 1.2.840.113549.1.9.22.1 x509Certificate (inside a certBag)
    pub(crate) const X509_CERTIFICATE: &[u8] =
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x16, 0x01];
    /// 1.2.840.113549.1.5.13 PBES2
    pub(crate) const PBES2: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0d];
    /// 1.3.14.3.2.26 sha1
    pub(crate) const SHA1: &[u8] = &[0x2b, 0x0e, 0x03, 0x02, 0x1a];
    /// 2.16.840.1.101.3.4.2.1 sha256
    pub(crate) const SHA256: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01];
    /// 1.2.840.113549.1.12.1.3 pbeWithSHAAnd3-KeyTripleDES-CBC (legacy; refused with advice)
    pub(crate) const PBE_SHA1_3DES: &[u8] =
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x01, 0x03];
    /// 1.2.840.113549.1.12.1.6 pbeWithSHAAnd40BitRC2-CBC (legacy; refused with advice)
    pub(crate) const PBE_SHA1_RC2_40: &[u8] =
        &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x01, 0x06];
}

/// The certificate's SubjectPublicKeyInfo: the algorithm OID and the key bytes (for RSA, the
/// PKCS#1 `RSAPublicKey`).
pub(crate) fn certificate_public_key(cert: &[u8]) -> Result<(&[u8], &[u8])> {
    let mut outer = Reader::new(cert);
    let mut certificate = outer.sequence("certificate")?;
    let mut tbs = certificate.sequence("tbsCertificate")?;
    tbs.optional(tag::CONTEXT_0, "version")?;
    tbs.next(tag::INTEGER, "serialNumber")?;
    tbs.sequence("signature")?;
    tbs.sequence("issuer")?;
    tbs.sequence("validity")?;
    tbs.sequence("subject")?;
    let mut spki = tbs.sequence("subjectPublicKeyInfo")?;
    let algorithm = spki.sequence("algorithm")?.oid("algorithm")?;
    let bits = spki.next(tag::BIT_STRING, "subjectPublicKey")?.content;
    match bits.split_first() {
        Some((0, key)) => Ok((algorithm, key)),
        _ => Err(malformed("subjectPublicKey: unused bits")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_are_bounds_checked() {
        // SEQUENCE claiming 5 bytes with 2 present.
        assert!(Reader::new(&[0x30, 0x05, 0x01, 0x02]).any("x").is_err());
        // Long form with 2 length bytes.
        let mut long = vec![0x04, 0x82, 0x01, 0x00];
        long.extend(std::iter::repeat_n(7u8, 256));
        let e = Reader::new(&long).next(tag::OCTET_STRING, "x").unwrap();
        assert_eq!(e.content.len(), 256);
        assert_eq!(e.whole.len(), 260);
        assert!(
            Reader::new(&[0x04, 0x80]).any("x").is_err(),
            "indefinite length"
        );
        assert!(Reader::new(&[]).any("x").is_err());
        assert!(
            Reader::new(&[0x02, 0x01, 0x80]).small_uint("x").is_err(),
            "negative"
        );
        assert_eq!(
            Reader::new(&[0x02, 0x02, 0x08, 0x00])
                .small_uint("x")
                .unwrap(),
            2048
        );
    }

    #[test]
    fn optional_leaves_other_tags() {
        let mut r = Reader::new(&[0x02, 0x01, 0x03]);
        assert!(r.optional(tag::CONTEXT_0, "v").unwrap().is_none());
        assert_eq!(r.small_uint("n").unwrap(), 3);
        assert!(r.is_empty());
    }
}
