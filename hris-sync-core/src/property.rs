//! Writable directory user properties, their limits, and their values.
//!
//! The names and limits follow Microsoft Graph's `user` resource (v1.0). Where Microsoft does
//! not state a maximum length (`officeLocation`, `employeeType`, `employeeOrgData.*`) we use the
//! conservative limit of the neighbouring properties (128 for `officeLocation`, 64 for the
//! others), so a value we write is never refused for its length.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// A directory user property the sync reads or writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum DirectoryProperty {
    /// `accountEnabled` (sync-managed: lifecycle).
    AccountEnabled,
    /// `employeeId` (sync-managed: the join key).
    EmployeeId,
    /// `userPrincipalName` (sync-managed: UPN rules).
    UserPrincipalName,
    /// `mailNickname` (sync-managed: the UPN's local part).
    MailNickname,
    /// `displayName` (sync-managed: kept in step with HR names).
    DisplayName,
    /// `givenName` (sync-managed: kept in step with HR names).
    GivenName,
    /// `surname` (sync-managed: kept in step with HR names).
    Surname,
    /// `jobTitle`.
    JobTitle,
    /// `department`.
    Department,
    /// `companyName`.
    CompanyName,
    /// `officeLocation`.
    OfficeLocation,
    /// `employeeType`.
    EmployeeType,
    /// `employeeHireDate` (date-time).
    EmployeeHireDate,
    /// `employeeLeaveDateTime` (date-time).
    EmployeeLeaveDateTime,
    /// `employeeOrgData.division` (Graph writes `employeeOrgData` whole).
    Division,
    /// `employeeOrgData.costCenter` (Graph writes `employeeOrgData` whole).
    CostCenter,
    /// `mobilePhone`.
    MobilePhone,
    /// `businessPhones` (one value at most).
    BusinessPhones,
    /// `streetAddress`.
    StreetAddress,
    /// `city`.
    City,
    /// `state`.
    State,
    /// `country`.
    Country,
    /// `postalCode`.
    PostalCode,
    /// `usageLocation` (two-letter country code).
    UsageLocation,
    /// `preferredLanguage` (for example `de-DE`).
    PreferredLanguage,
    /// `mail`.
    Mail,
    /// `otherMails`.
    OtherMails,
    /// `onPremisesExtensionAttributes.extensionAttributeN`, N in 1..=15.
    ExtensionAttribute(u8),
}

/// The shape of a property's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PropertyKind {
    /// A string of at most `max_len` characters.
    Text {
        /// Maximum length in characters.
        max_len: usize,
    },
    /// A collection of strings.
    TextList {
        /// Maximum number of values.
        max_items: usize,
        /// Maximum length of each value.
        max_len: usize,
    },
    /// An ISO 8601 instant in UTC (`2025-06-30T00:00:00Z`).
    DateTime,
    /// A boolean.
    Bool,
}

const PLAIN: &[(DirectoryProperty, &str)] = &[
    (DirectoryProperty::AccountEnabled, "accountEnabled"),
    (DirectoryProperty::EmployeeId, "employeeId"),
    (DirectoryProperty::UserPrincipalName, "userPrincipalName"),
    (DirectoryProperty::MailNickname, "mailNickname"),
    (DirectoryProperty::DisplayName, "displayName"),
    (DirectoryProperty::GivenName, "givenName"),
    (DirectoryProperty::Surname, "surname"),
    (DirectoryProperty::JobTitle, "jobTitle"),
    (DirectoryProperty::Department, "department"),
    (DirectoryProperty::CompanyName, "companyName"),
    (DirectoryProperty::OfficeLocation, "officeLocation"),
    (DirectoryProperty::EmployeeType, "employeeType"),
    (DirectoryProperty::EmployeeHireDate, "employeeHireDate"),
    (
        DirectoryProperty::EmployeeLeaveDateTime,
        "employeeLeaveDateTime",
    ),
    (DirectoryProperty::Division, "employeeOrgData.division"),
    (DirectoryProperty::CostCenter, "employeeOrgData.costCenter"),
    (DirectoryProperty::MobilePhone, "mobilePhone"),
    (DirectoryProperty::BusinessPhones, "businessPhones"),
    (DirectoryProperty::StreetAddress, "streetAddress"),
    (DirectoryProperty::City, "city"),
    (DirectoryProperty::State, "state"),
    (DirectoryProperty::Country, "country"),
    (DirectoryProperty::PostalCode, "postalCode"),
    (DirectoryProperty::UsageLocation, "usageLocation"),
    (DirectoryProperty::PreferredLanguage, "preferredLanguage"),
    (DirectoryProperty::Mail, "mail"),
    (DirectoryProperty::OtherMails, "otherMails"),
];

