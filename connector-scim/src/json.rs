//! Reading SCIM JSON as RFC 7643 §2.1 asks: attribute names are case-insensitive (`Resources`
//! and `resources`, `userName` and `USERNAME` are the same), and unassigned, `null` and `[]`
//! are the same state (§2.5).

use serde_json::Value;

/// The member `name` of an object, matched exactly first and then ignoring case; `None` for
/// a missing member, `null`, or a value that is not an object.
pub(crate) fn get<'a>(v: &'a Value, name: &str) -> Option<&'a Value> {
    let object = v.as_object()?;
    object
        .get(name)
        .or_else(|| {
            object
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v)
        })
        .filter(|v| !v.is_null())
}

/// A string member, trimmed-empty counted as unassigned.
pub(crate) fn text<'a>(v: &'a Value, name: &str) -> Option<&'a str> {
    get(v, name)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

/// A boolean member. Some providers send `"True"`/`"False"` as strings (RFC 7643 §2.3.2 says
/// JSON literals); both are read.
pub(crate) fn boolean(v: &Value, name: &str) -> Option<bool> {
    match get(v, name)? {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// A non-negative integer member. Some providers send numbers as strings (Okta asks for
/// integers, which says others did not); both are read.
pub(crate) fn count(v: &Value, name: &str) -> Option<u64> {
    match get(v, name)? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The entries of a multi-valued member (an absent one has none).
pub(crate) fn entries<'a>(v: &'a Value, name: &str) -> &'a [Value] {
    get(v, name)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// The entry of a multi-valued member whose `type` is `kind` (ignoring case: `type` is not
/// `caseExact`), the first when several are.
pub(crate) fn typed<'a>(v: &'a Value, name: &str, kind: &str) -> Option<&'a Value> {
    entries(v, name)
        .iter()
        .find(|e| text(e, "type").is_some_and(|t| t.eq_ignore_ascii_case(kind)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_are_matched_ignoring_case_and_null_is_unassigned() {
        let v = json!({"userName": "a", "RESOURCES": [1], "title": null, "active": "False",
                       "totalResults": "7", "emails": [{"type": "Work", "value": "w"}]});
        assert_eq!(text(&v, "USERNAME"), Some("a"));
        assert_eq!(entries(&v, "Resources").len(), 1);
        assert_eq!(get(&v, "title"), None);
        assert_eq!(boolean(&v, "active"), Some(false));
        assert_eq!(count(&v, "totalresults"), Some(7));
        assert_eq!(
            text(typed(&v, "emails", "work").unwrap(), "value"),
            Some("w")
        );
        assert!(typed(&v, "emails", "home").is_none());
        assert!(entries(&v, "phoneNumbers").is_empty());
    }
}
