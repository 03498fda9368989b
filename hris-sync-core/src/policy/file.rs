//! The configuration file (docs/rules.md §4) as written: TOML, deserialized with serde.
//!
//! Every table refuses unknown keys, so a typo is an error that names the key instead of a
//! setting that silently does nothing. [`ConfigFile::validate`] turns the file into a
//! [`Policy`](super::Policy).
//!
//! The tables core does not know are the connectors' sections (`[personio]`, `[entra]`, …):
//! they are kept in [`ConfigFile::sections`], and each connector reads its own with
//! [`ConfigFile::section`]. [`ConfigFile::check_sections`] refuses a table nobody claims, so a
//! misspelt table name is an error too.

use std::collections::BTreeMap;

use serde::Deserialize;

/// The whole configuration file.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// `[source]`: which HR system the employees come from.
    #[serde(default)]
    pub source: SourceSection,
    /// `[upn]`: the UPN schema (§3).
    #[serde(default)]
    pub upn: UpnSection,
    /// `[lifecycle]`: joiner, leaver and pre-hire rules.
    #[serde(default)]
    pub lifecycle: LifecycleSection,
    /// `[safety]`: the S7 guards.
    #[serde(default)]
    pub safety: SafetySection,
    /// `[scope]`: users the sync never writes (S8).
    #[serde(default)]
    pub scope: ScopeSection,
    /// `[[mapping]]`: HR attribute → directory property.
    #[serde(default)]
    pub mapping: Vec<MappingSection>,
    /// `[onboarding]`: what new accounts get besides a one-time password.
    #[serde(default)]
    pub onboarding: OnboardingSection,
    /// `[directory]`: which directory the accounts live in.
    #[serde(default)]
    pub directory: DirectorySection,
    /// `[[group]]`: groups whose membership the sync keeps by rule (docs/rules.md §10).
    #[serde(default)]
    pub group: Vec<GroupSection>,
    /// Every other table, by name: the connectors' sections, read by
    /// [`ConfigFile::section`].
    #[serde(skip)]
    pub sections: BTreeMap<String, toml::Table>,
}

/// One `[[group]]`: a group whose membership follows a rule on HR attributes.
#[derive(Clone, Debug, Deserialize)]
pub struct GroupSection {
    /// Used in reports and logs.
    pub name: String,
    /// The directory's id of the group (an object id, a distinguished name, …).
    pub target: Option<String>,
    /// HR attribute → the value it must have (text), or the values it may have (a list);
    /// every key must match.
    #[serde(default)]
    pub when: BTreeMap<String, toml::Value>,
    /// `additive` (default) or `authoritative`.
    pub mode: Option<String>,
    /// Any other key: the directory's alias for `target`, checked by the policy.
    #[serde(flatten)]
    pub other: BTreeMap<String, toml::Value>,
}

/// `[directory]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DirectorySection {
    /// Which directory connector holds the accounts; unset, the host's default.
    pub kind: Option<String>,
}

/// `[source]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SourceSection {
    /// Which HR connector the employees come from; unset, the host's default.
    pub kind: Option<String>,
}

/// `[onboarding]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OnboardingSection {
    /// Create a Temporary Access Pass for each new account, usable from the hire date.
    pub temporary_access_pass: bool,
    /// Its lifetime in minutes (10–43200; within the tenant's Temporary Access Pass policy).
    /// Unset: the policy's default lifetime.
    pub temporary_access_pass_lifetime_minutes: Option<u32>,
    /// Whether it can be used once only (multi-use needs the tenant policy to allow it).
    pub temporary_access_pass_usable_once: bool,
    /// The local time (`HH:MM`, in `lifecycle.timezone`) on the hire date it becomes usable.
    pub temporary_access_pass_start: String,
}

impl Default for OnboardingSection {
    fn default() -> Self {
        Self {
            temporary_access_pass: false,
            temporary_access_pass_lifetime_minutes: None,
            temporary_access_pass_usable_once: true,
            temporary_access_pass_start: "08:00".to_owned(),
        }
    }
}

