//! AD entries to core users, and core values to LDAP values.

use std::collections::BTreeMap;

use hris_sync_core::raw::{DirectoryProperty, PropertyKind, PropertyValue, ReadSet};
use hris_sync_core::{DirectoryUser, DirectoryUserId, Error, ObjectKind, Result};

use crate::model::{ACCOUNTDISABLE, Entry, guid_string};

/// The attributes a read asks for under `read_set`: the base ones, every property it reads
/// (under its AD name) and `manager` when managers are read.
pub(crate) fn attributes(read_set: &ReadSet) -> Vec<String> {
    let mut attrs: Vec<String> = crate::model::BASE_ATTRIBUTES
        .iter()
        .map(|a| (*a).to_owned())
        .collect();
    let props: Vec<DirectoryProperty> = if read_set.all_properties {
        crate::vocabulary::mappable()
    } else {
        read_set.properties.iter().cloned().collect()
    };
    for p in ReadSet::NAMES.iter().chain(&props) {
        if let Some(name) = crate::vocabulary::ad_name(p) {
            if !attrs.iter().any(|a| a.eq_ignore_ascii_case(name)) {
                attrs.push(name.to_owned());
            }
        }
    }
    if read_set.managers {
        attrs.push("manager".to_owned());
    }
    attrs
}

/// One entry as a core user. `domain` makes the implicit UPN (`sAMAccountName@domain`) of
/// an account that has none; `manager` resolves the `manager` DN to the manager's id.
///
/// # Errors
/// [`hris_sync_core::ErrorKind::InvalidData`] when the entry has no `objectGUID` or no name
/// to sign in with: such an entry is not a user the sync can know.
pub(crate) fn user(
    entry: &Entry,
    read_set: &ReadSet,
    domain: &str,
    manager: impl Fn(&str) -> Option<DirectoryUserId>,
) -> Result<DirectoryUser> {
    let guid = entry.guid.ok_or_else(|| {
        Error::new(
            hris_sync_core::ErrorKind::InvalidData,
            format!("{}: no objectGUID was returned", entry.dn),
        )
    })?;
    let upn = match (
        entry.first("userPrincipalName"),
        entry.first("sAMAccountName"),
    ) {
        (Some(upn), _) => upn.to_owned(),
        (None, Some(sam)) => format!("{sam}@{domain}"),
        (None, None) => {
            return Err(Error::new(
                hris_sync_core::ErrorKind::InvalidData,
                format!("{}: neither userPrincipalName nor sAMAccountName", entry.dn),
            ));
        }
    };
    let mut u = DirectoryUser::new(guid_string(&guid), upn);
    u.employee_id = entry.first("employeeID").map(str::to_owned);
    u.account_enabled = entry.uac().is_some_and(|uac| uac & ACCOUNTDISABLE == 0);
    u.mail = entry.first("mail").map(str::to_owned);
    // Built-in and protected (adminCount = 1) accounts are never written (S8).
    if entry.is_critical() || entry.is_protected() {
        u.kind = ObjectKind::BuiltIn;
    }
    if read_set.managers {
        u.manager_id = entry.first("manager").and_then(manager);
    }
    let mut properties = BTreeMap::new();
    let mapped = crate::vocabulary::mappable()
        .into_iter()
        .filter(|p| read_set.reads(p));
    for p in ReadSet::NAMES.into_iter().chain(mapped) {
        let Some(name) = crate::vocabulary::ad_name(&p) else {
            continue;
        };
        if let Some(v) = entry.first(name) {
            let value = if matches!(p.kind(), PropertyKind::TextList { .. }) {
                PropertyValue::List(vec![v.to_owned()])
            } else {
                PropertyValue::Text(v.to_owned())
            };
            properties.insert(p, value);
        }
    }
    u.properties = properties;
    Ok(u)
}

