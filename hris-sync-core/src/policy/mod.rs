//! The sync policy: the configuration file (docs/rules.md §4), validated and typed.
//!
//! Validation errors are [`ErrorKind::InvalidConfig`](crate::ErrorKind::InvalidConfig) and
//! start with the offending key (`upn.domain: …`, `mapping[2].target: …`), so an operator can
//! find the line to fix.
//!
//! The policy is checked against the [`DirectoryTraits`] and [`SourceTraits`] of the
//! connectors in use; [`Policy::from_toml`] uses the in-memory directory's.

mod file;
mod glob;
mod groups;
mod mappings;
mod traits;

use std::collections::BTreeSet;

use chrono_tz::Tz;

pub use file::{
    ConfigFile, DirectorySection, GroupSection, LifecycleSection, MappingSection,
    OnboardingSection, SafetySection, ScopeSection, SourceSection, UpnSection,
};
pub use glob::Glob;
pub use groups::{GroupMode, GroupRule};
pub use traits::{Capabilities, DirectoryTraits, SourceTraits, Vocabulary};

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

/// Where a mapped HR attribute goes.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
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
    /// The directory's leave date attribute ([`Capabilities::leave_date`]), set when
    /// disabling; `None` unless `set_leave_date_time` asks for it.
    pub leave_date: Option<DirectoryProperty>,
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
    /// The directory the accounts live in, as its connector describes it: it decides the
    /// names of mapped attributes and which options exist.
    pub directory: DirectoryTraits,
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
    /// A Temporary Access Pass for each new account, when configured.
    pub access_pass: Option<AccessPassPolicy>,
    /// Groups whose membership the sync keeps by rule, in file order (docs/rules.md §10).
    pub groups: Vec<GroupRule>,
}

