//! The sync policy: the configuration file (docs/rules.md §4), validated and typed.
//!
//! Validation errors are [`ErrorKind::InvalidConfig`](crate::ErrorKind::InvalidConfig) and
//! start with the offending key (`upn.domain: …`, `mapping[2].entra: …`), so an operator can
//! find the line to fix.

mod file;
mod glob;
mod groups;

use std::collections::BTreeSet;

use chrono_tz::Tz;

pub use file::{
    ActiveDirectorySection, ConfigFile, DirectorySection, EntraSection, GroupSection,
    LifecycleSection, MappingSection, OnboardingSection, PersonioSection, SafetySection,
    ScopeSection, UpnSection,
};
pub use glob::Glob;
pub use groups::{GroupMode, GroupRule};

use crate::error::{Error, Result};
use crate::property::DirectoryProperty;
use crate::upn::{Locale, PartMode, Separator, UpnSchema, is_valid_domain};

/// Attribute keys every HR source must let the sync read (DESIGN S3–S5, U4).
pub const REQUIRED_ATTRIBUTES: &[&str] = &[
    "first_name",
    "last_name",
    "email",
    "status",
    "termination_date",
    "created_at",
];

/// Which directory the accounts live in (`[directory] kind`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum DirectoryKind {
    /// Microsoft Entra ID, through Microsoft Graph.
    #[default]
    Entra,
    /// On-premises Active Directory, over LDAP (hybrid tenants).
    ActiveDirectory,
}

impl DirectoryKind {
    /// The name in the configuration file.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Entra => "entra",
            Self::ActiveDirectory => "active_directory",
        }
    }

    /// The `[[mapping]]` key that names this directory's side.
    pub(crate) fn mapping_key(self) -> &'static str {
        match self {
            Self::Entra => "entra",
            Self::ActiveDirectory => "ad",
        }
    }
}

/// Where a mapped HR attribute goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum MappingTarget {
    /// A directory property.
    Property(DirectoryProperty),
    /// The manager reference: the HR value is the supervisor's employee id (S4 second pass).
    Manager,
}

/// One validated `[[mapping]]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mapping {
    /// The HR attribute key.
    pub hr_key: String,
    /// The directory side.
    pub target: MappingTarget,
}

/// Lifecycle rules (S3, S5, S6).
#[derive(Clone, Debug, PartialEq)]
pub struct Lifecycle {
    /// The zone that decides what "today" is.
    pub timezone: Tz,
    /// Create at most this many days before the hire date (`None`: as soon as eligible).
    pub prehire_days: Option<u32>,
    /// Enable a pre-hire's account at once.
    pub enable_before_hire: bool,
    /// Create accounts for employees whose termination date is still ahead.
    pub provision_future_leavers: bool,
    /// Disable while the status is `leave`.
    pub disable_on_leave: bool,
    /// Revoke sign-in sessions when disabling.
    pub revoke_sessions: bool,
    /// Set `employeeLeaveDateTime` when disabling.
    pub set_leave_date_time: bool,
    /// Keep rule-based group memberships when disabling (G5).
    pub keep_groups_on_disable: bool,
}

/// S7 thresholds.
#[derive(Clone, Debug, PartialEq)]
pub struct Safety {
    /// Disables allowed per plan regardless of percentage.
    pub max_disables: u64,
    /// Percentage of linked users a plan may disable regardless of count.
    pub max_disable_percent: f64,
    /// Largest allowed drop in the number of employees read, in percent of the last run.
    pub max_source_drop_percent: f64,
    /// Group memberships a plan may remove; above it, every removal is held (G2).
    pub max_group_removals: u64,
}

/// The validated policy the planner runs on.
#[derive(Clone, Debug, PartialEq)]
pub struct Policy {
    /// The directory the accounts live in; it decides the names of mapped properties and
    /// which lifecycle options exist.
    pub directory: DirectoryKind,
    /// The UPN schema.
    pub upn: UpnSchema,
    /// Rename UPNs on name changes (U6 option).
    pub rename_upns: bool,
    /// Lifecycle rules.
    pub lifecycle: Lifecycle,
    /// S7 thresholds.
    pub safety: Safety,
    /// Protected UPN globs (S8).
    pub protected_upns: Vec<Glob>,
    /// Attribute mappings, in file order.
    pub mappings: Vec<Mapping>,
    /// `usageLocation` for new accounts.
    pub usage_location: Option<String>,
    /// A Temporary Access Pass for each new account, when configured.
    pub access_pass: Option<AccessPassPolicy>,
    /// Groups whose membership the sync keeps by rule, in file order (docs/rules.md §10).
    pub groups: Vec<GroupRule>,
}

