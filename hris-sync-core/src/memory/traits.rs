//! What the in-memory directory declares: every capability, and the sample vocabulary.

use super::{MemoryDirectory, sample};
use crate::policy::{Capabilities, DirectoryTraits};

impl MemoryDirectory {
    /// What the in-memory directory declares to the policy: kind `memory`, every capability
    /// (sessions, the leave date in `employeeLeaveDateTime`, access passes of 10 minutes to
    /// 30 days, groups) and the [`sample`] vocabulary.
    #[must_use]
    pub fn traits() -> DirectoryTraits {
        DirectoryTraits::new(
            "memory",
            Capabilities::all(sample::EMPLOYEE_LEAVE_DATE_TIME),
            sample::vocabulary(),
        )
    }
}