impl DirectoryProperty {
    /// Every property except the extension attributes, in a fixed order.
    pub fn plain() -> impl Iterator<Item = Self> {
        PLAIN.iter().map(|(p, _)| *p)
    }

    /// The Graph name (`jobTitle`, `employeeOrgData.costCenter`, `extensionAttribute3`).
    #[must_use]
    pub fn name(self) -> String {
        match self {
            Self::ExtensionAttribute(n) => format!("extensionAttribute{n}"),
            other => PLAIN
                .iter()
                .find(|(p, _)| *p == other)
                .map_or_else(String::new, |(_, n)| (*n).to_owned()),
        }
    }

    /// The shape and limits of the value.
    #[must_use]
    pub fn kind(self) -> PropertyKind {
        use PropertyKind::{Bool, DateTime, Text, TextList};
        match self {
            Self::AccountEnabled => Bool,
            Self::EmployeeId => Text { max_len: 16 },
            Self::UserPrincipalName => Text { max_len: 113 },
            Self::MailNickname
            | Self::GivenName
            | Self::Surname
            | Self::Department
            | Self::CompanyName
            | Self::EmployeeType
            | Self::Division
            | Self::CostCenter
            | Self::MobilePhone => Text { max_len: 64 },
            Self::DisplayName | Self::Mail => Text { max_len: 256 },
            Self::JobTitle | Self::OfficeLocation | Self::City | Self::State | Self::Country => {
                Text { max_len: 128 }
            }
            Self::EmployeeHireDate | Self::EmployeeLeaveDateTime => DateTime,
            Self::BusinessPhones => TextList {
                max_items: 1,
                max_len: 64,
            },
            Self::OtherMails => TextList {
                max_items: 250,
                max_len: 250,
            },
            Self::StreetAddress | Self::ExtensionAttribute(_) => Text { max_len: 1024 },
            Self::PostalCode => Text { max_len: 40 },
            Self::UsageLocation => Text { max_len: 2 },
            Self::PreferredLanguage => Text { max_len: 35 },
        }
    }

    /// The fields of the complex property this one belongs to, itself included
    /// (`employeeOrgData`: division and cost center; `onPremisesExtensionAttributes`: the 15
    /// extension attributes); empty for a plain property. Graph replaces a complex property
    /// whole, so a write of one field must carry the others as read (T5).
    #[must_use]
    pub fn siblings(self) -> Vec<Self> {
        match self {
            Self::Division | Self::CostCenter => vec![Self::Division, Self::CostCenter],
            Self::ExtensionAttribute(_) => (1..=15).map(Self::ExtensionAttribute).collect(),
            _ => Vec::new(),
        }
    }

    /// Whether the sync itself owns this property, so a `[[mapping]]` may not target it.
    #[must_use]
    pub fn is_sync_managed(self) -> bool {
        matches!(
            self,
            Self::AccountEnabled
                | Self::EmployeeId
                | Self::UserPrincipalName
                | Self::MailNickname
                | Self::DisplayName
                | Self::GivenName
                | Self::Surname
        )
    }

    /// Whether Graph accepts `null` for this property (it refuses it for `displayName`, `mail`,
    /// `usageLocation` and the sync-managed keys).
    #[must_use]
    pub fn is_clearable(self) -> bool {
        !matches!(
            self,
            Self::AccountEnabled
                | Self::EmployeeId
                | Self::UserPrincipalName
                | Self::MailNickname
                | Self::DisplayName
                | Self::Mail
                | Self::UsageLocation
        )
    }
}

impl fmt::Display for DirectoryProperty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name())
    }
}

impl FromStr for DirectoryProperty {
    type Err = Error;

    /// Parse a Graph property name (case-sensitive, as Graph spells it).
    fn from_str(s: &str) -> Result<Self, Error> {
        if let Some((p, _)) = PLAIN.iter().find(|(_, n)| *n == s) {
            return Ok(*p);
        }
        if let Some(n) = s
            .strip_prefix("extensionAttribute")
            .or_else(|| s.strip_prefix("onPremisesExtensionAttributes.extensionAttribute"))
        {
            if let Ok(k) = n.parse::<u8>() {
                if (1..=15).contains(&k) && !n.starts_with('0') {
                    return Ok(Self::ExtensionAttribute(k));
                }
            }
        }
        Err(Error::config(format!(
            "unknown Graph user property {s:?} (expected one of {}, or extensionAttribute1..15)",
            PLAIN.iter().map(|(_, n)| *n).collect::<Vec<_>>().join(", ")
        )))
    }
}

impl Serialize for DirectoryProperty {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name())
    }
}