/// `[onboarding] temporary_access_pass = true`: how new accounts' passes are made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessPassPolicy {
    /// Minutes the pass lives (Graph: 10–43200); `None` for the tenant policy's default.
    pub lifetime_minutes: Option<u32>,
    /// One sign-in only.
    pub usable_once: bool,
    /// When on the hire date (in the lifecycle's zone) it becomes usable.
    pub start: chrono::NaiveTime,
}

/// Graph's documented bounds of `lifetimeInMinutes` (10 minutes to 30 days).
pub const ACCESS_PASS_LIFETIME_MINUTES: std::ops::RangeInclusive<u32> = 10..=43_200;

impl Policy {
    /// A policy with the defaults of docs/rules.md §4, the schema `first.last@domain`, UTC and no
    /// mappings. Handy for tests and embedding; a configuration file is the usual source.
    ///
    /// # Errors
    /// When `domain` is not a valid domain name.
    pub fn with_domain(domain: &str) -> Result<Self> {
        let file = ConfigFile {
            upn: UpnSection {
                domain: Some(domain.to_owned()),
                ..UpnSection::default()
            },
            ..ConfigFile::default()
        };
        file.validate()
    }

    /// Parse and validate a TOML configuration file.
    ///
    /// # Errors
    /// [`crate::ErrorKind::InvalidConfig`] naming the offending key.
    pub fn from_toml(text: &str) -> Result<Self> {
        ConfigFile::from_toml(text)?.validate()
    }

    /// Every HR attribute key the sync needs to read under this policy: the required ones, the
    /// UPN parts and every mapped attribute.
    #[must_use]
    pub fn required_attributes(&self) -> BTreeSet<String> {
        let mut keys: BTreeSet<String> = REQUIRED_ATTRIBUTES
            .iter()
            .map(|k| (*k).to_owned())
            .collect();
        keys.insert(self.upn.beginning.clone());
        keys.extend(self.upn.end.iter().cloned());
        keys.extend(self.mappings.iter().map(|m| m.hr_key.clone()));
        keys.extend(
            self.groups
                .iter()
                .flat_map(|g| g.when.iter().map(|(k, _)| k.clone())),
        );
        keys.remove("id");
        keys
    }

    /// Check that the HR credentials may read every attribute the policy needs.
    ///
    /// # Errors
    /// [`crate::ErrorKind::InvalidConfig`] naming every missing attribute.
    pub fn check_readable(&self, readable: &BTreeSet<String>) -> Result<()> {
        let missing: Vec<String> = self
            .required_attributes()
            .into_iter()
            .filter(|k| !readable.contains(k))
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(Error::config(format!(
                "the HR credentials may not read these attributes, allow them in the API \
                 credentials' readable attributes: {}",
                missing.join(", ")
            )))
        }
    }

    /// Check that the UPN domain is one of the directory's verified domains.
    ///
    /// # Errors
    /// [`crate::ErrorKind::InvalidConfig`] naming `upn.domain` and the verified domains.
    pub fn check_domain(&self, verified: &[String]) -> Result<()> {
        if verified
            .iter()
            .any(|d| d.eq_ignore_ascii_case(&self.upn.domain))
        {
            Ok(())
        } else {
            Err(Error::config(format!(
                "upn.domain: {:?} is not a verified domain of the directory (verified: {})",
                self.upn.domain,
                verified.join(", ")
            )))
        }
    }

    /// Whether a UPN matches one of the protected globs.
    #[must_use]
    pub fn is_protected(&self, upn: &str) -> bool {
        self.protected_upns.iter().any(|g| g.matches(upn))
    }

    /// The target of the mapping that sets the manager, if any.
    #[must_use]
    pub fn maps_manager(&self) -> bool {
        self.mappings
            .iter()
            .any(|m| m.target == MappingTarget::Manager)
    }
}

impl ConfigFile {
    /// Parse TOML.
    ///
    /// # Errors
    /// [`crate::ErrorKind::InvalidConfig`] with the parser's message, which names the key and line.
    pub fn from_toml(text: &str) -> Result<Self> {
        toml::from_str(text).map_err(|e| Error::config(format!("configuration file: {e}")))
    }

    /// Validate into a [`Policy`].
    ///
    /// # Errors
    /// [`crate::ErrorKind::InvalidConfig`] naming the first offending key.
    pub fn validate(&self) -> Result<Policy> {
        let directory = self.validate_directory()?;
        Ok(Policy {
            directory,
            upn: self.validate_upn()?,
            rename_upns: self.upn.rename,
            lifecycle: self.validate_lifecycle(directory)?,
            safety: self.validate_safety()?,
            protected_upns: self
                .scope
                .protected_upns
                .iter()
                .enumerate()
                .map(|(i, g)| {
                    Glob::new(g)
                        .map_err(|e| Error::config(format!("scope.protected_upns[{i}]: {e}")))
                })
                .collect::<Result<_>>()?,
            mappings: self.validate_mappings(directory)?,
            usage_location: self.validate_usage_location(directory)?,
            access_pass: self.validate_onboarding(directory)?,
            groups: groups::validate(&self.group, directory)?,
        })
    }

