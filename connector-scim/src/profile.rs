//! [`Profile`]: what a service provider does differently from RFC 7644, where it matters to
//! the sync.

use std::fmt;
use std::str::FromStr;

/// A service provider's known deviations from RFC 7644 that change what the connector
/// sends. Everything else that varies is read from `/ServiceProviderConfig` (PATCH, filters,
/// ETags, the page size) or tolerated whatever the profile (a 404 for an empty filter
/// result, numbers as strings, `Resources` in any case).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Profile {
    /// RFC 7644 as written: one PATCH operation per attribute with an explicit path, a
    /// filter in the path for one entry of a multi-valued attribute
    /// (`phoneNumbers[type eq "work"].value`).
    #[default]
    Rfc,
    /// GitHub: "complicated SCIM path selectors that include filters are not supported", so
    /// an entry of a multi-valued attribute is changed by replacing the whole attribute
    /// (the other entries as read). Note that on GitHub's organization SCIM, `active=false`
    /// removes the user from the organization; the enterprise (EMU) endpoint suspends.
    GitHub,
}

impl Profile {
    /// Whether PATCH paths may carry a value filter.
    #[must_use]
    pub fn filtered_paths(self) -> bool {
        self == Self::Rfc
    }
}

impl FromStr for Profile {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "rfc" | "rfc7644" => Ok(Self::Rfc),
            "github" => Ok(Self::GitHub),
            other => Err(format!(
                "unknown SCIM profile {other:?} (known: \"rfc\", \"github\")"
            )),
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Rfc => "rfc",
            Self::GitHub => "github",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_print() {
        for p in [Profile::Rfc, Profile::GitHub] {
            assert_eq!(p.to_string().parse::<Profile>().unwrap(), p);
        }
        assert_eq!("GitHub".parse::<Profile>().unwrap(), Profile::GitHub);
        assert!("okta".parse::<Profile>().unwrap_err().contains("known"));
    }
}
