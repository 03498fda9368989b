//! Hostile input for the property tests of every parser of remote input (issue: no remote
//! input may panic the process). Each connector feeds these to its parsers: records, error
//! bodies, token answers, webhook bodies, directory entries.
//!
//! The strategies mix what a parser expects (the documented keys, dates, ids) with what it
//! must survive: other types in their place, multi-byte text where ASCII is expected, huge
//! and negative numbers, deep nesting.

use proptest::prelude::*;
use serde_json::{Map, Number, Value};

/// Text a parser must survive: empty, ASCII that looks like dates and ids, multi-byte
/// characters at every offset, control characters, and anything else.
pub fn text() -> impl Strategy<Value = String> + Clone {
    prop_oneof![
        Just(String::new()),
        "[0-9T:+\\-. Z]{0,30}",
        "[éß€𝔘\u{0}\u{7f}\u{202e}a-z0-9/.%]{0,24}",
        any::<String>(),
    ]
}

/// A JSON number: small, huge, negative or fractional.
pub fn number() -> impl Strategy<Value = Value> + Clone {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| Number::from_f64(f).map_or(Value::Null, Value::Number)),
    ]
}

/// Any JSON value, up to a few levels deep, with object keys drawn from `keys` (the ones
/// the parser looks for) or anything.
pub fn json_with_keys(keys: &'static [&'static str]) -> impl Strategy<Value = Value> + Clone {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        let key =
            prop_oneof![3 => proptest::sample::select(keys).prop_map(str::to_owned), 1 => text()];
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((key, inner), 0..8)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// Any JSON value with arbitrary keys.
pub fn json() -> impl Strategy<Value = Value> + Clone {
    json_with_keys(&[
        "id",
        "value",
        "type",
        "attributes",
        "data",
        "error",
        "message",
    ])
}

/// An object whose `keys` each hold hostile JSON (some keys left out): the shape a parser
/// expects, with anything in each place.
pub fn object_of(keys: &'static [&'static str]) -> impl Strategy<Value = Value> + Clone {
    proptest::collection::vec(
        (proptest::sample::select(keys), json_with_keys(keys)),
        0..keys.len() * 2,
    )
    .prop_map(|kv| {
        Value::Object(
            kv.into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect::<Map<_, _>>(),
        )
    })
}

/// Bytes a parser must survive: valid JSON of hostile shape, truncated JSON, and noise.
pub fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        json().prop_map(|v| v.to_string().into_bytes()),
        json().prop_flat_map(|v| {
            let bytes = v.to_string().into_bytes();
            let n = bytes.len();
            (Just(bytes), 0..=n).prop_map(|(b, cut)| b[..cut].to_vec())
        }),
        proptest::collection::vec(any::<u8>(), 0..256),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest! {
        #[test]
        fn bodies_are_bytes_and_objects_are_objects(o in object_of(&["a", "b"]), _b in body()) {
            prop_assert!(o.is_object());
        }
    }
}
