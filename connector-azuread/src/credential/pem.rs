//! PEM (RFC 7468) sections: label and base64 body. Written here rather than taken from a crate
//! because the encrypted-key label (`ENCRYPTED PRIVATE KEY`) must be kept, not skipped.

use base64::Engine as _;
use hris_sync_core::{Error, Result};
use zeroize::Zeroizing;

/// One `-----BEGIN label-----` … `-----END label-----` section, decoded.
pub(crate) struct Section {
    pub(crate) label: String,
    pub(crate) der: Zeroizing<Vec<u8>>,
}

/// Every section in `text`, in order; text outside sections (comments, `Bag Attributes`
/// lines written by `openssl pkcs12`) is ignored.
pub(crate) fn sections(text: &str) -> Result<Vec<Section>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start + "-----BEGIN ".len()..];
        let label_end = after
            .find("-----")
            .ok_or_else(|| Error::config("PEM: a BEGIN line without its closing dashes"))?;
        let label = after[..label_end].trim().to_owned();
        let body_and_rest = &after[label_end + 5..];
        let end_marker = format!("-----END {label}-----");
        let end = body_and_rest
            .find(&end_marker)
            .ok_or_else(|| Error::config(format!("PEM: {label} has no END line")))?;
        let body: String = body_and_rest[..end]
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        if body.contains(':') {
            return Err(Error::config(format!(
                "PEM: {label} is encrypted the legacy OpenSSL way (Proc-Type headers); \
                 convert it with `openssl pkcs8 -topk8 -v2 aes-256-cbc`"
            )));
        }
        let der = base64::engine::general_purpose::STANDARD
            .decode(body.as_bytes())
            .map_err(|e| Error::config(format!("PEM: {label} is not valid base64: {e}")))?;
        out.push(Section {
            label,
            der: Zeroizing::new(der),
        });
        rest = &body_and_rest[end + end_marker.len()..];
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_sections_and_skips_the_rest() {
        let text = "Bag Attributes\n    localKeyId: 01\n-----BEGIN CERTIFICATE-----\nAQID\nBA==\n-----END CERTIFICATE-----\nnoise\n-----BEGIN PRIVATE KEY-----\nBQY=\n-----END PRIVATE KEY-----\n";
        let s = sections(text).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].label, "CERTIFICATE");
        assert_eq!(*s[0].der, vec![1, 2, 3, 4]);
        assert_eq!(s[1].label, "PRIVATE KEY");
        assert!(sections("-----BEGIN X-----\nAQ==\n").is_err());
        assert!(sections("-----BEGIN X-----\n!!\n-----END X-----").is_err());
        assert!(sections("no pem here").unwrap().is_empty());
    }
}
