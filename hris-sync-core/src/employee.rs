//! Employees: HR records, with typed lifecycle fields and mappable attributes.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{DateTime, NaiveDate as Date, Utc};
use serde::{Deserialize, Serialize};

use crate::id::EmployeeId;

/// An employee's employment status, as the HR system reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EmployeeStatus {
    /// Hired, not yet started.
    Onboarding,
    /// Employed.
    Active,
    /// Employed, on leave (parental leave, sabbatical).
    Leave,
    /// No longer employed.
    Inactive,
}

impl EmployeeStatus {
    /// Parse the HR system's word for a status (case-insensitive). `None` for anything else.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "onboarding" => Some(Self::Onboarding),
            "active" => Some(Self::Active),
            "leave" => Some(Self::Leave),
            "inactive" => Some(Self::Inactive),
            _ => None,
        }
    }

    /// The status as the lower-case word used in configuration and reports.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Onboarding => "onboarding",
            Self::Active => "active",
            Self::Leave => "leave",
            Self::Inactive => "inactive",
        }
    }
}

impl fmt::Display for EmployeeStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The value of one HR attribute, typed.
///
/// An attribute that the HR system did not return at all (for example because the
/// credentials may not read it) is *absent* — not in [`Employee::attributes`] — which is not
/// the same as [`AttributeValue::Empty`]: an empty value clears the directory property, an
/// absent one never touches it (S4).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum AttributeValue {
    /// Returned, but empty (`null`, `""`, `[]`).
    Empty,
    /// Free text.
    Text(String),
    /// A number, kept as its canonical decimal text so comparisons are exact.
    Number(String),
    /// A yes/no value.
    Bool(bool),
    /// A calendar date, as written in the HR system (a local date, never shifted to UTC).
    Date(Date),
    /// Several values (tags, cost centers, multi-select fields), in the HR system's order.
    List(Vec<String>),
}

impl AttributeValue {
    /// A text value; blank text (only whitespace) becomes [`AttributeValue::Empty`].
    pub fn text(s: impl Into<String>) -> Self {
        let s = s.into();
        if s.trim().is_empty() {
            Self::Empty
        } else {
            Self::Text(s)
        }
    }

    /// Whether the value is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        match self {
            Self::Empty => true,
            Self::Text(s) | Self::Number(s) => s.trim().is_empty(),
            Self::List(v) => v.iter().all(|s| s.trim().is_empty()),
            Self::Bool(_) | Self::Date(_) => false,
        }
    }

    /// The value as one line of text (lists joined with `", "`); `None` when empty.
    #[must_use]
    pub fn to_text(&self) -> Option<String> {
        if self.is_empty() {
            return None;
        }
        Some(match self {
            Self::Empty => return None,
            Self::Text(s) | Self::Number(s) => s.trim().to_owned(),
            Self::Bool(b) => b.to_string(),
            Self::Date(d) => d.to_string(),
            Self::List(v) => v
                .iter()
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(", "),
        })
    }

    /// The value as a list of non-empty strings (a scalar becomes a one-element list).
    #[must_use]
    pub fn to_list(&self) -> Vec<String> {
        match self {
            Self::List(v) => v
                .iter()
                .map(|s| s.trim().to_owned())
                .filter(|s| !s.is_empty())
                .collect(),
            other => other.to_text().into_iter().collect(),
        }
    }
}

/// Attribute keys that are typed fields of [`Employee`] rather than entries of
/// [`Employee::attributes`]. A mapping may name any of them.
pub const STANDARD_KEYS: &[&str] = &[
    "id",
    "first_name",
    "last_name",
    "preferred_name",
    "email",
    "status",
    "hire_date",
    "termination_date",
    "last_working_day",
    "created_at",
    "last_modified_at",
    "supervisor",
];

/// An HR record.
///
/// Optional fields are `None` when the HR system returned them empty *or* did not return them;
/// the attribute check at start-up makes sure the credentials may read every field the sync
/// needs, so for a correctly configured source `None` means empty.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Employee {
    /// The HR id: the join key (S1).
    pub id: EmployeeId,
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// The name the person goes by; becomes `displayName` when set.
    pub preferred_name: Option<String>,
    /// Work email address.
    pub email: Option<String>,
    /// Employment status.
    pub status: EmployeeStatus,
    /// First working day (local date).
    pub hire_date: Option<Date>,
    /// Date the contract ends (local date); the account is disabled from the day after.
    pub termination_date: Option<Date>,
    /// Last day actually worked (local date).
    pub last_working_day: Option<Date>,
    /// When the record was created in the HR system; orders UPN assignment (U4).
    #[serde(default, with = "crate::time::serde_opt")]
    pub created_at: Option<DateTime<Utc>>,
    /// When the record last changed in the HR system.
    #[serde(default, with = "crate::time::serde_opt")]
    pub updated_at: Option<DateTime<Utc>>,
    /// The supervisor's HR id.
    pub supervisor_id: Option<EmployeeId>,
    /// Every other attribute the HR system returned, keyed by its attribute key
    /// (`department`, `position`, `cost_centers`, `dynamic_1290411`, …).
    pub attributes: BTreeMap<String, AttributeValue>,
}

impl Employee {
    /// A record with only an id and a status; set the other fields directly.
    #[must_use]
    pub fn new(id: EmployeeId, status: EmployeeStatus) -> Self {
        Self {
            id,
            first_name: None,
            last_name: None,
            preferred_name: None,
            email: None,
            status,
            hire_date: None,
            termination_date: None,
            last_working_day: None,
            created_at: None,
            updated_at: None,
            supervisor_id: None,
            attributes: BTreeMap::new(),
        }
    }

