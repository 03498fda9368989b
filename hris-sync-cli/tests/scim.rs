//! Any SCIM app: the `hris-sync` binary provisions a real SCIM 2.0 server (`scim2-server`, on
//! loopback) from the Personio simulator (docs/rules.md §12). Skipped, saying why, on a
//! machine without the server; `HRIS_SYNC_REQUIRE_SCIM=1` (CI) makes that a failure.

use std::path::Path;
use std::process::Command;

use connector_scim::scim2_server::Scim2Server;
use hris_sync_cli::demo;
use hris_sync_core::AttributeValue;
use hris_sync_core::chrono::Days;
use hris_sync_sims::personio::{PersonioSim, SimConfig as PersonioConfig};
use serde_json::Value;

use crate::cli::{reading, succeeded};
use crate::common::{employee, fill, now};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn server() -> Option<&'static Scim2Server> {
    Scim2Server::for_test("the SCIM end-to-end test")
}

fn config(base_url: &str) -> String {
    fill(
        include_str!("fixtures/scim.toml"),
        &[("base_url", base_url)],
    )
}

fn against(server: &Scim2Server, personio: &PersonioSim, dir: &Path) -> Command {
    let mut c = reading(personio);
    c.env("SCIM_TOKEN", server.token())
        .arg("--config")
        .arg(dir.join("scim.toml"))
        .arg("--state")
        .arg(dir.join("state.json"))
        .arg("--report")
        .arg(dir.join("report.json"))
        .arg("--now")
        .arg(hris_sync_core::time::rfc3339(&now()))
        .arg("--apply");
    c
}

/// Run `hris-sync`; it exits 0. Its standard output, and the report's summary.
async fn run(c: Command, dir: &Path) -> (String, Value) {
    let stdout = succeeded(c).await;
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    eprintln!("report summary: {}", report["summary"]);
    (stdout, report["summary"].clone())
}

/// The server's record of one employee's account (found by `externalId`).
async fn account(server: &Scim2Server, tenant: &str, employee_id: &str) -> Value {
    let url = format!(
        "{}/Users?filter=externalId%20eq%20%22{employee_id}%22",
        server.base_url(tenant)
    );
    let body: Value = reqwest::Client::new()
        .get(url)
        .bearer_auth(server.token())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["totalResults"], 1, "{body}");
    body["Resources"][0].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_provisions_a_scim_app_leaver_deactivated_rehire_reactivated() {
    let Some(server) = server() else { return };
    let tenant = "e2e";
    let personio = PersonioSim::start(PersonioConfig::default()).await.unwrap();
    let staff = demo::employees(now());
    personio.seed(staff.clone());
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("scim.toml"),
        config(&server.base_url(tenant)),
    )
    .unwrap();

    // First run: every eligible employee gets an account, managers in a second pass.
    let (_, s) = run(against(server, &personio, dir.path()), dir.path()).await;
    assert!(s["created"].as_u64().unwrap() >= 50, "{s}");
    assert_eq!(s["failed"], 0, "{s}");

    // Second run: nothing to do.
    let (stdout, _) = run(against(server, &personio, dir.path()), dir.path()).await;
    assert!(stdout.contains("nothing to do"), "{stdout}");

    // A move: another department, written by PATCH.
    let mut mover = employee(&staff, demo::cast::HEADS[2]);
    mover.attributes.insert(
        "department".to_owned(),
        AttributeValue::Text("Moved Team".to_owned()),
    );
    mover.updated_at = Some(now());
    personio.seed([mover.clone()]);
    let (_, s) = run(against(server, &personio, dir.path()), dir.path()).await;
    assert_eq!(s["updated"], 1, "{s}");
    let moved = account(server, tenant, mover.id.as_str()).await;
    assert_eq!(moved[ENTERPRISE]["department"], "Moved Team", "{moved}");

    // A leaver: terminated two days ago, deactivated, not deleted.
    let mut leaver = employee(&staff, demo::cast::HEADS[3]);
    let id = leaver.id.to_string();
    assert_eq!(account(server, tenant, &id).await["active"], true);
    leaver.termination_date = now().date_naive().checked_sub_days(Days::new(2));
    leaver.updated_at = Some(now());
    personio.seed([leaver.clone()]);
    let (_, s) = run(against(server, &personio, dir.path()), dir.path()).await;
    assert_eq!(s["disabled"], 1, "{s}");
    assert_eq!(account(server, tenant, &id).await["active"], false);

    // The rehire: the termination withdrawn, the same account active again.
    leaver.termination_date = None;
    leaver.updated_at = Some(now());
    personio.seed([leaver]);
    run(against(server, &personio, dir.path()), dir.path()).await;
    assert_eq!(account(server, tenant, &id).await["active"], true);

    let (stdout, _) = run(against(server, &personio, dir.path()), dir.path()).await;
    assert!(stdout.contains("nothing to do"), "{stdout}");
}
