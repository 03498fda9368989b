//! Personio v1 employee records → core [`Employee`]s, surviving real data.
//!
//! Every attribute arrives wrapped as `{label, value, type, universal_id}`. Values come loosely
//! typed: numbers as strings, `""`, `[]` or `null` for empty, dates as `+01:00`, `+0100` or
//! date-only, nested objects for department, office, team, subcompany and supervisor, lists for
//! cost centers, and tags as comma-separated or JSON-encoded strings. An attribute missing from
//! the record (not whitelisted for the credentials) stays absent; one that is present but empty
//! becomes [`AttributeValue::Empty`].
//!
//! A record whose id, status, lifecycle dates or supervisor cannot be read is rejected with a
//! reason naming the field: acting on a half-read record could disable or rewrite the wrong
//! account. Other unreadable attributes are left out (absent), which never clears anything.

use hris_sync_core::chrono::{DateTime, NaiveDate as Date, Utc};
use hris_sync_core::raw::RejectedRecord;
use hris_sync_core::time::parse_instant;
use hris_sync_core::{AttributeValue, Employee, EmployeeId, EmployeeStatus, STANDARD_KEYS};
use serde_json::{Map, Value};

/// Parse one record of `data[]`.
pub(crate) fn employee(record: &Value) -> Result<Employee, RejectedRecord> {
    let attributes = record
        .get("attributes")
        .and_then(Value::as_object)
        .ok_or_else(|| reject(None, "record has no \"attributes\" object".to_owned()))?;
    let raw_id = field(attributes, "id").map(|(v, _)| v);
    let id = match raw_id.map(id_of) {
        Some(Ok(id)) => id,
        Some(Err(why)) => return Err(reject(raw_id.map(short), format!("id: {why}"))),
        None => return Err(reject(None, "id: missing".to_owned())),
    };
    let fail = |key: &str, why: String| reject(Some(id.to_string()), format!("{key}: {why}"));

    let status = match field(attributes, "status") {
        None => {
            return Err(fail(
                "status",
                "missing (allow the attribute for the API credentials)".to_owned(),
            ));
        }
        Some((v, _)) => match v.as_str().map(str::trim) {
            Some(s) => EmployeeStatus::parse(s)
                .ok_or_else(|| fail("status", format!("unknown value {s:?}")))?,
            None => {
                return Err(fail(
                    "status",
                    format!("expected text, got {}", type_name(v)),
                ));
            }
        },
    };
    let mut e = Employee::new(id.clone(), status);
    for (key, slot) in text_fields(&mut e) {
        if let Some((v, _)) = field(attributes, key) {
            *slot = text(v).map_err(|why| fail(key, why))?;
        }
    }
    for (key, slot) in [
        ("hire_date", &mut e.hire_date),
        ("termination_date", &mut e.termination_date),
        ("last_working_day", &mut e.last_working_day),
    ] {
        if let Some((v, _)) = field(attributes, key) {
            *slot = date(v).map_err(|why| fail(key, why))?;
        }
    }
    e.created_at = field(attributes, "created_at").and_then(|(v, _)| timestamp(v));
    e.updated_at = field(attributes, "last_modified_at").and_then(|(v, _)| timestamp(v));
    if let Some((v, _)) = field(attributes, "supervisor") {
        e.supervisor_id = supervisor(v).map_err(|why| fail("supervisor", why))?;
    }
    for (key, wrapped) in attributes {
        if STANDARD_KEYS.contains(&key.as_str()) {
            continue;
        }
        let (value, kind) = unwrap(wrapped);
        if let Some(v) = attribute(value, kind) {
            e.attributes.insert(key.clone(), v);
        }
    }
    Ok(e)
}

