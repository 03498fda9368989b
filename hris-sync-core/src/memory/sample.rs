//! The in-memory directory's vocabulary: a typical cloud directory's user attributes, so every
//! rule can be exercised without a connector.
//!
//! Its shapes cover each kind a connector may declare: text with limits, a list, dates, a
//! country code, attributes that cannot be cleared, a complex value written whole
//! (`employeeOrgData`: division and cost center, T5) and fifteen extension attributes that
//! are written whole and refused on an account once synchronised from elsewhere (T11).

use crate::policy::Vocabulary;
use crate::property::{DirectoryProperty as P, PropertyKind, Spec};

const fn text(name: &'static str, max_len: usize) -> P {
    P::new(name, Spec::text(max_len))
}

/// `department`.
pub const DEPARTMENT: P = text("department", 64);
/// `jobTitle`.
pub const JOB_TITLE: P = text("jobTitle", 128);
/// `companyName`.
pub const COMPANY_NAME: P = text("companyName", 64);
/// `officeLocation`.
pub const OFFICE_LOCATION: P = text("officeLocation", 128);
/// `employeeType`.
pub const EMPLOYEE_TYPE: P = text("employeeType", 64);
/// `employeeHireDate` (an instant).
pub const EMPLOYEE_HIRE_DATE: P = P::new("employeeHireDate", Spec::of(PropertyKind::DateTime));
/// `employeeLeaveDateTime` (an instant; the leave date capability).
pub const EMPLOYEE_LEAVE_DATE_TIME: P =
    P::new("employeeLeaveDateTime", Spec::of(PropertyKind::DateTime));
/// `employeeOrgData.division` (written whole with the cost center).
pub const DIVISION: P = P::new(
    "employeeOrgData.division",
    Spec::text(64).part_of("employeeOrgData"),
);
/// `employeeOrgData.costCenter` (written whole with the division).
pub const COST_CENTER: P = P::new(
    "employeeOrgData.costCenter",
    Spec::text(64).part_of("employeeOrgData"),
);
/// `mobilePhone`.
pub const MOBILE_PHONE: P = text("mobilePhone", 64);
/// `businessPhones` (one value at most).
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
/// `usageLocation` (a country code; cannot be cleared).
pub const USAGE_LOCATION: P = P::new(
    "usageLocation",
    Spec::of(PropertyKind::CountryCode).not_clearable(),
);
/// `preferredLanguage`.
pub const PREFERRED_LANGUAGE: P = text("preferredLanguage", 35);
/// `mail` (cannot be cleared).
pub const MAIL: P = P::new("mail", Spec::text(256).not_clearable());
/// `otherMails`.
pub const OTHER_MAILS: P = P::new(
    "otherMails",
    Spec::of(PropertyKind::TextList {
        max_items: 250,
        max_len: 250,
    }),
);

const fn extension(name: &'static str) -> P {
    P::new(
        name,
        Spec::text(1024)
            .part_of("extensionAttributes")
            .not_after_sync(),
    )
}

/// `extensionAttribute1` … `extensionAttribute15`.
pub const EXTENSION_ATTRIBUTES: [P; 15] = [
    extension("extensionAttribute1"),
    extension("extensionAttribute2"),
    extension("extensionAttribute3"),
    extension("extensionAttribute4"),
    extension("extensionAttribute5"),
    extension("extensionAttribute6"),
    extension("extensionAttribute7"),
    extension("extensionAttribute8"),
    extension("extensionAttribute9"),
    extension("extensionAttribute10"),
    extension("extensionAttribute11"),
    extension("extensionAttribute12"),
    extension("extensionAttribute13"),
    extension("extensionAttribute14"),
    extension("extensionAttribute15"),
];

/// `extensionAttribute{n}`, `n` in 1..=15 (clamped).
#[must_use]
pub fn extension_attribute(n: u8) -> P {
    let i = usize::from(n.clamp(1, 15)) - 1;
    EXTENSION_ATTRIBUTES[i].clone()
}

/// Every attribute of the in-memory directory: the managed ones, then the mappable ones.
#[must_use]
pub fn vocabulary() -> Vocabulary {
    let mappable = [
        DEPARTMENT,
        JOB_TITLE,
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
    ];
    Vocabulary::new(
        "attribute",
        P::MANAGED
            .into_iter()
            .chain(mappable)
            .chain(EXTENSION_ATTRIBUTES),
    )
}
