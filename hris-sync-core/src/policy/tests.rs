use std::collections::BTreeSet;

use super::*;
use crate::ErrorKind;

const EXAMPLE_CONFIG: &str = include_str!("example.toml");

fn config_error(text: &str) -> String {
    let err = Policy::from_toml(text).expect_err("should be refused");
    assert_eq!(err.kind(), ErrorKind::InvalidConfig, "{err}");
    err.message().to_owned()
}

#[test]
fn design_example_parses() {
    let p = Policy::from_toml(EXAMPLE_CONFIG).unwrap();
    assert_eq!(p.upn.domain, "demo.com");
    assert_eq!(p.upn.separator, Separator::Dot);
    assert_eq!(p.lifecycle.prehire_days, Some(14));
    assert_eq!(p.directory.kind, "memory");
    assert_eq!(p.mappings.len(), 3);
    assert!(p.maps_manager());
    assert!(p.is_protected("admin@demo.com"));
    assert!(!p.is_protected("anna@demo.com"));
    assert_eq!(
        p.mappings[1].target,
        MappingTarget::Property(crate::memory::sample::JOB_TITLE)
    );
}

#[test]
fn unknown_property_names_the_key() {
    let text = EXAMPLE_CONFIG.replace("target = \"jobTitle\"", "target = \"jobtitel\"");
    let msg = config_error(&text);
    assert!(msg.starts_with("mapping[1].target:"), "{msg}");
    assert!(msg.contains("jobtitel"), "{msg}");
}

#[test]
fn unknown_part_mode_names_the_key() {
    let text = EXAMPLE_CONFIG.replace("end_part = \"entire\"", "end_part = \"initials\"");
    let msg = config_error(&text);
    assert!(msg.starts_with("upn.end_part:"), "{msg}");
}

#[test]
fn bad_time_zone_names_the_key() {
    let text = EXAMPLE_CONFIG.replace("Europe/Berlin", "Europe/Berln");
    let msg = config_error(&text);
    assert!(msg.starts_with("lifecycle.timezone:"), "{msg}");
}

#[test]
fn missing_domain_names_the_key() {
    let text = EXAMPLE_CONFIG.replace("domain = \"demo.com\"\n", "");
    let msg = config_error(&text);
    assert!(msg.starts_with("upn.domain:"), "{msg}");
}

#[test]
fn unknown_key_is_refused() {
    let text = EXAMPLE_CONFIG.replace("revoke_sessions = true", "revoke_session = true");
    let msg = config_error(&text);
    assert!(msg.contains("revoke_session"), "{msg}");
}

#[test]
fn other_validations() {
    let bad_sep = EXAMPLE_CONFIG.replace("separator = \".\"", "separator = \"+\"");
    assert!(config_error(&bad_sep).starts_with("upn.separator:"));
    let managed = EXAMPLE_CONFIG.replace("target = \"department\"", "target = \"displayName\"");
    assert!(config_error(&managed).contains("set by the sync itself"));
    let twice = EXAMPLE_CONFIG.replace("target = \"department\"", "target = \"jobTitle\"");
    assert!(config_error(&twice).contains("mapped twice"));
    let pct = EXAMPLE_CONFIG.replace("max_disable_percent = 5", "max_disable_percent = 500");
    assert!(config_error(&pct).starts_with("safety.max_disable_percent:"));
    let dom = EXAMPLE_CONFIG.replace("demo.com", "demo");
    assert!(config_error(&dom).starts_with("upn.domain:"));
}

#[test]
fn defaults_when_tables_are_omitted() {
    let p = Policy::from_toml("[upn]\ndomain = \"Demo.COM\"\n").unwrap();
    assert_eq!(p.upn.domain, "demo.com");
    assert_eq!(p.upn.beginning, "first_name");
    assert_eq!(p.upn.end.as_deref(), Some("last_name"));
    assert_eq!(p.lifecycle.timezone, Tz::UTC);
    assert!(p.lifecycle.enable_before_hire);
    assert_eq!(p.safety.max_disables, 10);
    assert!(p.mappings.is_empty());
}

