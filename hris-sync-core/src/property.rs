//! Directory attributes as the directory declares them, and their values.
//!
//! Core names no directory's attributes except the few the sync itself manages on every
//! account (the join key, the UPN, the names, the enabled flag: the associated constants of
//! [`DirectoryProperty`], under neutral names a connector maps to its own). Every other
//! attribute comes from the connector's [`Vocabulary`](crate::policy::Vocabulary): its name as
//! the directory spells it, with a [`Spec`] saying what it holds, how long it may be, whether it
//! can be cleared and whether it is part of a complex value the directory writes whole.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

use serde::{Deserialize, Serialize};

use crate::error::Error;

/// The shape of a property's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
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
    /// A two-letter country code (ISO 3166-1 alpha-2), written in capitals.
    CountryCode,
}

/// What a directory declares about one attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Spec {
    /// The value's shape and limits.
    pub kind: PropertyKind,
    /// Whether the directory accepts `null` (or a removal) for it.
    pub clearable: bool,
    /// Whether the sync sets it itself, so a `[[mapping]]` may not target it.
    pub managed: bool,
    /// The complex value it is part of, when the directory replaces that value whole (a field
    /// left out becomes null): a write of one field carries the others as read (T5).
    pub whole: Option<&'static str>,
    /// Whether it may be written on an account that was once synchronised from elsewhere
    /// ([`DirectoryUser::previously_synced`](crate::DirectoryUser::previously_synced)); some
    /// directories refuse it there (T11).
    pub after_sync: bool,
}

impl Spec {
    /// A plain, clearable, mappable attribute of this kind.
    #[must_use]
    pub const fn of(kind: PropertyKind) -> Self {
        Self {
            kind,
            clearable: true,
            managed: false,
            whole: None,
            after_sync: true,
        }
    }

    /// Text of at most `max_len` characters.
    #[must_use]
    pub const fn text(max_len: usize) -> Self {
        Self::of(PropertyKind::Text { max_len })
    }

    /// What a name read back from a stored state holds: any text, no limit known.
    pub const UNKNOWN: Self = Self::text(usize::MAX);

    /// That cannot be cleared.
    #[must_use]
    pub const fn not_clearable(mut self) -> Self {
        self.clearable = false;
        self
    }

    /// Set by the sync itself.
    #[must_use]
    pub const fn managed(mut self) -> Self {
        self.managed = true;
        self
    }

    /// Part of the complex value `whole`, written whole.
    #[must_use]
    pub const fn part_of(mut self, whole: &'static str) -> Self {
        self.whole = Some(whole);
        self
    }

    /// Refused on an account once synchronised from elsewhere.
    #[must_use]
    pub const fn not_after_sync(mut self) -> Self {
        self.after_sync = false;
        self
    }
}

/// A directory attribute: its name, as the directory spells it, and its [`Spec`].
///
/// Two properties are equal (and ordered, and hashed) by name alone: a directory declares
/// each name once.
#[derive(Clone, Debug)]
pub struct DirectoryProperty {
    name: Cow<'static, str>,
    spec: Spec,
}

impl DirectoryProperty {
    /// Whether the account can sign in (managed: lifecycle).
    pub const ACCOUNT_ENABLED: Self = Self::new(
        "accountEnabled",
        Spec::of(PropertyKind::Bool).managed().not_clearable(),
    );
    /// The HR employee id: the join key (managed).
    pub const EMPLOYEE_ID: Self = Self::new("employeeId", Spec::text(16).managed().not_clearable());
    /// The sign-in name (managed: UPN rules).
    pub const USER_PRINCIPAL_NAME: Self = Self::new(
        "userPrincipalName",
        Spec::text(113).managed().not_clearable(),
    );
    /// The UPN's local part, where the directory keeps it apart (managed).
    pub const MAIL_NICKNAME: Self =
        Self::new("mailNickname", Spec::text(64).managed().not_clearable());
    /// The display name (managed: kept in step with HR names).
    pub const DISPLAY_NAME: Self =
        Self::new("displayName", Spec::text(256).managed().not_clearable());
    /// The given name (managed: kept in step with HR names).
    pub const GIVEN_NAME: Self = Self::new("givenName", Spec::text(64).managed());
    /// The surname (managed: kept in step with HR names).
    pub const SURNAME: Self = Self::new("surname", Spec::text(64).managed());

    /// The names core manages on every account.
    pub const MANAGED: [Self; 7] = [
        Self::ACCOUNT_ENABLED,
        Self::EMPLOYEE_ID,
        Self::USER_PRINCIPAL_NAME,
        Self::MAIL_NICKNAME,
        Self::DISPLAY_NAME,
        Self::GIVEN_NAME,
        Self::SURNAME,
    ];

    /// An attribute named `name` with `spec`, in a constant.
    #[must_use]
    pub const fn new(name: &'static str, spec: Spec) -> Self {
        Self {
            name: Cow::Borrowed(name),
            spec,
        }
    }

