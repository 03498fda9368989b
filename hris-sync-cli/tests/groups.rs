//! Group membership by rule end to end (docs/rules.md §10): the `hris-sync` binary over HTTP
//! against both simulators, each run its own process (so incremental runs plan against the
//! membership record the state file keeps).

use hris_sync_cli::demo::{self, DEMO_CONFIG};
use hris_sync_core::DirectoryUserId;
use hris_sync_core::chrono::TimeDelta;
use hris_sync_core::{AttributeValue, Employee};
use hris_sync_sims::graph::{SimConfig as GraphConfig, SimGroup};

use crate::cli::{Sims, against, sims_with, succeeded};
use crate::common::now;

const FINANCE: &str = "0b1c2d3e-0000-4000-8000-00000000f1a0";
const SALES: &str = "0b1c2d3e-0000-4000-8000-0000000005a1";

fn members(sims: &Sims, group: &str) -> Vec<String> {
    let upn = |id: &DirectoryUserId| {
        sims.graph
            .users()
            .into_iter()
            .find(|u| &u.id == id)
            .map(|u| u.user_principal_name)
            .unwrap_or_default()
    };
    sims.graph
        .group(group)
        .unwrap()
        .members
        .iter()
        .map(upn)
        .collect()
}

fn in_dept(e: &Employee, dept: &str) -> bool {
    e.attributes.get("department") == Some(&AttributeValue::text(dept))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_department_move_leaves_one_group_and_joins_the_next_in_one_run() {
    let mut graph = GraphConfig::default();
    graph
        .permissions
        .push("GroupMember.ReadWrite.All".to_owned());
    let sims = sims_with(graph).await;
    sims.graph
        .seed_group(SimGroup::security(FINANCE, "Finance"));
    sims.graph.seed_group(SimGroup::security(SALES, "Sales"));
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "{DEMO_CONFIG}\n[[group]]\nname = \"Finance\"\nentra = \"{FINANCE}\"\nwhen = {{ department = \"Finance\" }}\n\
             [[group]]\nname = \"Sales\"\nentra = \"{SALES}\"\nwhen = {{ department = \"Sales\" }}\nmode = \"authoritative\"\n"
        ),
    )
    .unwrap();
    let state = dir.path().join("state.json");
    let report = dir.path().join("report.json");
    let summary = || -> serde_json::Value {
        serde_json::from_str::<serde_json::Value>(&std::fs::read_to_string(&report).unwrap())
            .unwrap()["summary"]
            .clone()
    };

    let mut first = against(&sims, &config, &state);
    first.arg("--apply").arg("--report").arg(&report);
    let stdout = succeeded(first).await;
    let staff = demo::employees(now());
    let finance = members(&sims, FINANCE);
    let sales = members(&sims, SALES);
    assert!(!finance.is_empty() && !sales.is_empty());
    assert_eq!(
        summary()["group_added"].as_u64().unwrap() as usize,
        finance.len() + sales.len()
    );
    assert!(stdout.contains("Groups: "), "{stdout}");

    // One Finance person moves to Sales: out of Finance, into Sales, in one run.
    let mut mover = staff
        .iter()
        .filter(|e| in_dept(e, "Finance"))
        .find(|e| {
            sims.graph
                .user_by_employee_id(e.id.as_str())
                .is_some_and(|u| finance.contains(&u.user_principal_name))
        })
        .cloned()
        .expect("a Finance member");
    let upn = sims
        .graph
        .user_by_employee_id(mover.id.as_str())
        .unwrap()
        .user_principal_name;
    mover
        .attributes
        .insert("department".into(), AttributeValue::text("Sales"));
    mover.updated_at = Some(now() + TimeDelta::minutes(1));
    sims.personio.seed([mover]);
    let mut moved = against(&sims, &config, &state);
    moved.arg("--apply").arg("--report").arg(&report);
    succeeded(moved).await;
    let s = summary();
    assert_eq!(
        (s["group_added"].as_u64(), s["group_removed"].as_u64()),
        (Some(1), Some(1)),
        "{s}"
    );
    assert!(!members(&sims, FINANCE).contains(&upn), "left Finance");
    assert!(members(&sims, SALES).contains(&upn), "joined Sales");

    let mut again = against(&sims, &config, &state);
    again.arg("--apply");
    let stdout = succeeded(again).await;
    assert!(stdout.contains("nothing to do"), "{stdout}");
}
