//! The SCIM attributes a `[[mapping]]` may target, where each lives in a User resource, and
//! what a SCIM service provider declares to the policy.
//!
//! Names are RFC 7644 §3.10 attribute paths, matched ignoring case (RFC 7643 §2.1: attribute
//! names are case-insensitive): core User attributes by name (`title`), one entry of a
//! multi-valued attribute by its `type` (`phoneNumbers[type eq "work"].value`), and the
//! Enterprise User extension's attributes by their short names (`department`), which no core
//! attribute shares. In TOML, write a name with quotes as a literal string:
//! `target = 'phoneNumbers[type eq "mobile"].value'`.

use std::sync::OnceLock;

use hris_sync_core::policy::{Capabilities, DirectoryTraits, Vocabulary};
use hris_sync_core::raw::{DirectoryProperty as P, PropertyKind, Spec};

/// The Enterprise User extension's schema URN (RFC 7643 §4.3).
pub const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// The core User schema URN (RFC 7643 §4.1).
pub const CORE_USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

/// The longest text the sync writes to an attribute without a documented limit: RFC 7643
/// sets none, and providers that have one (Slack: 255 for titles) say so in their answer.
const TEXT: usize = 1024;

const fn text(name: &'static str) -> P {
    P::new(name, Spec::text(TEXT))
}

/// `title`: the job title.
pub const TITLE: P = text("title");
/// `userType`: the relationship to the organisation ("Employee", "Contractor", …).
pub const USER_TYPE: P = text("userType");
/// `preferredLanguage` (as in `Accept-Language`: `de-DE`).
pub const PREFERRED_LANGUAGE: P = text("preferredLanguage");
/// `locale` (`de-DE`).
pub const LOCALE: P = text("locale");
/// `timezone` (an IANA name: `Europe/Berlin`).
pub const TIMEZONE: P = text("timezone");
/// `nickName`: the casual name.
pub const NICK_NAME: P = text("nickName");
/// `profileUrl`.
pub const PROFILE_URL: P = text("profileUrl");
/// The work email's value: `emails[type eq "work"].value`. Unmapped, a new account's work
/// email is its `userName`.
pub const WORK_EMAIL: P = text("emails[type eq \"work\"].value");
/// The work phone: `phoneNumbers[type eq "work"].value`.
pub const WORK_PHONE: P = text("phoneNumbers[type eq \"work\"].value");
/// The mobile phone: `phoneNumbers[type eq "mobile"].value`.
pub const MOBILE_PHONE: P = text("phoneNumbers[type eq \"mobile\"].value");
/// The work address's street: `addresses[type eq "work"].streetAddress`.
pub const STREET_ADDRESS: P = text("addresses[type eq \"work\"].streetAddress");
/// The work address's city: `addresses[type eq "work"].locality`.
pub const LOCALITY: P = text("addresses[type eq \"work\"].locality");
/// The work address's state or region: `addresses[type eq "work"].region`.
pub const REGION: P = text("addresses[type eq \"work\"].region");
/// The work address's postal code: `addresses[type eq "work"].postalCode`.
pub const POSTAL_CODE: P = text("addresses[type eq \"work\"].postalCode");
/// The work address's country (ISO 3166-1 alpha-2): `addresses[type eq "work"].country`.
pub const COUNTRY: P = P::new(
    "addresses[type eq \"work\"].country",
    Spec::of(PropertyKind::CountryCode),
);
/// Enterprise `department`.
pub const DEPARTMENT: P = text("department");
/// Enterprise `costCenter`.
pub const COST_CENTER: P = text("costCenter");
/// Enterprise `division`.
pub const DIVISION: P = text("division");
/// Enterprise `organization`.
pub const ORGANIZATION: P = text("organization");