impl<'de> Deserialize<'de> for DirectoryProperty {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A property value as the directory holds it. `None` (in an `Option<PropertyValue>`) is null.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PropertyValue {
    /// A boolean.
    Bool(bool),
    /// A string (date-times as ISO 8601 UTC text).
    Text(String),
    /// A string collection.
    List(Vec<String>),
}

impl PropertyValue {
    /// Shorthand for a text value.
    pub fn text(s: impl Into<String>) -> Self {
        Self::Text(s.into())
    }

    /// The text, if this is a text value.
    #[must_use]
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Self::Text(s) => Some(s),
            _ => None,
        }
    }

    /// Check the value against the property's shape and limits: what Graph would refuse.
    ///
    /// # Errors
    /// [`crate::ErrorKind::InvalidInput`] naming the property when the value has the wrong shape,
    /// is empty (Graph wants `null` to clear) or is too long.
    pub fn check(&self, property: DirectoryProperty) -> Result<(), Error> {
        let bad = |why: String| {
            Err(Error::invalid_input(format!(
                "invalid value for property '{property}': {why}"
            )))
        };
        match (property.kind(), self) {
            (PropertyKind::Bool, Self::Bool(_)) => Ok(()),
            (PropertyKind::Text { max_len }, Self::Text(s)) => {
                let n = s.chars().count();
                if n == 0 {
                    bad("empty string (send null to clear)".into())
                } else if n > max_len {
                    bad(format!("{n} characters, at most {max_len} allowed"))
                } else {
                    Ok(())
                }
            }
            (PropertyKind::DateTime, Self::Text(s)) => match crate::time::parse_instant(s) {
                Some(_) => Ok(()),
                None => bad(format!("{s:?} is not an ISO 8601 date-time")),
            },
            (PropertyKind::TextList { max_items, max_len }, Self::List(v)) => {
                if v.len() > max_items {
                    bad(format!("{} values, at most {max_items} allowed", v.len()))
                } else if let Some(s) = v
                    .iter()
                    .find(|s| s.is_empty() || s.chars().count() > max_len)
                {
                    bad(format!(
                        "value {s:?} is empty or longer than {max_len} characters"
                    ))
                } else {
                    Ok(())
                }
            }
            (kind, _) => bad(format!("wrong type, expected {kind:?}")),
        }
    }
}

impl fmt::Display for PropertyValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Bool(b) => write!(f, "{b}"),
            Self::Text(s) => write!(f, "{s:?}"),
            Self::List(v) => write!(f, "{v:?}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for p in DirectoryProperty::plain() {
            assert_eq!(p.name().parse::<DirectoryProperty>().unwrap(), p);
        }
        for n in 1..=15u8 {
            let p = DirectoryProperty::ExtensionAttribute(n);
            assert_eq!(p.name().parse::<DirectoryProperty>().unwrap(), p);
        }
        for bad in [
            "extensionAttribute0",
            "extensionAttribute16",
            "extensionAttribute01",
            "jobtitle",
            "",
        ] {
            assert!(bad.parse::<DirectoryProperty>().is_err(), "{bad}");
        }
    }

    #[test]
    fn graph_limits() {
        assert_eq!(
            DirectoryProperty::EmployeeId.kind(),
            PropertyKind::Text { max_len: 16 }
        );
        assert_eq!(
            DirectoryProperty::Department.kind(),
            PropertyKind::Text { max_len: 64 }
        );
        assert_eq!(
            DirectoryProperty::JobTitle.kind(),
            PropertyKind::Text { max_len: 128 }
        );
        assert_eq!(
            DirectoryProperty::DisplayName.kind(),
            PropertyKind::Text { max_len: 256 }
        );
        assert_eq!(
            DirectoryProperty::PostalCode.kind(),
            PropertyKind::Text { max_len: 40 }
        );
    }

    #[test]
    fn check_refuses_what_graph_refuses() {
        let dept = DirectoryProperty::Department;
        assert!(PropertyValue::text("Sales").check(dept).is_ok());
        assert!(PropertyValue::text("").check(dept).is_err());
        assert!(PropertyValue::text("x".repeat(65)).check(dept).is_err());
        assert!(PropertyValue::text("x".repeat(64)).check(dept).is_ok());
        assert!(PropertyValue::Bool(true).check(dept).is_err());
        let phones = DirectoryProperty::BusinessPhones;
        assert!(PropertyValue::List(vec!["1".into()]).check(phones).is_ok());
        assert!(
            PropertyValue::List(vec!["1".into(), "2".into()])
                .check(phones)
                .is_err()
        );
        let hire = DirectoryProperty::EmployeeHireDate;
        assert!(
            PropertyValue::text("2025-01-01T00:00:00Z")
                .check(hire)
                .is_ok()
        );
        assert!(PropertyValue::text("2025-01-01").check(hire).is_err());
    }
}
