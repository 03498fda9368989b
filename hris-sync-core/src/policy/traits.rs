//! What a connector tells the policy about itself: its name, the key that may stand for
//! `source` or `target` in `[[mapping]]` and `[[group]]`, a directory's attribute vocabulary and
//! its capabilities.
//!
//! Core names no HR system and no directory. The policy is validated against the traits of
//! the connectors in use ([`ConfigFile::validate`](super::ConfigFile::validate)): a mapping to
//! an attribute the directory does not declare, or an option the directory cannot honour
//! (revoking sessions, a leave date, access passes, groups), is an error that names the key.
//! The planner asks [`Capabilities`], never which directory it is.

use std::ops::RangeInclusive;
use std::sync::Arc;

use crate::property::DirectoryProperty;

/// A directory's attributes: the names a `[[mapping]]` may target, each with its [`Spec`](crate::raw::Spec),
/// and the names the sync sets itself (declared so that mapping one is refused by name).
#[derive(Clone, Debug)]
pub struct Vocabulary {
    what: String,
    attributes: Vec<DirectoryProperty>,
    case_insensitive: bool,
}

impl Vocabulary {
    /// The attributes of a directory whose attributes are called `what` in messages
    /// ("Graph user property", "SCIM attribute"). Names are matched exactly.
    pub fn new(
        what: impl Into<String>,
        attributes: impl IntoIterator<Item = DirectoryProperty>,
    ) -> Self {
        Self {
            what: what.into(),
            attributes: attributes.into_iter().collect(),
            case_insensitive: false,
        }
    }

    /// Names matched ignoring ASCII case (as LDAP compares them).
    #[must_use]
    pub fn case_insensitive(mut self) -> Self {
        self.case_insensitive = true;
        self
    }

    /// Every declared attribute, managed ones included.
    #[must_use]
    pub fn attributes(&self) -> &[DirectoryProperty] {
        &self.attributes
    }

    /// The declared attribute named `name`, as declared (its spelling and spec).
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&DirectoryProperty> {
        self.attributes.iter().find(|p| {
            if self.case_insensitive {
                p.name().eq_ignore_ascii_case(name)
            } else {
                p.name() == name
            }
        })
    }

    /// The attribute a mapping's `target` names, or a message naming it and listing the names
    /// that may be mapped. A managed attribute is returned; the policy refuses it by name.
    ///
    /// # Errors
    /// The message the policy puts after `mapping[N].target:`.
    pub fn attribute(&self, name: &str) -> Result<DirectoryProperty, String> {
        self.get(name).cloned().ok_or_else(|| {
            format!(
                "unknown {} {name:?} (expected one of {})",
                self.what,
                self.attributes
                    .iter()
                    .filter(|p| !p.is_sync_managed())
                    .map(DirectoryProperty::name)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
    }

    /// The attributes written whole with `property` (itself included), in declared order;
    /// empty for a plain attribute (T5).
    #[must_use]
    pub fn siblings(&self, property: &DirectoryProperty) -> Vec<DirectoryProperty> {
        match property.whole() {
            None => Vec::new(),
            Some(whole) => self
                .attributes
                .iter()
                .filter(|p| p.whole() == Some(whole))
                .cloned()
                .collect(),
        }
    }
}

/// What a directory can do beyond creating, updating, disabling and enabling accounts.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Capabilities {
    /// It can revoke a disabled account's sign-in sessions (`lifecycle.revoke_sessions`;
    /// on by default where it can).
    pub revoke_sessions: bool,
    /// The attribute that carries a leaver's last day (`lifecycle.set_leave_date_time`),
    /// where it has one.
    pub leave_date: Option<DirectoryProperty>,
    /// The lifetimes in minutes of the one-time access passes it can issue
    /// (`[onboarding] temporary_access_pass`), where it issues them.
    pub access_passes: Option<RangeInclusive<u32>>,
    /// It keeps group membership (`[[group]]`).
    pub groups: bool,
}

impl Capabilities {
    /// Every capability: sessions, the leave date in `leave_date`, passes of 10 minutes to 30
    /// days, groups.
    #[must_use]
    pub fn all(leave_date: DirectoryProperty) -> Self {
        Self {
            revoke_sessions: true,
            leave_date: Some(leave_date),
            access_passes: Some(10..=43_200),
            groups: true,
        }
    }

    /// None of them: accounts only.
    #[must_use]
    pub fn none() -> Self {
        Self {
            revoke_sessions: false,
            leave_date: None,
            access_passes: None,
            groups: false,
        }
    }
}

/// A directory connector, as the policy sees it.
#[derive(Clone, Debug)]
pub struct DirectoryTraits {
    /// Its `[directory] kind`, used in messages.
    pub kind: String,
    /// The key that may stand for `target` in `[[mapping]]` and `[[group]]` (for a connector
    /// whose files name its side by the connector), if any.
    pub alias: Option<String>,
    /// What a `[[group]]`'s `target` holds, for messages ("object id", "distinguished name").
    pub group_id: String,
    /// What it can do.
    pub capabilities: Capabilities,
    /// Which attributes a mapping may target.
    pub vocabulary: Arc<Vocabulary>,
}

impl DirectoryTraits {
    /// Traits named `kind` with no alias, groups identified by "id", and the given
    /// capabilities and vocabulary.
    pub fn new(
        kind: impl Into<String>,
        capabilities: Capabilities,
        vocabulary: Vocabulary,
    ) -> Self {
        Self {
            kind: kind.into(),
            alias: None,
            group_id: "id".to_owned(),
            capabilities,
            vocabulary: Arc::new(vocabulary),
        }
    }

    /// With `alias` accepted for `target`.
    #[must_use]
    pub fn alias(mut self, alias: impl Into<String>) -> Self {
        self.alias = Some(alias.into());
        self
    }

    /// With `what` naming a group's id in messages.
    #[must_use]
    pub fn group_id(mut self, what: impl Into<String>) -> Self {
        self.group_id = what.into();
        self
    }
}

impl PartialEq for DirectoryTraits {
    /// Equal when kind, alias, group id and capabilities are (the vocabulary is the kind's).
    fn eq(&self, other: &Self) -> bool {
        self.kind == other.kind
            && self.alias == other.alias
            && self.group_id == other.group_id
            && self.capabilities == other.capabilities
    }
}

/// An HR source connector, as the policy sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceTraits {
    /// Its `[source] kind`, used in messages.
    pub kind: String,
    /// The key that may stand for `source` in `[[mapping]]`, if any.
    pub alias: Option<String>,
}

impl SourceTraits {
    /// Traits named `kind` with no alias.
    pub fn new(kind: impl Into<String>) -> Self {
        Self {
            kind: kind.into(),
            alias: None,
        }
    }

    /// With `alias` accepted for `source`.
    #[must_use]
    pub fn alias(mut self, alias: impl Into<String>) -> Self {
        self.alias = Some(alias.into());
        self
    }
}

impl Default for SourceTraits {
    /// An HR source named `hr`, with no alias.
    fn default() -> Self {
        Self::new("hr")
    }
}