/// `[onboarding] temporary_access_pass = true`: how new accounts' passes are made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessPassPolicy {
    /// Minutes the pass lives (within [`Capabilities::access_passes`]); `None` for the
    /// directory's default.
    pub lifetime_minutes: Option<u32>,
    /// One sign-in only.
    pub usable_once: bool,
    /// When on the hire date (in the lifecycle's zone) it becomes usable.
    pub start: chrono::NaiveTime,
}

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
        file.validate(
            &SourceTraits::default(),
            &crate::memory::MemoryDirectory::traits(),
        )
    }

    /// Parse and validate a TOML configuration file for the in-memory directory
    /// ([`MemoryDirectory::traits`](crate::memory::MemoryDirectory::traits)) and an HR source
    /// with no alias. The connectors' sections are left to them (see
    /// [`ConfigFile::check_sections`]).
    ///
    /// # Errors
    /// [`crate::ErrorKind::InvalidConfig`] naming the offending key.
    pub fn from_toml(text: &str) -> Result<Self> {
        Self::from_toml_with(
            text,
            &SourceTraits::default(),
            &crate::memory::MemoryDirectory::traits(),
        )
    }

    /// Parse and validate a TOML configuration file for the given connectors.
    ///
    /// # Errors
    /// [`crate::ErrorKind::InvalidConfig`] naming the offending key.
    pub fn from_toml_with(
        text: &str,
        source: &SourceTraits,
        directory: &DirectoryTraits,
    ) -> Result<Self> {
        ConfigFile::from_toml(text)?.validate(source, directory)
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
    /// The tables core reads itself; every other table is a connector's section.
    const CORE_TABLES: [&'static str; 9] = [
        "source",
        "directory",
        "upn",
        "lifecycle",
        "safety",
        "scope",
        "mapping",
        "onboarding",
        "group",
    ];

    /// Parse TOML. Core's tables are read and checked here; every other table is kept in
    /// [`ConfigFile::sections`] for its connector.
    ///
    /// # Errors
    /// [`crate::ErrorKind::InvalidConfig`] with the parser's message, which names the key and
    /// line, or naming a top-level key that is not a table.
    pub fn from_toml(text: &str) -> Result<Self> {
        let mut table: toml::Table =
            toml::from_str(text).map_err(|e| Error::config(format!("configuration file: {e}")))?;
        let mut sections = std::collections::BTreeMap::new();
        let names: Vec<String> = table.keys().cloned().collect();
        for name in names {
            if Self::CORE_TABLES.contains(&name.as_str()) {
                continue;
            }
            match table.remove(&name) {
                Some(toml::Value::Table(t)) => {
                    sections.insert(name, t);
                }
                _ => {
                    return Err(Error::config(format!(
                        "{name}: unknown key (settings belong in a table such as [upn] or a \
                         connector's section)"
                    )));
                }
            }
        }
        let mut file: Self = toml::Value::Table(table)
            .try_into()
            .map_err(|e| Error::config(format!("configuration file: {e}")))?;
        file.sections = sections;
        Ok(file)
    }

    /// A connector's section `[name]`, parsed into its type (the section's default when the
    /// file has none).
    ///
    /// # Errors
    /// [`crate::ErrorKind::InvalidConfig`] starting with the section's name, as the
    /// deserializer describes the mistake (an unknown key is named when `T` refuses unknown
    /// fields, as it should).
    pub fn section<T: serde::de::DeserializeOwned + Default>(&self, name: &str) -> Result<T> {
        match self.sections.get(name) {
            None => Ok(T::default()),
            Some(t) => toml::Value::Table(t.clone())
                .try_into()
                .map_err(|e| Error::config(format!("{name}: {}", e.to_string().trim()))),
        }
    }

    /// Refuse any connector section not in `claimed` (the sections of the connectors in use),
    /// so a misspelt table is reported instead of ignored.
    ///
    /// # Errors
    /// [`crate::ErrorKind::InvalidConfig`] naming the table and the tables that exist.
    pub fn check_sections(&self, claimed: &[&str]) -> Result<()> {
        match self
            .sections
            .keys()
            .find(|k| !claimed.contains(&k.as_str()))
        {
            None => Ok(()),
            Some(name) => {
                let mut known: Vec<&str> = Self::CORE_TABLES.to_vec();
                known.extend(claimed);
                Err(Error::config(format!(
                    "[{name}]: unknown table (known: {})",
                    known.join(", ")
                )))
            }
        }
    }

    /// Validate into a [`Policy`] for the given connectors.
    ///
    /// # Errors
    /// [`crate::ErrorKind::InvalidConfig`] naming the first offending key.
    pub fn validate(&self, source: &SourceTraits, directory: &DirectoryTraits) -> Result<Policy> {
        Ok(Policy {
            directory: directory.clone(),
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
            mappings: mappings::validate(&self.mapping, source, directory)?,
            access_pass: self.validate_onboarding(directory)?,
            groups: groups::validate(&self.group, directory)?,
        })
    }

    fn validate_onboarding(&self, directory: &DirectoryTraits) -> Result<Option<AccessPassPolicy>> {
        let o = &self.onboarding;
        let lifetimes = directory.capabilities.access_passes.as_ref();
        if o.temporary_access_pass && lifetimes.is_none() {
            return Err(Error::config(format!(
                "onboarding.temporary_access_pass: the {} directory issues no access passes; \
                 its accounts get their one-time password only",
                directory.kind
            )));
        }
        if let (Some(m), Some(range)) = (o.temporary_access_pass_lifetime_minutes, lifetimes) {
            if !range.contains(&m) {
                return Err(Error::config(format!(
                    "onboarding.temporary_access_pass_lifetime_minutes: {m} is outside the \
                     directory's {}..={} minutes",
                    range.start(),
                    range.end()
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

    fn validate_lifecycle(&self, directory: &DirectoryTraits) -> Result<Lifecycle> {
        let l = &self.lifecycle;
        let can = &directory.capabilities;
        if !can.revoke_sessions && l.revoke_sessions == Some(true) {
            return Err(Error::config(format!(
                "lifecycle.revoke_sessions: the {} directory has no sign-in sessions it can \
                 revoke (a disabled account signs in nowhere new); remove the key",
                directory.kind
            )));
        }
        if can.leave_date.is_none() && l.set_leave_date_time {
            return Err(Error::config(format!(
                "lifecycle.set_leave_date_time: the {} directory has no leave date attribute",
                directory.kind
            )));
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
            revoke_sessions: l.revoke_sessions.unwrap_or(can.revoke_sessions),
            leave_date: can.leave_date.clone().filter(|_| l.set_leave_date_time),
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
}

#[cfg(test)]
mod tests;
