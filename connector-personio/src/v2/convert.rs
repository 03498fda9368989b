//! Personio v2 `Person` + its current `Employment` → core [`Employee`].
//!
//! The shapes are the v2 reference's: a person carries names, email, `created_at`/`updated_at`
//! and `custom_attributes` (`{id: "dynamic_…", value}`); an employment carries `status`,
//! `employment_start_date`, `termination.{termination_date,last_working_day}`, `supervisor.id`,
//! `position.title` and `org_units[{type, id}]`. Dates are plain `YYYY-MM-DD` taken as
//! written. As in v1, a record whose id, status, lifecycle dates or supervisor cannot be read
//! is rejected with a reason naming the field; other unreadable values are left out.

use hris_sync_core::chrono::NaiveDate as Date;
use hris_sync_core::raw::RejectedRecord;
use hris_sync_core::time::parse_instant;
use hris_sync_core::{AttributeValue, Employee, EmployeeId, EmployeeStatus};
use serde_json::Value;

use crate::convert::reject;

/// Text of a string or number value.
pub(crate) fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A person's id as an [`EmployeeId`], or why not.
pub(crate) fn person_id(person: &Value) -> Result<EmployeeId, RejectedRecord> {
    let raw = text_of(&person["id"]).ok_or_else(|| reject(None, "id: missing".to_owned()))?;
    EmployeeId::new(raw.clone())
        .map_err(|e| reject(Some(raw.chars().take(40).collect()), format!("id: {e}")))
}

/// The department org unit id of an employment, if it has one.
pub(crate) fn department_id(employment: &Value) -> Option<String> {
    employment["org_units"].as_array()?.iter().find_map(|u| {
        (u["type"].as_str()?.eq_ignore_ascii_case("department"))
            .then(|| text_of(&u["id"]))
            .flatten()
    })
}

fn status(v: &str) -> Option<EmployeeStatus> {
    match v.to_ascii_uppercase().as_str() {
        "ACTIVE" => Some(EmployeeStatus::Active),
        "INACTIVE" => Some(EmployeeStatus::Inactive),
        "ONBOARDING" => Some(EmployeeStatus::Onboarding),
        "LEAVE" => Some(EmployeeStatus::Leave),
        _ => None,
    }
}

fn attribute(v: &Value) -> Option<AttributeValue> {
    Some(match v {
        Value::Null => AttributeValue::Empty,
        Value::String(s) => AttributeValue::text(s.clone()),
        Value::Number(n) => AttributeValue::Number(n.to_string()),
        Value::Bool(b) => AttributeValue::Bool(*b),
        Value::Array(items) => {
            let texts: Option<Vec<String>> = items.iter().map(text_of).collect();
            match texts? {
                t if t.is_empty() => AttributeValue::Empty,
                t => AttributeValue::List(t),
            }
        }
        Value::Object(_) => return None,
    })
}

