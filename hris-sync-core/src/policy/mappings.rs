//! `[[mapping]]`: an HR attribute → a directory attribute, in the directory's own vocabulary.
//!
//! The two sides are `source` and `target`; a connector may let its name stand for its side
//! (see [`SourceTraits::alias`] and [`DirectoryTraits::alias`]), so files written for one
//! connector keep reading as they did.

use std::collections::{BTreeMap, BTreeSet};

use super::file::MappingSection;
use super::{DirectoryTraits, Mapping, MappingTarget, SourceTraits};
use crate::error::{Error, Result};

/// One side of a table: its value under the canonical key or under the connector's alias.
/// Returns the key it was found under, for messages.
pub(super) fn side<'a>(
    place: &str,
    canonical: &'a str,
    value: Option<&'a String>,
    alias: Option<&'a str>,
    other: &'a BTreeMap<String, toml::Value>,
) -> Result<(&'a str, Option<&'a str>)> {
    let aliased = alias.and_then(|a| other.get(a).map(|v| (a, v)));
    match (value, aliased) {
        (Some(_), Some((a, _))) => Err(Error::config(format!(
            "{place}.{a}: `{a}` stands for `{canonical}`; give one of them"
        ))),
        (Some(v), None) => Ok((canonical, Some(v.as_str()))),
        (None, Some((a, toml::Value::String(v)))) => Ok((a, Some(v.as_str()))),
        (None, Some((a, _))) => Err(Error::config(format!("{place}.{a}: expected text"))),
        (None, None) => Ok((alias.unwrap_or(canonical), None)),
    }
}

/// Refuse a key of `other` that is none of `aliases`: a misspelling, or another connector's
/// alias.
pub(super) fn refuse_other(
    place: &str,
    other: &BTreeMap<String, toml::Value>,
    aliases: &[Option<&str>],
    expected: &str,
    directory: &DirectoryTraits,
) -> Result<()> {
    match other.keys().find(|k| !aliases.contains(&Some(k.as_str()))) {
        None => Ok(()),
        Some(k) => Err(Error::config(format!(
            "{place}.{k}: unknown key (expected {expected}); the directory is {} ([directory] \
             kind){}",
            directory.kind,
            directory
                .alias
                .as_deref()
                .map(|a| format!(", whose side may also be named `{a}`"))
                .unwrap_or_default()
        ))),
    }
}

/// Check the `[[mapping]]` tables: an HR attribute key, a target the directory declares (or
/// `manager`, from `supervisor`), nothing the sync sets itself, nothing mapped twice.
pub(super) fn validate(
    sections: &[MappingSection],
    source: &SourceTraits,
    directory: &DirectoryTraits,
) -> Result<Vec<Mapping>> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(sections.len());
    let (hr_alias, dir_alias) = (source.alias.as_deref(), directory.alias.as_deref());
    for (i, m) in sections.iter().enumerate() {
        let place = format!("mapping[{i}]");
        refuse_other(
            &place,
            &m.other,
            &[hr_alias, dir_alias],
            "source and target",
            directory,
        )?;
        let (hr_at, hr) = side(&place, "source", m.source.as_ref(), hr_alias, &m.other)?;
        let hr = hr.ok_or_else(|| {
            Error::config(format!(
                "{place}.{hr_at}: missing; name the HR attribute of the mapping"
            ))
        })?;
        let hr_key = hr.trim();
        if hr_key.is_empty() || hr_key.chars().any(char::is_whitespace) {
            return Err(Error::config(format!(
                "{place}.{hr_at}: {hr:?} is not an attribute key"
            )));
        }
        let (key, name) = side(&place, "target", m.target.as_ref(), dir_alias, &m.other)?;
        let name = name.ok_or_else(|| {
            Error::config(format!(
                "{place}.{key}: missing; name the directory side of the mapping"
            ))
        })?;
        let target = if name == "manager" {
            MappingTarget::Manager
        } else {
            let p = directory
                .vocabulary
                .attribute(name)
                .map_err(|e| Error::config(format!("{place}.{key}: {e}")))?;
            if p.is_sync_managed() {
                return Err(Error::config(format!(
                    "{place}.{key}: {name} is set by the sync itself and cannot be mapped"
                )));
            }
            MappingTarget::Property(p)
        };
        if !seen.insert(target.clone()) {
            return Err(Error::config(format!(
                "{place}.{key}: {name:?} is mapped twice"
            )));
        }
        if target == MappingTarget::Manager && hr_key != "supervisor" {
            return Err(Error::config(format!(
                "{place}.{hr_at}: the manager comes from \"supervisor\", not {hr_key:?}"
            )));
        }
        out.push(Mapping {
            hr_key: hr_key.to_owned(),
            target,
        });
    }
    Ok(out)
}
