//! LDAP result codes and transport failures mapped to hris-sync's error kinds, in one place.
//!
//! The codes are RFC 4511's; what each means for the sync follows Active Directory (and Samba's
//! AD DC, which answers the same codes): a UPN in use is `constraintViolation` (19) naming
//! `userPrincipalName`, a taken `cn` or `sAMAccountName` is `entryAlreadyExists` (68), a
//! missing right is `insufficientAccessRights` (50), and `busy` (51) and `unavailable` (52)
//! are worth another try.

use hris_sync_core::{Error, ErrorKind};
use ldap3::{LdapError, LdapResult};

/// What an operation needs the service account to be allowed, named in a permission error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Right {
    /// Reading users and the rootDSE.
    Read,
    /// Creating user objects in the target OU.
    CreateUser,
    /// Writing the named attributes of user objects.
    WriteProperty,
    /// Moving a user between OUs.
    Move,
    /// Changing a group's `member` attribute.
    WriteMembers,
}

impl Right {
    fn explain(self) -> &'static str {
        match self {
            Self::Read => "read access to the base DN's user objects (Read All Properties)",
            Self::CreateUser => {
                "\"Create User objects\" on the target OU (active_directory.users_ou), and \
                 \"Reset Password\" on the user objects in it (the new account's password)"
            }
            Self::WriteProperty => {
                "\"Write\" on the user objects' attributes the sync manages (or Write All Properties)"
            }
            Self::WriteMembers => {
                "\"Write Members\" on the group (Delegate Control: \"Modify the membership of a \
                 group\")"
            }
            Self::Move => {
                "\"Delete User objects\" on the source OU and \"Create User objects\" on the \
                 destination OU"
            }
        }
    }
}

/// The one LDAP → error mapping of this connector. `what` names the operation (`add
/// CN=…`, `search OU=…`) and is the start of the message; `right` is what a refusal for
/// lack of access is about.
pub(crate) fn from_ldap(what: &str, right: Right, error: LdapError) -> Error {
    match error {
        LdapError::LdapResult { result } => from_result(what, right, &result),
        LdapError::Timeout { .. } => Error::new(
            ErrorKind::Transient,
            format!("{what}: the domain controller did not answer in time"),
        ),
        LdapError::Io { source } if tls_failure(&source).is_some() => Error::config(format!(
            "{what}: TLS with the domain controller failed: {} (check active_directory.ca_file \
             and active_directory.tls_server_name)",
            tls_failure(&source)
                .map(ToString::to_string)
                .unwrap_or_default()
        )),
        LdapError::Io { source } => Error::new(
            ErrorKind::Transient,
            format!("{what}: connection to the domain controller failed: {source}"),
        ),
        LdapError::OpSend { .. }
        | LdapError::ResultRecv { .. }
        | LdapError::IdScrubSend { .. }
        | LdapError::MiscSend { .. }
        | LdapError::EndOfStream => Error::new(
            ErrorKind::Transient,
            format!("{what}: the connection to the domain controller was lost"),
        ),
        LdapError::Rustls { source } => Error::config(format!(
            "{what}: TLS with the domain controller failed: {source} (check \
             active_directory.ca_file and active_directory.tls_server_name)"
        )),
        LdapError::DNSName { source } => Error::config(format!(
            "{what}: {source} (active_directory.tls_server_name)"
        )),
        LdapError::UrlParsing { source } => {
            Error::config(format!("active_directory.url: {source}"))
        }
        LdapError::UnknownScheme(s) => Error::config(format!(
            "active_directory.url: unknown scheme {s:?} (expected ldaps or ldap)"
        )),
        other => Error::new(ErrorKind::Other, format!("{what}: {other}")),
    }
}

/// The TLS error inside an I/O error (tokio-rustls reports a refused certificate so).
fn tls_failure(e: &std::io::Error) -> Option<&rustls::Error> {
    e.get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
}

