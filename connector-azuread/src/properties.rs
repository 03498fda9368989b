//! Graph's writable user properties, as this connector declares them to the policy.
//!
//! Names and limits follow Microsoft Graph's `user` resource (v1.0). Where Microsoft states no
//! maximum length (`officeLocation`, `employeeType`, `employeeOrgData.*`) the conservative limit
//! of the neighbouring properties is used (128 for `officeLocation`, 64 for the others), so a
//! value written is never refused for its length. Graph writes `employeeOrgData` and
//! `onPremisesExtensionAttributes` whole (T5), and refuses the extension attributes of a user
//! once synchronised from on-premises (T11).

use std::sync::OnceLock;

use hris_sync_core::policy::Vocabulary;
use hris_sync_core::raw::{DirectoryProperty as P, PropertyKind, Spec};

const fn text(name: &'static str, max_len: usize) -> P {
    P::new(name, Spec::text(max_len))
}

/// `jobTitle`.
pub const JOB_TITLE: P = text("jobTitle", 128);
/// `department`.
pub const DEPARTMENT: P = text("department", 64);
/// `companyName`.
pub const COMPANY_NAME: P = text("companyName", 64);
/// `officeLocation`.
pub const OFFICE_LOCATION: P = text("officeLocation", 128);
/// `employeeType`.
pub const EMPLOYEE_TYPE: P = text("employeeType", 64);
/// `employeeHireDate` (date-time).
pub const EMPLOYEE_HIRE_DATE: P = P::new("employeeHireDate", Spec::of(PropertyKind::DateTime));
/// `employeeLeaveDateTime` (date-time): Entra's leave date.
pub const EMPLOYEE_LEAVE_DATE_TIME: P =
    P::new("employeeLeaveDateTime", Spec::of(PropertyKind::DateTime));
/// `employeeOrgData.division` (`employeeOrgData` is written whole).
pub const DIVISION: P = P::new(
    "employeeOrgData.division",
    Spec::text(64).part_of("employeeOrgData"),
);
/// `employeeOrgData.costCenter` (`employeeOrgData` is written whole).
pub const COST_CENTER: P = P::new(
    "employeeOrgData.costCenter",
    Spec::text(64).part_of("employeeOrgData"),
);
/// `mobilePhone`.
pub const MOBILE_PHONE: P = text("mobilePhone", 64);
/// `businessPhones` (Graph takes one value at most).
pub const BUSINESS_PHONES: P = P::new(
    "businessPhones",
    Spec::of(PropertyKind::TextList {
        max_items: 1,
        max_len: 64,
    }),
);
/// `streetAddress`.
pub const STREET_ADDRESS: P = text("streetAddress", 1024);
/// `city`.
pub const CITY: P = text("city", 128);
/// `state`.
pub const STATE: P = text("state", 128);
/// `country`.
pub const COUNTRY: P = text("country", 128);
/// `postalCode`.
pub const POSTAL_CODE: P = text("postalCode", 40);
/// `usageLocation` (two-letter country code; Graph refuses `null`).
pub const USAGE_LOCATION: P = P::new(
    "usageLocation",
    Spec::of(PropertyKind::CountryCode).not_clearable(),
);
/// `preferredLanguage` (for example `de-DE`).
pub const PREFERRED_LANGUAGE: P = text("preferredLanguage", 35);
/// `mail` (Graph refuses `null`).
pub const MAIL: P = P::new("mail", Spec::text(256).not_clearable());
/// `otherMails`.
pub const OTHER_MAILS: P = P::new(
    "otherMails",
    Spec::of(PropertyKind::TextList {
        max_items: 250,
        max_len: 250,
    }),
);

/// The complex property the extension attributes are written in, whole.
pub const EXTENSION_ATTRIBUTES_PROPERTY: &str = "onPremisesExtensionAttributes";

const fn ext(name: &'static str) -> P {
    P::new(
        name,
        Spec::text(1024)
            .part_of(EXTENSION_ATTRIBUTES_PROPERTY)
            .not_after_sync(),
    )
}

/// `onPremisesExtensionAttributes.extensionAttribute1` … `15`, under their short names.
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

