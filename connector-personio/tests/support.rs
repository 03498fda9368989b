//! Shared set-up: simulators, seeded companies, captured logs.

use connector_personio::sim::{PersonioSim, SimConfig};
use hris_sync_core::chrono::{DateTime, NaiveDate};
use hris_sync_core::{AttributeValue, Employee, EmployeeId, EmployeeStatus};

/// Every window and wait divided by this in the tests.
/// A calendar date (tests only: panics on an invalid one).
pub(crate) fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Every window and wait divided by this in the tests.
pub(crate) const SCALE: u32 = 100;

pub(crate) fn config() -> SimConfig {
    SimConfig {
        time_scale: SCALE,
        ..SimConfig::default()
    }
}

pub(crate) async fn sim() -> PersonioSim {
    PersonioSim::start(config()).await.unwrap()
}

/// `n` employees with ids 1..=n, names from several scripts, departments and supervisors.
pub(crate) fn company(n: u32) -> Vec<Employee> {
    let first = ["Zoë", "Jonas", "Ольга", "王芳", "Øyvind", "Aoife"];
    (1..=n)
        .map(|i| {
            let mut e = Employee::new(
                EmployeeId::new(i.to_string()).unwrap(),
                EmployeeStatus::Active,
            );
            e.first_name = Some(first[i as usize % first.len()].to_owned());
            e.last_name = Some(format!("Person{i}"));
            e.email = Some(format!("person{i}@demo.com"));
            e.hire_date = Some(date(2022, 3, 1));
            e.created_at = DateTime::from_timestamp(1_640_995_200 + i64::from(i), 0);
            e.updated_at = DateTime::from_timestamp(1_700_000_000 + i64::from(i) * 60, 0);
            e.attributes.insert(
                "department".into(),
                AttributeValue::text(["Sales", "Engineering"][i as usize % 2]),
            );
            if i > 1 {
                e.supervisor_id = Some(EmployeeId::new("1").unwrap());
            }
            e
        })
        .collect()
}

/// Captured logs (core's test kit).
pub(crate) use hris_sync_core::testkit::CapturedLogs as Captured;
