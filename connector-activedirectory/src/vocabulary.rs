//! Active Directory's attribute vocabulary and capabilities: the LDAP attributes a
//! `[[mapping]]` may target (under their LDAP names, matched ignoring case as LDAP does), the
//! LDAP attributes that hold core's managed names, and what AD can do beyond accounts.

use std::sync::OnceLock;

use hris_sync_core::policy::{Capabilities, DirectoryTraits, Vocabulary};
use hris_sync_core::raw::{DirectoryProperty as P, PropertyKind, Spec};

const fn text(name: &'static str, max_len: usize) -> P {
    P::new(name, Spec::text(max_len))
}

/// `title` (the job title).
pub const TITLE: P = text("title", 128);
/// `department`.
pub const DEPARTMENT: P = text("department", 64);
/// `company`.
pub const COMPANY: P = text("company", 64);
/// `physicalDeliveryOfficeName` (the office).
pub const OFFICE: P = text("physicalDeliveryOfficeName", 128);
/// `employeeType`.
pub const EMPLOYEE_TYPE: P = text("employeeType", 64);
/// `division`.
pub const DIVISION: P = text("division", 64);
/// `mobile`.
pub const MOBILE: P = text("mobile", 64);
/// `telephoneNumber` (single-valued: a list of one is written as its value).
pub const TELEPHONE_NUMBER: P = P::new(
    "telephoneNumber",
    Spec::of(PropertyKind::TextList {
        max_items: 1,
        max_len: 64,
    }),
);
/// `streetAddress`.
pub const STREET_ADDRESS: P = text("streetAddress", 1024);
/// `l` (the city).
pub const CITY: P = text("l", 128);
/// `st` (the state).
pub const STATE: P = text("st", 128);
/// `co` (the country's name).
pub const COUNTRY: P = text("co", 128);
/// `postalCode`.
pub const POSTAL_CODE: P = text("postalCode", 40);
/// `preferredLanguage`.
pub const PREFERRED_LANGUAGE: P = text("preferredLanguage", 35);
/// `mail`.
pub const MAIL: P = text("mail", 256);

const fn ext(name: &'static str) -> P {
    text(name, 1024)
}

/// `extensionAttribute1` … `15` (only where the Exchange schema is installed).
pub const EXTENSION_ATTRIBUTES: [P; 15] = [
    ext("extensionAttribute1"),
    ext("extensionAttribute2"),
    ext("extensionAttribute3"),
    ext("extensionAttribute4"),
    ext("extensionAttribute5"),
    ext("extensionAttribute6"),
    ext("extensionAttribute7"),
    ext("extensionAttribute8"),
    ext("extensionAttribute9"),
    ext("extensionAttribute10"),
    ext("extensionAttribute11"),
    ext("extensionAttribute12"),
    ext("extensionAttribute13"),
    ext("extensionAttribute14"),
    ext("extensionAttribute15"),
];

/// The LDAP attribute of each of core's managed names AD holds. AD keeps no `mailNickname`
/// without the Exchange schema, and the enabled flag is a bit of `userAccountControl`.
const MANAGED: [(P, &str); 5] = [
    (P::EMPLOYEE_ID, "employeeID"),
    (P::USER_PRINCIPAL_NAME, "userPrincipalName"),
    (P::DISPLAY_NAME, "displayName"),
    (P::GIVEN_NAME, "givenName"),
    (P::SURNAME, "sn"),
];

/// LDAP attributes the sync sets itself, declared so that mapping one is refused by name.
const SET_BY_THE_SYNC: [&str; 13] = [
    "employeeID",
    "userPrincipalName",
    "displayName",
    "givenName",
    "sn",
    "sAMAccountName",
    "userAccountControl",
    "unicodePwd",
    "pwdLastSet",
    "cn",
    "name",
    "objectClass",
    "manager",
];

/// Every mappable attribute, in a fixed order.
#[must_use]
pub fn mappable() -> Vec<P> {
    [
        TITLE,
        DEPARTMENT,
        COMPANY,
        OFFICE,
        EMPLOYEE_TYPE,
        DIVISION,
        MOBILE,
        TELEPHONE_NUMBER,
        STREET_ADDRESS,
        CITY,
        STATE,
        COUNTRY,
        POSTAL_CODE,
        PREFERRED_LANGUAGE,
        MAIL,
    ]
    .into_iter()
    .chain(EXTENSION_ATTRIBUTES)
    .collect()
}

/// AD's vocabulary: the mappable LDAP attributes and those the sync sets itself, matched
/// ignoring case.
#[must_use]
pub fn vocabulary() -> &'static Vocabulary {
    static VOCABULARY: OnceLock<Vocabulary> = OnceLock::new();
    VOCABULARY.get_or_init(|| {
        let managed = SET_BY_THE_SYNC
            .into_iter()
            .map(|n| P::new(n, Spec::text(256).managed()));
        Vocabulary::new(
            "Active Directory user attribute",
            mappable().into_iter().chain(managed),
        )
        .case_insensitive()
    })
}

/// The LDAP attribute that holds `p` (`sn` for the surname, `title` for `title`), or `None`
/// where AD has none.
#[must_use]
pub fn ad_name(p: &P) -> Option<&str> {
    MANAGED
        .iter()
        .find(|(m, _)| m == p)
        .map(|(_, n)| *n)
        .or_else(|| {
            vocabulary()
                .get(p.name())
                .filter(|d| !d.is_sync_managed())
                .map(P::name)
        })
}

/// What Active Directory declares to the policy: kind `active_directory` (alias `ad` in
/// `[[mapping]]` and `[[group]]`), groups by distinguished name, group membership and nothing
/// else: no sessions to revoke over LDAP (a disabled account gets no new Kerberos tickets), no
/// leave date attribute, no access passes.
#[must_use]
pub fn traits() -> DirectoryTraits {
    let mut can = Capabilities::none();
    can.groups = true;
    DirectoryTraits::new("active_directory", can, vocabulary().clone())
        .alias("ad")
        .group_id("distinguished name")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ad_names_resolve_and_refuse_what_ad_lacks() {
        let v = vocabulary();
        for p in mappable() {
            assert_eq!(ad_name(&p), Some(p.name()));
            assert_eq!(v.attribute(&p.name().to_uppercase()).unwrap(), p);
        }
        assert_eq!(ad_name(&P::SURNAME), Some("sn"));
        assert_eq!(ad_name(&P::EMPLOYEE_ID), Some("employeeID"));
        assert_eq!(ad_name(&P::MAIL_NICKNAME), None);
        assert_eq!(ad_name(&P::ACCOUNT_ENABLED), None);
        assert_eq!(
            v.attribute("extensionattribute7").unwrap(),
            EXTENSION_ATTRIBUTES[6]
        );
        let err = v.attribute("jobTitle").unwrap_err();
        assert!(
            err.starts_with("unknown Active Directory user attribute \"jobTitle\""),
            "{err}"
        );
        assert!(err.contains("physicalDeliveryOfficeName"), "{err}");
        assert!(v.attribute("sAMAccountName").unwrap().is_sync_managed());
        assert!(v.attribute("SN").unwrap().is_sync_managed());
        assert!(v.attribute("extensionAttribute16").is_err());
    }
}
