//! Core employees rendered as Personio v1 JSON, quirks included.
//!
//! What a real tenant sends, not a tidy version of it: every attribute wrapped as
//! `{label, value, type, universal_id}`, the id as an integer, `weekly_working_hours` and other
//! numbers as strings, `""` for empty text, `null` for empty objects and dates, `[]` for no cost
//! centers, nested department/office/team/subcompany and supervisor objects, and dates in three
//! spellings (`+01:00`, `+0100`, date-only) depending on the employee.

use std::collections::BTreeSet;

use hris_sync_core::chrono::{DateTime, FixedOffset, NaiveDate as Date, NaiveDateTime, Utc};
use hris_sync_core::{AttributeValue, Employee};
use serde_json::{Value, json};

#[allow(clippy::needless_pass_by_value)] // the value moves into the JSON object
fn wrap(label: &str, value: Value, kind: &str, universal_id: Option<&str>) -> Value {
    json!({ "label": label, "value": value, "type": kind, "universal_id": universal_id })
}

/// Which of the three date spellings this employee gets.
fn style(e: &Employee) -> u64 {
    e.id.as_str().bytes().map(u64::from).sum::<u64>() % 3
}

fn date_value(d: Option<Date>, style: u64) -> Value {
    match d {
        None => Value::Null,
        Some(d) => Value::String(match style {
            0 => format!("{d}T00:00:00+01:00"),
            1 => format!("{d}T00:00:00+0100"),
            _ => d.to_string(),
        }),
    }
}

fn instant_value(t: Option<DateTime<Utc>>, style: u64) -> Value {
    let Some(t) = t else { return Value::Null };
    let Some(plus_one) = FixedOffset::east_opt(3600) else {
        return Value::Null;
    };
    let zoned = t.with_timezone(&plus_one);
    Value::String(match style {
        1 => zoned.format("%Y-%m-%dT%H:%M:%S%z").to_string(),
        _ => zoned.format("%Y-%m-%dT%H:%M:%S%:z").to_string(),
    })
}

fn id_value(id: &str) -> Value {
    id.parse::<u64>()
        .map_or_else(|_| Value::String(id.to_owned()), Value::from)
}

fn small_id(name: &str) -> u64 {
    name.bytes()
        .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)))
        % 100_000
}

/// One employee as a `data[]` record, with only the `visible` attribute keys (the whitelist).
pub(crate) fn employee(
    e: &Employee,
    supervisor: Option<&Employee>,
    visible: &dyn Fn(&str) -> bool,
) -> Value {
    let s = style(e);
    let text = |v: &Option<String>| {
        v.clone()
            .map_or(Value::String(String::new()), Value::String)
    };
    let mut attrs = serde_json::Map::new();
    let mut put = |key: &str, label: &str, value: Value, kind: &str| {
        if key == "id" || visible(key) {
            attrs.insert(key.to_owned(), wrap(label, value, kind, Some(key)));
        }
    };
    put("id", "ID", id_value(e.id.as_str()), "integer");
    for (key, label, value) in [
        ("first_name", "First name", text(&e.first_name)),
        ("last_name", "Last name", text(&e.last_name)),
        (
            "preferred_name",
            "Name (preferred)",
            text(&e.preferred_name),
        ),
        (
            "email",
            "Email",
            e.email.clone().map_or(Value::Null, Value::String),
        ),
        (
            "status",
            "Status",
            Value::String(e.status.as_str().to_owned()),
        ),
    ] {
        put(key, label, value, "standard");
    }
    for (key, label, value) in [
        ("hire_date", "Hire date", date_value(e.hire_date, s)),
        (
            "termination_date",
            "Termination date",
            date_value(e.termination_date, s),
        ),
        (
            "last_working_day",
            "Last day of work",
            date_value(e.last_working_day, s),
        ),
        ("created_at", "created_at", instant_value(e.created_at, s)),
        (
            "last_modified_at",
            "Last modified",
            instant_value(e.updated_at, s),
        ),
    ] {
        put(key, label, value, "date");
    }
    let sup = match (&e.supervisor_id, supervisor) {
        (None, _) => Value::Null,
        (Some(id), found) => {
            // Personio's ShortEmployee: the nested record with id, names and email.
            let mut inner = serde_json::Map::new();
            inner.insert(
                "id".into(),
                wrap("ID", id_value(id.as_str()), "integer", Some("id")),
            );
            if let Some(boss) = found {
                inner.insert(
                    "first_name".into(),
                    wrap(
                        "First name",
                        text(&boss.first_name),
                        "standard",
                        Some("first_name"),
                    ),
                );
                inner.insert(
                    "last_name".into(),
                    wrap(
                        "Last name",
                        text(&boss.last_name),
                        "standard",
                        Some("last_name"),
                    ),
                );
                inner.insert(
                    "email".into(),
                    wrap(
                        "Email",
                        boss.email.clone().map_or(Value::Null, Value::String),
                        "standard",
                        Some("email"),
                    ),
                );
            }
            json!({ "type": "Employee", "attributes": inner })
        }
    };
    put("supervisor", "Supervisor", sup, "standard");
    for (key, value) in &e.attributes {
        let (v, kind) = attribute(key, value);
        let universal = if key.starts_with("dynamic_") {
            None
        } else {
            Some(key.as_str())
        };
        if visible(key) {
            attrs.insert(key.clone(), wrap(&label_of(key), v, kind, universal));
        }
    }
    json!({ "type": "Employee", "attributes": attrs })
}

