//! `sAMAccountName`: the pre-Windows 2000 logon name, at most 20 characters and unique in
//! the domain (docs/rules.md §9).
//!
//! AD refuses `" / \ [ ] : ; | = , + * ? < >` and `@` in it, and a trailing period. Samba
//! accepts 21 characters where AD stops at 20, so the limit is kept here. On a collision the
//! name takes the U3 form: as much of the name as fits, `_`, and the employee id's letters and
//! digits (`annalena.mueller_1234` → `annalena.mue_1234`).

use hris_sync_core::{Error, Result};

/// The longest `sAMAccountName` AD accepts for a user.
pub const MAX_LEN: usize = 20;

/// How `sAMAccountName` is made (`[active_directory] sam_account_name`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum SamSchema {
    /// The UPN's local part, cut to 20 characters (`"upn"`, the default).
    #[default]
    UpnLocalPart,
    /// A prefix and the employee id (`"employee_id"`, prefix `sam_prefix`, default `"e"`).
    EmployeeId {
        /// Put before the id.
        prefix: String,
    },
}

impl SamSchema {
    /// From the configuration keys `sam_account_name` and `sam_prefix`.
    ///
    /// # Errors
    /// [`hris_sync_core::ErrorKind::InvalidConfig`] naming the key.
    pub fn parse(schema: Option<&str>, prefix: Option<&str>) -> Result<Self> {
        match schema.map(str::trim) {
            None | Some("upn") => {
                if prefix.is_some() {
                    return Err(Error::config(
                        "active_directory.sam_prefix: applies to sam_account_name = \"employee_id\" only",
                    ));
                }
                Ok(Self::UpnLocalPart)
            }
            Some("employee_id") => {
                let prefix = prefix.unwrap_or("e").trim().to_owned();
                if prefix.chars().count() > 4 || !prefix.chars().all(allowed) {
                    return Err(Error::config(format!(
                        "active_directory.sam_prefix: {prefix:?} must be at most 4 characters \
                         allowed in a logon name"
                    )));
                }
                Ok(Self::EmployeeId { prefix })
            }
            Some(other) => Err(Error::config(format!(
                "active_directory.sam_account_name: unknown schema {other:?} (expected \"upn\" \
                 or \"employee_id\")"
            ))),
        }
    }

    /// The names to try, in order: the plain form, then (for the UPN schema) the suffixed one.
    ///
    /// # Errors
    /// [`hris_sync_core::ErrorKind::InvalidInput`] when nothing usable is left of the name.
    pub fn candidates(&self, upn: &str, employee_id: &str) -> Result<Vec<String>> {
        let id: String = employee_id
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect();
        match self {
            Self::UpnLocalPart => {
                let local = upn.split('@').next().unwrap_or_default();
                let plain = fit(local, MAX_LEN);
                if plain.is_empty() {
                    return Err(Error::invalid_input(format!(
                        "sAMAccountName: nothing usable is left of {local:?}"
                    )));
                }
                let mut out = vec![plain];
                if !id.is_empty() && id.len() < MAX_LEN {
                    let head = fit(local, MAX_LEN - 1 - id.len());
                    let suffixed = if head.is_empty() {
                        id.clone()
                    } else {
                        format!("{head}_{id}")
                    };
                    if !out.contains(&suffixed) {
                        out.push(suffixed);
                    }
                }
                Ok(out)
            }
            Self::EmployeeId { prefix } => {
                let name = format!("{prefix}{id}");
                if id.is_empty() || name.chars().count() > MAX_LEN {
                    return Err(Error::invalid_input(format!(
                        "sAMAccountName: {name:?} from employee id {employee_id:?} is empty or \
                         longer than {MAX_LEN} characters"
                    )));
                }
                Ok(vec![name])
            }
        }
    }
}

/// Whether AD allows `c` in a logon name.
fn allowed(c: char) -> bool {
    !c.is_control()
        && !c.is_whitespace()
        && !matches!(
            c,
            '"' | '/'
                | '\\'
                | '['
                | ']'
                | ':'
                | ';'
                | '|'
                | '='
                | ','
                | '+'
                | '*'
                | '?'
                | '<'
                | '>'
                | '@'
        )
}

/// The allowed characters of `s`, at most `max` of them, with no trailing period or
/// separator.
fn fit(s: &str, max: usize) -> String {
    let kept: String = s.chars().filter(|c| allowed(*c)).take(max).collect();
    kept.trim_end_matches(['.', '-', '_']).to_owned()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn the_upn_local_part_cut_to_twenty_then_suffixed() {
        let s = SamSchema::UpnLocalPart;
        assert_eq!(
            s.candidates("anna.lee@corp.example", "42").unwrap(),
            ["anna.lee", "anna.lee_42"]
        );
        let long = s
            .candidates("annalena.mueller-luedenscheidt@corp.example", "1234")
            .unwrap();
        assert_eq!(long, ["annalena.mueller-lue", "annalena.muelle_1234"]);
        assert!(long.iter().all(|n| n.chars().count() <= MAX_LEN));
        // A cut that ends on a separator drops it: AD refuses a trailing period.
        assert_eq!(
            s.candidates("abcdefghijklmnopqrs.tuv@x", "7").unwrap()[0],
            "abcdefghijklmnopqrs"
        );
        assert!(s.candidates("@x", "7").is_err());
    }

    #[test]
    fn the_employee_id_schema_and_config_errors() {
        let s = SamSchema::parse(Some("employee_id"), None).unwrap();
        assert_eq!(s.candidates("a@b", "1234").unwrap(), ["e1234"]);
        assert!(s.candidates("a@b", "").is_err());
        let msg = |r: Result<SamSchema>| r.unwrap_err().message().to_owned();
        assert!(
            msg(SamSchema::parse(Some("first.last"), None))
                .starts_with("active_directory.sam_account_name:")
        );
        assert!(
            msg(SamSchema::parse(Some("employee_id"), Some("x:y")))
                .starts_with("active_directory.sam_prefix:")
        );
        assert!(msg(SamSchema::parse(None, Some("e"))).starts_with("active_directory.sam_prefix:"));
    }

    proptest! {
        #[test]
        fn every_candidate_is_a_valid_logon_name(local in "\\PC{0,80}", id in "[0-9A-Za-z-]{0,16}") {
            let upn = format!("{local}@corp.example");
            if let Ok(names) = SamSchema::UpnLocalPart.candidates(&upn, &id) {
                prop_assert!(!names.is_empty());
                for n in &names {
                    prop_assert!(!n.is_empty());
                    prop_assert!(n.chars().count() <= MAX_LEN, "{n:?}");
                    prop_assert!(n.chars().all(allowed), "{n:?}");
                    prop_assert!(!n.ends_with('.'), "{n:?}");
                }
                let digits: String = id.chars().filter(char::is_ascii_alphanumeric).collect();
                if names.len() == 2 {
                    prop_assert!(names[1].ends_with(&digits), "{names:?}");
                    prop_assert_ne!(&names[0], &names[1]);
                }
            }
        }
    }
}
