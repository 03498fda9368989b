//! UPN generation (docs/rules.md §3, rules U1–U6).
//!
//! A [`UpnSchema`] turns an employee into two candidate UPNs: the plain form
//! `beginning[separator]end@domain` and the collision form
//! `beginning[separator]end_<employeeId>@domain` (U3). Which one an employee gets is decided by
//! the planner, which knows every UPN already taken (see [`crate::reconcile`]).

mod normalize;

use std::fmt;

use serde::{Deserialize, Serialize};

pub use normalize::{Locale, apply_locale, normalize_part};

use crate::employee::Employee;

/// Longest local part (before `@`) Entra accepts.
pub const MAX_LOCAL_LEN: usize = 64;
/// Longest domain part (after `@`) Entra accepts.
pub const MAX_DOMAIN_LEN: usize = 48;
/// Longest UPN Entra accepts.
pub const MAX_UPN_LEN: usize = 113;

/// Whether a name part is taken whole or as its first letter.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartMode {
    /// The whole normalized name.
    #[default]
    Entire,
    /// The first character of the normalized name.
    FirstLetter,
}

/// The separator between the beginning and end parts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Separator {
    /// `.`
    #[default]
    Dot,
    /// `-`
    Hyphen,
    /// `_`
    Underscore,
    /// No separator.
    None,
}

impl Separator {
    /// The separator text (empty for none).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dot => ".",
            Self::Hyphen => "-",
            Self::Underscore => "_",
            Self::None => "",
        }
    }

    /// Parse the configuration word: `"."`, `"-"`, `"_"` or `"none"`.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "." => Some(Self::Dot),
            "-" => Some(Self::Hyphen),
            "_" => Some(Self::Underscore),
            "none" | "" => Some(Self::None),
            _ => None,
        }
    }
}

/// Why no UPN can be made for an employee.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum UpnProblem {
    /// The attribute a UPN part comes from is empty or absent.
    MissingPart {
        /// The attribute key.
        attribute: String,
    },
    /// The attribute has a value, but no letter or digit survives normalization (U5).
    NormalizesToNothing {
        /// The attribute key.
        attribute: String,
    },
}

impl fmt::Display for UpnProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MissingPart { attribute } => {
                write!(f, "UPN part {attribute:?} is empty")
            }
            Self::NormalizesToNothing { attribute } => write!(
                f,
                "UPN part {attribute:?} has no letter or digit a UPN can hold (U5)"
            ),
        }
    }
}

/// The operator's UPN schema (docs/rules.md §3), validated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpnSchema {
    /// Attribute key of the beginning part (e.g. `first_name`).
    pub beginning: String,
    /// Whole beginning or its first letter.
    pub beginning_part: PartMode,
    /// Separator between the parts.
    pub separator: Separator,
    /// Attribute key of the end part, if any (e.g. `last_name`).
    pub end: Option<String>,
    /// Whole end or its first letter.
    pub end_part: PartMode,
    /// The domain, lower case; one of the directory's verified domains.
    pub domain: String,
    /// The locale table of U1.
    pub locale: Locale,
}

/// The two UPNs an employee may get (U3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpnCandidates {
    /// `beginning[separator]end@domain`.
    pub plain: String,
    /// `beginning[separator]end_<employeeId>@domain`; `None` when the employee id holds no
    /// ASCII letter or digit.
    pub suffixed: Option<String>,
}

impl UpnSchema {
    /// The schema `first_name.last_name@domain` with the German locale table.
    pub fn first_dot_last(domain: impl Into<String>) -> Self {
        Self {
            beginning: "first_name".to_owned(),
            beginning_part: PartMode::Entire,
            separator: Separator::Dot,
            end: Some("last_name".to_owned()),
            end_part: PartMode::Entire,
            domain: domain.into().to_ascii_lowercase(),
            locale: Locale::De,
        }
    }

    fn part(&self, employee: &Employee, key: &str, mode: PartMode) -> Result<String, UpnProblem> {
        let raw = employee
            .attribute_text(key)
            .ok_or_else(|| UpnProblem::MissingPart {
                attribute: key.to_owned(),
            })?;
        let mut part = normalize_part(&raw, self.locale);
        if part.is_empty() {
            return Err(UpnProblem::NormalizesToNothing {
                attribute: key.to_owned(),
            });
        }
        if mode == PartMode::FirstLetter {
            part.truncate(1);
        }
        Ok(part)
    }

