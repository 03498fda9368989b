//! BER (ITU-T X.690 §8) to DER, for the PKCS#12 files Windows and Java write: indefinite
//! lengths (ended by `00 00`) become definite ones, and a constructed OCTET STRING (its
//! content in segments) becomes one primitive OCTET STRING. Other constructed elements keep
//! their tag and have their children re-encoded. Contents of primitive elements are copied
//! as they are, so bytes a MAC covers are not changed; the caller re-encodes an OCTET
//! STRING's content that is itself an encoding when it reads it.
//!
//! Depth and sizes are bounded: a file is at most a few kilobytes, and a hostile one is an
//! error, never a panic or a deep recursion.

use hris_sync_core::Result;

use super::der::malformed;

/// Deepest nesting read (a PKCS#12 file nests about ten deep).
const MAX_DEPTH: usize = 32;
const OCTET_STRING: u8 = 0x04;
const CONSTRUCTED_OCTET_STRING: u8 = 0x24;

/// `bytes` (one element, possibly followed by nothing else) in DER.
///
/// # Errors
/// A truncated or malformed encoding, a multi-byte tag, or nesting deeper than 32.
pub(crate) fn to_der(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len());
    let used = element(bytes, 0, &mut out)?;
    if bytes[used..].iter().any(|b| *b != 0) {
        return Err(malformed("data after the end of the structure"));
    }
    Ok(out)
}

/// Re-encode the element at the start of `bytes` into `out`; return how many bytes it took.
fn element(bytes: &[u8], depth: usize, out: &mut Vec<u8>) -> Result<usize> {
    if depth > MAX_DEPTH {
        return Err(malformed("nested too deep"));
    }
    let tag = *bytes
        .first()
        .ok_or_else(|| malformed("truncated element"))?;
    if tag & 0x1f == 0x1f {
        return Err(malformed("multi-byte tags are not used here"));
    }
    let first = *bytes.get(1).ok_or_else(|| malformed("truncated length"))?;
    let (header, len) = if first < 0x80 {
        (2, Some(usize::from(first)))
    } else if first == 0x80 {
        (2, None)
    } else {
        let n = usize::from(first & 0x7f);
        if n > 4 {
            return Err(malformed("length too long"));
        }
        let raw = bytes
            .get(2..2 + n)
            .ok_or_else(|| malformed("truncated length"))?;
        let len = raw
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (2 + n, Some(len))
    };
    let constructed = tag & 0x20 != 0;
    if !constructed {
        let len = len.ok_or_else(|| malformed("a primitive element with no length"))?;
        let content = bytes
            .get(header..header + len)
            .ok_or_else(|| malformed("truncated content"))?;
        write(out, tag, content);
        return Ok(header + len);
    }
    // Children: up to the definite end, or up to the end-of-contents marker.
    let body = &bytes[header..];
    let mut inner = Vec::new();
    let mut at = 0;
    let end = loop {
        match len {
            Some(len) if at == len => break header + len,
            Some(len) if at > len => return Err(malformed("a child runs past its parent")),
            None if body.get(at..at + 2) == Some(&[0u8, 0][..]) => break header + at + 2,
            _ => {}
        }
        let limit = len.map_or(body.len(), |len| len.min(body.len()));
        at += element(&body[at..limit], depth + 1, &mut inner)?;
    };
    if tag == CONSTRUCTED_OCTET_STRING {
        // The segments' contents, joined: they were re-encoded as primitive OCTET STRINGs.
        let mut joined = Vec::with_capacity(inner.len());
        let mut rest = &inner[..];
        while !rest.is_empty() {
            let (content, used) = primitive(rest)?;
            joined.extend_from_slice(content);
            rest = &rest[used..];
        }
        write(out, OCTET_STRING, &joined);
    } else {
        write(out, tag, &inner);
    }
    Ok(end)
}

/// The content of the DER OCTET STRING at the start of `der`, and its size.
fn primitive(der: &[u8]) -> Result<(&[u8], usize)> {
    if der.first() != Some(&OCTET_STRING) {
        return Err(malformed("a segment of an OCTET STRING is not one"));
    }
    let first = *der.get(1).ok_or_else(|| malformed("truncated segment"))?;
    let (header, len) = if first < 0x80 {
        (2, usize::from(first))
    } else {
        let n = usize::from(first & 0x7f);
        let raw = der
            .get(2..2 + n)
            .ok_or_else(|| malformed("truncated segment"))?;
        (
            2 + n,
            raw.iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b)),
        )
    };
    let content = der
        .get(header..header + len)
        .ok_or_else(|| malformed("truncated segment"))?;
    Ok((content, header + len))
}

/// A DER element: tag, minimal definite length, content.
fn write(out: &mut Vec<u8>, tag: u8, content: &[u8]) {
    out.push(tag);
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let raw = n.to_be_bytes();
        let skip = raw.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (raw.len() - skip) as u8);
        out.extend_from_slice(&raw[skip..]);
    }
    out.extend_from_slice(content);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indefinite_lengths_and_segments_become_der() {
        // SEQUENCE (indefinite) { OCTET STRING (constructed, indefinite) { "ab", "c" }, NULL }
        let ber = [
            0x30, 0x80, 0x24, 0x80, 0x04, 0x02, b'a', b'b', 0x04, 0x01, b'c', 0x00, 0x00, 0x05,
            0x00, 0x00, 0x00,
        ];
        assert_eq!(
            to_der(&ber).unwrap(),
            [0x30, 0x07, 0x04, 0x03, b'a', b'b', b'c', 0x05, 0x00]
        );
        let der = [0x30, 0x03, 0x02, 0x01, 0x03];
        assert_eq!(to_der(&der).unwrap(), der);
    }

    #[test]
    fn hostile_input_is_an_error() {
        let deep: Vec<u8> = std::iter::repeat_n([0x30, 0x80], 40).flatten().collect();
        for bad in [
            &b""[..],
            &[0x30],
            &[0x30, 0x80],
            &[0x30, 0x80, 0x04],
            &[0x04, 0x80, 0x00, 0x00],
            &[0x30, 0x85, 1, 1, 1, 1, 1],
            &[0x24, 0x80, 0x02, 0x01, 0x00, 0x00, 0x00],
            &[0x1f, 0x01, 0x00],
            &deep,
        ] {
            assert!(to_der(bad).is_err(), "{bad:02x?}");
        }
    }
}