/// The LDAP value of a property value (`None` for a value AD cannot hold: a list of several
/// phone numbers, a boolean).
pub(crate) fn ldap_value(p: &DirectoryProperty, v: &PropertyValue) -> Option<String> {
    match (p.kind(), v) {
        (_, PropertyValue::Text(s)) => Some(s.clone()),
        (PropertyKind::TextList { .. }, PropertyValue::List(l)) if l.len() == 1 => {
            l.first().cloned()
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use ldap3::SearchEntry;

    use super::*;

    #[allow(clippy::disallowed_types)] // ldap3's SearchEntry holds HashMaps
    fn entry(attrs: &[(&str, &str)]) -> Entry {
        let mut map: std::collections::HashMap<String, Vec<String>> =
            std::collections::HashMap::new();
        for (k, v) in attrs {
            map.entry((*k).to_owned())
                .or_default()
                .push((*v).to_owned());
        }
        let mut bin = std::collections::HashMap::new();
        bin.insert("objectGUID".to_owned(), vec![vec![7u8; 16]]);
        Entry::from_search(SearchEntry {
            dn: "CN=Ann Lee,OU=Staff,DC=demo,DC=local".to_owned(),
            attrs: map,
            bin_attrs: bin,
        })
    }

    #[test]
    fn an_entry_becomes_a_user_with_what_is_read() {
        let e = entry(&[
            ("userPrincipalName", "ann.lee@demo.local"),
            ("sAMAccountName", "ann.lee"),
            ("employeeID", "42"),
            ("userAccountControl", "514"),
            ("mail", "ann@demo.local"),
            ("displayName", "Ann Lee"),
            ("sn", "Lee"),
            ("title", "Engineer"),
            ("department", "R&D"),
            ("telephoneNumber", "+49 1"),
            ("manager", "CN=Boss,OU=Staff,DC=demo,DC=local"),
        ]);
        let read = ReadSet::of(
            [
                crate::vocabulary::TITLE,
                crate::vocabulary::TELEPHONE_NUMBER,
            ],
            true,
        );
        let u = user(&e, &read, "demo.local", |dn| {
            dn.starts_with("CN=Boss")
                .then(|| DirectoryUserId::new("boss"))
        })
        .unwrap();
        assert_eq!(u.id.as_str(), "07070707-0707-0707-0707-070707070707");
        assert_eq!(u.user_principal_name, "ann.lee@demo.local");
        assert_eq!(u.employee_id.as_deref(), Some("42"));
        assert!(!u.account_enabled);
        assert_eq!(u.kind, ObjectKind::User);
        assert_eq!(
            u.manager_id.as_ref().map(DirectoryUserId::as_str),
            Some("boss")
        );
        assert_eq!(
            u.property(&crate::vocabulary::TITLE),
            Some(&PropertyValue::text("Engineer"))
        );
        assert_eq!(
            u.property(&crate::vocabulary::TELEPHONE_NUMBER),
            Some(&PropertyValue::List(vec!["+49 1".to_owned()]))
        );
        assert_eq!(
            u.property(&DirectoryProperty::SURNAME),
            Some(&PropertyValue::text("Lee"))
        );
        // Not in the read set: not reported, even though the entry had it.
        assert_eq!(u.property(&crate::vocabulary::DEPARTMENT), None);
    }

    #[test]
    fn built_ins_and_accounts_without_a_upn() {
        let e = entry(&[
            ("sAMAccountName", "Administrator"),
            ("userAccountControl", "512"),
            ("isCriticalSystemObject", "TRUE"),
        ]);
        let u = user(&e, &ReadSet::default(), "demo.local", |_| None).unwrap();
        assert_eq!(u.kind, ObjectKind::BuiltIn);
        assert_eq!(u.user_principal_name, "Administrator@demo.local");
        assert!(u.account_enabled);
        let none = entry(&[("cn", "x")]);
        assert!(user(&none, &ReadSet::default(), "demo.local", |_| None).is_err());
    }

    #[test]
    fn attributes_follow_the_read_set() {
        let read = ReadSet::of(
            [
                crate::vocabulary::OFFICE,
                DirectoryProperty::owned("costCenter", hris_sync_core::raw::Spec::UNKNOWN),
            ],
            true,
        );
        let attrs = attributes(&read);
        assert!(attrs.iter().any(|a| a == "physicalDeliveryOfficeName"));
        assert!(attrs.iter().any(|a| a == "manager"));
        assert!(!attrs.iter().any(|a| a.to_lowercase().contains("cost")));
        assert_eq!(
            ldap_value(
                &crate::vocabulary::TELEPHONE_NUMBER,
                &PropertyValue::List(vec!["1".into(), "2".into()])
            ),
            None
        );
    }
}
