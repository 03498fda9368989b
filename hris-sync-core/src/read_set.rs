//! What a directory reads of each user, and whether that is enough for a policy.
//!
//! The planner compares every mapped property with what the directory returned; a property the
//! directory never read looks empty, so every cycle would "update" it again. A directory
//! therefore says what it reads ([`crate::Directory::read_set`]), the policy says what it needs
//! ([`ReadSet::for_policy`]), and the engine refuses to start when the first does not cover
//! the second ([`ReadSet::check_covers`]). Connectors derive their reads from the policy
//! (each builder's `policy`), so the check only fires on a miswired host.

use std::collections::BTreeSet;

use crate::error::{Error, Result};
use crate::policy::{MappingTarget, Policy};
use crate::property::DirectoryProperty;

/// The user properties a directory reads, beyond ids, UPN, `employeeId`, enablement and mail.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReadSet {
    /// Properties read.
    pub properties: BTreeSet<DirectoryProperty>,
    /// Every property is read (an in-memory directory).
    pub all_properties: bool,
    /// Each user's manager is read.
    pub managers: bool,
}

impl ReadSet {
    /// The names the planner compares for every linked account, mapped or not.
    pub const NAMES: [DirectoryProperty; 3] = [
        DirectoryProperty::DISPLAY_NAME,
        DirectoryProperty::GIVEN_NAME,
        DirectoryProperty::SURNAME,
    ];

    /// Everything: every property and the manager.
    #[must_use]
    pub fn everything() -> Self {
        Self {
            properties: BTreeSet::new(),
            all_properties: true,
            managers: true,
        }
    }

    /// These properties, and the manager when `managers`.
    #[must_use]
    pub fn of(properties: impl IntoIterator<Item = DirectoryProperty>, managers: bool) -> Self {
        Self {
            properties: properties.into_iter().collect(),
            all_properties: false,
            managers,
        }
    }

    /// What planning under `policy` needs: the [`NAMES`](Self::NAMES) the planner always
    /// compares, every mapped property, and the manager when a mapping sets it.
    #[must_use]
    pub fn for_policy(policy: &Policy) -> Self {
        let mapped = policy.mappings.iter().filter_map(|m| match &m.target {
            MappingTarget::Property(p) => Some(p.clone()),
            MappingTarget::Manager => None,
        });
        Self::of(Self::NAMES.into_iter().chain(mapped), policy.maps_manager())
    }

    /// Whether this reads `property`.
    #[must_use]
    pub fn reads(&self, property: &DirectoryProperty) -> bool {
        self.all_properties || self.properties.contains(property)
    }

    /// `Ok` when this reads everything `needed` names.
    ///
    /// # Errors
    /// [`crate::ErrorKind::InvalidConfig`] naming what is missing.
    pub fn check_covers(&self, needed: &Self) -> Result<()> {
        let mut missing: Vec<String> = needed
            .properties
            .iter()
            .filter(|p| !self.reads(p))
            .map(|p| p.name().to_owned())
            .collect();
        if needed.managers && !self.managers {
            missing.push("manager".to_owned());
        }
        if missing.is_empty() {
            return Ok(());
        }
        Err(Error::config(format!(
            "the directory does not read {} although the policy maps it: every cycle would \
             write it again. Build the directory from the policy (its builder's `policy`)",
            missing.join(", ")
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> Policy {
        Policy::from_toml(
            r#"
[upn]
domain = "demo.com"
[[mapping]]
source = "department"
target = "department"
[[mapping]]
source = "supervisor"
target = "manager"
"#,
        )
        .unwrap()
    }

    #[test]
    fn a_policy_needs_its_mapped_properties_names_and_manager() {
        let needed = ReadSet::for_policy(&policy());
        assert!(needed.reads(&crate::memory::sample::DEPARTMENT));
        assert!(needed.reads(&DirectoryProperty::DISPLAY_NAME));
        assert!(!needed.reads(&crate::memory::sample::JOB_TITLE));
        assert!(needed.managers);
        assert!(ReadSet::everything().check_covers(&needed).is_ok());
        assert!(needed.check_covers(&needed).is_ok());
    }

    #[test]
    fn a_directory_reading_less_is_refused_naming_what_is_missing() {
        let needed = ReadSet::for_policy(&policy());
        let bare = ReadSet::of(ReadSet::NAMES, false);
        let err = bare.check_covers(&needed).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::InvalidConfig);
        assert!(err.message().contains("department, manager"), "{err}");
    }
}
