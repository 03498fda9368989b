//! Parsing real data: every value quirk, absent versus empty, malformed records.

use crate::support::Connect as _;
use std::collections::BTreeSet;

use hris_sync_core::policy::REQUIRED_ATTRIBUTES;
use hris_sync_core::{AttributeValue, EmployeeStatus, ErrorKind, HrSource, Policy};
use hris_sync_sims::personio::PersonioSim;
use serde_json::json;

use crate::support::{company, date, list, seeded, sim, sim_with};

fn wrapped(value: serde_json::Value, kind: &str) -> serde_json::Value {
    json!({"label": "x", "value": value, "type": kind, "universal_id": null})
}

// Every quirk of the reference, served raw: ids as integers, numbers as strings, "" / [] / null
// for empty, dates with +01:00, +0100 and date-only, nested objects, cost centers, supervisor,
// tags both ways, unknown attributes.
#[tokio::test(flavor = "current_thread")]
async fn every_value_quirk() {
    let sim = sim().await;
    sim.push_raw(json!({
        "type": "Employee",
        "attributes": {
            "id": wrapped(json!(48213), "integer"),
            "first_name": wrapped(json!("Lena"), "standard"),
            "last_name": wrapped(json!(" Vogt "), "standard"),
            "preferred_name": wrapped(json!(""), "standard"),
            "email": wrapped(json!("lena.vogt@example.com"), "standard"),
            "status": wrapped(json!("active"), "standard"),
            "position": wrapped(json!("Backend Engineer"), "standard"),
            "supervisor": wrapped(json!({"type": "Employee", "attributes": {
                "id": {"label": "ID", "value": 47001, "type": "integer", "universal_id": "id"},
                "first_name": {"label": "First name", "value": "Jonas", "type": "standard", "universal_id": "first_name"}}}), "standard"),
            "weekly_working_hours": wrapped(json!("40"), "standard"),
            "hire_date": wrapped(json!("2022-03-01T00:00:00+01:00"), "date"),
            "contract_end_date": wrapped(json!(null), "date"),
            "termination_date": wrapped(json!("2025-06-30T00:00:00+0200"), "date"),
            "termination_type": wrapped(json!(""), "standard"),
            "last_working_day": wrapped(json!("2025-06-27"), "date"),
            "created_at": wrapped(json!("2022-01-20T14:02:11+01:00"), "date"),
            "last_modified_at": wrapped(json!("2025-05-02T09:41:37+0200"), "date"),
            "subcompany": wrapped(json!({"type": "Subcompany", "attributes": {"id": 912, "name": "Example GmbH"}}), "standard"),
            "office": wrapped(json!({"type": "Office", "attributes": {"id": 3301, "name": "Berlin"}}), "standard"),
            "department": wrapped(json!({"type": "Department", "attributes": {"id": 5120, "name": "Engineering"}}), "standard"),
            "team": wrapped(json!(null), "standard"),
            "work_schedule": wrapped(json!(""), "standard"),
            "cost_centers": wrapped(json!([{"type": "CostCenter", "attributes": {"id": 77, "name": "R&D", "percentage": 60}},
                                           {"type": "CostCenter", "attributes": {"id": 78, "name": "Ops", "percentage": 40}}]), "standard"),
            "absence_entitlement": wrapped(json!([]), "standard"),
            "fix_salary": {"label": "Salary", "value": 5000.5, "type": "decimal", "universal_id": "fix_salary", "currency": "EUR"},
            "dynamic_1290411": wrapped(json!("+49 151 0000000"), "standard"),
            "dynamic_77": wrapped(json!("[\"remote\",\"berlin\"]"), "tags"),
            "dynamic_78": wrapped(json!("remote, berlin"), "tags"),
            "dynamic_79": wrapped(json!("2021-01-01"), "date"),
            "dynamic_80": wrapped(json!("12"), "integer"),
            "some_future_attribute": wrapped(json!({"unexpected": true}), "standard"),
        }
    }));
    let listing = list(&sim).await;
    assert!(listing.rejected.is_empty(), "{:?}", listing.rejected);
    let e = &listing.employees[0];
    assert_eq!(e.id.as_str(), "48213");
    assert_eq!(e.last_name.as_deref(), Some("Vogt"));
    assert_eq!(e.preferred_name, None, "\"\" is empty");
    assert_eq!(e.status, EmployeeStatus::Active);
    assert_eq!(e.supervisor_id.as_ref().unwrap().as_str(), "47001");
    // Calendar dates are kept as written, never shifted to UTC (S5).
    assert_eq!(e.hire_date, Some(date(2022, 3, 1)));
    assert_eq!(e.termination_date, Some(date(2025, 6, 30)));
    assert_eq!(e.last_working_day, Some(date(2025, 6, 27)));
    assert_eq!(
        hris_sync_core::time::rfc3339(&e.created_at.unwrap()),
        "2022-01-20T13:02:11Z"
    );
    assert_eq!(
        hris_sync_core::time::rfc3339(&e.updated_at.unwrap()),
        "2025-05-02T07:41:37Z"
    );
    let a = |k: &str| e.attributes.get(k).cloned();
    assert_eq!(a("department"), Some(AttributeValue::text("Engineering")));
    assert_eq!(a("office"), Some(AttributeValue::text("Berlin")));
    assert_eq!(a("subcompany"), Some(AttributeValue::text("Example GmbH")));
    assert_eq!(a("team"), Some(AttributeValue::Empty));
    assert_eq!(a("work_schedule"), Some(AttributeValue::Empty));
    assert_eq!(a("termination_type"), Some(AttributeValue::Empty));
    assert_eq!(a("contract_end_date"), Some(AttributeValue::Empty));
    assert_eq!(a("absence_entitlement"), Some(AttributeValue::Empty));
    assert_eq!(
        a("cost_centers"),
        Some(AttributeValue::List(vec!["R&D".into(), "Ops".into()]))
    );
    assert_eq!(a("weekly_working_hours"), Some(AttributeValue::text("40")));
    assert_eq!(
        a("fix_salary"),
        Some(AttributeValue::Number("5000.5".into()))
    );
    assert_eq!(
        a("dynamic_1290411"),
        Some(AttributeValue::text("+49 151 0000000"))
    );
    let tags = Some(AttributeValue::List(vec!["remote".into(), "berlin".into()]));
    assert_eq!(a("dynamic_77"), tags);
    assert_eq!(a("dynamic_78"), tags);
    assert_eq!(
        a("dynamic_79"),
        Some(AttributeValue::Date(date(2021, 1, 1)))
    );
    assert_eq!(a("dynamic_80"), Some(AttributeValue::Number("12".into())));
    assert_eq!(
        a("some_future_attribute"),
        None,
        "unknown shapes are left out"
    );
}

