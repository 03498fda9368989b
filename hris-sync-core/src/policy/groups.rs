//! `[[group]]`: groups whose membership follows a rule on HR attributes (docs/rules.md §10).

use std::collections::BTreeSet;

use super::DirectoryTraits;
use super::file::GroupSection;
use super::mappings::{refuse_other, side};
use crate::employee::Employee;
use crate::error::{Error, Result};

/// Who the sync removes from a group (G2).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum GroupMode {
    /// Add everyone who matches; remove only the members the sync added itself, once they
    /// stop matching.
    #[default]
    Additive,
    /// Also remove every member who does not match (except accounts the sync never writes,
    /// S8).
    Authoritative,
}

impl GroupMode {
    /// The name in the configuration file.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Additive => "additive",
            Self::Authoritative => "authoritative",
        }
    }
}

/// One validated `[[group]]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupRule {
    /// Its name in reports and logs.
    pub name: String,
    /// The directory's id of the group: an Entra object id, or an AD distinguished name.
    pub id: String,
    /// Every HR attribute that must match, each with the values it may have, trimmed and
    /// folded to lower case; in key order.
    pub when: Vec<(String, Vec<String>)>,
    /// Who is removed.
    pub mode: GroupMode,
}

impl GroupRule {
    /// G1: whether the employee's HR attributes match every key of `when` (text compared
    /// case-insensitively; a list attribute matches when any of its elements does; an empty
    /// or unread attribute never matches).
    #[must_use]
    pub fn matches(&self, employee: &Employee) -> bool {
        self.when.iter().all(|(key, wanted)| {
            employee.attribute(key).is_some_and(|value| {
                value
                    .to_list()
                    .iter()
                    .any(|v| wanted.iter().any(|w| v.trim().to_lowercase() == *w))
            })
        })
    }
}