/// `extensionAttribute{n}`, `n` in 1..=15 (clamped).
#[must_use]
pub fn extension_attribute(n: u8) -> P {
    EXTENSION_ATTRIBUTES[usize::from(n.clamp(1, 15)) - 1].clone()
}

/// Every mappable property, in a fixed order.
#[must_use]
pub fn mappable() -> Vec<P> {
    [
        JOB_TITLE,
        DEPARTMENT,
        COMPANY_NAME,
        OFFICE_LOCATION,
        EMPLOYEE_TYPE,
        EMPLOYEE_HIRE_DATE,
        EMPLOYEE_LEAVE_DATE_TIME,
        DIVISION,
        COST_CENTER,
        MOBILE_PHONE,
        BUSINESS_PHONES,
        STREET_ADDRESS,
        CITY,
        STATE,
        COUNTRY,
        POSTAL_CODE,
        USAGE_LOCATION,
        PREFERRED_LANGUAGE,
        MAIL,
        OTHER_MAILS,
    ]
    .into_iter()
    .chain(EXTENSION_ATTRIBUTES)
    .collect()
}

/// Graph's user properties: the ones the sync manages (core's names are Graph's), then the
/// mappable ones. Case-sensitive, as Graph spells them.
#[must_use]
pub fn vocabulary() -> &'static Vocabulary {
    static VOCABULARY: OnceLock<Vocabulary> = OnceLock::new();
    VOCABULARY.get_or_init(|| {
        Vocabulary::new(
            "Graph user property",
            P::MANAGED.into_iter().chain(mappable()),
        )
    })
}

/// The property `name` as Graph's vocabulary declares it, also under its long
/// `onPremisesExtensionAttributes.extensionAttributeN` name.
#[must_use]
pub fn named(name: &str) -> Option<P> {
    let short = name
        .strip_prefix(EXTENSION_ATTRIBUTES_PROPERTY)
        .and_then(|n| n.strip_prefix('.'))
        .unwrap_or(name);
    vocabulary().get(short).cloned()
}

/// Where a property lives in Graph's JSON: a top-level name, or a field of a complex property.
#[must_use]
pub fn location(p: &P) -> (&str, Option<&str>) {
    match p.whole() {
        None => (p.name(), None),
        Some(whole) => (
            whole,
            Some(
                p.name()
                    .strip_prefix(whole)
                    .and_then(|f| f.strip_prefix('.'))
                    .unwrap_or(p.name()),
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_locations() {
        for p in mappable() {
            assert_eq!(named(p.name()), Some(p.clone()));
        }
        assert_eq!(
            named("onPremisesExtensionAttributes.extensionAttribute3"),
            Some(extension_attribute(3))
        );
        for bad in [
            "extensionAttribute0",
            "extensionAttribute16",
            "jobtitle",
            "",
        ] {
            assert!(named(bad).is_none(), "{bad}");
        }
        assert_eq!(
            location(&COST_CENTER),
            ("employeeOrgData", Some("costCenter"))
        );
        assert_eq!(
            location(&extension_attribute(9)),
            (EXTENSION_ATTRIBUTES_PROPERTY, Some("extensionAttribute9"))
        );
        assert_eq!(location(&JOB_TITLE), ("jobTitle", None));
        assert_eq!(vocabulary().siblings(&DIVISION), [DIVISION, COST_CENTER]);
    }

    #[test]
    fn graph_limits() {
        assert_eq!(DEPARTMENT.kind(), PropertyKind::Text { max_len: 64 });
        assert_eq!(JOB_TITLE.kind(), PropertyKind::Text { max_len: 128 });
        assert_eq!(POSTAL_CODE.kind(), PropertyKind::Text { max_len: 40 });
        assert_eq!(P::DISPLAY_NAME.kind(), PropertyKind::Text { max_len: 256 });
        assert!(!MAIL.is_clearable() && !USAGE_LOCATION.is_clearable());
        let err = vocabulary().attribute("jobtitel").unwrap_err();
        assert!(
            err.starts_with("unknown Graph user property \"jobtitel\""),
            "{err}"
        );
    }
}