#[test]
fn readable_attribute_check_names_each_missing_one() {
    let p = Policy::from_toml(EXAMPLE_CONFIG).unwrap();
    let readable: BTreeSet<String> = ["first_name", "last_name", "email", "status", "created_at"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    let err = p.check_readable(&readable).unwrap_err();
    for k in ["termination_date", "department", "position", "supervisor"] {
        assert!(err.message().contains(k), "{err}");
    }
    let all: BTreeSet<String> = p.required_attributes();
    assert!(p.check_readable(&all).is_ok());
}

#[test]
fn domain_check() {
    let p = Policy::from_toml(EXAMPLE_CONFIG).unwrap();
    assert!(p.check_domain(&["Demo.com".to_owned()]).is_ok());
    let err = p.check_domain(&["other.com".to_owned()]).unwrap_err();
    assert!(err.message().starts_with("upn.domain:"));
}

/// A directory of the test's own: two attribute names and a managed one, no sessions, no
/// leave date, no passes, no groups; its side of a mapping may be called `box`.
const DEPT: DirectoryProperty = DirectoryProperty::new("dept", crate::raw::Spec::text(40));
const TITLE: DirectoryProperty = DirectoryProperty::new("title", crate::raw::Spec::text(40));

fn boxed() -> DirectoryTraits {
    let sn = DirectoryProperty::new("sn", crate::raw::Spec::text(40).managed());
    let names = Vocabulary::new("box attribute", [DEPT, TITLE, sn]);
    DirectoryTraits::new("box", Capabilities::none(), names)
        .alias("box")
        .group_id("box id")
}

const BOX_CONFIG: &str = r#"
[directory]
kind = "box"
[box]
path = "/tmp/accounts.jsonl"
[upn]
domain = "corp.example"
[[mapping]]
hr = "department"
box = "dept"
[[mapping]]
source = "position"
target = "title"
[[mapping]]
hr = "supervisor"
box = "manager"
"#;

fn box_error(text: &str) -> String {
    let err = Policy::from_toml_with(text, &SourceTraits::new("hr").alias("hr"), &boxed())
        .expect_err("should be refused");
    assert_eq!(err.kind(), ErrorKind::InvalidConfig, "{err}");
    err.message().to_owned()
}

#[test]
fn a_directory_declares_its_own_names_and_aliases() {
    let p =
        Policy::from_toml_with(BOX_CONFIG, &SourceTraits::new("hr").alias("hr"), &boxed()).unwrap();
    assert_eq!(p.directory.kind, "box");
    let targets: Vec<MappingTarget> = p.mappings.iter().map(|m| m.target.clone()).collect();
    assert_eq!(
        targets,
        [
            MappingTarget::Property(DEPT),
            MappingTarget::Property(TITLE),
            MappingTarget::Manager,
        ]
    );
    // Without sessions to revoke, revocation is off unless asked (and asking is refused).
    assert!(!p.lifecycle.revoke_sessions);
    assert!(
        Policy::from_toml(EXAMPLE_CONFIG)
            .unwrap()
            .lifecycle
            .revoke_sessions
    );
    // The connector's section is kept for it, and refused by whoever does not claim it.
    let file = ConfigFile::from_toml(BOX_CONFIG).unwrap();
    assert!(file.check_sections(&["box"]).is_ok());
    let msg = file.check_sections(&[]).unwrap_err().message().to_owned();
    assert!(msg.starts_with("[box]: unknown table"), "{msg}");
}

#[test]
fn what_a_directory_lacks_is_refused_by_key() {
    let msg = box_error(&BOX_CONFIG.replace("target = \"title\"", "target = \"jobTitle\""));
    assert!(
        msg.starts_with("mapping[1].target: unknown box attribute"),
        "{msg}"
    );
    let msg = box_error(&BOX_CONFIG.replace("box = \"dept\"", "cloud = \"dept\""));
    assert!(msg.starts_with("mapping[0].cloud: unknown key"), "{msg}");
    assert!(msg.contains("the directory is box"), "{msg}");
    let msg = box_error(&BOX_CONFIG.replace("box = \"dept\"", "box = \"dept\"\ntarget = \"x\""));
    assert!(
        msg.starts_with("mapping[0].box: `box` stands for `target`"),
        "{msg}"
    );
    let managed = BOX_CONFIG.replace("box = \"dept\"", "box = \"sn\"");
    assert!(box_error(&managed).contains("set by the sync itself"));
    let twice = BOX_CONFIG.replace("target = \"title\"", "target = \"dept\"");
    assert!(box_error(&twice).contains("mapped twice"));
    for (add, key) in [
        (
            "[lifecycle]\nrevoke_sessions = true\n",
            "lifecycle.revoke_sessions:",
        ),
        (
            "[lifecycle]\nset_leave_date_time = true\n",
            "lifecycle.set_leave_date_time:",
        ),
        (
            "[onboarding]\ntemporary_access_pass = true\n",
            "onboarding.temporary_access_pass:",
        ),
        (
            "[[group]]\nname = \"G\"\nbox = \"g\"\nwhen = { department = \"a\" }\n",
            "group[0]: the box directory keeps no group membership",
        ),
    ] {
        let msg = box_error(&format!("{BOX_CONFIG}{add}"));
        assert!(msg.starts_with(key), "{msg}");
    }
}

#[test]
fn a_top_level_key_outside_a_table_is_refused() {
    let msg = config_error(&format!("domain = \"x.com\"\n{EXAMPLE_CONFIG}"));
    assert!(msg.starts_with("domain: unknown key"), "{msg}");
}
