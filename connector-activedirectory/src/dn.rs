//! Distinguished names as far as the sync needs them (RFC 4514): split into RDNs at
//! unescaped commas, compared case-insensitively, the parent taken, one RDN value escaped.

use std::borrow::Cow;

/// The RDNs of `dn`, outermost last, each trimmed (`CN=Ann\, B`, `OU=Staff`, `DC=corp`).
pub(crate) fn rdns(dn: &str) -> Vec<&str> {
    let bytes = dn.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b',' => {
                out.push(dn[start..i].trim());
                start = i + 1;
                i += 1;
            }
            _ => i += 1,
        }
    }
    let last = dn.get(start..).unwrap_or_default().trim();
    if !last.is_empty() {
        out.push(last);
    }
    out
}

/// `dn` in a form for comparing: each RDN's type and value trimmed and lower case (AD
/// compares attribute types and, for the names the sync meets, values case-insensitively),
/// values unescaped (`\,` and `\2c` are the same comma), RDNs joined by a NUL.
pub(crate) fn normalize(dn: &str) -> String {
    rdns(dn)
        .into_iter()
        .map(|r| match r.split_once('=') {
            Some((t, v)) => format!("{}={}", t.trim(), unescape(v.trim())).to_lowercase(),
            None => r.to_lowercase(),
        })
        .collect::<Vec<_>>()
        .join("\0")
}

/// An RDN value with its escapes resolved: `\,` → `,`, `\2c` → `,`.
fn unescape(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && i + 1 < bytes.len() {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            match hex {
                Some(b) => {
                    out.push(b);
                    i += 3;
                }
                None => {
                    out.push(bytes[i + 1]);
                    i += 2;
                }
            }
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether `dn` is `base` or lies under it.
pub(crate) fn is_at_or_under(dn: &str, base: &str) -> bool {
    let (dn, base) = (normalize(dn), normalize(base));
    dn == base || dn.ends_with(&format!("\0{base}"))
}

/// The parent of `dn` (`None` for a single RDN).
pub(crate) fn parent(dn: &str) -> Option<String> {
    let parts = rdns(dn);
    (parts.len() > 1).then(|| parts[1..].join(","))
}

/// The value of an RDN, unescaped: `CN=Lee\, Ann` → `Lee, Ann`.
pub(crate) fn rdn_value(rdn: &str) -> String {
    rdn.split_once('=')
        .map_or_else(String::new, |(_, v)| unescape(v.trim()))
}

/// The first RDN of `dn` (`CN=Ann Lee`).
pub(crate) fn first_rdn(dn: &str) -> &str {
    rdns(dn).first().copied().unwrap_or_default()
}

/// The DNS name of a domain naming context: `DC=corp,DC=example,DC=com` → `corp.example.com`.
pub(crate) fn dns_name(naming_context: &str) -> Option<String> {
    let labels: Vec<String> = rdns(naming_context)
        .into_iter()
        .filter_map(|r| {
            let (t, v) = r.split_once('=')?;
            t.trim()
                .eq_ignore_ascii_case("dc")
                .then(|| v.trim().to_lowercase())
        })
        .collect();
    (!labels.is_empty()).then(|| labels.join("."))
}

/// Whether `dn` looks like a DN: every RDN is `type=value` with a non-empty type.
pub(crate) fn is_valid(dn: &str) -> bool {
    let parts = rdns(dn);
    !parts.is_empty()
        && parts.iter().all(|r| {
            r.split_once('=')
                .is_some_and(|(t, v)| !t.trim().is_empty() && !v.trim().is_empty())
        })
}

/// An RDN value escaped for a DN (`Lee, Ann` → `Lee\, Ann`).
pub(crate) fn escape(value: &str) -> Cow<'_, str> {
    ldap3::dn_escape(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaped_commas_stay_inside_their_rdn() {
        let dn = r"CN=Lee\, Ann,OU=Staff , DC=corp,DC=example";
        assert_eq!(
            rdns(dn),
            [r"CN=Lee\, Ann", "OU=Staff", "DC=corp", "DC=example"]
        );
        assert_eq!(parent(dn).as_deref(), Some("OU=Staff,DC=corp,DC=example"));
        assert_eq!(first_rdn(dn), r"CN=Lee\, Ann");
        assert!(is_at_or_under(dn, "ou=staff,dc=CORP,dc=example"));
        assert!(is_at_or_under(
            "OU=Staff,DC=corp,DC=example",
            "OU=Staff,DC=corp,DC=example"
        ));
        assert!(!is_at_or_under(
            "OU=Staffing,DC=corp,DC=example",
            "OU=Staff,DC=corp,DC=example"
        ));
        assert!(!is_at_or_under(
            "CN=x,OU=Other,DC=corp,DC=example",
            "OU=Staff,DC=corp,DC=example"
        ));
    }

    #[test]
    fn domain_names_and_validity() {
        assert_eq!(dns_name("DC=Demo,DC=local").as_deref(), Some("demo.local"));
        assert_eq!(dns_name("OU=x"), None);
        assert!(is_valid("OU=Staff,DC=demo,DC=local"));
        assert!(!is_valid("Staff"));
        assert!(!is_valid("OU=,DC=demo"));
        assert!(!is_valid(""));
        assert_eq!(escape("Lee, Ann"), r"Lee\2c Ann");
        assert_eq!(escape("#x "), r"\23x\20");
        assert_eq!(
            normalize(r"CN=Lee\2c Ann,OU=Staff"),
            normalize(r"cn=LEE\, ANN, ou=staff")
        );
        assert!(is_at_or_under(r"CN=Lee\2C Ann,OU=Staff", r"OU=Staff"));
    }
}
