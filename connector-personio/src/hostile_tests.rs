//! No remote input panics a parser (issue 23 point 7): v1 records, v2 persons and
//! employments, token answers and error bodies, each under arbitrary input.

use hris_sync_core::testkit::hostile;
use proptest::prelude::*;
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

/// The v1 attribute keys the parser reads: the typed ones, and the wrapping and custom keys.
static V1_KEYS: std::sync::LazyLock<Vec<&'static str>> = std::sync::LazyLock::new(|| {
    hris_sync_core::STANDARD_KEYS
        .iter()
        .copied()
        .chain([
            "department",
            "position",
            "dynamic_1",
            "value",
            "type",
            "attributes",
            "label",
        ])
        .collect()
});

/// The v2 person and employment keys the parser reads (sorted).
const V2_KEYS: &[&str] = &[
    "created_at",
    "custom_attributes",
    "email",
    "employment_start_date",
    "first_name",
    "id",
    "last_name",
    "last_working_date",
    "last_working_day",
    "org_units",
    "person",
    "position",
    "preferred_name",
    "status",
    "supervisor",
    "termination",
    "termination_date",
    "title",
    "type",
    "updated_at",
    "value",
];

/// A v1 record: `{type, attributes: {key: {label, value, type}}}` with anything inside.
fn v1_record() -> impl Strategy<Value = Value> {
    let wrapped = (hostile::json_with_keys(&V1_KEYS), hostile::text()).prop_map(
        |(value, kind)| json!({"label": "x", "value": value, "type": kind, "universal_id": "x"}),
    );
    proptest::collection::vec((proptest::sample::select(V1_KEYS.clone()), wrapped), 0..12).prop_map(
        |attrs| {
            let attributes: serde_json::Map<String, Value> =
                attrs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            json!({"type": "Employee", "attributes": attributes})
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn v1_records_never_panic(record in v1_record(), raw in hostile::json_with_keys(&V1_KEYS)) {
        let _ = crate::convert::employee(&record);
        let _ = crate::convert::employee(&raw);
    }

    #[test]
    fn v2_persons_never_panic(
        person in hostile::object_of(V2_KEYS),
        job in hostile::object_of(V2_KEYS),
        department in proptest::option::of(hostile::text()),
    ) {
        let _ = crate::v2::convert::person_id(&person);
        let _ = crate::v2::convert::department_id(&job);
        let _ = crate::v2::convert::employee(&person, Some(&job), department.as_deref());
        let _ = crate::v2::convert::employee(&person, None, None);
    }

    #[test]
    fn token_answers_and_error_bodies_never_panic(body in hostile::body(), status in 100u16..600) {
        let _ = serde_json::from_slice::<crate::model::AuthResponse>(&body);
        let _ = serde_json::from_slice::<crate::model::TokenAnswer>(&body);
        let text = String::from_utf8_lossy(&body);
        if let Ok(status) = StatusCode::from_u16(status) {
            let e = crate::error::error_for_status("GET /x", status, &HeaderMap::new(), &text);
            prop_assert!(!e.message().is_empty());
        }
    }
}

// The case that panicked: a timestamp whose fifth-to-last byte is inside a character.
#[test]
fn a_multibyte_timestamp_does_not_panic() {
    for created in ["ééé", "2025-01-01T00:00:00€", "ß+0200é"] {
        let record = json!({"type": "Employee", "attributes": {
            "id": {"label": "ID", "value": 7, "type": "integer"},
            "first_name": {"label": "First name", "value": "Lena", "type": "standard"},
            "status": {"label": "Status", "value": "active", "type": "standard"},
            "created_at": {"label": "created_at", "value": created, "type": "date"},
        }});
        let e = crate::convert::employee(&record).unwrap();
        assert_eq!(e.created_at, None, "{created}");
    }
}