    /// The value of attribute `key`, whether it is a typed field or an entry of
    /// [`Employee::attributes`]. `None` means absent (never returned by the HR system); typed
    /// fields are never absent, they are [`AttributeValue::Empty`] when `None`.
    #[must_use]
    pub fn attribute(&self, key: &str) -> Option<AttributeValue> {
        fn text(v: Option<&String>) -> AttributeValue {
            v.map_or(AttributeValue::Empty, |s| AttributeValue::text(s.clone()))
        }
        fn date(v: Option<Date>) -> AttributeValue {
            v.map_or(AttributeValue::Empty, AttributeValue::Date)
        }
        fn instant(v: Option<DateTime<Utc>>) -> AttributeValue {
            v.map_or(AttributeValue::Empty, |t| {
                AttributeValue::Text(crate::time::rfc3339(&t))
            })
        }
        Some(match key {
            "id" => AttributeValue::Text(self.id.to_string()),
            "first_name" => text(self.first_name.as_ref()),
            "last_name" => text(self.last_name.as_ref()),
            "preferred_name" => text(self.preferred_name.as_ref()),
            "email" => text(self.email.as_ref()),
            "status" => AttributeValue::Text(self.status.as_str().to_owned()),
            "hire_date" => date(self.hire_date),
            "termination_date" => date(self.termination_date),
            "last_working_day" => date(self.last_working_day),
            "created_at" => instant(self.created_at),
            "last_modified_at" => instant(self.updated_at),
            "supervisor" => self
                .supervisor_id
                .as_ref()
                .map_or(AttributeValue::Empty, |s| {
                    AttributeValue::Text(s.to_string())
                }),
            other => return self.attributes.get(other).cloned(),
        })
    }

    /// The value of attribute `key` as one line of text, borrowed where possible; `None` when
    /// it is absent or empty. (The same text as `attribute(key)` and
    /// [`AttributeValue::to_text`], without copying for plain text.)
    #[must_use]
    pub fn attribute_text(&self, key: &str) -> Option<std::borrow::Cow<'_, str>> {
        use std::borrow::Cow;
        fn borrowed(s: Option<&str>) -> Option<Cow<'_, str>> {
            non_blank(s).map(Cow::Borrowed)
        }
        match key {
            "first_name" => borrowed(self.first_name.as_deref()),
            "last_name" => borrowed(self.last_name.as_deref()),
            "preferred_name" => borrowed(self.preferred_name.as_deref()),
            "email" => borrowed(self.email.as_deref()),
            _ => match self.attributes.get(key) {
                Some(AttributeValue::Text(s) | AttributeValue::Number(s)) => borrowed(Some(s)),
                Some(_) => self
                    .attributes
                    .get(key)
                    .and_then(AttributeValue::to_text)
                    .map(Cow::Owned),
                None => self
                    .attribute(key)
                    .and_then(|v| v.to_text())
                    .map(Cow::Owned),
            },
        }
    }

    /// The non-blank email, trimmed.
    #[must_use]
    pub fn email(&self) -> Option<&str> {
        non_blank(self.email.as_deref())
    }

    /// The non-blank first name, trimmed.
    #[must_use]
    pub fn first_name(&self) -> Option<&str> {
        non_blank(self.first_name.as_deref())
    }

    /// The non-blank last name, trimmed.
    #[must_use]
    pub fn last_name(&self) -> Option<&str> {
        non_blank(self.last_name.as_deref())
    }

    /// The display name: the preferred name when set, else first and last name.
    #[must_use]
    pub fn display_name(&self) -> Option<String> {
        if let Some(p) = non_blank(self.preferred_name.as_deref()) {
            return Some(p.to_owned());
        }
        match (self.first_name(), self.last_name()) {
            (Some(f), Some(l)) => Some(format!("{f} {l}")),
            (Some(n), None) | (None, Some(n)) => Some(n.to_owned()),
            (None, None) => None,
        }
    }
}

fn non_blank(s: Option<&str>) -> Option<&str> {
    s.map(str::trim).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn emp() -> Employee {
        let mut e = Employee::new(EmployeeId::new("7").unwrap(), EmployeeStatus::Active);
        e.first_name = Some("Zoë".into());
        e.last_name = Some(" Müller ".into());
        e
    }

    #[test]
    fn absent_is_not_empty() {
        let mut e = emp();
        assert_eq!(e.attribute("department"), None);
        e.attributes
            .insert("department".into(), AttributeValue::Empty);
        assert_eq!(e.attribute("department"), Some(AttributeValue::Empty));
        assert_eq!(e.attribute("email"), Some(AttributeValue::Empty));
    }

    #[test]
    fn display_name_prefers_preferred() {
        let mut e = emp();
        assert_eq!(e.display_name().as_deref(), Some("Zoë Müller"));
        e.preferred_name = Some("Zoe M.".into());
        assert_eq!(e.display_name().as_deref(), Some("Zoe M."));
        e.preferred_name = Some("   ".into());
        assert_eq!(e.display_name().as_deref(), Some("Zoë Müller"));
    }

    #[test]
    fn value_text_and_lists() {
        assert_eq!(AttributeValue::text("  "), AttributeValue::Empty);
        let l = AttributeValue::List(vec!["a".into(), " ".into(), "b".into()]);
        assert_eq!(l.to_text().as_deref(), Some("a, b"));
        assert_eq!(l.to_list(), ["a", "b"]);
        assert!(AttributeValue::List(vec![]).is_empty());
        let d = AttributeValue::Date(Date::from_ymd_opt(2025, 6, 30).unwrap());
        assert_eq!(d.to_text().as_deref(), Some("2025-06-30"));
    }

    #[test]
    fn status_parse() {
        assert_eq!(
            EmployeeStatus::parse("Active"),
            Some(EmployeeStatus::Active)
        );
        assert_eq!(EmployeeStatus::parse("retired"), None);
    }
}
