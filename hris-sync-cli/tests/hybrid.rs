//! Hybrid tenants: the `hris-sync` binary writes to on-premises Active Directory, a real Samba AD
//! DC on loopback, from the Personio simulator (docs/rules.md §9). Skipped, saying why, on a
//! machine without Samba; `HRIS_SYNC_REQUIRE_SAMBA=1` (CI) makes that a failure.

use std::path::Path;
use std::process::Command;

use connector_activedirectory::samba::{ADMIN_DN, LEAVERS_OU, SERVER_NAME, STAFF_OU, SambaDc};
use hris_sync_cli::demo;
use hris_sync_core::chrono::Days;
use hris_sync_sims::personio::{PersonioSim, SimConfig as PersonioConfig};

use crate::cli::{reading, succeeded};
use crate::common::{employee, fill, now};

fn dc() -> Option<&'static SambaDc> {
    SambaDc::for_test("the hybrid (Active Directory) test")
}

fn config(dc: &SambaDc) -> String {
    let ca = dc.ca_file().display().to_string();
    fill(
        include_str!("fixtures/active_directory.toml"),
        &[
            ("url", &dc.ldaps_url()),
            ("server_name", SERVER_NAME),
            ("ca", &ca),
            ("staff_ou", STAFF_OU),
            ("leavers_ou", LEAVERS_OU),
        ],
    )
}

fn against(dc: &SambaDc, personio: &PersonioSim, config: &Path, state: &Path) -> Command {
    let mut c = reading(personio);
    c.env("AD_BIND_DN", ADMIN_DN)
        .env("AD_BIND_PASSWORD", dc.admin_password())
        .arg("--config")
        .arg(config)
        .arg("--state")
        .arg(state)
        .arg("--now")
        .arg(hris_sync_core::time::rfc3339(&now()))
        .arg("--apply");
    c
}

fn summary(report: &Path) -> serde_json::Value {
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report).unwrap()).unwrap();
    v["summary"].clone()
}

/// The DC's view of one employee's account: its DN and `userAccountControl`.
async fn account(dc: &SambaDc, employee_id: &str) -> Option<(String, u32)> {
    let dir = dc.builder().build().unwrap();
    use hris_sync_core::Directory as _;
    let users = dir.list_users().await.unwrap().users;
    let user = users
        .iter()
        .find(|u| u.employee_id.as_deref() == Some(employee_id))?;
    let mut ldap = dc.admin_ldap().await.unwrap();
    let (found, _) = ldap
        .search(
            STAFF_OU,
            ldap3::Scope::Subtree,
            &format!("(employeeID={employee_id})"),
            vec!["userAccountControl"],
        )
        .await
        .unwrap()
        .success()
        .unwrap();
    let e = ldap3::SearchEntry::construct(found.into_iter().next()?);
    let uac = e.attrs.get("userAccountControl")?.first()?.parse().ok()?;
    assert!(user.account_enabled == (uac & 2 == 0));
    Some((e.dn, uac))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_writes_to_active_directory_leaver_disabled_rehire_enabled() {
    let Some(dc) = dc() else { return };
    let personio = PersonioSim::start(PersonioConfig::default()).await.unwrap();
    let staff = demo::employees(now());
    personio.seed(staff.clone());
    let dir = tempfile::tempdir().unwrap();
    let config_file = dir.path().join("ad.toml");
    std::fs::write(&config_file, config(dc)).unwrap();
    let config = config_file;
    let state = dir.path().join("state.json");
    let report = dir.path().join("report.json");

    // First run: every eligible employee gets an AD account, managers in a second pass.
    let mut first = against(dc, &personio, &config, &state);
    first.arg("--report").arg(&report);
    let table = succeeded(first).await;
    let s = summary(&report);
    // Shown with --nocapture: the plan table's head and its summary line.
    let lines: Vec<&str> = table.lines().collect();
    eprintln!(
        "{}\n  …\n{}",
        lines[..lines.len().min(6)].join("\n"),
        lines
            .iter()
            .rev()
            .take(3)
            .rev()
            .copied()
            .collect::<Vec<_>>()
            .join("\n")
    );
    eprintln!("first run against Samba: {s}");
    assert!(s["created"].as_u64().unwrap() >= 50, "{s}");
    assert_eq!(s["failed"], 0, "{s}");

    // Second run: nothing to do.
    let stdout = succeeded(against(dc, &personio, &config, &state)).await;
    assert!(stdout.contains("nothing to do"), "{stdout}");

    // A leaver: terminated two days ago, disabled and moved to the leavers OU.
    let mut leaver = employee(&staff, demo::cast::HEADS[3]);
    let id = leaver.id.to_string();
    let before = account(dc, &id).await.expect("the leaver's account");
    assert_eq!(before.1 & 2, 0, "enabled before");
    leaver.termination_date = now().date_naive().checked_sub_days(Days::new(2));
    leaver.updated_at = Some(now()); // Personio stamps every change
    personio.seed([leaver.clone()]);
    succeeded(against(dc, &personio, &config, &state)).await;
    let (dn, uac) = account(dc, &id).await.unwrap();
    assert_eq!(uac & 2, 2, "disabled: {uac}");
    assert!(dn.ends_with(LEAVERS_OU), "{dn}");

    // The rehire: the termination withdrawn, the account enabled and moved back.
    leaver.termination_date = None;
    leaver.updated_at = Some(now());
    personio.seed([leaver]);
    succeeded(against(dc, &personio, &config, &state)).await;
    let (dn, uac) = account(dc, &id).await.unwrap();
    assert_eq!(uac & 2, 0, "enabled again: {uac}");
    assert!(!dn.contains("OU=Leavers"), "{dn}");

    let stdout = succeeded(against(dc, &personio, &config, &state)).await;
    assert!(stdout.contains("nothing to do"), "{stdout}");
}