/// `[upn]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UpnSection {
    /// Attribute key of the beginning part.
    pub beginning: String,
    /// `entire` or `first_letter`.
    pub beginning_part: String,
    /// `"."`, `"-"`, `"_"` or `"none"`.
    pub separator: String,
    /// Attribute key of the end part, or `"none"`.
    pub end: String,
    /// `entire` or `first_letter`.
    pub end_part: String,
    /// The UPN domain; must be a verified domain of the directory.
    pub domain: Option<String>,
    /// Locale table run before transliteration: `de` (default) or `none`.
    pub locale: String,
    /// Rename an existing UPN when the name changes in HR (U6; default false).
    pub rename: bool,
}

impl Default for UpnSection {
    fn default() -> Self {
        Self {
            beginning: "first_name".to_owned(),
            beginning_part: "entire".to_owned(),
            separator: ".".to_owned(),
            end: "last_name".to_owned(),
            end_part: "entire".to_owned(),
            domain: None,
            locale: "de".to_owned(),
            rename: false,
        }
    }
}

/// `[lifecycle]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LifecycleSection {
    /// IANA time zone that decides what "today" is (default `UTC`).
    pub timezone: String,
    /// Create accounts at most this many days before the hire date; unset: as soon as eligible.
    pub prehire_days: Option<i64>,
    /// Enable a pre-hire's account at once (true) or create it disabled and enable it on the
    /// hire date (false).
    pub enable_before_hire: bool,
    /// Create accounts for employees whose termination date lies in the future.
    pub provision_future_leavers: bool,
    /// Disable accounts while the employee's status is `leave`.
    pub disable_on_leave: bool,
    /// Revoke sign-in sessions when disabling (default: true where the directory can).
    pub revoke_sessions: Option<bool>,
    /// Set the directory's leave date attribute when disabling, where it has one.
    pub set_leave_date_time: bool,
    /// Keep a leaver's rule-based group memberships when the account is disabled (G5;
    /// default false: they are removed, and come back on rehire).
    pub keep_groups_on_disable: bool,
}

impl Default for LifecycleSection {
    fn default() -> Self {
        Self {
            timezone: "UTC".to_owned(),
            prehire_days: None,
            enable_before_hire: true,
            provision_future_leavers: false,
            disable_on_leave: false,
            revoke_sessions: None,
            set_leave_date_time: false,
            keep_groups_on_disable: false,
        }
    }
}

/// `[safety]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SafetySection {
    /// A plan may disable at most this many users …
    pub max_disables: u64,
    /// … or at most this percentage of linked users; a plan over both is held (S7).
    pub max_disable_percent: f64,
    /// Stop before planning when the source returns this percentage fewer employees than the
    /// last successful run.
    pub max_source_drop_percent: f64,
    /// A plan may remove at most this many group memberships; more are held (G2).
    pub max_group_removals: u64,
}

impl Default for SafetySection {
    fn default() -> Self {
        Self {
            max_disables: 10,
            max_disable_percent: 5.0,
            max_source_drop_percent: 20.0,
            max_group_removals: 50,
        }
    }
}

/// `[scope]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ScopeSection {
    /// UPN globs (`*`, `?`; case-insensitive) of users the sync never writes.
    pub protected_upns: Vec<String>,
}

/// One `[[mapping]]`.
#[derive(Clone, Debug, Deserialize)]
pub struct MappingSection {
    /// The HR attribute key (`department`, `dynamic_1290411`, …).
    pub source: Option<String>,
    /// The directory attribute, in the directory's own vocabulary (`jobTitle`, `title`, …),
    /// or `manager`.
    pub target: Option<String>,
    /// Any other key: the connectors' aliases for `source` and `target`, checked by the
    /// policy.
    #[serde(flatten)]
    pub other: BTreeMap<String, toml::Value>,
}
