//! Active Directory's attribute vocabulary and capabilities: which LDAP attribute holds
//! which property, the names a `[[mapping]]` may target, and what AD can do beyond accounts.

use std::sync::Arc;

use hris_sync_core::DirectoryProperty;
use hris_sync_core::policy::{Capabilities, DirectoryTraits, Vocabulary};

/// The properties an Active Directory can hold, under their LDAP attribute names (the
/// `[[mapping]] ad = "…"` names, and what the AD connector writes). The sync-managed ones
/// come first; the others may be mapped. `businessPhones` is AD's single-valued
/// `telephoneNumber`; AD has no attribute for `employeeHireDate`, `employeeLeaveDateTime`,
/// `employeeOrgData.costCenter`, `usageLocation` or `otherMails`, and `mailNickname` exists
/// only with the Exchange schema, so none of these is written to AD.
const AD: &[(DirectoryProperty, &str)] = &[
    (DirectoryProperty::EmployeeId, "employeeID"),
    (DirectoryProperty::UserPrincipalName, "userPrincipalName"),
    (DirectoryProperty::DisplayName, "displayName"),
    (DirectoryProperty::GivenName, "givenName"),
    (DirectoryProperty::Surname, "sn"),
    (DirectoryProperty::JobTitle, "title"),
    (DirectoryProperty::Department, "department"),
    (DirectoryProperty::CompanyName, "company"),
    (
        DirectoryProperty::OfficeLocation,
        "physicalDeliveryOfficeName",
    ),
    (DirectoryProperty::EmployeeType, "employeeType"),
    (DirectoryProperty::Division, "division"),
    (DirectoryProperty::MobilePhone, "mobile"),
    (DirectoryProperty::BusinessPhones, "telephoneNumber"),
    (DirectoryProperty::StreetAddress, "streetAddress"),
    (DirectoryProperty::City, "l"),
    (DirectoryProperty::State, "st"),
    (DirectoryProperty::Country, "co"),
    (DirectoryProperty::PostalCode, "postalCode"),
    (DirectoryProperty::PreferredLanguage, "preferredLanguage"),
    (DirectoryProperty::Mail, "mail"),
];

/// AD attributes the sync sets itself, beyond the sync-managed properties' own names.
const AD_SYNC_MANAGED: &[&str] = &[
    "sAMAccountName",
    "userAccountControl",
    "unicodePwd",
    "pwdLastSet",
    "cn",
    "name",
    "objectClass",
    "manager",
];

/// The Active Directory (LDAP) attribute that holds this property (`title`,
/// `physicalDeliveryOfficeName`, `extensionAttribute3`), or `None` where AD has none.
pub fn ad_name(p: DirectoryProperty) -> Option<String> {
    match p {
        DirectoryProperty::ExtensionAttribute(n) => Some(format!("extensionAttribute{n}")),
        other => AD
            .iter()
            .find(|(p, _)| *p == other)
            .map(|(_, n)| (*n).to_owned()),
    }
}

/// Parse an Active Directory attribute name (case-insensitive, as LDAP compares them)
/// into the property it holds.
///
/// # Errors
/// A message naming the attribute, when AD holds no mappable property under that name or
/// the sync sets it itself.
pub fn from_ad_name(s: &str) -> Result<DirectoryProperty, String> {
    if let Some((p, _)) = AD.iter().find(|(_, n)| n.eq_ignore_ascii_case(s)) {
        return Ok(*p);
    }
    if let Some(n) = s
        .get(.."extensionAttribute".len())
        .filter(|h| h.eq_ignore_ascii_case("extensionAttribute"))
        .and_then(|_| s.get("extensionAttribute".len()..))
    {
        if let Ok(k) = n.parse::<u8>() {
            if (1..=15).contains(&k) && !n.starts_with('0') {
                return Ok(DirectoryProperty::ExtensionAttribute(k));
            }
        }
    }
    if AD_SYNC_MANAGED.iter().any(|n| n.eq_ignore_ascii_case(s)) {
        return Err(format!(
            "{s} is set by the sync itself and cannot be mapped"
        ));
    }
    Err(format!(
        "unknown Active Directory user attribute {s:?} (expected one of {}, or \
         extensionAttribute1..15 where the Exchange schema is installed)",
        AD.iter()
            .filter(|(p, _)| !p.is_sync_managed())
            .map(|(_, n)| *n)
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// The `[[mapping]]` names of Active Directory: LDAP attribute names, case-insensitive.
#[derive(Clone, Copy, Debug, Default)]
pub struct AdNames;

impl Vocabulary for AdNames {
    fn attribute(&self, name: &str) -> Result<DirectoryProperty, String> {
        from_ad_name(name)
    }
}

/// What Active Directory declares to the policy: kind `active_directory` (alias `ad` in
/// `[[mapping]]` and `[[group]]`), groups by distinguished name, group membership and nothing
/// else: no sessions to revoke over LDAP (a disabled account gets no new Kerberos tickets), no
/// leave date attribute, no access passes.
#[must_use]
pub fn traits() -> DirectoryTraits {
    let mut can = Capabilities::none();
    can.groups = true;
    DirectoryTraits::new("active_directory", can, Arc::new(AdNames))
        .alias("ad")
        .group_id("distinguished name")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ad_names_round_trip_and_refuse_what_ad_lacks() {
        for (p, n) in AD {
            assert_eq!(ad_name(*p).as_deref(), Some(*n));
            assert_eq!(from_ad_name(n).unwrap(), *p);
            assert_eq!(from_ad_name(&n.to_uppercase()).unwrap(), *p);
        }
        assert_eq!(
            from_ad_name("extensionattribute7").unwrap(),
            DirectoryProperty::ExtensionAttribute(7)
        );
        for lacking in [
            DirectoryProperty::EmployeeHireDate,
            DirectoryProperty::EmployeeLeaveDateTime,
            DirectoryProperty::CostCenter,
            DirectoryProperty::UsageLocation,
            DirectoryProperty::OtherMails,
            DirectoryProperty::MailNickname,
            DirectoryProperty::AccountEnabled,
        ] {
            assert_eq!(ad_name(lacking), None, "{lacking}");
        }
        let err = from_ad_name("jobTitle").unwrap_err();
        assert!(err.contains("unknown Active Directory user attribute \"jobTitle\""));
        assert!(err.contains("physicalDeliveryOfficeName"));
        let err = from_ad_name("sAMAccountName").unwrap_err();
        assert!(err.contains("set by the sync itself"), "{err}");
        assert!(from_ad_name("extensionAttribute16").is_err());
    }
}