/// The employee's text fields under their Personio keys (the same in v1 and v2).
pub(crate) fn text_fields(e: &mut Employee) -> [(&'static str, &mut Option<String>); 4] {
    [
        ("first_name", &mut e.first_name),
        ("last_name", &mut e.last_name),
        ("preferred_name", &mut e.preferred_name),
        ("email", &mut e.email),
    ]
}

/// The id of a record that was rejected as a whole, if one can be read.
pub(crate) fn reject(id: Option<String>, reason: String) -> RejectedRecord {
    RejectedRecord { id, reason }
}

fn short(v: &Value) -> String {
    let s = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    s.chars().take(40).collect()
}

/// The `value` and `type` of a wrapped attribute. A bare value (not wrapped) is taken as is.
fn unwrap(wrapped: &Value) -> (&Value, &str) {
    match wrapped {
        Value::Object(o) if o.contains_key("value") => (
            &o["value"],
            o.get("type").and_then(Value::as_str).unwrap_or("standard"),
        ),
        other => (other, "standard"),
    }
}

fn field<'v>(attributes: &'v Map<String, Value>, key: &str) -> Option<(&'v Value, &'v str)> {
    attributes.get(key).map(unwrap)
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "text",
        Value::Array(_) => "list",
        Value::Object(_) => "object",
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// An employee id: a non-negative integer, or a string of digits.
fn id_of(v: &Value) -> Result<EmployeeId, String> {
    let s = match v {
        Value::Number(n) if n.is_u64() => n.to_string(),
        Value::String(s)
            if !s.trim().is_empty() && s.trim().bytes().all(|b| b.is_ascii_digit()) =>
        {
            s.trim().to_owned()
        }
        Value::Null => return Err("missing".to_owned()),
        other => {
            return Err(format!(
                "expected a number, got {} {}",
                type_name(other),
                short(other)
            ));
        }
    };
    EmployeeId::new(s).map_err(|e| e.message().to_owned())
}

/// Free text; empty is `None`; numbers are written out; anything else is an error.
fn text(v: &Value) -> Result<Option<String>, String> {
    if is_empty(v) {
        return Ok(None);
    }
    match v {
        Value::String(s) => {
            if s.chars().any(|c| c.is_control() && c != '\t') {
                Err("holds control characters".to_owned())
            } else {
                Ok(Some(s.trim().to_owned()))
            }
        }
        Value::Number(n) => Ok(Some(n.to_string())),
        other => Err(format!("expected text, got {}", type_name(other))),
    }
}

/// A calendar date as written: the date part of `2025-06-30T00:00:00+02:00`, `…+0200` or
/// `2025-06-30`, never shifted to UTC. Empty is `None`; anything unreadable is an error.
fn date(v: &Value) -> Result<Option<Date>, String> {
    if is_empty(v) {
        return Ok(None);
    }
    let Some(s) = v.as_str().map(str::trim) else {
        return Err(format!("expected a date, got {}", type_name(v)));
    };
    let head = s.get(..10).ok_or_else(|| format!("{s:?} is not a date"))?;
    if s.len() > 10 && !matches!(s.as_bytes()[10], b'T' | b' ') {
        return Err(format!("{s:?} is not a date"));
    }
    head.parse::<Date>()
        .map(Some)
        .map_err(|_| format!("{s:?} is not a valid date"))
}

/// An instant with an offset (`+02:00` or `+0200`) or a bare date (taken as midnight UTC).
/// Unreadable values are `None`: they only order UPN assignment and incremental reads.
fn timestamp(v: &Value) -> Option<DateTime<Utc>> {
    let s = v.as_str()?.trim();
    if s.len() == 10 {
        return Some(
            s.parse::<Date>()
                .ok()?
                .and_time(Default::default())
                .and_utc(),
        );
    }
    if let Some(t) = parse_instant(s) {
        return Some(t);
    }
    // `+0200` → `+02:00`. Remote text: split only where a character starts.
    let (body, tail) = s.split_at_checked(s.len().checked_sub(5)?)?;
    let b = tail.as_bytes();
    if matches!(b[0], b'+' | b'-') && b[1..].iter().all(u8::is_ascii_digit) {
        parse_instant(&format!("{body}{}:{}", &tail[..3], &tail[3..]))
    } else {
        None
    }
}

/// The supervisor's id: a nested `{type:"Employee", attributes:{id:{value:…}}}`, or a bare id.
fn supervisor(v: &Value) -> Result<Option<EmployeeId>, String> {
    if is_empty(v) {
        return Ok(None);
    }
    match v {
        Value::Number(_) | Value::String(_) => id_of(v).map(Some),
        Value::Object(o) => {
            let inner = o
                .get("attributes")
                .and_then(|a| a.get("id"))
                .or_else(|| o.get("id"))
                .ok_or_else(|| "object without an id".to_owned())?;
            id_of(unwrap(inner).0).map(Some)
        }
        other => Err(format!("expected an employee, got {}", type_name(other))),
    }
}

/// The name of a nested object (`{type:"Department", attributes:{id, name}}`).
fn nested_name(v: &Value) -> Option<String> {
    let name = v
        .get("attributes")
        .and_then(|a| a.get("name"))
        .or_else(|| v.get("name"))?;
    match name {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Any other attribute, by its declared type and its actual shape. `None` leaves it out.
fn attribute(v: &Value, kind: &str) -> Option<AttributeValue> {
    if is_empty(v) {
        return Some(AttributeValue::Empty);
    }
    match (kind, v) {
        ("date", _) => date(v).ok().flatten().map(AttributeValue::Date),
        ("integer" | "decimal", Value::Number(n)) => Some(AttributeValue::Number(n.to_string())),
        ("integer" | "decimal", Value::String(s)) => {
            let s = s.trim();
            s.parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .map(|_| AttributeValue::Number(s.to_owned()))
        }
        ("tags", Value::String(s)) => Some(tags(s)),
        (_, Value::String(s)) => Some(AttributeValue::text(s.trim())),
        (_, Value::Number(n)) => Some(AttributeValue::Number(n.to_string())),
        (_, Value::Bool(b)) => Some(AttributeValue::Bool(*b)),
        (_, Value::Array(items)) => {
            let names: Vec<String> = items
                .iter()
                .filter_map(|i| match i {
                    Value::String(s) => Some(s.trim().to_owned()),
                    Value::Number(n) => Some(n.to_string()),
                    obj @ Value::Object(_) => nested_name(obj),
                    _ => None,
                })
                .filter(|s| !s.is_empty())
                .collect();
            (names.len() == items.len()).then_some(AttributeValue::List(names))
        }
        (_, obj @ Value::Object(_)) => nested_name(obj).map(AttributeValue::Text),
        (_, Value::Null) => Some(AttributeValue::Empty),
    }
}

/// Tags: a JSON-encoded list (`["a","b"]`) or comma-separated text (`a, b`).
fn tags(s: &str) -> AttributeValue {
    let s = s.trim();
    if s.starts_with('[') {
        if let Ok(list) = serde_json::from_str::<Vec<String>>(s) {
            return AttributeValue::List(
                list.into_iter()
                    .map(|t| t.trim().to_owned())
                    .filter(|t| !t.is_empty())
                    .collect(),
            );
        }
    }
    AttributeValue::List(
        s.split(',')
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .collect(),
    )
}

#[cfg(test)]
mod tests;
