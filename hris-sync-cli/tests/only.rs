//! Provision on demand (docs/rules.md §13): `--only ID` applies one person's actions now,
//! under the rules and guards of a full cycle, and leaves everyone else's for the next cycle.

use crate::cli::{against, scratch, sims, succeeded};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_creates_the_one_hire_and_the_rest_waits() {
    let sims = sims().await;
    let (dir, config, state) = scratch();
    let report = dir.path().join("report.json");
    let read = |p: &std::path::Path| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
    };

    // What a full cycle would do: many creates and other changes.
    let mut plan = against(&sims, &config, &state);
    plan.arg("--report").arg(&report);
    succeeded(plan).await;
    let planned = read(&report);
    let pending = planned["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["status"] == "planned")
        .count();
    assert!(pending > 50, "{pending} pending changes");
    let hire = planned["actions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["kind"] == "create")
        .unwrap()["employee_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let mut only = against(&sims, &config, &state);
    only.args(["--apply", "--only", &hire, "--report"])
        .arg(&report);
    succeeded(only).await;
    let applied = read(&report);
    assert_eq!(applied["summary"]["created"], 1, "{}", applied["summary"]);
    assert!(
        applied["actions"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["status"] != "skipped" && a["status"] != "noted")
            .all(|a| a["employee_id"] == hire.as_str()),
        "only the hire's actions: {}",
        applied["actions"]
    );
    assert_eq!(sims.graph.counts().creates, 1);

    // The next cycle does the rest.
    let mut rest = against(&sims, &config, &state);
    rest.arg("--apply").arg("--report").arg(&report);
    succeeded(rest).await;
    let s = &read(&report)["summary"];
    assert!(s["created"].as_u64().unwrap() >= 50, "{s}");
    assert_eq!(
        sims.graph
            .users()
            .iter()
            .filter(|u| u.employee_id.as_deref() == Some(hire.as_str()))
            .count(),
        1,
        "the hire has one account"
    );
}
