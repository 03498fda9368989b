//! S4: the property values an employee's account should have, and how they differ from what
//! it has.

use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::employee::{AttributeValue, Employee};
use crate::policy::{MappingTarget, Policy, Vocabulary};
use crate::property::{DirectoryProperty, PropertyKind, PropertyValue};
use crate::user::DirectoryUser;

use super::plan::{Change, ChangeSet};
use super::reason::Reason;

/// The desired values: `Some(None)` clears a property; a property not in the map is not
/// managed for this employee (absent HR attribute, or a value that may not be cleared).
#[derive(Debug, Default)]
pub(crate) struct Desired {
    pub(crate) values: BTreeMap<DirectoryProperty, Option<PropertyValue>>,
    pub(crate) warnings: Vec<Reason>,
}

/// Call `f` with every property the policy manages for the employee and its HR value.
/// Absent HR attributes (not returned by the HR system) are skipped: they never clear anything.
fn managed(
    employee: &Employee,
    policy: &Policy,
    mut f: impl FnMut(&DirectoryProperty, Cow<'_, AttributeValue>),
) {
    let names = [
        (
            DirectoryProperty::DISPLAY_NAME,
            employee.display_name().map(AttributeValue::Text),
        ),
        (
            DirectoryProperty::GIVEN_NAME,
            employee.attribute("first_name"),
        ),
        (DirectoryProperty::SURNAME, employee.attribute("last_name")),
    ];
    for (property, value) in names {
        f(
            &property,
            Cow::Owned(value.unwrap_or(AttributeValue::Empty)),
        );
    }
    for m in &policy.mappings {
        if let MappingTarget::Property(property) = &m.target {
            if let Some(value) = mapped_value(employee, &m.hr_key) {
                f(property, value);
            }
        }
    }
}

/// The HR value a mapping reads: borrowed from the attribute map, or a typed field's value.
/// `None` when the HR system did not return the attribute.
fn mapped_value<'e>(employee: &'e Employee, key: &str) -> Option<Cow<'e, AttributeValue>> {
    match employee.attributes.get(key) {
        Some(v) => Some(Cow::Borrowed(v)),
        None => employee.attribute(key).map(Cow::Owned),
    }
}

/// The value to write for one property, or `None` when the property is left alone (a value
/// that may not be cleared, or one that cannot be written, which is reported).
fn target(
    property: &DirectoryProperty,
    value: &AttributeValue,
    warnings: &mut Vec<Reason>,
) -> Option<Option<PropertyValue>> {
    match convert(property, value) {
        Ok(Converted { value: None, .. }) if !property.is_clearable() => None,
        Ok(Converted { value, truncated }) => {
            if let Some(length) = truncated {
                warnings.push(Reason::Truncated {
                    property: property.clone(),
                    length,
                });
            }
            Some(value)
        }
        Err(why) => {
            warnings.push(Reason::InvalidValue {
                property: property.clone(),
                why,
            });
            None
        }
    }
}

impl Desired {
    /// Everything the employee's account should hold under the policy (for a create).
    pub(crate) fn of(employee: &Employee, policy: &Policy) -> Self {
        let mut d = Self::default();
        managed(employee, policy, |property, value| {
            if let Some(v) = target(property, &value, &mut d.warnings) {
                d.values.insert(property.clone(), v);
            }
        });
        d
    }

    /// Only what differs from `user`: the changes, and the warnings met on the way.
    ///
    /// Most values are unchanged, so each is first compared in place (no copies); only a value
    /// that differs, or that needs truncating, goes through the full conversion.
    pub(crate) fn diff(
        employee: &Employee,
        policy: &Policy,
        user: &DirectoryUser,
    ) -> (ChangeSet, Vec<Reason>) {
        let mut changes = ChangeSet::new();
        let mut warnings = Vec::new();
        let mut consider = |property: &DirectoryProperty, value: &AttributeValue| {
            if let Some(want) = target(property, value, &mut warnings) {
                let have = user.property(property);
                if have != want.as_ref() {
                    changes.insert(
                        property.clone(),
                        Change {
                            from: have.cloned(),
                            to: want,
                        },
                    );
                }
            }
        };
        let have = |p: &DirectoryProperty| user.property(p).and_then(PropertyValue::as_text);
        // Names.
        for (p, name) in [
            (DirectoryProperty::GIVEN_NAME, employee.first_name()),
            (DirectoryProperty::SURNAME, employee.last_name()),
        ] {
            let unchanged = match name {
                None => user.property(&p).is_none(),
                Some(n) => n.len() <= 64 && have(&p) == Some(n),
            };
            if !unchanged {
                consider(
                    &p,
                    &name.map_or(AttributeValue::Empty, |n| {
                        AttributeValue::Text(n.to_owned())
                    }),
                );
            }
        }
        if !display_name_unchanged(employee, have(&DirectoryProperty::DISPLAY_NAME)) {
            let value = employee
                .display_name()
                .map_or(AttributeValue::Empty, AttributeValue::Text);
            consider(&DirectoryProperty::DISPLAY_NAME, &value);
        }
        // Mapped attributes.
        for m in &policy.mappings {
            if let MappingTarget::Property(property) = &m.target {
                // Absent (not returned by the HR system): never clears anything.
                let Some(value) = mapped_value(employee, &m.hr_key) else {
                    continue;
                };
                if unchanged_text(property, &value, user.property(property)) != Some(true) {
                    consider(property, &value);
                }
            }
        }
        if user.previously_synced {
            changes.retain(|property, _| {
                let refused = !property.spec().after_sync;
                if refused {
                    warnings.push(Reason::PreviouslySynced {
                        property: property.clone(),
                    });
                }
                !refused
            });
        }
        keep_complex_whole(&mut changes, user, &policy.directory.vocabulary);
        (changes, warnings)
    }