    /// An attribute whose name is known at run time (read from a configuration or a schema).
    #[must_use]
    pub fn owned(name: impl Into<String>, spec: Spec) -> Self {
        Self {
            name: Cow::Owned(name.into()),
            spec,
        }
    }

    /// The name, as the directory spells it (`jobTitle`, `title`, `employeeOrgData.costCenter`).
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// What the directory declares about it.
    #[must_use]
    pub fn spec(&self) -> Spec {
        self.spec
    }

    /// The shape and limits of the value.
    #[must_use]
    pub fn kind(&self) -> PropertyKind {
        self.spec.kind
    }

    /// Whether the sync itself owns this property, so a `[[mapping]]` may not target it.
    #[must_use]
    pub fn is_sync_managed(&self) -> bool {
        self.spec.managed
    }

    /// Whether the directory accepts `null` for it.
    #[must_use]
    pub fn is_clearable(&self) -> bool {
        self.spec.clearable
    }

    /// The complex value it is written with, if any (T5).
    #[must_use]
    pub fn whole(&self) -> Option<&'static str> {
        self.spec.whole
    }
}

impl PartialEq for DirectoryProperty {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for DirectoryProperty {}

impl PartialOrd for DirectoryProperty {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for DirectoryProperty {
    fn cmp(&self, other: &Self) -> Ordering {
        self.name.cmp(&other.name)
    }
}

impl Hash for DirectoryProperty {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

impl fmt::Display for DirectoryProperty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

impl Serialize for DirectoryProperty {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.name)
    }
}

impl<'de> Deserialize<'de> for DirectoryProperty {
    /// A name read back (from a stored state) carries [`Spec::UNKNOWN`]: properties are
    /// compared by name, and what is written takes its spec from the policy's vocabulary.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(Self::managed_named(&s).unwrap_or_else(|| Self::owned(s, Spec::UNKNOWN)))
    }
}

impl DirectoryProperty {
    /// The managed property of this name, if it is one.
    fn managed_named(name: &str) -> Option<Self> {
        Self::MANAGED.into_iter().find(|p| p.name() == name)
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

    /// Check the value against the property's declared shape and limits: what the directory
    /// would refuse.
    ///
    /// # Errors
    /// [`crate::ErrorKind::InvalidInput`] naming the property when the value has the wrong shape,
    /// is empty (`null` clears) or is too long.
    pub fn check(&self, property: &DirectoryProperty) -> Result<(), Error> {
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
            (PropertyKind::CountryCode, Self::Text(s)) => {
                if s.len() == 2 && s.chars().all(|c| c.is_ascii_uppercase()) {
                    Ok(())
                } else {
                    bad(format!(
                        "{s:?} is not a two-letter country code in capitals"
                    ))
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

    const DEPT: DirectoryProperty = DirectoryProperty::new("department", Spec::text(64));

    #[test]
    fn equal_by_name_and_serialized_as_it() {
        let other = DirectoryProperty::owned("department", Spec::UNKNOWN);
        assert_eq!(DEPT, other);
        assert_eq!(serde_json::to_string(&DEPT).unwrap(), "\"department\"");
        let back: DirectoryProperty = serde_json::from_str("\"displayName\"").unwrap();
        assert_eq!(back.spec(), DirectoryProperty::DISPLAY_NAME.spec());
        assert!(back.is_sync_managed());
        let back: DirectoryProperty = serde_json::from_str("\"title\"").unwrap();
        assert_eq!(back.spec(), Spec::UNKNOWN);
    }

    #[test]
    fn check_refuses_what_the_spec_refuses() {
        assert!(PropertyValue::text("Sales").check(&DEPT).is_ok());
        assert!(PropertyValue::text("").check(&DEPT).is_err());
        assert!(PropertyValue::text("x".repeat(65)).check(&DEPT).is_err());
        assert!(PropertyValue::text("x".repeat(64)).check(&DEPT).is_ok());
        assert!(PropertyValue::Bool(true).check(&DEPT).is_err());
        let phones = DirectoryProperty::new(
            "phones",
            Spec::of(PropertyKind::TextList {
                max_items: 1,
                max_len: 64,
            }),
        );
        assert!(PropertyValue::List(vec!["1".into()]).check(&phones).is_ok());
        assert!(
            PropertyValue::List(vec!["1".into(), "2".into()])
                .check(&phones)
                .is_err()
        );
        let hire = DirectoryProperty::new("hired", Spec::of(PropertyKind::DateTime));
        assert!(
            PropertyValue::text("2025-01-01T00:00:00Z")
                .check(&hire)
                .is_ok()
        );
        assert!(PropertyValue::text("2025-01-01").check(&hire).is_err());
        let country = DirectoryProperty::new("country", Spec::of(PropertyKind::CountryCode));
        assert!(PropertyValue::text("DE").check(&country).is_ok());
        assert!(PropertyValue::text("de").check(&country).is_err());
        assert!(PropertyValue::text("DEU").check(&country).is_err());
    }
}
