//! The simulator's model of Graph's `user` resource (v1.0): the properties it stores, where
//! each sits in the JSON, its type, and the limits Graph documents (`maxLength` where the
//! resource page states one; the neighbours' limit where it does not). Written from the
//! resource's documentation, not from the connector's list, so a connector that sends a name
//! Graph lacks, or a value Graph refuses, is refused here too.
//!
//! Fields of a complex property are stored under `complex.field` (`employeeOrgData.division`),
//! except the extension attributes, stored under their own names (`extensionAttribute3`).

use hris_sync_core::policy::Vocabulary;
use hris_sync_core::raw::{DirectoryProperty, PropertyKind, Spec};

/// `employeeOrgData`: written whole (a field left out becomes null).
pub const ORG_DATA: &str = "employeeOrgData";
/// `onPremisesExtensionAttributes`: written whole; refused on a user once synchronised from
/// on-premises.
pub const EXTENSIONS: &str = "onPremisesExtensionAttributes";

/// Top-level string properties and their documented maximum lengths.
const STRINGS: &[(&str, usize)] = &[
    ("jobTitle", 128),
    ("department", 64),
    ("companyName", 64),
    ("officeLocation", 128),
    ("employeeType", 64),
    ("mobilePhone", 64),
    ("streetAddress", 1024),
    ("city", 128),
    ("state", 128),
    ("country", 128),
    ("postalCode", 40),
    ("preferredLanguage", 35),
];

/// The documented maximum lengths of the text properties every user has.
const BASE_LIMITS: &[(&str, usize)] = &[
    ("displayName", 256),
    ("givenName", 64),
    ("surname", 64),
    ("mailNickname", 64),
    ("employeeId", 16),
    ("userPrincipalName", 113),
];

/// The maximum length of a text property every user has, by its JSON name.
#[must_use]
pub fn base_limit(name: &str) -> Option<usize> {
    BASE_LIMITS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, m)| *m)
}

fn prop(name: String, spec: Spec) -> DirectoryProperty {
    DirectoryProperty::owned(name, spec)
}

/// Every property the simulator stores besides the ones every user has (id, UPN, employee
/// id, enabled flag, names, mail nickname). Built once: it is consulted for every user rendered
/// and every field written.
#[must_use]
pub fn properties() -> &'static [DirectoryProperty] {
    static PROPERTIES: std::sync::OnceLock<Vec<DirectoryProperty>> = std::sync::OnceLock::new();
    PROPERTIES.get_or_init(build)
}

fn build() -> Vec<DirectoryProperty> {
    let mut out: Vec<DirectoryProperty> = STRINGS
        .iter()
        .map(|(n, max)| prop((*n).to_owned(), Spec::text(*max)))
        .collect();
    out.push(prop(
        "employeeHireDate".into(),
        Spec::of(PropertyKind::DateTime),
    ));
    out.push(prop(
        "employeeLeaveDateTime".into(),
        Spec::of(PropertyKind::DateTime),
    ));
    out.push(prop(
        "businessPhones".into(),
        Spec::of(PropertyKind::TextList {
            max_items: 1,
            max_len: 64,
        }),
    ));
    out.push(prop(
        "otherMails".into(),
        Spec::of(PropertyKind::TextList {
            max_items: 250,
            max_len: 250,
        }),
    ));
    // Graph answers 400 to `null` for these.
    out.push(prop("mail".into(), Spec::text(256).not_clearable()));
    out.push(prop(
        "usageLocation".into(),
        Spec::of(PropertyKind::CountryCode).not_clearable(),
    ));
    for field in ["division", "costCenter"] {
        out.push(prop(
            format!("{ORG_DATA}.{field}"),
            Spec::text(64).part_of(ORG_DATA),
        ));
    }
    for n in 1..=15 {
        out.push(prop(
            format!("extensionAttribute{n}"),
            Spec::text(1024).part_of(EXTENSIONS).not_after_sync(),
        ));
    }
    out
}

/// The store's vocabulary: the properties every user has, then [`properties`].
#[must_use]
pub fn vocabulary() -> Vocabulary {
    Vocabulary::new(
        "property of resource 'User'",
        DirectoryProperty::MANAGED
            .into_iter()
            .chain(properties().iter().cloned()),
    )
}

/// A top-level property by its JSON name (not a field of a complex one).
#[must_use]
pub fn top_level(name: &str) -> Option<DirectoryProperty> {
    DirectoryProperty::MANAGED
        .into_iter()
        .chain(properties().iter().cloned())
        .find(|p| p.name() == name && p.whole().is_none())
}

/// A field of `complex` by its JSON name.
#[must_use]
pub fn field(complex: &str, name: &str) -> Option<DirectoryProperty> {
    properties()
        .iter()
        .find(|p| {
            p.whole() == Some(complex)
                && (p.name() == name
                    || p.name()
                        .strip_prefix(complex)
                        .and_then(|f| f.strip_prefix('.'))
                        == Some(name))
        })
        .cloned()
}