    fn validate_directory(&self) -> Result<DirectoryKind> {
        match self.directory.kind.as_str() {
            "entra" => Ok(DirectoryKind::Entra),
            "active_directory" => Ok(DirectoryKind::ActiveDirectory),
            other => Err(Error::config(format!(
                "directory.kind: unknown directory {other:?} (expected \"entra\" or \
                 \"active_directory\")"
            ))),
        }
    }

    fn validate_onboarding(&self, directory: DirectoryKind) -> Result<Option<AccessPassPolicy>> {
        let o = &self.onboarding;
        if o.temporary_access_pass && directory == DirectoryKind::ActiveDirectory {
            return Err(Error::config(
                "onboarding.temporary_access_pass: Temporary Access Passes are an Entra \
                 feature; Active Directory accounts get their one-time password only",
            ));
        }
        if let Some(m) = o.temporary_access_pass_lifetime_minutes {
            if !ACCESS_PASS_LIFETIME_MINUTES.contains(&m) {
                return Err(Error::config(format!(
                    "onboarding.temporary_access_pass_lifetime_minutes: {m} is outside Graph's \
                     10..=43200 (10 minutes to 30 days)"
                )));
            }
        }
        let start = chrono::NaiveTime::parse_from_str(&o.temporary_access_pass_start, "%H:%M")
            .map_err(|_| {
                Error::config(format!(
                    "onboarding.temporary_access_pass_start: {:?} is not a time like \"08:00\"",
                    o.temporary_access_pass_start
                ))
            })?;
        Ok(o.temporary_access_pass.then_some(AccessPassPolicy {
            lifetime_minutes: o.temporary_access_pass_lifetime_minutes,
            usable_once: o.temporary_access_pass_usable_once,
            start,
        }))
    }

    fn validate_upn(&self) -> Result<UpnSchema> {
        let u = &self.upn;
        let part = |key: &str, v: &str| match v {
            "entire" => Ok(PartMode::Entire),
            "first_letter" => Ok(PartMode::FirstLetter),
            other => Err(Error::config(format!(
                "upn.{key}: unknown part mode {other:?} (expected \"entire\" or \"first_letter\")"
            ))),
        };
        let domain = u
            .domain
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .ok_or_else(|| Error::config("upn.domain: missing; set the UPN domain"))?
            .to_ascii_lowercase();
        if !is_valid_domain(&domain) {
            return Err(Error::config(format!(
                "upn.domain: {domain:?} is not a valid domain name (at most 48 characters)"
            )));
        }
        let attr = |key: &str, v: &str| {
            if v.trim().is_empty() || v.chars().any(char::is_whitespace) {
                Err(Error::config(format!(
                    "upn.{key}: {v:?} is not an attribute key"
                )))
            } else {
                Ok(v.to_owned())
            }
        };
        Ok(UpnSchema {
            beginning: attr("beginning", &u.beginning)?,
            beginning_part: part("beginning_part", &u.beginning_part)?,
            separator: Separator::parse(&u.separator).ok_or_else(|| {
                Error::config(format!(
                    "upn.separator: {:?} is not one of \".\", \"-\", \"_\", \"none\"",
                    u.separator
                ))
            })?,
            end: match u.end.as_str() {
                "none" | "" => None,
                other => Some(attr("end", other)?),
            },
            end_part: part("end_part", &u.end_part)?,
            domain,
            locale: match u.locale.as_str() {
                "de" => Locale::De,
                "none" => Locale::None,
                other => {
                    return Err(Error::config(format!(
                        "upn.locale: unknown locale table {other:?} (expected \"de\" or \"none\")"
                    )));
                }
            },
        })
    }

