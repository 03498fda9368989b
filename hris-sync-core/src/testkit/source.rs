//! Checks for [`HrSource`] implementations.
//!
//! Seed the source under test with [`fixtures`] (in whatever form it stores employees), then
//! run [`run_all`]. The fixtures cover what real HR data holds: umlauts and other scripts, every
//! status, local dates, supervisors, departments, custom attributes, and an empty attribute.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, Utc};

use crate::employee::{AttributeValue, Employee, EmployeeStatus};
use crate::error::{ErrorKind, Result};
use crate::id::EmployeeId;
use crate::policy::REQUIRED_ATTRIBUTES;
use crate::source::HrSource;

use super::{ensure, fail};

/// The instant the fixtures' `updated_at` values straddle: records 1–3 changed before it,
/// records 4–6 after.
#[must_use]
pub fn changed_cutoff() -> DateTime<Utc> {
    DateTime::from_timestamp(1_746_000_000, 0).unwrap_or(DateTime::UNIX_EPOCH) // 2025-04-30T08:00Z
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

fn id(s: &str) -> EmployeeId {
    EmployeeId::new(s).unwrap_or_else(|_| id("0"))
}

/// An active employee with a name and a work email (a test's own cast; an id that is not
/// one becomes `0`).
#[must_use]
pub fn employee(id_: &str, first: &str, last: &str, email: &str) -> Employee {
    let mut e = Employee::new(id(id_), EmployeeStatus::Active);
    e.first_name = Some(first.to_owned());
    e.last_name = Some(last.to_owned());
    e.email = Some(email.to_owned());
    e
}

/// Six employees every source must return exactly.
#[must_use]
pub fn fixtures() -> Vec<Employee> {
    let at = |secs: i64| DateTime::from_timestamp(secs, 0);
    let person = |n: &str, first: &str, last: &str, status| {
        let mut e = Employee::new(id(n), status);
        e.first_name = Some(first.to_owned());
        e.last_name = Some(last.to_owned());
        e.email = Some(format!("{}@kit.example", n));
        e.hire_date = Some(date(2022, 3, 1));
        e.created_at = at(1_640_995_200);
        e
    };
    let mut boss = person("1001", "Jonas", "Keller", EmployeeStatus::Active);
    boss.attributes
        .insert("department".to_owned(), AttributeValue::text("Management"));
    boss.attributes
        .insert("position".to_owned(), AttributeValue::text("CEO"));
    boss.updated_at = at(1_700_000_000);
    let mut zoe = person("1002", "Zoë", "Müller", EmployeeStatus::Active);
    zoe.preferred_name = Some("Zoe Mueller".to_owned());
    zoe.supervisor_id = Some(id("1001"));
    zoe.attributes
        .insert("department".to_owned(), AttributeValue::text("Engineering"));
    zoe.attributes.insert(
        "position".to_owned(),
        AttributeValue::text("Backend Engineer"),
    );
    zoe.attributes.insert(
        "dynamic_1290411".to_owned(),
        AttributeValue::text("+49 151 0000000"),
    );
    zoe.updated_at = at(1_710_000_000);
    let mut olga = person("1003", "Ольга", "Иванова", EmployeeStatus::Onboarding);
    olga.hire_date = Some(date(2025, 11, 1));
    olga.supervisor_id = Some(id("1001"));
    olga.attributes
        .insert("department".to_owned(), AttributeValue::Empty);
    olga.updated_at = at(1_720_000_000);
    let mut leaver = person("1004", "Sven", "Lindqvist", EmployeeStatus::Active);
    leaver.termination_date = Some(date(2025, 6, 30));
    leaver.last_working_day = Some(date(2025, 6, 27));
    leaver.updated_at = at(1_747_000_000);
    let mut gone = person("1005", "Łukasz", "Nowak", EmployeeStatus::Inactive);
    gone.termination_date = Some(date(2024, 12, 31));
    gone.updated_at = at(1_748_000_000);
    let mut leave = person("1006", "Aoife", "O'Brien", EmployeeStatus::Leave);
    leave.updated_at = at(1_749_000_000);
    vec![boss, zoe, olga, leaver, gone, leave]
}

/// Run every source check against a source seeded with [`fixtures`].
///
/// # Errors
/// The first check that failed.
pub async fn run_all(source: &dyn HrSource) -> Result<()> {
    lists_exactly_the_fixtures(source).await?;
    changed_since_covers_every_change(source).await?;
    readable_attributes_cover_the_required(source).await?;
    reads_employees_by_id(source).await?;
    Ok(())
}

/// `get_employees` returns the asked fixtures exactly as the listing does, and an unknown id
/// as missing (not as an error, not as an employee).
///
/// # Errors
/// Naming the id that came back wrong.
pub async fn reads_employees_by_id(source: &dyn HrSource) -> Result<()> {
    let asked = [id("1002"), id("1005"), id("987654")];
    let lookup = source.get_employees(&asked).await?;
    ensure(lookup.rejected.is_empty(), || {
        format!("rejected records: {:?}", lookup.rejected)
    })?;
    ensure(lookup.missing == [id("987654")], || {
        format!("missing {:?}, want [987654]", lookup.missing)
    })?;
    ensure(lookup.employees.len() == 2, || {
        format!("{} employees for two known ids", lookup.employees.len())
    })?;
    for want in fixtures().iter().filter(|e| asked[..2].contains(&e.id)) {
        let Some(got) = lookup.employees.iter().find(|e| e.id == want.id) else {
            return fail(format!("employee {} not returned by id", want.id));
        };
        compare(want, got)?;
    }
    Ok(())
}

/// `list_employees` returns each fixture once, with every typed field and attribute intact.
///
/// # Errors
/// Naming the first employee and field that differ.
pub async fn lists_exactly_the_fixtures(source: &dyn HrSource) -> Result<()> {
    let listing = source.list_employees().await?;
    ensure(listing.rejected.is_empty(), || {
        format!("rejected records: {:?}", listing.rejected)
    })?;
    let ids: Vec<&str> = listing.employees.iter().map(|e| e.id.as_str()).collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    ensure(ids.len() == unique.len(), || {
        format!("duplicate ids in {ids:?}")
    })?;
    let want = fixtures();
    ensure(ids.len() == want.len(), || {
        format!("{} employees, want {}", ids.len(), want.len())
    })?;
    for w in &want {
        let Some(got) = listing.employees.iter().find(|e| e.id == w.id) else {
            return fail(format!("employee {} missing", w.id));
        };
        compare(w, got)?;
    }
    Ok(())
}

fn compare(want: &Employee, got: &Employee) -> Result<()> {
    let fields = [
        (
            "first_name",
            format!("{:?}", want.first_name),
            format!("{:?}", got.first_name),
        ),
        (
            "last_name",
            format!("{:?}", want.last_name),
            format!("{:?}", got.last_name),
        ),
        (
            "preferred_name",
            format!("{:?}", want.preferred_name),
            format!("{:?}", got.preferred_name),
        ),
        (
            "email",
            format!("{:?}", want.email),
            format!("{:?}", got.email),
        ),
        (
            "status",
            format!("{:?}", want.status),
            format!("{:?}", got.status),
        ),
        (
            "hire_date",
            format!("{:?}", want.hire_date),
            format!("{:?}", got.hire_date),
        ),
        (
            "termination_date",
            format!("{:?}", want.termination_date),
            format!("{:?}", got.termination_date),
        ),
        (
            "last_working_day",
            format!("{:?}", want.last_working_day),
            format!("{:?}", got.last_working_day),
        ),
        (
            "created_at",
            format!("{:?}", want.created_at),
            format!("{:?}", got.created_at),
        ),
        (
            "updated_at",
            format!("{:?}", want.updated_at),
            format!("{:?}", got.updated_at),
        ),
        (
            "supervisor",
            format!("{:?}", want.supervisor_id),
            format!("{:?}", got.supervisor_id),
        ),
    ];
    for (name, w, g) in fields {
        ensure(w == g, || {
            format!("employee {}: {name} is {g}, want {w}", want.id)
        })?;
    }
    for (key, w) in &want.attributes {
        let g = got.attributes.get(key);
        ensure(g == Some(w), || {
            format!("employee {}: attribute {key} is {g:?}, want {w:?}", want.id)
        })?;
    }
    Ok(())
}

/// `list_employees_changed_since` returns at least every fixture changed after
/// [`changed_cutoff`] (or the source answers `Unsupported`).
///
/// # Errors
/// Naming a changed employee that is missing.
pub async fn changed_since_covers_every_change(source: &dyn HrSource) -> Result<()> {
    let listing = match source.list_employees_changed_since(changed_cutoff()).await {
        Err(e) if e.kind() == ErrorKind::Unsupported => return Ok(()),
        other => other?,
    };
    for w in fixtures() {
        if w.updated_at.is_some_and(|t| t > changed_cutoff())
            && !listing.employees.iter().any(|e| e.id == w.id)
        {
            return fail(format!(
                "employee {} changed after the cutoff but is missing",
                w.id
            ));
        }
    }
    Ok(())
}

/// The readable attributes include every required one and the fixtures' attributes.
///
/// # Errors
/// Naming the missing keys.
pub async fn readable_attributes_cover_the_required(source: &dyn HrSource) -> Result<()> {
    let readable = source.readable_attributes().await?;
    let missing: Vec<&str> = REQUIRED_ATTRIBUTES
        .iter()
        .copied()
        .chain(["department", "position", "supervisor"])
        .filter(|k| !readable.contains(*k))
        .collect();
    ensure(missing.is_empty(), || {
        format!("readable attributes lack {missing:?}")
    })
}