    /// The candidate UPNs for an employee (U1, U2, U3, U5).
    ///
    /// # Errors
    /// A [`UpnProblem`] when a configured part is empty or normalizes to nothing; the employee
    /// is then reported, never given a guessed UPN.
    pub fn candidates(&self, employee: &Employee) -> Result<UpnCandidates, UpnProblem> {
        let begin = self.part(employee, &self.beginning, self.beginning_part)?;
        let end = match &self.end {
            Some(key) => Some(self.part(employee, key, self.end_part)?),
            None => None,
        };
        let suffix = id_suffix(employee.id.as_str());
        Ok(UpnCandidates {
            plain: self.compose(&begin, end.as_deref(), None),
            suffixed: suffix.map(|s| self.compose(&begin, end.as_deref(), Some(&s))),
        })
    }

    /// Join the parts, truncating the name parts (never the suffix) so the local part is at most
    /// 64 characters (U2).
    fn compose(&self, begin: &str, end: Option<&str>, suffix: Option<&str>) -> String {
        let sep = if end.is_some() {
            self.separator.as_str()
        } else {
            ""
        };
        let suffix_len = suffix.map_or(0, |s| s.len() + 1);
        let budget = MAX_LOCAL_LEN - suffix_len - sep.len();
        let mut b = begin.to_owned();
        let mut e = end.unwrap_or("").to_owned();
        // Parts are ASCII, so byte lengths are character counts. Shorten the longer part first,
        // so both keep as much as they can.
        while b.len() + e.len() > budget {
            if e.len() >= b.len() && e.len() > 1 {
                e.pop();
            } else {
                b.pop();
            }
        }
        let mut local = String::with_capacity(MAX_LOCAL_LEN + 1 + self.domain.len());
        local.push_str(&b);
        if !e.is_empty() {
            local.push_str(sep);
            local.push_str(&e);
        }
        if let Some(s) = suffix {
            local.push('_');
            local.push_str(s);
        }
        local.push('@');
        local.push_str(&self.domain);
        local
    }
}

/// The employee id as a UPN suffix: its ASCII letters and digits, lower case.
fn id_suffix(id: &str) -> Option<String> {
    let s: String = id
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (!s.is_empty()).then_some(s)
}

/// Whether `upn` satisfies Entra's rules: allowed characters `A–Z a–z 0–9 ' . - _ ! # ^ ~`,
/// one `@`, a local part of 1–64 characters that neither starts nor ends with `.`, no two
/// separators (`.`, `-`, `_`) in a row, a domain of at most 48 characters, at most 113 in all.
#[must_use]
pub fn is_valid_upn(upn: &str) -> bool {
    let Some((local, domain)) = upn.split_once('@') else {
        return false;
    };
    let allowed = |c: char| c.is_ascii_alphanumeric() || "'.-_!#^~".contains(c);
    let is_sep = |c: char| ".-_".contains(c);
    !local.is_empty()
        && local.len() <= MAX_LOCAL_LEN
        && !domain.is_empty()
        && domain.len() <= MAX_DOMAIN_LEN
        && upn.len() <= MAX_UPN_LEN
        && local.chars().all(allowed)
        && !local.starts_with(is_sep)
        && !local.ends_with(is_sep)
        && !local
            .as_bytes()
            .windows(2)
            .any(|w| is_sep(char::from(w[0])) && is_sep(char::from(w[1])))
        && is_valid_domain(domain)
}

/// Whether `domain` is a plausible DNS domain: labels of `a–z 0–9 -`, not starting or ending
/// with `-`, at least two labels, at most 48 characters.
#[must_use]
pub fn is_valid_domain(domain: &str) -> bool {
    domain.len() <= MAX_DOMAIN_LEN
        && domain.split('.').count() >= 2
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_upn_rules() {
        assert!(is_valid_upn("zoe.mueller@demo.com"));
        assert!(is_valid_upn("o'brien@demo.com"));
        assert!(!is_valid_upn("zoe..mueller@demo.com"));
        assert!(!is_valid_upn("zoe.@demo.com"));
        assert!(!is_valid_upn(".zoe@demo.com"));
        assert!(!is_valid_upn("zoë@demo.com"));
        assert!(!is_valid_upn("a@b@demo.com"));
        assert!(!is_valid_upn(&format!("{}@demo.com", "a".repeat(65))));
        assert!(is_valid_upn(&format!("{}@demo.com", "a".repeat(64))));
        assert!(!is_valid_upn("zoe@demo"));
    }

    #[test]
    fn id_suffix_keeps_safe_chars() {
        assert_eq!(id_suffix("12345").as_deref(), Some("12345"));
        assert_eq!(id_suffix("AB-7").as_deref(), Some("ab7"));
        assert_eq!(id_suffix("ü").as_deref(), None);
    }
}
