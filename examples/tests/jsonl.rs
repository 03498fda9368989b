//! The directory of the `custom_directory` example, written outside the connector crates:
//! core's conformance kit passes on it, its section and vocabulary are checked by the policy
//! like any connector's, and the engine runs on it from a configuration file.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hris_sync_core::connector::DirectoryConnector;
use hris_sync_core::engine::{MemoryStateStore, SyncOptions, Syncer};
use hris_sync_core::memory::MemorySource;
use hris_sync_core::policy::{ConfigFile, SourceTraits};
use hris_sync_core::testkit::{self, Kit};
use hris_sync_core::{
    AttributeValue, Directory, Employee, EmployeeId, EmployeeStatus, RequestStats,
};
use hris_sync_examples::jsonl::{self, JsonlConnector, JsonlDirectory};

fn config(path: &std::path::Path, extra: &str) -> ConfigFile {
    ConfigFile::from_toml(&format!(
        "[directory]\nkind = \"jsonl\"\n[jsonl]\npath = {:?}\ndomains = [\"demo.com\"]\n\
         [upn]\ndomain = \"demo.com\"\n[[mapping]]\nsource = \"department\"\njsonl = \"department\"\n\
         [[mapping]]\nsource = \"position\"\ntarget = \"title\"\n{extra}",
        path.display().to_string()
    ))
    .unwrap()
}

#[tokio::test]
async fn the_conformance_kit_passes() {
    let dir = tempfile::tempdir().unwrap();
    let accounts =
        JsonlDirectory::open(dir.path().join("a.jsonl"), vec!["demo.com".into()]).unwrap();
    let kit = Kit::new("demo.com", "kit").with_attributes(jsonl::DEPARTMENT, jsonl::TITLE);
    testkit::directory::run_all(&accounts, &kit).await.unwrap();
}

#[test]
fn the_policy_checks_its_section_names_and_capabilities() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.jsonl");
    let hr = SourceTraits::default();
    let ok = config(&path, "");
    ok.check_sections(&["jsonl"]).unwrap();
    let policy = ok.validate(&hr, &JsonlConnector.traits()).unwrap();
    assert_eq!(policy.mappings.len(), 2);
    let error = |extra: &str| {
        config(&path, extra)
            .validate(&hr, &JsonlConnector.traits())
            .unwrap_err()
            .message()
            .to_owned()
    };
    let msg = error("[[mapping]]\nsource = \"office\"\njsonl = \"officeLocation\"\n");
    assert!(
        msg.starts_with("mapping[2].jsonl: unknown account attribute \"officeLocation\""),
        "{msg}"
    );
    let msg = error("[lifecycle]\nset_leave_date_time = true\n");
    assert!(msg.starts_with("lifecycle.set_leave_date_time:"), "{msg}");
    let bad = ConfigFile::from_toml("[jsonl]\npath = \"x\"\ndomain = [\"demo.com\"]\n").unwrap();
    let msg = jsonl::JsonlSection::from_file(&bad)
        .unwrap_err()
        .message()
        .to_owned();
    assert!(msg.starts_with("jsonl:") && msg.contains("domain"), "{msg}");
}

fn employee(id: &str, first: &str, last: &str, department: &str) -> Employee {
    let mut e = Employee::new(EmployeeId::new(id).unwrap(), EmployeeStatus::Active);
    e.first_name = Some(first.into());
    e.last_name = Some(last.into());
    e.email = Some(format!("{}@demo.com", first.to_lowercase()));
    e.created_at = Some("2024-01-01T00:00:00Z".parse().unwrap());
    e.attributes
        .insert("department".into(), AttributeValue::text(department));
    e.attributes
        .insert("position".into(), AttributeValue::text("Engineer"));
    e
}

#[tokio::test]
async fn the_engine_runs_on_it_from_a_configuration_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("accounts.jsonl");
    let file = config(&path, "");
    let policy = file
        .validate(&SourceTraits::default(), &JsonlConnector.traits())
        .unwrap();
    let accounts = JsonlConnector
        .build(&file, &policy, RequestStats::new())
        .unwrap();
    let hr = MemorySource::new(vec![
        employee("1", "Ada", "Lovelace", "Research"),
        employee("2", "Alan", "Turing", "Research"),
    ]);
    let mut syncer = Syncer::new(
        Box::new(hr),
        accounts,
        policy,
        Box::new(MemoryStateStore::default()),
    );
    let now = "2025-10-01T08:00:00Z".parse().unwrap();
    let options = SyncOptions::dry_run().apply(true);
    let first = syncer.run_cycle(now, &options).await.unwrap();
    assert_eq!(
        first.report.summary.created, 2,
        "{:?}",
        first.report.summary
    );
    let second = syncer.run_cycle(now, &options).await.unwrap();
    assert_eq!(second.report.summary.created, 0);
    assert_eq!(
        second.report.summary.updated, 0,
        "{:?}",
        second.report.summary
    );
    let text = std::fs::read_to_string(&path).unwrap();
    assert_eq!(text.lines().count(), 2);
    assert!(text.contains("\"upn\":\"ada.lovelace@demo.com\""), "{text}");
    assert!(text.contains("\"department\":\"Research\""), "{text}");
    assert!(text.contains("\"title\":\"Engineer\""), "{text}");
    assert!(!text.to_lowercase().contains("password"), "{text}");
    // A damaged file fails the read, naming the line: never "no accounts".
    std::fs::write(&path, format!("{text}{{not json\n")).unwrap();
    let reopened = JsonlDirectory::open(&path, vec!["demo.com".into()]).unwrap();
    let err = reopened.list_users().await.unwrap_err();
    assert!(err.message().contains("accounts.jsonl:3"), "{err}");
}
