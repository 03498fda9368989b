//! What the in-memory directory declares: every capability, and the common attribute names.

use std::sync::Arc;

use super::MemoryDirectory;
use crate::policy::{Capabilities, DirectoryTraits, Vocabulary};
use crate::property::DirectoryProperty;

/// The in-memory directory's vocabulary: [`DirectoryProperty`]'s names, as it parses them.
#[derive(Clone, Copy, Debug, Default)]
pub struct CommonNames;

impl Vocabulary for CommonNames {
    fn attribute(&self, name: &str) -> Result<DirectoryProperty, String> {
        name.parse::<DirectoryProperty>()
            .map_err(|e| e.message().to_owned())
    }
}

impl MemoryDirectory {
    /// What the in-memory directory declares to the policy: kind `memory`, every capability
    /// (sessions, the leave date in `employeeLeaveDateTime`, access passes of 10 minutes to
    /// 30 days, groups) and the common attribute names.
    #[must_use]
    pub fn traits() -> DirectoryTraits {
        DirectoryTraits::new(
            "memory",
            Capabilities::all(DirectoryProperty::EmployeeLeaveDateTime),
            Arc::new(CommonNames),
        )
    }
}