    fn validate_lifecycle(&self, directory: DirectoryKind) -> Result<Lifecycle> {
        let l = &self.lifecycle;
        let ad = directory == DirectoryKind::ActiveDirectory;
        if ad && l.revoke_sessions == Some(true) {
            return Err(Error::config(
                "lifecycle.revoke_sessions: Active Directory has no sign-in sessions to revoke \
                 over LDAP (a disabled account gets no new Kerberos tickets); remove the key",
            ));
        }
        if ad && l.set_leave_date_time {
            return Err(Error::config(
                "lifecycle.set_leave_date_time: employeeLeaveDateTime is an Entra property; \
                 Active Directory has no such attribute",
            ));
        }
        let timezone = l.timezone.parse::<Tz>().map_err(|_| {
            Error::config(format!(
                "lifecycle.timezone: {:?} is not a known IANA time zone (e.g. \"Europe/Berlin\")",
                l.timezone
            ))
        })?;
        let prehire_days = match l.prehire_days {
            None => None,
            Some(d) => Some(
                u32::try_from(d)
                    .ok()
                    .filter(|d| *d <= 3650)
                    .ok_or_else(|| {
                        Error::config(format!(
                            "lifecycle.prehire_days: {d} is out of range 0..=3650"
                        ))
                    })?,
            ),
        };
        Ok(Lifecycle {
            timezone,
            prehire_days,
            enable_before_hire: l.enable_before_hire,
            provision_future_leavers: l.provision_future_leavers,
            disable_on_leave: l.disable_on_leave,
            revoke_sessions: l.revoke_sessions.unwrap_or(!ad),
            set_leave_date_time: l.set_leave_date_time,
            keep_groups_on_disable: l.keep_groups_on_disable,
        })
    }

    fn validate_safety(&self) -> Result<Safety> {
        let s = &self.safety;
        for (key, v) in [
            ("max_disable_percent", s.max_disable_percent),
            ("max_source_drop_percent", s.max_source_drop_percent),
        ] {
            if !(0.0..=100.0).contains(&v) {
                return Err(Error::config(format!(
                    "safety.{key}: {v} is not a percentage between 0 and 100"
                )));
            }
        }
        Ok(Safety {
            max_disables: s.max_disables,
            max_disable_percent: s.max_disable_percent,
            max_source_drop_percent: s.max_source_drop_percent,
            max_group_removals: s.max_group_removals,
        })
    }

    fn validate_mappings(&self, directory: DirectoryKind) -> Result<Vec<Mapping>> {
        let key = directory.mapping_key();
        let mut seen = BTreeSet::new();
        let mut out = Vec::with_capacity(self.mapping.len());
        for (i, m) in self.mapping.iter().enumerate() {
            let hr_key = m.personio.trim();
            if hr_key.is_empty() || hr_key.chars().any(char::is_whitespace) {
                return Err(Error::config(format!(
                    "mapping[{i}].personio: {:?} is not an attribute key",
                    m.personio
                )));
            }
            let (name, other) = match directory {
                DirectoryKind::Entra => (&m.entra, m.ad.as_ref().map(|_| "ad")),
                DirectoryKind::ActiveDirectory => (&m.ad, m.entra.as_ref().map(|_| "entra")),
            };
            if let Some(other) = other {
                return Err(Error::config(format!(
                    "mapping[{i}].{other}: the directory is {} ([directory] kind); name its \
                     side with `{key} = \"…\"`",
                    directory.as_str()
                )));
            }
            let name = name.as_deref().ok_or_else(|| {
                Error::config(format!(
                    "mapping[{i}].{key}: missing; name the directory side of the mapping"
                ))
            })?;
            let target = if name == "manager" {
                MappingTarget::Manager
            } else {
                let p = match directory {
                    DirectoryKind::Entra => name.parse::<DirectoryProperty>(),
                    DirectoryKind::ActiveDirectory => DirectoryProperty::from_ad_name(name),
                }
                .map_err(|e: Error| {
                    Error::config(format!("mapping[{i}].{key}: {}", e.message()))
                })?;
                if p.is_sync_managed() {
                    return Err(Error::config(format!(
                        "mapping[{i}].{key}: {name} is set by the sync itself and cannot be mapped"
                    )));
                }
                MappingTarget::Property(p)
            };
            if !seen.insert(target) {
                return Err(Error::config(format!(
                    "mapping[{i}].{key}: {name:?} is mapped twice"
                )));
            }
            if target == MappingTarget::Manager && hr_key != "supervisor" {
                return Err(Error::config(format!(
                    "mapping[{i}].personio: the manager comes from \"supervisor\", not {hr_key:?}"
                )));
            }
            out.push(Mapping {
                hr_key: hr_key.to_owned(),
                target,
            });
        }
        Ok(out)
    }

    fn validate_usage_location(&self, directory: DirectoryKind) -> Result<Option<String>> {
        match self.entra.usage_location.as_deref().map(str::trim) {
            None | Some("") => Ok(None),
            Some(_) if directory == DirectoryKind::ActiveDirectory => Err(Error::config(
                "entra.usage_location: the directory is active_directory ([directory] kind); \
                 usageLocation is an Entra property",
            )),
            Some(c) if c.len() == 2 && c.chars().all(|c| c.is_ascii_alphabetic()) => {
                Ok(Some(c.to_ascii_uppercase()))
            }
            Some(c) => Err(Error::config(format!(
                "entra.usage_location: {c:?} is not a two-letter country code"
            ))),
        }
    }
}

#[cfg(test)]
mod tests;
