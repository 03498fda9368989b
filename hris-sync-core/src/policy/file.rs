//! The configuration file (docs/rules.md §4) as written: TOML, deserialized with serde.
//!
//! Every table refuses unknown keys, so a typo is an error that names the key instead of a
//! setting that silently does nothing. [`ConfigFile::validate`] turns the file into a
//! [`Policy`](super::Policy).

use serde::Deserialize;

/// The whole configuration file.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// `[personio]`: settings of the Personio connector.
    #[serde(default)]
    pub personio: PersonioSection,
    /// `[entra]`: settings of the Entra connector.
    #[serde(default)]
    pub entra: EntraSection,
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
    /// `[active_directory]`: settings of the Active Directory connector (with
    /// `directory.kind = "active_directory"`). Read and checked by that connector.
    #[serde(default)]
    pub active_directory: ActiveDirectorySection,
}

/// One `[[group]]`: a group whose membership follows a rule on HR attributes.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupSection {
    /// Used in reports and logs.
    pub name: String,
    /// The Entra group's object id (directory kind `entra`).
    pub entra: Option<String>,
    /// The AD group's distinguished name (directory kind `active_directory`).
    pub ad: Option<String>,
    /// HR attribute → the value it must have (text), or the values it may have (a list);
    /// every key must match.
    #[serde(default)]
    pub when: std::collections::BTreeMap<String, toml::Value>,
    /// `additive` (default) or `authoritative`.
    pub mode: Option<String>,
}

/// `[directory]`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DirectorySection {
    /// `"entra"` (Microsoft Entra ID through Graph; the default) or `"active_directory"`
    /// (on-premises AD over LDAP, for hybrid tenants).
    pub kind: String,
}

impl Default for DirectorySection {
    fn default() -> Self {
        Self {
            kind: "entra".to_owned(),
        }
    }
}

/// `[active_directory]`: where and how the Active Directory connector writes. Every key is
/// checked by the connector (`connector-activedirectory`), which names the key in its errors.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ActiveDirectorySection {
    /// `ldaps://host[:port]`, or `ldap://host[:port]` with StartTLS.
    pub url: Option<String>,
    /// With an `ldap://` URL: upgrade with StartTLS (default true). Plain LDAP is accepted
    /// only to a loopback address, and never carries a password.
    pub start_tls: Option<bool>,
    /// Where users are read (subtree), e.g. `OU=Staff,DC=corp,DC=example,DC=com`.
    pub base_dn: Option<String>,
    /// Where new accounts are created (an OU at or under `base_dn`).
    pub users_ou: Option<String>,
    /// Where disabled accounts are moved (optional; under `base_dn`). A rehire moves back to
    /// `users_ou`.
    pub disabled_ou: Option<String>,
    /// How `sAMAccountName` is made: `"upn"` (the UPN's local part, at most 20 characters;
    /// the default) or `"employee_id"` (`sam_prefix` followed by the employee id).
    pub sam_account_name: Option<String>,
    /// The prefix of `sam_account_name = "employee_id"` (default `"e"`).
    pub sam_prefix: Option<String>,
    /// A PEM file of the CA certificates the domain controller's certificate is checked
    /// against (default: the operating system's trust store).
    pub ca_file: Option<String>,
    /// The name the domain controller's certificate carries, when `url` names it otherwise
    /// (an IP address, a load balancer).
    pub tls_server_name: Option<String>,
    /// Entries per page of the paged search (default 500, at most 1000: AD's MaxPageSize).
    pub page_size: Option<u32>,
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

/// `[personio]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonioSection {
    /// Sent as `X-Personio-App-ID` (UPPER_SNAKE_CASE).
    pub app_id: Option<String>,
    /// Sent as `X-Personio-Partner-ID` (UPPER_SNAKE_CASE).
    pub partner_id: Option<String>,
    /// Which API to read: `"v1"` (default) or `"v2"` (persons and employments).
    pub api: Option<String>,
    /// The company whose webhook notifications are acted on (their `company_id`, "required
    /// for tenant identification"); required when the webhook receiver is on.
    pub company_id: Option<String>,
}

/// `[entra]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntraSection {
    /// `usageLocation` of new accounts (two-letter country code).
    pub usage_location: Option<String>,
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
    /// Revoke sign-in sessions when disabling (default: true for Entra; Active Directory has
    /// no sessions to revoke over LDAP).
    pub revoke_sessions: Option<bool>,
    /// Set `employeeLeaveDateTime` when disabling.
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
#[serde(deny_unknown_fields)]
pub struct MappingSection {
    /// The HR attribute key (`department`, `dynamic_1290411`, …).
    pub personio: String,
    /// The Graph user property (`jobTitle`, `employeeOrgData.costCenter`,
    /// `extensionAttribute3`) or `manager`, when the directory is Entra.
    pub entra: Option<String>,
    /// The Active Directory attribute (`title`, `physicalDeliveryOfficeName`, `l`) or
    /// `manager`, when the directory is Active Directory.
    pub ad: Option<String>,
}