    /// The non-null values and the warnings, for a create.
    pub(crate) fn into_create(self) -> (BTreeMap<DirectoryProperty, PropertyValue>, Vec<Reason>) {
        let values = self
            .values
            .into_iter()
            .filter_map(|(p, v)| v.map(|v| (p, v)))
            .collect();
        (values, self.warnings)
    }
}

/// Whether the display name (preferred name, else "first last") already is `have`, checked
/// without building it.
fn display_name_unchanged(employee: &Employee, have: Option<&str>) -> bool {
    let preferred = employee
        .preferred_name
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty());
    match (preferred, employee.first_name(), employee.last_name()) {
        (Some(p), _, _) => p.len() <= 256 && have == Some(p),
        (None, Some(f), Some(l)) => have.is_some_and(|h| {
            h.len() == f.len() + 1 + l.len()
                && h.starts_with(f)
                && h.ends_with(l)
                && h.as_bytes()[f.len()] == b' '
        }),
        (None, Some(n), None) | (None, None, Some(n)) => have == Some(n),
        // Nothing to set: displayName cannot be cleared, so it is left alone.
        (None, None, None) => true,
    }
}

/// For plain text that needs no truncation, whether `have` already holds it; `None` when the
/// full conversion must decide (other shapes, lists, dates, long values, usage location).
fn unchanged_text(
    property: &DirectoryProperty,
    value: &AttributeValue,
    have: Option<&PropertyValue>,
) -> Option<bool> {
    let PropertyKind::Text { max_len } = property.kind() else {
        return None;
    };
    let text = match value {
        AttributeValue::Text(s) | AttributeValue::Number(s) => s.trim(),
        AttributeValue::Empty => "",
        _ => return None,
    };
    if text.len() > max_len {
        return None;
    }
    Some(if text.is_empty() {
        !property.is_clearable() || have.is_none()
    } else {
        have.and_then(PropertyValue::as_text) == Some(text)
    })
}

/// A directory may write a complex value whole (a field left out becomes null), so a change to
/// one field carries the others too, unchanged, as read (T5).
fn keep_complex_whole(changes: &mut ChangeSet, user: &DirectoryUser, vocabulary: &Vocabulary) {
    let touched: Vec<DirectoryProperty> = changes
        .keys()
        .filter(|p| p.whole().is_some())
        .cloned()
        .collect();
    for p in touched {
        for sibling in vocabulary.siblings(&p) {
            let have = user.property(&sibling).cloned();
            changes.entry(sibling).or_insert_with(|| Change {
                from: have.clone(),
                to: have,
            });
        }
    }
}

struct Converted {
    value: Option<PropertyValue>,
    truncated: Option<usize>,
}

