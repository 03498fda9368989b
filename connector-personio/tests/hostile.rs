//! Hostile HR data: every malformation in one listing. Each bad record gets a reason, nothing
//! panics, no bad record leads to a write, and the good records in the same pages still sync.

use crate::support::Connect as _;
use hris_sync_core::apply::apply_plan;
use hris_sync_core::memory::MemoryDirectory;
use hris_sync_core::{
    Action, Directory, EmployeeStatus, ErrorKind, HrSource, Policy, Reason, plan,
};
use hris_sync_core::{DiscardCredentials, SyncHistory};
use serde_json::{Value, json};

use crate::support::seeded;

fn w(value: Value, kind: &str) -> Value {
    json!({"label": "x", "value": value, "type": kind, "universal_id": null})
}

/// A record with id, status and names; `extra` overrides or adds attributes.
fn record(id: Value, extra: &[(&str, Value)]) -> Value {
    let mut attributes = serde_json::Map::new();
    attributes.insert("id".into(), w(id, "integer"));
    attributes.insert("status".into(), w(json!("active"), "standard"));
    attributes.insert("first_name".into(), w(json!("Good"), "standard"));
    attributes.insert("last_name".into(), w(json!("Record"), "standard"));
    for (k, v) in extra {
        attributes.insert((*k).to_owned(), v.clone());
    }
    json!({"type": "Employee", "attributes": attributes})
}

/// A record of `id` with a work email whose supervisor is `boss`.
fn reporting_to(id: u64, boss: u64, email: &str) -> Value {
    let fields = [
        ("supervisor", w(json!(boss), "standard")),
        ("email", w(json!(email), "standard")),
    ];
    record(json!(id), &fields)
}