/// Where a property lives in a User resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Place<'a> {
    /// A core attribute at the top level, or a sub-attribute of one (`name.middleName`).
    Core(&'a str),
    /// An attribute of the Enterprise extension object.
    Enterprise(&'a str),
    /// An attribute (or sub-attribute) of another schema extension's object, as `[scim]
    /// attributes` declares it: `urn:…:User:badge`.
    Extension {
        /// The extension's schema URN.
        urn: &'a str,
        /// The attribute, possibly with a sub-attribute (`profile.title`).
        attr: &'a str,
    },
    /// A sub-attribute of the entry of a multi-valued attribute with this `type`.
    Typed {
        /// The multi-valued attribute (`phoneNumbers`).
        attr: &'a str,
        /// The entry's `type` (`work`).
        kind: &'a str,
        /// The sub-attribute (`value`).
        sub: &'a str,
    },
}

impl Place<'_> {
    /// The RFC 7644 §3.10 path of a PATCH operation on it.
    pub(crate) fn path(self) -> String {
        match self {
            Self::Core(name) => name.to_owned(),
            Self::Enterprise(name) => format!("{ENTERPRISE}:{name}"),
            Self::Extension { urn, attr } => format!("{urn}:{attr}"),
            Self::Typed { attr, kind, sub } => format!("{attr}[type eq \"{kind}\"].{sub}"),
        }
    }
}

const fn typed(attr: &'static str, kind: &'static str, sub: &'static str) -> Place<'static> {
    Place::Typed { attr, kind, sub }
}

/// Every mappable property with its place, in a fixed order.
const TABLE: [(P, Place<'static>); 19] = [
    (TITLE, Place::Core("title")),
    (USER_TYPE, Place::Core("userType")),
    (PREFERRED_LANGUAGE, Place::Core("preferredLanguage")),
    (LOCALE, Place::Core("locale")),
    (TIMEZONE, Place::Core("timezone")),
    (NICK_NAME, Place::Core("nickName")),
    (PROFILE_URL, Place::Core("profileUrl")),
    (WORK_EMAIL, typed("emails", "work", "value")),
    (WORK_PHONE, typed("phoneNumbers", "work", "value")),
    (MOBILE_PHONE, typed("phoneNumbers", "mobile", "value")),
    (STREET_ADDRESS, typed("addresses", "work", "streetAddress")),
    (LOCALITY, typed("addresses", "work", "locality")),
    (REGION, typed("addresses", "work", "region")),
    (POSTAL_CODE, typed("addresses", "work", "postalCode")),
    (COUNTRY, typed("addresses", "work", "country")),
    (DEPARTMENT, Place::Enterprise("department")),
    (COST_CENTER, Place::Enterprise("costCenter")),
    (DIVISION, Place::Enterprise("division")),
    (ORGANIZATION, Place::Enterprise("organization")),
];

/// Attributes the sync sets itself (or that the service provider sets), declared so a
/// mapping to one is refused by name.
const SET_BY_THE_SYNC: [&str; 13] = [
    "id",
    "externalId",
    "userName",
    "displayName",
    "name.givenName",
    "name.familyName",
    "name.formatted",
    "active",
    "emails",
    "password",
    "groups",
    "employeeNumber",
    "meta",
];

/// Every mappable property, in a fixed order.
#[must_use]
pub fn mappable() -> Vec<P> {
    TABLE.iter().map(|(p, _)| p.clone()).collect()
}

/// Where a property lives: one of the table's by its name (any case), else where a custom
/// attribute's name says (`urn:…:attr` in that extension, a plain name at the top level).
/// Only names the vocabulary declared reach here.
pub(crate) fn place(p: &P) -> Option<Place<'_>> {
    TABLE
        .iter()
        .find(|(q, _)| q.name().eq_ignore_ascii_case(p.name()))
        .map(|(_, place)| *place)
        .or_else(|| custom_place(p.name()))
}

/// Whether `p` is one of the table's attributes.
pub(crate) fn is_standard(p: &P) -> bool {
    TABLE
        .iter()
        .any(|(q, _)| q.name().eq_ignore_ascii_case(p.name()))
}

fn custom_place(name: &str) -> Option<Place<'_>> {
    if let Some(rest) = name.strip_prefix("urn:") {
        let (urn, attr) = name.rsplit_once(':')?;
        return (rest.contains(':') && is_attribute_path(attr))
            .then_some(Place::Extension { urn, attr });
    }
    is_attribute_path(name).then_some(Place::Core(name))
}

/// RFC 7643 §2.1 ATTRNAME, optionally `.` and a sub-attribute's.
fn is_attribute_path(path: &str) -> bool {
    let name = |s: &str| {
        let mut chars = s.chars();
        chars.next().is_some_and(|c| c.is_ascii_alphabetic())
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$')
    };
    match path.split_once('.') {
        Some((attr, sub)) => name(attr) && name(sub),
        None => name(path),
    }
}