fn label_of(key: &str) -> String {
    let mut chars = key.replace('_', " ");
    if let Some(first) = chars.get(..1) {
        let upper = first.to_uppercase();
        chars.replace_range(..1, &upper);
    }
    chars
}

/// The wire form of one attribute value, by key.
fn attribute(key: &str, value: &AttributeValue) -> (Value, &'static str) {
    let nested = |kind: &str, name: &str| json!({ "type": kind, "attributes": { "id": small_id(name), "name": name } });
    match (key, value) {
        ("department" | "office" | "team" | "subcompany", AttributeValue::Empty) => (Value::Null, "standard"),
        ("department", AttributeValue::Text(n)) => (nested("Department", n), "standard"),
        ("office", AttributeValue::Text(n)) => (nested("Office", n), "standard"),
        ("team", AttributeValue::Text(n)) => (nested("Team", n), "standard"),
        ("subcompany", AttributeValue::Text(n)) => (nested("Subcompany", n), "standard"),
        ("cost_centers", AttributeValue::List(names)) => (
            Value::Array(
                names
                    .iter()
                    .map(|n| json!({ "type": "CostCenter", "attributes": { "id": small_id(n), "name": n, "percentage": 100 / names.len().max(1) } }))
                    .collect(),
            ),
            "standard",
        ),
        ("cost_centers", AttributeValue::Empty) => (Value::Array(Vec::new()), "standard"),
        (_, AttributeValue::Empty) => (Value::String(String::new()), "standard"),
        (_, AttributeValue::Text(t)) => (Value::String(t.clone()), "standard"),
        // Numbers arrive as strings ("40").
        (_, AttributeValue::Number(n)) => (Value::String(n.clone()), "decimal"),
        (_, AttributeValue::Bool(b)) => (Value::Bool(*b), "standard"),
        (_, AttributeValue::Date(d)) => (Value::String(d.to_string()), "date"),
        // Tags: a comma-separated string.
        (_, AttributeValue::List(items)) => (Value::String(items.join(", ")), "tags"),
    }
}

/// The attribute list of `GET /v1/company/employees/attributes` for these keys.
pub(crate) fn allowed_attributes(keys: &BTreeSet<String>) -> Value {
    let data: Vec<Value> = keys
        .iter()
        .filter(|k| *k != "id")
        .map(|k| {
            let universal = if k.starts_with("dynamic_") { Value::Null } else { Value::String(k.clone()) };
            json!({ "key": k, "label": label_of(k), "type": "standard", "universal_id": universal, "options": [] })
        })
        .collect();
    json!({ "success": true, "data": data })
}

/// Parse `updated_since` as Personio accepts it: `2022-12-24T08:15:30` (taken as UTC) or a date.
pub(crate) fn parse_since(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if s.len() == 10 {
        let d = s.parse::<Date>().ok()?;
        return Some(d.and_time(Default::default()).and_utc());
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    let dt = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").ok()?;
    Some(dt.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_forms() {
        let t = parse_since("2025-09-30T17:00:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2025-09-30T17:00:00+00:00");
        assert_eq!(
            parse_since("2025-09-30").unwrap().to_rfc3339(),
            "2025-09-30T00:00:00+00:00"
        );
        assert!(parse_since("yesterday").is_none());
    }
}