/// A simulator whose credentials may read only `keys` (Personio's attribute whitelist).
async fn reading(keys: &[&str]) -> PersonioSim {
    let whitelist: BTreeSet<String> = keys.iter().map(|s| (*s).to_owned()).collect();
    sim_with(|c| c.whitelist = Some(whitelist)).await
}

// An attribute the credentials may not read is absent, not empty: it never clears anything.
#[tokio::test(flavor = "current_thread")]
async fn absent_is_not_empty() {
    let sim = reading(REQUIRED_ATTRIBUTES).await;
    sim.seed(company(3));
    let listing = list(&sim).await;
    let e = &listing.employees[0];
    assert_eq!(e.attribute("department"), None, "not whitelisted → absent");
    assert_eq!(
        e.attribute("termination_date"),
        Some(AttributeValue::Empty),
        "whitelisted and empty"
    );
}

// The attribute check at start-up names every required attribute the credentials may not read.
#[tokio::test(flavor = "current_thread")]
async fn missing_whitelisted_attribute_is_a_config_error() {
    let sim = reading(&["first_name", "last_name", "email", "status", "created_at"]).await;
    let personio = sim.source().build().unwrap();
    let policy = Policy::from_toml(
        "[upn]\ndomain = \"demo.com\"\n[[mapping]]\nsource = \"department\"\ntarget = \"department\"\n",
    )
    .unwrap();
    let err = personio
        .check_readable(&policy.required_attributes())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfig);
    assert!(err.message().contains("termination_date"), "{err}");
    assert!(err.message().contains("department"), "{err}");
    assert!(!err.message().contains("first_name"), "{err}");
    // The core check agrees.
    let readable = personio.readable_attributes().await.unwrap();
    assert!(policy.check_readable(&readable).is_err());
}

// Malformed records are reported with a reason and skipped; the good ones in the same page sync.
#[tokio::test(flavor = "current_thread")]
async fn malformed_records_are_reported_and_skipped() {
    let sim = seeded(5).await;
    let status = wrapped(json!("active"), "standard");
    let bad = [
        (json!({"type": "Employee"}), "attributes"),
        (
            json!({"type": "Employee", "attributes": {"status": status}}),
            "id: missing",
        ),
        (
            json!({"type": "Employee", "attributes": {"id": wrapped(json!("abc"), "integer"), "status": status}}),
            "id:",
        ),
        (
            json!({"type": "Employee", "attributes": {"id": wrapped(json!(900), "integer"), "status": wrapped(json!("retired"), "standard")}}),
            "status: unknown",
        ),
        (
            json!({"type": "Employee", "attributes": {"id": wrapped(json!(901), "integer"), "status": status, "termination_date": wrapped(json!("2025-02-30"), "date")}}),
            "termination_date",
        ),
        (
            json!({"type": "Employee", "attributes": {"id": wrapped(json!(902), "integer"), "status": status, "first_name": wrapped(json!({"x": 1}), "standard")}}),
            "first_name",
        ),
        (
            json!({"type": "Employee", "attributes": {"id": wrapped(json!(903), "integer"), "status": status, "supervisor": wrapped(json!([1, 2]), "standard")}}),
            "supervisor",
        ),
        (
            json!({"type": "Employee", "attributes": {"id": wrapped(json!(904), "integer")}}),
            "status: missing",
        ),
        (json!("not an object"), "attributes"),
    ];
    for (record, _) in &bad {
        sim.push_raw(record.clone());
    }
    let listing = list(&sim).await;
    assert_eq!(listing.employees.len(), 5, "the good records still sync");
    assert_eq!(listing.rejected.len(), bad.len());
    for ((_, needle), rejected) in bad.iter().zip(&listing.rejected) {
        assert!(
            rejected.reason.contains(needle),
            "{rejected:?} should mention {needle}"
        );
    }
    assert_eq!(listing.rejected[3].id.as_deref(), Some("900"));
}

// Round trip: what the simulator renders (with its rotating date spellings) parses back to the
// same employees.
#[tokio::test(flavor = "current_thread")]
async fn rendered_records_parse_back() {
    let sim = sim().await;
    let staff = company(30);
    sim.seed(staff.clone());
    let listing = list(&sim).await;
    assert_eq!(listing.employees, staff);
}