/// A custom attribute `[scim] attributes` declares: an extension's attribute by its full
/// path (`urn:ietf:params:scim:schemas:extension:acme:2.0:User:badge`), or a core attribute
/// the table lacks (`name.middleName`, `nickName` is already there). Text, clearable.
///
/// # Errors
/// A name that is no attribute path, or one the vocabulary already has.
pub fn custom(name: &str) -> Result<P, String> {
    let p = P::owned(name.trim(), Spec::text(TEXT));
    if custom_place(p.name()).is_none() {
        return Err(format!(
            "{name:?} is no SCIM attribute path (an extension's `urn:…:attribute`, or a core \
             attribute name)"
        ));
    }
    if vocabulary().get(p.name()).is_some() {
        return Err(format!("{name:?} is declared already"));
    }
    Ok(p)
}

/// SCIM's vocabulary: the mappable attributes and those the sync sets itself, matched
/// ignoring case.
#[must_use]
pub fn vocabulary() -> &'static Vocabulary {
    static VOCABULARY: OnceLock<Vocabulary> = OnceLock::new();
    VOCABULARY.get_or_init(|| vocabulary_with(&[]))
}

fn vocabulary_with(extra: &[P]) -> Vocabulary {
    let managed = SET_BY_THE_SYNC
        .into_iter()
        .map(|n| P::new(n, Spec::text(TEXT).managed()));
    Vocabulary::new(
        "SCIM User attribute",
        mappable()
            .into_iter()
            .chain(extra.iter().cloned())
            .chain(managed),
    )
    .case_insensitive()
}

/// What a SCIM service provider declares to the policy: kind `scim`, groups by their SCIM
/// `id`, and group membership; no session revocation (SCIM has none: a deactivated account
/// is signed out by the application, if at all), no leave date, no access passes.
#[must_use]
pub fn traits() -> DirectoryTraits {
    traits_with(&[])
}

/// [`traits`], with `extra` (custom attributes, see [`custom`]) in the vocabulary.
#[must_use]
pub fn traits_with(extra: &[P]) -> DirectoryTraits {
    let mut can = Capabilities::none();
    can.groups = true;
    let vocabulary = if extra.is_empty() {
        vocabulary().clone()
    } else {
        vocabulary_with(extra)
    };
    DirectoryTraits::new(crate::SECTION, can, vocabulary).group_id("SCIM group id")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_ignoring_case_and_managed_ones_are_refused() {
        let v = vocabulary();
        for p in mappable() {
            assert_eq!(v.attribute(&p.name().to_uppercase()).unwrap(), p);
            assert!(place(&p).is_some(), "{p}");
        }
        assert_eq!(mappable().len(), 19);
        assert!(v.attribute("userName").unwrap().is_sync_managed());
        assert!(v.attribute("EXTERNALID").unwrap().is_sync_managed());
        let err = v.attribute("jobTitle").unwrap_err();
        assert!(err.contains("unknown SCIM User attribute"), "{err}");
        assert!(err.contains("title"), "{err}");
    }

    #[test]
    fn custom_attributes_are_paths_and_not_redeclared() {
        let badge = custom("urn:ietf:params:scim:schemas:extension:acme:2.0:User:badge").unwrap();
        assert_eq!(
            place(&badge),
            Some(Place::Extension {
                urn: "urn:ietf:params:scim:schemas:extension:acme:2.0:User",
                attr: "badge"
            })
        );
        assert_eq!(
            place(&custom("name.middleName").unwrap()),
            Some(Place::Core("name.middleName"))
        );
        for bad in [
            "phone numbers",
            "urn:acme",
            "emails[type eq \"home\"].value",
            "Title",
            "",
        ] {
            assert!(custom(bad).is_err(), "{bad}");
        }
        let v = traits_with(std::slice::from_ref(&badge)).vocabulary;
        assert_eq!(v.attribute(&badge.name().to_lowercase()).unwrap(), badge);
        assert!(traits().vocabulary.get(badge.name()).is_none());
    }

    #[test]
    fn paths_are_rfc_7644_paths() {
        assert_eq!(place(&TITLE).unwrap().path(), "title");
        assert_eq!(
            place(&DEPARTMENT).unwrap().path(),
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"
        );
        assert_eq!(
            place(&MOBILE_PHONE).unwrap().path(),
            "phoneNumbers[type eq \"mobile\"].value"
        );
    }
}
