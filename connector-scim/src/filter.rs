//! Filters and query strings (RFC 7644 §3.4.2.2): a compared string is a JSON string
//! literal, and the whole filter is percent-encoded, `+` included, because servers that read
//! the query as form data take a bare `+` for a space.

use reqwest::Url;

/// `attr eq "value"`, the value written as a JSON string (quotes, backslashes and control
/// characters escaped).
pub(crate) fn eq(attr: &str, value: &str) -> String {
    let literal = serde_json::Value::String(value.to_owned()).to_string();
    format!("{attr} eq {literal}")
}

/// `s` percent-encoded for a query component: everything but RFC 3986's unreserved
/// characters.
pub(crate) fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `url` with the query `pairs`, each key and value percent-encoded.
pub(crate) fn with_query(mut url: Url, pairs: &[(&str, &str)]) -> Url {
    let query: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect();
    url.set_query(Some(&query.join("&")));
    url
}

#[cfg(test)]
mod tests {
    use super::*;

    // The RFC's escaping example, and the `+` that form decoding would turn into a space.
    #[test]
    fn values_are_json_escaped_then_percent_encoded() {
        assert_eq!(
            eq("userName", "o\"brien\\x@example.com"),
            r#"userName eq "o\"brien\\x@example.com""#
        );
        let url = with_query(
            Url::parse("https://scim.example/v2/Users").unwrap(),
            &[("filter", &eq("userName", "a+b@example.com"))],
        );
        assert_eq!(
            url.query(),
            Some("filter=userName%20eq%20%22a%2Bb%40example.com%22")
        );
        assert_eq!(encode("Änne"), "%C3%84nne");
    }

    proptest::proptest! {
        // Any value, percent-decoded and then read as the filter's JSON string, is the value
        // again: no quote, backslash, control character, `+`, `&` or `%` escapes the literal.
        #[test]
        fn any_value_survives_the_filter(value in "\\PC*") {
            let url = with_query(
                Url::parse("https://scim.example/v2/Users").unwrap(),
                &[("filter", &eq("userName", &value))],
            );
            let query = url.query().unwrap();
            proptest::prop_assert!(query.bytes().all(|b| b.is_ascii_alphanumeric()
                || matches!(b, b'-' | b'.' | b'_' | b'~' | b'%' | b'=')));
            let encoded = query.strip_prefix("filter=").unwrap();
            let mut bytes = Vec::new();
            let mut rest = encoded.as_bytes();
            while let Some((&b, tail)) = rest.split_first() {
                if b == b'%' {
                    let hex = std::str::from_utf8(&tail[..2]).unwrap();
                    bytes.push(u8::from_str_radix(hex, 16).unwrap());
                    rest = &tail[2..];
                } else {
                    bytes.push(b);
                    rest = tail;
                }
            }
            let filter = String::from_utf8(bytes).unwrap();
            let literal = filter.strip_prefix("userName eq ").unwrap();
            let decoded: String = serde_json::from_str(literal).unwrap();
            proptest::prop_assert_eq!(decoded, value);
        }
    }
}
