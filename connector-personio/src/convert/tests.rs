use serde_json::json;

use super::*;

#[test]
fn dates_keep_their_calendar_day() {
    for s in [
        "2025-06-30T00:00:00+02:00",
        "2025-06-30T00:00:00+0200",
        "2025-06-30",
        "2025-06-30 00:00:00",
    ] {
        assert_eq!(
            date(&json!(s)).unwrap(),
            Some(hris_sync_core::chrono::NaiveDate::from_ymd_opt(2025, 6, 30).unwrap()),
            "{s}"
        );
    }
    for empty in [json!(null), json!(""), json!([])] {
        assert_eq!(date(&empty).unwrap(), None);
    }
    for bad in [
        json!("2025-02-30"),
        json!("30.06.2025"),
        json!(20250630),
        json!("2025-06-30X"),
    ] {
        assert!(date(&bad).is_err(), "{bad}");
    }
}

#[test]
fn timestamps_with_either_offset_spelling() {
    let a = timestamp(&json!("2017-05-23T09:49:03+02:00")).unwrap();
    let b = timestamp(&json!("2017-05-23T09:49:03+0200")).unwrap();
    assert_eq!(a, b);
    assert_eq!(hris_sync_core::time::rfc3339(&a), "2017-05-23T07:49:03Z");
    assert_eq!(
        hris_sync_core::time::rfc3339(&timestamp(&json!("2017-05-23")).unwrap()),
        "2017-05-23T00:00:00Z"
    );
    assert_eq!(timestamp(&json!("yesterday")), None);
}

#[test]
fn ids_are_numbers_or_digit_strings() {
    assert_eq!(id_of(&json!(42)).unwrap().as_str(), "42");
    assert_eq!(id_of(&json!(" 42 ")).unwrap().as_str(), "42");
    assert!(id_of(&json!(-1)).is_err());
    assert!(id_of(&json!(1.5)).is_err());
    assert!(id_of(&json!("4a")).is_err());
    assert!(id_of(&json!(null)).is_err());
}

#[test]
fn supervisor_shapes() {
    let nested = json!({"type": "Employee", "attributes": {"id": {"label": "ID", "value": 7, "type": "integer", "universal_id": "id"}}});
    assert_eq!(supervisor(&nested).unwrap().unwrap().as_str(), "7");
    assert_eq!(supervisor(&json!(7)).unwrap().unwrap().as_str(), "7");
    assert_eq!(supervisor(&json!(null)).unwrap(), None);
    assert_eq!(supervisor(&json!("")).unwrap(), None);
    assert!(supervisor(&json!({"type": "Employee"})).is_err());
}

#[test]
fn text_refuses_control_characters_and_objects() {
    assert_eq!(text(&json!(" Anna ")).unwrap().as_deref(), Some("Anna"));
    assert_eq!(text(&json!(12)).unwrap().as_deref(), Some("12"));
    assert!(text(&json!("An\u{0}na")).is_err());
    assert!(text(&json!({"a": 1})).is_err());
}
