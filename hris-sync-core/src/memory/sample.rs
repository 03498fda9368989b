//! The in-memory directory's vocabulary: a typical cloud directory's user attributes, so every
//! rule can be exercised without a connector.
//!
//! Its shapes cover each kind a connector may declare: text with limits, a list, dates, a
//! country code, attributes that cannot be cleared, a complex value written whole
//! (`employeeOrgData`: division and cost center, T5) and fifteen extension attributes that
//! are written whole and refused on an account once synchronised from elsewhere (T11).

use crate::policy::Vocabulary;
use crate::property::{DirectoryProperty as P, PropertyKind, Spec};

/// One constant per attribute, documented by its name, and [`MAPPABLE`] listing them all.
macro_rules! sample {
    ($($konst:ident $name:literal $spec:expr;)*) => {
        $(
            #[doc = concat!("`", $name, "`.")]
            pub const $konst: P = P::new($name, $spec);
        )*

        /// Every attribute above, in their order (the extension attributes apart).
        pub const MAPPABLE: &[P] = &[$($konst),*];
    };
}

const ORG: &str = "employeeOrgData";
const LIST_OF_ONE: PropertyKind = PropertyKind::TextList {
    max_items: 1,
    max_len: 64,
};
const MANY: PropertyKind = PropertyKind::TextList {
    max_items: 250,
    max_len: 250,
};

sample! {
    DEPARTMENT "department" Spec::text(64);
    JOB_TITLE "jobTitle" Spec::text(128);
    COMPANY_NAME "companyName" Spec::text(64);
    OFFICE_LOCATION "officeLocation" Spec::text(128);
    EMPLOYEE_TYPE "employeeType" Spec::text(64);
    EMPLOYEE_HIRE_DATE "employeeHireDate" Spec::of(PropertyKind::DateTime);
    EMPLOYEE_LEAVE_DATE_TIME "employeeLeaveDateTime" Spec::of(PropertyKind::DateTime);
    DIVISION "employeeOrgData.division" Spec::text(64).part_of(ORG);
    COST_CENTER "employeeOrgData.costCenter" Spec::text(64).part_of(ORG);
    MOBILE_PHONE "mobilePhone" Spec::text(64);
    BUSINESS_PHONES "businessPhones" Spec::of(LIST_OF_ONE);
    STREET_ADDRESS "streetAddress" Spec::text(1024);
    CITY "city" Spec::text(128);
    STATE "state" Spec::text(128);
    COUNTRY "country" Spec::text(128);
    POSTAL_CODE "postalCode" Spec::text(40);
    USAGE_LOCATION "usageLocation" Spec::of(PropertyKind::CountryCode).not_clearable();
    PREFERRED_LANGUAGE "preferredLanguage" Spec::text(35);
    MAIL "mail" Spec::text(256).not_clearable();
    OTHER_MAILS "otherMails" Spec::of(MANY);
}

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
    Vocabulary::new(
        "attribute",
        P::MANAGED
            .into_iter()
            .chain(MAPPABLE.iter().cloned())
            .chain(EXTENSION_ATTRIBUTES),
    )
}