#[tokio::test(flavor = "current_thread")]
async fn hostile_corpus() {
    let sim = seeded(20).await;
    let long = "x".repeat(500);
    // (record, what the listing must do: Some(reason fragment) = rejected, None = parsed)
    let corpus: Vec<(Value, Option<&str>)> = vec![
        (record(Value::Null, &[]), Some("id")),
        (
            json!({"type": "Employee", "attributes": {"status": w(json!("active"), "standard")}}),
            Some("id: missing"),
        ),
        (record(json!("12a"), &[]), Some("id")),
        (record(json!(-5), &[]), Some("id")),
        (record(json!(1.5), &[]), Some("id")),
        (record(json!({"nested": 1}), &[]), Some("id")),
        (
            record(
                json!(9001),
                &[
                    ("first_name", w(Value::Null, "standard")),
                    ("last_name", w(json!(""), "standard")),
                ],
            ),
            None,
        ),
        (
            record(
                json!(9002),
                &[
                    ("first_name", w(json!("🦄🎉"), "standard")),
                    ("email", w(json!("unicorn@demo.com"), "standard")),
                ],
            ),
            None,
        ),
        (
            record(
                json!(9003),
                &[
                    ("first_name", w(json!("\u{202e}ناصر"), "standard")),
                    ("email", w(json!("rtl@demo.com"), "standard")),
                ],
            ),
            None,
        ),
        (
            record(
                json!(9004),
                &[("first_name", w(json!("Bad\u{0}Name"), "standard"))],
            ),
            Some("first_name"),
        ),
        (
            record(
                json!(9005),
                &[
                    ("first_name", w(json!(long.clone()), "standard")),
                    ("email", w(json!("long@demo.com"), "standard")),
                    ("position", w(json!(long), "standard")),
                ],
            ),
            None,
        ),
        (
            record(
                json!(9006),
                &[(
                    "termination_date",
                    w(json!("2025-02-30T00:00:00+01:00"), "date"),
                )],
            ),
            Some("termination_date"),
        ),
        (
            record(
                json!(9007),
                &[("hire_date", w(json!("next monday"), "date"))],
            ),
            Some("hire_date"),
        ),
        (
            record(json!(9008), &[("status", w(json!("retired"), "standard"))]),
            Some("status"),
        ),
        (
            record(json!(9009), &[("status", w(json!(3), "standard"))]),
            Some("status"),
        ),
        (
            record(json!(9010), &[("supervisor", w(json!("boss"), "standard"))]),
            Some("supervisor"),
        ),
        (reporting_to(9011, 9012, "cycle1@demo.com"), None),
        (reporting_to(9012, 9011, "cycle2@demo.com"), None),
        (reporting_to(9013, 424_242, "orphan@demo.com"), None),
        (
            record(
                json!(9014),
                &[("email", w(json!("person1@demo.com"), "standard"))],
            ),
            None,
        ),
        (
            record(
                json!("12345678901234567890"),
                &[("email", w(json!("longid@demo.com"), "standard"))],
            ),
            None,
        ),
        (
            record(
                json!(9015),
                &[("email", w(json!(["a@demo.com"]), "standard"))],
            ),
            Some("email"),
        ),
        (
            json!({"type": "Employee", "attributes": "not an object"}),
            Some("attributes"),
        ),
        (json!([1, 2, 3]), Some("attributes")),
        (json!(null), Some("attributes")),
        (
            record(
                json!(9016),
                &[
                    ("department", json!("bare value, not wrapped")),
                    ("email", w(json!("bare@demo.com"), "standard")),
                ],
            ),
            None,
        ),
    ];
    for (r, _) in &corpus {
        sim.push_raw(r.clone());
    }
    let personio = sim.source().build().unwrap();
    let listing = personio.list_employees().await.unwrap();
    let expected_rejects: Vec<&str> = corpus.iter().filter_map(|(_, why)| *why).collect();
    assert_eq!(
        listing.rejected.len(),
        expected_rejects.len(),
        "{:?}",
        listing.rejected
    );
    for (rejected, why) in listing.rejected.iter().zip(&expected_rejects) {
        assert!(
            rejected.reason.contains(why),
            "{rejected:?} should mention {why}"
        );
    }
    // 20 good + the parseable hostile ones.
    let parsed = corpus.iter().filter(|(_, why)| why.is_none()).count();
    assert_eq!(listing.employees.len(), 20 + parsed);

    // Planning on what was read: the good records sync; the odd ones are reported, never
    // written wrongly.
    let dir = MemoryDirectory::new(["demo.com"]);
    let policy = Policy::from_toml("[upn]\ndomain = \"demo.com\"\n[[mapping]]\nsource = \"position\"\ntarget = \"jobTitle\"\n[[mapping]]\nsource = \"supervisor\"\ntarget = \"manager\"\n").unwrap();
    let users = dir.list_users().await.unwrap().users;
    let p = plan(
        &listing.employees,
        &users,
        &policy,
        "2025-10-01T00:00:00Z".parse().unwrap(),
    );
    let skip = |id: &str| {
        p.skipped
            .iter()
            .find(|s| s.employee_id.as_ref().is_some_and(|e| e.as_str() == id))
            .map(|s| s.reason.clone())
    };
    assert_eq!(skip("9001"), Some(Reason::MissingField("email")));
    assert!(
        matches!(skip("9002"), Some(Reason::Upn(_))),
        "{:?}",
        skip("9002")
    );
    assert_eq!(
        skip("12345678901234567890"),
        Some(Reason::EmployeeIdTooLong)
    );
    assert!(matches!(skip("9014"), Some(Reason::DuplicateEmail(_))));
    assert!(
        matches!(skip("1"), Some(Reason::DuplicateEmail(_))),
        "the real person1 is held too"
    );
    let creates = p
        .actions
        .iter()
        .filter(|a| matches!(a, Action::Create { .. }));
    let created: Vec<&str> = creates
        .filter_map(|a| a.employee_id())
        .map(|id| id.as_str())
        .collect();
    for id in ["9003", "9005", "9011", "9012", "9013", "9016", "2"] {
        assert!(created.contains(&id), "{id} should be created: {created:?}");
    }
    let long_create = p
        .actions
        .iter()
        .find(|a| a.employee_id().is_some_and(|e| e.as_str() == "9005"))
        .unwrap();
    let Action::Create { upn, warnings, .. } = long_create else {
        panic!()
    };
    assert!(upn.split('@').next().unwrap().len() <= 64);
    assert!(
        warnings
            .iter()
            .any(|w| matches!(w, Reason::Truncated { .. }))
    );
    assert!(p.notices.iter().any(|n| n.reason
        == Reason::SupervisorWithoutAccount(hris_sync_core::EmployeeId::new("424242").unwrap())));
    // The in-memory directory accepts every planned write (so none is malformed).
    let mut history = SyncHistory::default();
    let outcomes = apply_plan(&p, &dir, &mut history, &DiscardCredentials).await;
    assert!(
        outcomes.iter().all(|o| o.result.is_ok()),
        "{:?}",
        outcomes.iter().find(|o| o.result.is_err())
    );
    assert!(
        listing
            .employees
            .iter()
            .all(|e| e.status != EmployeeStatus::Inactive)
    );
}

// Truncated JSON: the page cannot be read, so the listing fails (nothing is half-read).
#[tokio::test(flavor = "current_thread")]
async fn truncated_json_fails_the_listing() {
    let sim = seeded(5).await;
    sim.inject([hris_sync_sims::personio::Fault::Drop]);
    let personio = sim
        .source()
        .retry(hris_sync_core::retry::RetryPolicy {
            max_retries: 0,
            ..Default::default()
        })
        .build()
        .unwrap();
    let err = personio.list_employees().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transient, "{err}");
}
