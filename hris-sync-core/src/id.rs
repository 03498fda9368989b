//! Identifier newtypes: the HR join key and the directory object id.

use std::cmp::Ordering;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The longest employee id the directory can hold in `employeeId` (Graph: 16 characters).
pub const MAX_EMPLOYEE_ID_LEN: usize = 16;

/// An employee's id in the HR system: the join key (S1).
///
/// Any non-empty string without surrounding whitespace or control characters. Ids made of
/// digits only (Personio's) order numerically, so `9` comes before `10`; other ids order as
/// strings after them. Whether an id fits the directory's `employeeId` (16 characters) is a
/// separate question, answered by [`EmployeeId::fits_directory`]: a longer id is reported by the
/// planner, not refused here.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EmployeeId {
    id: String,
    /// Digits only: decided once, since ids are compared often (sorting, maps).
    numeric: bool,
}

impl EmployeeId {
    /// Validate and wrap an id.
    ///
    /// # Errors
    /// [`crate::ErrorKind::InvalidData`] when the id is empty, has surrounding whitespace or holds
    /// control characters.
    pub fn new(id: impl Into<String>) -> Result<Self> {
        let id = id.into();
        if id.is_empty() {
            return Err(Error::new(
                crate::ErrorKind::InvalidData,
                "employee id is empty",
            ));
        }
        if id.trim() != id || id.chars().any(char::is_control) {
            return Err(Error::new(
                crate::ErrorKind::InvalidData,
                format!("employee id {id:?} has whitespace or control characters"),
            ));
        }
        let numeric = id.bytes().all(|b| b.is_ascii_digit());
        Ok(Self { id, numeric })
    }

    /// The id as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.id
    }

    /// Whether the id fits the directory's `employeeId` property (≤16 characters).
    #[must_use]
    pub fn fits_directory(&self) -> bool {
        self.id.chars().count() <= MAX_EMPLOYEE_ID_LEN
    }
}

impl Ord for EmployeeId {
    fn cmp(&self, other: &Self) -> Ordering {
        match (self.numeric, other.numeric) {
            (true, true) if !self.id.starts_with('0') && !other.id.starts_with('0') => self
                .id
                .len()
                .cmp(&other.id.len())
                .then_with(|| self.id.cmp(&other.id)),
            (true, true) => {
                let a = self.id.trim_start_matches('0');
                let b = other.id.trim_start_matches('0');
                a.len()
                    .cmp(&b.len())
                    .then_with(|| a.cmp(b))
                    .then_with(|| self.id.cmp(&other.id))
            }
            (true, false) => Ordering::Less,
            (false, true) => Ordering::Greater,
            (false, false) => self.id.cmp(&other.id),
        }
    }
}

impl PartialOrd for EmployeeId {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl TryFrom<String> for EmployeeId {
    type Error = Error;
    fn try_from(value: String) -> Result<Self> {
        Self::new(value)
    }
}

impl TryFrom<&str> for EmployeeId {
    type Error = Error;
    fn try_from(value: &str) -> Result<Self> {
        Self::new(value)
    }
}

impl From<EmployeeId> for String {
    fn from(value: EmployeeId) -> Self {
        value.id
    }
}

impl fmt::Display for EmployeeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.id)
    }
}

impl fmt::Debug for EmployeeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EmployeeId({})", self.id)
    }
}

/// A directory object's id (a GUID in Entra ID). Opaque to the engine.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DirectoryUserId(String);

impl DirectoryUserId {
    /// Wrap a directory object id.
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    /// The id as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DirectoryUserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for DirectoryUserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DirectoryUserId({})", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> EmployeeId {
        EmployeeId::new(s).unwrap()
    }

    #[test]
    fn numeric_ids_order_numerically() {
        let mut ids = [id("10"), id("9"), id("abc"), id("100"), id("010")];
        ids.sort();
        let got: Vec<&str> = ids.iter().map(EmployeeId::as_str).collect();
        assert_eq!(got, ["9", "010", "10", "100", "abc"]);
    }

    #[test]
    fn rejects_empty_and_control() {
        assert!(EmployeeId::new("").is_err());
        assert!(EmployeeId::new(" 1").is_err());
        assert!(EmployeeId::new("1\n").is_err());
        assert!(EmployeeId::new("a\u{7}b").is_err());
    }

    #[test]
    fn directory_fit() {
        assert!(id("1234567890123456").fits_directory());
        assert!(!id("12345678901234567").fits_directory());
    }

    #[test]
    fn serde_validates() {
        let ok: EmployeeId = serde_json::from_str("\"42\"").unwrap();
        assert_eq!(ok.as_str(), "42");
        assert!(serde_json::from_str::<EmployeeId>("\"\"").is_err());
    }
}
