//! Preview a plan without touching anything: a small company and a directory held in memory,
//! planned under a policy, printed as JSON.
//!
//! `cargo run --example plan_preview`

use hris_sync_core::chrono::NaiveDate;
use hris_sync_core::{DirectoryUser, Employee, EmployeeId, EmployeeStatus, Policy, plan};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let policy = Policy::from_toml(
        r#"
        [upn]
        domain = "demo.com"
        [lifecycle]
        timezone = "Europe/Berlin"
        [[mapping]]
        personio = "supervisor"
        entra = "manager"
        "#,
    )?;
    let person = |id: &str, first: &str, last: &str| -> Result<Employee, hris_sync_core::Error> {
        let mut e = Employee::new(EmployeeId::new(id)?, EmployeeStatus::Active);
        e.first_name = Some(first.to_owned());
        e.last_name = Some(last.to_owned());
        e.email = Some(format!("{}@demo.com", first.to_lowercase()));
        Ok(e)
    };
    let boss = person("1", "Jonas", "Keller")?;
    let mut zoe = person("2", "Zoë", "Müller")?;
    zoe.supervisor_id = Some(boss.id.clone());
    let mut leaver = person("3", "Sven", "Lindqvist")?;
    leaver.termination_date = NaiveDate::from_ymd_opt(2025, 9, 30);

    let mut jonas = DirectoryUser::new("u-1", "jonas@demo.com");
    jonas.employee_id = None; // will be linked by email (S2)
    let mut sven = DirectoryUser::new("u-3", "sven@demo.com");
    sven.employee_id = Some("3".to_owned()); // linked; terminated Sep 30 → disabled (S5)

    let now = "2025-10-01T06:00:00Z".parse()?;
    let plan = plan(&[boss, zoe, leaver], &[jonas, sven], &policy, now);
    let pretty: serde_json::Value = serde_json::from_str(&plan.to_json())?;
    #[allow(clippy::print_stdout)]
    {
        println!("{}", serde_json::to_string_pretty(&pretty)?);
    }
    Ok(())
}