/// One employee from a person, its current employment (the first listed: Personio lists the
/// most recent first) and the name of that employment's department (`None`: it has none).
pub(crate) fn employee(
    person: &Value,
    employment: Option<&Value>,
    department: Option<&str>,
) -> Result<Employee, RejectedRecord> {
    let id = person_id(person)?;
    let fail = |key: &str, why: String| reject(Some(id.to_string()), format!("{key}: {why}"));
    let raw_status = employment
        .and_then(|e| e["status"].as_str())
        .or_else(|| person["status"].as_str())
        .ok_or_else(|| fail("status", "missing".to_owned()))?;
    let status = status(raw_status)
        .ok_or_else(|| fail("status", format!("unknown value {raw_status:?}")))?;
    let mut e = Employee::new(id.clone(), status);
    for (key, slot) in crate::convert::text_fields(&mut e) {
        *slot = person[key]
            .as_str()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
    }
    e.created_at = person["created_at"].as_str().and_then(parse_instant);
    e.updated_at = person["updated_at"].as_str().and_then(parse_instant);
    let date = |v: &Value, key: &str| -> Result<Option<Date>, RejectedRecord> {
        match v {
            Value::Null => Ok(None),
            Value::String(s) if s.trim().is_empty() => Ok(None),
            Value::String(s) => s.trim().parse::<Date>().map(Some).map_err(|_| {
                fail(
                    key,
                    format!("not a date: {:?}", s.chars().take(40).collect::<String>()),
                )
            }),
            other => Err(fail(key, format!("expected a date, got {other}"))),
        }
    };
    if let Some(job) = employment {
        // An employment names its person: one of someone else's is not this person's.
        match &job["person"]["id"] {
            Value::Null => {}
            v if text_of(v).as_deref() == Some(id.as_str()) => {}
            v => {
                return Err(fail(
                    "employment",
                    format!("belongs to person {v}, not to this one"),
                ));
            }
        }
        e.hire_date = date(&job["employment_start_date"], "employment_start_date")?;
        e.termination_date = date(&job["termination"]["termination_date"], "termination_date")?;
        // The schema says `last_working_day`; Personio's own example writes
        // `last_working_date`. Either is read.
        let last_day = match &job["termination"]["last_working_day"] {
            Value::Null => &job["termination"]["last_working_date"],
            v => v,
        };
        e.last_working_day = date(last_day, "last_working_day")?;
        e.supervisor_id = match &job["supervisor"]["id"] {
            Value::Null => None,
            v => Some(
                text_of(v)
                    .and_then(|s| EmployeeId::new(s).ok())
                    .ok_or_else(|| fail("supervisor", format!("unreadable id {v}")))?,
            ),
        };
        // An employment without `org_units` (a credential that may not read them) says
        // nothing about the department: unknown, never a value to clear (S4).
        if job.get("org_units").is_some() {
            e.attributes.insert(
                "department".to_owned(),
                department.map_or(AttributeValue::Empty, AttributeValue::text),
            );
        }
        // Likewise a missing `position` is unknown; a position without a title is empty.
        if let Some(title) = job
            .get("position")
            .and_then(|p| attribute(p.get("title").unwrap_or(&Value::Null)))
        {
            e.attributes.insert("position".to_owned(), title);
        }
    }
    for custom in person["custom_attributes"].as_array().into_iter().flatten() {
        let (Some(key), Some(value)) = (custom["id"].as_str(), attribute(&custom["value"])) else {
            continue;
        };
        e.attributes.insert(key.to_owned(), value);
    }
    Ok(e)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_reference_example_reads() {
        let person = json!({
            "id": "48213", "email": "lena.vogt@example.com", "first_name": "Lena", "last_name": "Vogt",
            "preferred_name": "Lena Vogt", "created_at": "2022-01-20T13:02:11Z", "updated_at": "2025-05-02T07:41:37Z",
            "status": "ACTIVE",
            "custom_attributes": [{"id": "dynamic_1290411", "type": "STRING", "global_id": "mobile_phone", "label": "Mobile phone", "value": "+49 151 0000000"}]
        });
        let job = json!({
            "id": "7f0c", "status": "ACTIVE", "position": {"title": "Backend Engineer"},
            "employment_start_date": "2022-03-01", "supervisor": {"id": "47001"},
            "org_units": [{"type": "team", "id": "1"}, {"type": "department", "id": "5120"}],
            "termination": {"termination_date": "2025-06-30", "last_working_day": "2025-06-27", "type": "QUIT"}
        });
        assert_eq!(department_id(&job).as_deref(), Some("5120"));
        let e = employee(&person, Some(&job), Some("Engineering")).unwrap();
        assert_eq!(e.id.as_str(), "48213");
        assert_eq!(e.status, EmployeeStatus::Active);
        assert_eq!(e.hire_date, "2022-03-01".parse().ok());
        assert_eq!(e.termination_date, "2025-06-30".parse().ok());
        assert_eq!(e.supervisor_id, EmployeeId::new("47001").ok());
        assert_eq!(
            e.attributes["department"],
            AttributeValue::text("Engineering")
        );
        assert_eq!(
            e.attributes["position"],
            AttributeValue::text("Backend Engineer")
        );
        assert_eq!(
            e.attributes["dynamic_1290411"],
            AttributeValue::text("+49 151 0000000")
        );
    }

    #[test]
    fn unreadable_lifecycle_fields_reject_the_record() {
        let person = json!({"id": 7, "status": "ACTIVE"});
        for job in [
            json!({"status": "RETIRED"}),
            json!({"status": "ACTIVE", "employment_start_date": "01.03.2022"}),
            json!({"status": "ACTIVE", "termination": {"termination_date": 20250630}}),
            json!({"status": "ACTIVE", "supervisor": {"id": {"nested": true}}}),
        ] {
            let r = employee(&person, Some(&job), None).unwrap_err();
            assert_eq!(r.id.as_deref(), Some("7"), "{job}");
        }
        assert!(employee(&json!({"status": "ACTIVE"}), None, None).is_err());
        // Fields the credential may not read are left out of an employment: unknown, so
        // they never clear the directory's values.
        let unread = employee(&person, Some(&json!({"status": "ACTIVE"})), None).unwrap();
        assert!(!unread.attributes.contains_key("position"));
        assert!(!unread.attributes.contains_key("department"));
        let untitled = employee(
            &person,
            Some(&json!({"status": "ACTIVE", "position": {}, "org_units": []})),
            None,
        )
        .unwrap();
        assert_eq!(untitled.attributes["position"], AttributeValue::Empty);
        assert_eq!(untitled.attributes["department"], AttributeValue::Empty);
        let plain = employee(&person, None, None).unwrap();
        assert!(
            !plain.attributes.contains_key("department"),
            "no employment: nothing known"
        );
    }
}