/// Check the `[[group]]` tables: a directory that keeps groups, a name, the directory's id
/// under `target` (or the directory's alias), a `when` with at least one attribute whose
/// values are text, a known mode, and no group listed twice.
pub(super) fn validate(
    sections: &[GroupSection],
    directory: &DirectoryTraits,
) -> Result<Vec<GroupRule>> {
    if !sections.is_empty() && !directory.capabilities.groups {
        return Err(Error::config(format!(
            "group[0]: the {} directory keeps no group membership; remove the [[group]] tables",
            directory.kind
        )));
    }
    let alias = directory.alias.as_deref();
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(sections.len());
    for (i, g) in sections.iter().enumerate() {
        let at = |field: &str| format!("group[{i}].{field}");
        let name = g.name.trim();
        if name.is_empty() {
            return Err(Error::config(format!(
                "{}: empty; name the group",
                at("name")
            )));
        }
        let place = format!("group[{i}]");
        refuse_other(
            &place,
            &g.other,
            &[alias],
            "name, target, when and mode",
            directory,
        )?;
        let (key, id) = side(&place, "target", g.target.as_ref(), alias, &g.other)?;
        let id = id.map(str::trim).filter(|v| !v.is_empty()).ok_or_else(|| {
            Error::config(format!(
                "{}: missing; the group's {}",
                at(key),
                directory.group_id
            ))
        })?;
        if !seen.insert(id.to_lowercase()) {
            return Err(Error::config(format!(
                "{}: {id:?} is listed twice",
                at(key)
            )));
        }
        if g.when.is_empty() {
            return Err(Error::config(format!(
                "{}: empty; a rule needs at least one HR attribute, e.g. when = {{ department = \"Finance\" }}",
                at("when")
            )));
        }
        let mut when = Vec::with_capacity(g.when.len());
        for (attr, value) in &g.when {
            let place = format!("group[{i}].when.{attr}");
            if attr.trim().is_empty() || attr.chars().any(char::is_whitespace) {
                return Err(Error::config(format!("{place}: not an attribute key")));
            }
            let values = match value {
                toml::Value::String(s) => vec![s.clone()],
                toml::Value::Array(items) => items
                    .iter()
                    .map(|v| v.as_str().map(str::to_owned))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| Error::config(format!("{place}: every value must be text")))?,
                _ => {
                    return Err(Error::config(format!(
                        "{place}: expected text or a list of texts"
                    )));
                }
            };
            let values: Vec<String> = values
                .iter()
                .map(|v| v.trim().to_lowercase())
                .filter(|v| !v.is_empty())
                .collect();
            if values.is_empty() {
                return Err(Error::config(format!("{place}: no value to match")));
            }
            when.push((attr.clone(), values));
        }
        let mode = match g.mode.as_deref().map(str::trim) {
            None | Some("additive") => GroupMode::Additive,
            Some("authoritative") => GroupMode::Authoritative,
            Some(other) => {
                return Err(Error::config(format!(
                    "{}: unknown mode {other:?} (expected \"additive\" or \"authoritative\")",
                    at("mode")
                )));
            }
        };
        out.push(GroupRule {
            name: name.to_owned(),
            id: id.to_owned(),
            when,
            mode,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use crate::employee::{AttributeValue, EmployeeStatus};
    use crate::id::EmployeeId;
    use crate::policy::{GroupMode, Policy};

    fn policy(groups: &str) -> crate::Result<Policy> {
        Policy::from_toml(&format!("[upn]\ndomain = \"demo.com\"\n{groups}"))
    }

    fn error(groups: &str) -> String {
        policy(groups).unwrap_err().message().to_owned()
    }

    #[test]
    fn a_rule_matches_text_case_insensitively_and_lists_by_any_element() {
        let p = policy(
            r#"
[[group]]
name = "Finance"
target = "0b1c2d3e-0000-0000-0000-000000000001"
when = { department = "Finance", office = ["Berlin", "Munich"] }
mode = "authoritative"
"#,
        )
        .unwrap();
        let g = &p.groups[0];
        assert_eq!(g.mode, GroupMode::Authoritative);
        let mut e = crate::Employee::new(EmployeeId::new("1").unwrap(), EmployeeStatus::Active);
        e.attributes
            .insert("department".into(), AttributeValue::text(" finance "));
        e.attributes
            .insert("office".into(), AttributeValue::text("MUNICH"));
        assert!(g.matches(&e));
        e.attributes.insert(
            "office".into(),
            AttributeValue::List(vec!["Paris".into(), "Berlin".into()]),
        );
        assert!(g.matches(&e), "any element of a list attribute");
        e.attributes
            .insert("office".into(), AttributeValue::text("Paris"));
        assert!(!g.matches(&e));
        e.attributes.remove("office");
        assert!(!g.matches(&e), "an unread attribute never matches");
        assert!(p.required_attributes().contains("office"));
    }

    #[test]
    fn mistakes_are_named_by_key() {
        let group = |body: &str| format!("[[group]]\nname = \"Finance\"\n{body}\n");
        let id = "target = \"g1\"\n";
        assert!(error(&group(&format!("{id}when = {{}}"))).starts_with("group[0].when: empty"));
        assert!(
            error(&group(&format!(
                "{id}when = {{ department = \"x\" }}\nmode = \"strict\""
            )))
            .starts_with("group[0].mode: unknown mode")
        );
        assert!(
            error(&group("when = { department = \"x\" }")).starts_with("group[0].target: missing")
        );
        assert!(
            error(&group(&format!("{id}when = {{ department = 3 }}")))
                .starts_with("group[0].when.department: expected text")
        );
        assert!(
            error(&group(&format!("{id}when = {{ department = [\"a\", 1] }}")))
                .starts_with("group[0].when.department: every value must be text")
        );
        let twice = format!(
            "{}{}",
            group(&format!("{id}when = {{ department = \"a\" }}")),
            group("target = \"G1\"\nwhen = { department = \"b\" }")
        );
        assert!(
            error(&twice).starts_with("group[1].target: \"G1\" is listed twice"),
            "{}",
            error(&twice)
        );
        assert!(
            error(&group("ad = \"CN=x\"\nwhen = { department = \"a\" }"))
                .starts_with("group[0].ad: unknown key")
        );
        assert!(error("[[group]]\nname = \"F\"\ntarget = \"g\"\nwhen = { department = \"a\" }\ncolour = \"red\"").contains("colour"));
    }
}
