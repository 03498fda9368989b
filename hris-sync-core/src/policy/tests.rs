use std::collections::BTreeSet;

use super::*;
use crate::ErrorKind;

const EXAMPLE_CONFIG: &str = r#"
[personio]
app_id = "ACME_HRIS_SYNC"
[entra]
usage_location = "DE"
[upn]
beginning = "first_name"
beginning_part = "entire"
separator = "."
end = "last_name"
end_part = "entire"
domain = "demo.com"
[lifecycle]
timezone = "Europe/Berlin"
prehire_days = 14
enable_before_hire = true
provision_future_leavers = false
disable_on_leave = false
revoke_sessions = true
[safety]
max_disables = 10
max_disable_percent = 5
max_source_drop_percent = 20
[scope]
protected_upns = ["admin@*", "breakglass*@*"]
[[mapping]]
personio = "department"
entra = "department"
[[mapping]]
personio = "position"
entra = "jobTitle"
[[mapping]]
personio = "supervisor"
entra = "manager"
"#;

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
    assert_eq!(p.usage_location.as_deref(), Some("DE"));
    assert_eq!(p.mappings.len(), 3);
    assert!(p.maps_manager());
    assert!(p.is_protected("admin@demo.com"));
    assert!(!p.is_protected("anna@demo.com"));
    assert_eq!(
        p.mappings[1].target,
        MappingTarget::Property(DirectoryProperty::JobTitle)
    );
}

#[test]
fn unknown_graph_property_names_the_key() {
    let text = EXAMPLE_CONFIG.replace("entra = \"jobTitle\"", "entra = \"jobtitel\"");
    let msg = config_error(&text);
    assert!(msg.starts_with("mapping[1].entra:"), "{msg}");
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
    let managed = EXAMPLE_CONFIG.replace("entra = \"department\"", "entra = \"displayName\"");
    assert!(config_error(&managed).contains("set by the sync itself"));
    let twice = EXAMPLE_CONFIG.replace("entra = \"department\"", "entra = \"jobTitle\"");
    assert!(config_error(&twice).contains("mapped twice"));
    let pct = EXAMPLE_CONFIG.replace("max_disable_percent = 5", "max_disable_percent = 500");
    assert!(config_error(&pct).starts_with("safety.max_disable_percent:"));
    let loc = EXAMPLE_CONFIG.replace("usage_location = \"DE\"", "usage_location = \"DEU\"");
    assert!(config_error(&loc).starts_with("entra.usage_location:"));
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

const AD_CONFIG: &str = r#"
[directory]
kind = "active_directory"
[active_directory]
url = "ldaps://dc1.corp.example"
base_dn = "OU=Staff,DC=corp,DC=example"
users_ou = "OU=Staff,DC=corp,DC=example"
[upn]
domain = "corp.example"
[[mapping]]
personio = "department"
ad = "department"
[[mapping]]
personio = "position"
ad = "title"
[[mapping]]
personio = "office"
ad = "physicalDeliveryOfficeName"
[[mapping]]
personio = "supervisor"
ad = "manager"
"#;

#[test]
fn active_directory_mappings_use_ad_attribute_names() {
    let p = Policy::from_toml(AD_CONFIG).unwrap();
    assert_eq!(p.directory, DirectoryKind::ActiveDirectory);
    let targets: Vec<MappingTarget> = p.mappings.iter().map(|m| m.target).collect();
    assert_eq!(
        targets,
        [
            MappingTarget::Property(DirectoryProperty::Department),
            MappingTarget::Property(DirectoryProperty::JobTitle),
            MappingTarget::Property(DirectoryProperty::OfficeLocation),
            MappingTarget::Manager,
        ]
    );
    // AD has no sessions to revoke: off unless asked (and asking is refused).
    assert!(!p.lifecycle.revoke_sessions);
    assert!(
        Policy::from_toml(EXAMPLE_CONFIG)
            .unwrap()
            .lifecycle
            .revoke_sessions
    );
}

#[test]
fn active_directory_errors_name_the_key() {
    let graph_name = AD_CONFIG.replace("ad = \"title\"", "ad = \"jobTitle\"");
    let msg = config_error(&graph_name);
    assert!(
        msg.starts_with("mapping[1].ad: unknown Active Directory user attribute"),
        "{msg}"
    );
    let entra_key = AD_CONFIG.replace("ad = \"title\"", "entra = \"jobTitle\"");
    let msg = config_error(&entra_key);
    assert!(
        msg.starts_with("mapping[1].entra: the directory is active_directory"),
        "{msg}"
    );
    let ad_key_on_entra = EXAMPLE_CONFIG.replace("entra = \"jobTitle\"", "ad = \"title\"");
    let msg = config_error(&ad_key_on_entra);
    assert!(
        msg.starts_with("mapping[1].ad: the directory is entra"),
        "{msg}"
    );
    let managed = AD_CONFIG.replace("ad = \"title\"", "ad = \"sAMAccountName\"");
    assert!(config_error(&managed).contains("set by the sync itself"));
    let managed = AD_CONFIG.replace("ad = \"title\"", "ad = \"sn\"");
    assert!(config_error(&managed).contains("set by the sync itself"));
    let twice = AD_CONFIG.replace("ad = \"title\"", "ad = \"Department\"");
    assert!(config_error(&twice).contains("mapped twice"));
    let kind = AD_CONFIG.replace("kind = \"active_directory\"", "kind = \"ldap\"");
    assert!(config_error(&kind).starts_with("directory.kind:"));
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
            "[entra]\nusage_location = \"DE\"\n",
            "entra.usage_location:",
        ),
    ] {
        let msg = config_error(&format!("{AD_CONFIG}{add}"));
        assert!(msg.starts_with(key), "{msg}");
    }
    let unknown = AD_CONFIG.replace("users_ou", "user_ou");
    assert!(config_error(&unknown).contains("user_ou"));
}
