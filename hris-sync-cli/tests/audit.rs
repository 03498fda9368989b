//! docs/rules.md §13: `--audit FILE` keeps a private, append-only trail of every write, and
//! `hris-sync audit --employee ID` shows one person's history from it.

use crate::cli::{against, json_lines, scratch, sims, succeeded, sync};

// Two applying runs: the first writes and records every action (with the new hires' account
// ids) and no password; the second records only what it skips; the file stays 0600; the
// history of one person lists their records newest first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applying_runs_append_an_audit_trail_a_person_can_be_looked_up_in() {
    let sims = sims().await;
    let (dir, config, state) = scratch();
    let trail = dir.path().join("audit.jsonl");
    let passwords = dir.path().join("new-hires.jsonl");
    let mut first = against(&sims, &config, &state);
    first
        .arg("--apply")
        .arg("--audit")
        .arg(&trail)
        .arg("--credentials-out")
        .arg(&passwords);
    succeeded(first).await;
    let records = json_lines(&trail);
    let creates = usize::try_from(sims.graph.counts().creates).unwrap();
    let created: Vec<&serde_json::Value> =
        records.iter().filter(|r| r["kind"] == "create").collect();
    assert_eq!(created.len(), creates);
    for r in &created {
        let account = r["account"].as_str().expect("a create's account id");
        assert!(sims.graph.users().iter().any(|u| u.id.as_str() == account));
        assert_eq!(r["status"], "applied");
    }
    let written = std::fs::read_to_string(&trail).unwrap();
    for l in json_lines(&passwords) {
        let password = l["one_time_password"].as_str().unwrap();
        assert!(
            !written.contains(password),
            "a password reached the audit trail"
        );
    }
    let run = records[0]["run"].as_str().unwrap().to_owned();
    assert!(records.iter().all(|r| r["run"] == run.as_str()));

    let mut second = against(&sims, &config, &state);
    second.arg("--apply").arg("--audit").arg(&trail);
    succeeded(second).await;
    let again = json_lines(&trail);
    assert!(again.len() > records.len(), "appended, not replaced");
    assert!(
        again[records.len()..]
            .iter()
            .all(|r| r["status"] == "skipped" && r["run"] != run.as_str()),
        "a run with nothing to write records only its skips"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&trail).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let employee = created[0]["employee_id"].as_str().unwrap();
    let mut history = sync();
    history
        .args(["audit", "--employee", employee, "--file"])
        .arg(&trail);
    let shown = succeeded(history).await;
    assert!(
        shown.starts_with(&format!("Employee {employee}:")),
        "{shown}"
    );
    assert!(
        shown.contains("create") && shown.contains("applied"),
        "{shown}"
    );
    assert!(
        shown.contains(created[0]["upn"].as_str().unwrap()),
        "{shown}"
    );
}