/// The error for a result whose code is not success.
pub(crate) fn from_result(what: &str, right: Right, result: &LdapResult) -> Error {
    let text = result.text.trim();
    let message = if text.is_empty() {
        format!("{what}: LDAP {} {}", result.rc, code_name(result.rc))
    } else {
        format!(
            "{what}: LDAP {} {}: {text}",
            result.rc,
            code_name(result.rc)
        )
    };
    let lower = text.to_ascii_lowercase();
    match result.rc {
        19 if lower.contains("userprincipalname") => Error::conflict("userPrincipalName", message),
        19 if lower.contains("password") => Error::invalid_input(format!(
            "{message} (the generated password does not meet the domain's password policy)"
        )),
        // Samba: "sAMAccountName 'x' is already in use (implied by userPrincipalName)".
        68 if lower.contains("implied by userprincipalname") => {
            Error::conflict("userPrincipalName", message)
        }
        68 => Error::new(ErrorKind::AlreadyExists, message),
        8 | 13 => Error::config(format!(
            "{message} — the domain controller requires an encrypted connection: use an \
             ldaps:// URL or StartTLS"
        )),
        10 => Error::config(format!(
            "{message} — the DN belongs to another domain (referral to {}); point \
             active_directory.url at a domain controller of that domain",
            result.refs.join(", ")
        )),
        17 => Error::config(format!(
            "{message} — the directory's schema lacks the attribute (extensionAttribute1..15 \
             need the Exchange schema extension)"
        )),
        32 => Error::new(ErrorKind::NotFound, message),
        49 => Error::new(
            ErrorKind::Unauthenticated,
            format!("{message} — check AD_BIND_DN and AD_BIND_PASSWORD"),
        ),
        50 => Error::new(
            ErrorKind::PermissionDenied,
            format!(
                "{message} — the service account (AD_BIND_DN) needs {}",
                right.explain()
            ),
        ),
        3 | 51 | 52 => Error::new(ErrorKind::Transient, message),
        16 | 19 | 21 | 34 | 53 | 64 | 65 | 67 | 69 => Error::invalid_input(message),
        20 => Error::new(ErrorKind::AlreadyExists, message),
        _ => Error::new(ErrorKind::Other, message),
    }
}

/// RFC 4511's name of a result code.
fn code_name(rc: u32) -> &'static str {
    match rc {
        1 => "operationsError",
        2 => "protocolError",
        3 => "timeLimitExceeded",
        4 => "sizeLimitExceeded",
        8 => "strongerAuthRequired",
        10 => "referral",
        11 => "adminLimitExceeded",
        13 => "confidentialityRequired",
        16 => "noSuchAttribute",
        17 => "undefinedAttributeType",
        19 => "constraintViolation",
        20 => "attributeOrValueExists",
        21 => "invalidAttributeSyntax",
        32 => "noSuchObject",
        34 => "invalidDNSyntax",
        49 => "invalidCredentials",
        50 => "insufficientAccessRights",
        51 => "busy",
        52 => "unavailable",
        53 => "unwillingToPerform",
        64 => "namingViolation",
        65 => "objectClassViolation",
        67 => "notAllowedOnRDN",
        68 => "entryAlreadyExists",
        69 => "objectClassModsProhibited",
        80 => "other",
        _ => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(rc: u32, text: &str) -> LdapResult {
        LdapResult {
            rc,
            matched: String::new(),
            text: text.to_owned(),
            refs: Vec::new(),
            ctrls: Vec::new(),
        }
    }

    #[test]
    fn codes_map_to_what_the_sync_does_next() {
        let upn = from_result(
            "add CN=x",
            Right::CreateUser,
            &result(19, "samldb: userPrincipalName 'a@b' is already in use"),
        );
        assert!(upn.is_upn_conflict(), "{upn}");
        let weak = from_result(
            "add CN=x",
            Right::CreateUser,
            &result(19, "check_password_restrictions: the password is too short"),
        );
        assert_eq!(weak.kind(), ErrorKind::InvalidInput);
        assert!(!weak.is_upn_conflict());
        let taken = from_result("add CN=x", Right::CreateUser, &result(68, ""));
        assert_eq!(taken.kind(), ErrorKind::AlreadyExists);
        let denied = from_result("add CN=x", Right::CreateUser, &result(50, "00002098"));
        assert_eq!(denied.kind(), ErrorKind::PermissionDenied);
        assert!(denied.message().contains("Create User objects"), "{denied}");
        let bind = from_result("bind", Right::Read, &result(49, ""));
        assert_eq!(bind.kind(), ErrorKind::Unauthenticated);
        assert!(bind.message().contains("AD_BIND_PASSWORD"));
        for rc in [51, 52] {
            assert!(from_result("x", Right::Read, &result(rc, "")).is_retryable());
        }
        let plain = from_result(
            "bind",
            Right::Read,
            &result(8, "BindSimple: Transport encryption required."),
        );
        assert_eq!(plain.kind(), ErrorKind::InvalidConfig);
        assert!(plain.message().contains("ldaps://"), "{plain}");
        assert_eq!(
            from_result("x", Right::Read, &result(32, "")).kind(),
            ErrorKind::NotFound
        );
        assert_eq!(
            from_result("x", Right::WriteProperty, &result(21, "")).kind(),
            ErrorKind::InvalidInput
        );
    }

    #[test]
    fn transport_failures_are_transient() {
        let e = from_ldap(
            "search",
            Right::Read,
            LdapError::Io {
                source: std::io::Error::from(std::io::ErrorKind::ConnectionReset),
            },
        );
        assert!(e.is_retryable());
        assert!(from_ldap("search", Right::Read, LdapError::EndOfStream).is_retryable());
    }
}
