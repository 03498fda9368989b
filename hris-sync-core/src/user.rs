//! Directory users: accounts as the directory reports them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::id::DirectoryUserId;
use crate::property::{DirectoryProperty, PropertyValue};

/// What kind of directory object a listed entry is.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ObjectKind {
    /// An ordinary user account.
    #[default]
    User,
    /// An agent identity listed among users (`#microsoft.graph.agentUser`); never written (S8).
    Agent,
    /// A built-in or critical system account (Active Directory `isCriticalSystemObject`:
    /// Administrator, Guest, krbtgt …); listed so its names count as taken, never written (S8).
    BuiltIn,
}

/// A directory account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryUser {
    /// The directory's object id.
    pub id: DirectoryUserId,
    /// The user principal name (sign-in name).
    pub user_principal_name: String,
    /// The `employeeId` as stored (any text; a user carrying an HR id is linked, S1).
    pub employee_id: Option<String>,
    /// Whether the account can sign in.
    pub account_enabled: bool,
    /// The primary SMTP address.
    pub mail: Option<String>,
    /// Whether the account is synchronised from an on-premises directory (hybrid, never written).
    pub on_premises_sync_enabled: bool,
    /// Whether the account was synchronised from on-premises once and is cloud-managed now
    /// (for example Graph's `onPremisesSyncEnabled = false`, unlike `null` for never
    /// synchronised). Such an account is written, except the attributes whose
    /// [`Spec::after_sync`](crate::raw::Spec::after_sync) is false (T11).
    #[serde(default)]
    pub previously_synced: bool,
    /// What kind of object this is.
    pub kind: ObjectKind,
    /// The manager's object id.
    pub manager_id: Option<DirectoryUserId>,
    /// Current values of the properties the sync manages (names and mapped properties). A
    /// property missing from the map is null in the directory.
    pub properties: BTreeMap<DirectoryProperty, PropertyValue>,
}

impl DirectoryUser {
    /// A plain enabled cloud user with no properties; set the other fields directly.
    pub fn new(id: impl Into<String>, upn: impl Into<String>) -> Self {
        Self {
            id: DirectoryUserId::new(id),
            user_principal_name: upn.into(),
            employee_id: None,
            account_enabled: true,
            mail: None,
            on_premises_sync_enabled: false,
            previously_synced: false,
            kind: ObjectKind::User,
            manager_id: None,
            properties: BTreeMap::new(),
        }
    }

    /// The `employeeId`, trimmed, when it is not blank.
    #[must_use]
    pub fn employee_id(&self) -> Option<&str> {
        self.employee_id
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }

    /// The current value of a property (`None` = null).
    #[must_use]
    pub fn property(&self, property: &DirectoryProperty) -> Option<&PropertyValue> {
        self.properties.get(property)
    }
}