/// Convert an HR value to a property value: text is trimmed and cut to the property's length,
/// dates become midnight UTC instants of the same calendar date, lists are cut to the allowed
/// number of values. Empty becomes `None` (null).
fn convert(property: &DirectoryProperty, value: &AttributeValue) -> Result<Converted, String> {
    let plain = |value| Converted {
        value,
        truncated: None,
    };
    match property.kind() {
        PropertyKind::Text { max_len } => {
            let Some(text) = value.to_text() else {
                return Ok(plain(None));
            };
            let (text, truncated) = truncate(text, max_len);
            Ok(Converted {
                value: Some(PropertyValue::Text(text)),
                truncated,
            })
        }
        PropertyKind::CountryCode => match value.to_text() {
            None => Ok(plain(None)),
            Some(text) if text.len() == 2 && text.chars().all(|c| c.is_ascii_alphabetic()) => {
                Ok(plain(Some(PropertyValue::Text(text.to_ascii_uppercase()))))
            }
            Some(text) => Err(format!("{text:?} is not a two-letter country code")),
        },
        PropertyKind::DateTime => match value {
            AttributeValue::Empty => Ok(plain(None)),
            AttributeValue::Date(d) => Ok(plain(Some(PropertyValue::Text(midnight_utc(*d))))),
            other => {
                let Some(text) = other.to_text() else {
                    return Ok(plain(None));
                };
                if let Some(ts) = crate::time::parse_instant(&text) {
                    Ok(plain(Some(PropertyValue::Text(crate::time::rfc3339(&ts)))))
                } else if let Ok(d) = text.parse::<chrono::NaiveDate>() {
                    Ok(plain(Some(PropertyValue::Text(midnight_utc(d)))))
                } else {
                    Err(format!("{text:?} is not a date"))
                }
            }
        },
        PropertyKind::TextList { max_items, max_len } => {
            let mut items = value.to_list();
            if items.is_empty() {
                return Ok(plain(None));
            }
            let mut truncated = None;
            if items.len() > max_items {
                items.truncate(max_items);
                truncated = Some(value.to_list().len());
            }
            for item in &mut items {
                let (t, cut) = truncate(std::mem::take(item), max_len);
                *item = t;
                truncated = truncated.or(cut);
            }
            Ok(Converted {
                value: Some(PropertyValue::List(items)),
                truncated,
            })
        }
        PropertyKind::Bool => match value {
            AttributeValue::Empty => Ok(plain(None)),
            AttributeValue::Bool(b) => Ok(plain(Some(PropertyValue::Bool(*b)))),
            _ => Err("not a yes/no value".to_owned()),
        },
    }
}

/// `YYYY-MM-DDT00:00:00Z`: the calendar date kept as written, as Graph's date-time properties
/// expect.
pub(crate) fn midnight_utc(date: chrono::NaiveDate) -> String {
    format!("{date}T00:00:00Z")
}

fn truncate(text: String, max_len: usize) -> (String, Option<usize>) {
    // Byte length bounds the character count: most values need no counting at all.
    if text.len() <= max_len {
        return (text, None);
    }
    let n = text.chars().count();
    if n <= max_len {
        (text, None)
    } else {
        let cut: String = text.chars().take(max_len).collect();
        (cut.trim_end().to_owned(), Some(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(p: &DirectoryProperty, s: &str) -> Option<PropertyValue> {
        convert(p, &AttributeValue::text(s)).unwrap().value
    }

    #[test]
    fn truncates_to_the_declared_limits() {
        let long = "x".repeat(70);
        let c = convert(
            &crate::memory::sample::DEPARTMENT,
            &AttributeValue::text(long),
        )
        .unwrap();
        assert_eq!(c.value, Some(PropertyValue::Text("x".repeat(64))));
        assert_eq!(c.truncated, Some(70));
    }

    /// Whether converting the text `s` for `p` is refused.
    fn refused(p: &DirectoryProperty, s: &str) -> bool {
        convert(p, &AttributeValue::text(s)).is_err()
    }

    #[test]
    fn empty_clears() {
        assert_eq!(text(&crate::memory::sample::DEPARTMENT, "  "), None);
    }

    #[test]
    fn dates_stay_on_their_calendar_day() {
        let d = AttributeValue::Date(chrono::NaiveDate::from_ymd_opt(2025, 6, 30).unwrap());
        let c = convert(&crate::memory::sample::EMPLOYEE_HIRE_DATE, &d).unwrap();
        assert_eq!(c.value, Some(PropertyValue::text("2025-06-30T00:00:00Z")));
        assert!(refused(&crate::memory::sample::EMPLOYEE_HIRE_DATE, "soon"));
    }

    #[test]
    fn usage_location_is_validated() {
        assert_eq!(
            text(&crate::memory::sample::USAGE_LOCATION, "de"),
            Some(PropertyValue::text("DE"))
        );
        assert!(refused(&crate::memory::sample::USAGE_LOCATION, "Germany"));
    }

    #[test]
    fn phones_keep_one_value() {
        let v = AttributeValue::List(vec!["+49 1".into(), "+49 2".into()]);
        let c = convert(&crate::memory::sample::BUSINESS_PHONES, &v).unwrap();
        assert_eq!(c.value, Some(PropertyValue::List(vec!["+49 1".into()])));
        assert_eq!(c.truncated, Some(2));
    }
}
