//! The plan: what a sync would do, as data.
//!
//! A [`Plan`] serializes to JSON with a fixed field order and sorted maps, so identical inputs
//! give identical bytes (S9). It holds no secrets: passwords are generated when a create is
//! applied, never planned.

use std::collections::BTreeMap;

use serde::Serialize;

use super::reason::Reason;
use crate::id::{DirectoryUserId, EmployeeId};
use crate::property::{DirectoryProperty, PropertyValue};

/// A property's value before and after (`None` = null).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The directory's current value.
    pub from: Option<PropertyValue>,
    /// The value the sync writes.
    pub to: Option<PropertyValue>,
}

/// Property changes of one user, by property.
pub type ChangeSet = BTreeMap<DirectoryProperty, Change>;

/// An account that exists, or one this plan creates.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(tag = "ref", content = "id", rename_all = "snake_case")]
pub enum UserRef {
    /// An existing account.
    Existing(DirectoryUserId),
    /// The account this plan creates (or links) for an employee.
    Pending(EmployeeId),
}

/// One write the plan intends. Serialized with a `kind` tag.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Action {
    /// S2: write `employeeId` on the matching account (with any attribute changes, one PATCH).
    Link {
        /// The employee.
        employee_id: EmployeeId,
        /// The account.
        user_id: DirectoryUserId,
        /// The account's UPN.
        upn: String,
        /// `employeeId` and every other change.
        changes: ChangeSet,
        /// Values truncated or left out, for the report.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        warnings: Vec<Reason>,
    },
    /// S3: create an account with everything mapped.
    Create {
        /// The employee.
        employee_id: EmployeeId,
        /// The UPN (U1–U4).
        upn: String,
        /// The UPN to try once if the directory reports `upn` taken at create time (U5).
        #[serde(skip_serializing_if = "Option::is_none")]
        fallback_upn: Option<String>,
        /// `displayName`.
        display_name: String,
        /// `givenName`.
        given_name: String,
        /// `surname`.
        surname: String,
        /// `false` for a pre-hire created disabled.
        account_enabled: bool,
        /// Every mapped property (and `usageLocation`).
        properties: BTreeMap<DirectoryProperty, PropertyValue>,
        /// Values truncated or left out.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        warnings: Vec<Reason>,
        /// A Temporary Access Pass to make once the account exists (`[onboarding]`).
        #[serde(skip_serializing_if = "Option::is_none")]
        access_pass: Option<crate::operation::AccessPassRequest>,
    },
    /// S4: change the properties that differ (one PATCH).
    Update {
        /// The employee.
        employee_id: EmployeeId,
        /// The account.
        user_id: DirectoryUserId,
        /// The account's UPN.
        upn: String,
        /// Only the properties that differ.
        changes: ChangeSet,
        /// Values truncated or left out.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        warnings: Vec<Reason>,
    },
    /// S4 second pass: set or remove the manager.
    SetManager {
        /// The employee.
        employee_id: EmployeeId,
        /// The employee's account.
        user: UserRef,
        /// The account's UPN.
        upn: String,
        /// The current manager.
        from: Option<DirectoryUserId>,
        /// The new manager (`None` removes it).
        to: Option<UserRef>,
    },
    /// S5: disable the account.
    Disable {
        /// The employee.
        employee_id: EmployeeId,
        /// The account.
        user_id: DirectoryUserId,
        /// The account's UPN.
        upn: String,
        /// Why (termination date passed, inactive, on leave).
        reason: Reason,
        /// Also revoke sign-in sessions.
        revoke_sessions: bool,
        /// Also set the directory's leave date.
        #[serde(skip_serializing_if = "Option::is_none")]
        leave_date: Option<LeaveDate>,
    },
    /// S6: enable an account this sync disabled (or created disabled).
    Enable {
        /// The employee.
        employee_id: EmployeeId,
        /// The account.
        user_id: DirectoryUserId,
        /// The account's UPN.
        upn: String,
        /// Why (rehired, hire date reached).
        reason: Reason,
    },
    /// G1, G5: make the account a member of a listed group (after every create, T3).
    AddMember {
        /// The employee.
        employee_id: EmployeeId,
        /// The employee's account (one this plan creates, or an existing one).
        user: UserRef,
        /// The account's UPN.
        upn: String,
        /// The group's name (`[[group]] name`).
        group: String,
        /// The group's id in the directory.
        group_id: String,
        /// Why (the rule matches; rehired).
        reason: Reason,
    },
    /// G2, G5: take the account out of a listed group.
    RemoveMember {
        /// The employee, when the account is an employee's (an authoritative group also
        /// loses members that are nobody's).
        #[serde(skip_serializing_if = "Option::is_none")]
        employee_id: Option<EmployeeId>,
        /// The account.
        user_id: DirectoryUserId,
        /// The account's UPN.
        upn: String,
        /// The group's name.
        group: String,
        /// The group's id in the directory.
        group_id: String,
        /// Why (no longer matches; not matching an authoritative group; a leaver).
        reason: Reason,
    },
}

impl Action {
    /// The employee the action is for (`None` only for a member of an authoritative group
    /// that is nobody's account).
    #[must_use]
    pub fn employee_id(&self) -> Option<&EmployeeId> {
        match self {
            Self::Link { employee_id, .. }
            | Self::Create { employee_id, .. }
            | Self::Update { employee_id, .. }
            | Self::SetManager { employee_id, .. }
            | Self::Disable { employee_id, .. }
            | Self::Enable { employee_id, .. }
            | Self::AddMember { employee_id, .. } => Some(employee_id),
            Self::RemoveMember { employee_id, .. } => employee_id.as_ref(),
        }
    }

    /// The UPN of the account the action writes.
    #[must_use]
    pub fn upn(&self) -> &str {
        match self {
            Self::Link { upn, .. }
            | Self::Create { upn, .. }
            | Self::Update { upn, .. }
            | Self::SetManager { upn, .. }
            | Self::Disable { upn, .. }
            | Self::Enable { upn, .. }
            | Self::AddMember { upn, .. }
            | Self::RemoveMember { upn, .. } => upn,
        }
    }

    /// The report's word for the action.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Link { .. } => "link",
            Self::Create { .. } => "create",
            Self::Update { .. } => "update",
            Self::SetManager { .. } => "set_manager",
            Self::Disable { .. } => "disable",
            Self::Enable { .. } => "enable",
            Self::AddMember { .. } => "add_member",
            Self::RemoveMember { .. } => "remove_member",
        }
    }

    /// The apply phase (docs/rules.md §5: links, creates, updates, manager pass, disables,
    /// enables, then group memberships).
    #[must_use]
    pub fn phase(&self) -> u8 {
        match self {
            Self::Link { .. } => 0,
            Self::Create { .. } => 1,
            Self::Update { .. } => 2,
            Self::SetManager { .. } => 3,
            Self::Disable { .. } => 4,
            Self::Enable { .. } => 5,
            Self::AddMember { .. } | Self::RemoveMember { .. } => 6,
        }
    }

    /// The last apply phase.
    pub const LAST_PHASE: u8 = 6;
}

/// An employee (or account) the plan does not act on, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// The employee, when the problem is an employee's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub employee_id: Option<EmployeeId>,
    /// The UPN involved, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upn: Option<String>,
    /// `true` for a conflict an operator must resolve; `false` for an ordinary skip.
    pub conflict: bool,
    /// Why.
    pub reason: Reason,
}

/// A non-blocking observation (a supervisor without an account, a user disabled by someone else).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Notice {
    /// The employee.
    pub employee_id: EmployeeId,
    /// What was observed.
    pub reason: Reason,
}

/// The output of [`super::plan`].
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Plan {
    /// Writes, ordered by apply phase and then employee id.
    pub actions: Vec<Action>,
    /// Employees and accounts not acted on, with reasons, ordered by employee id.
    pub skipped: Vec<Skipped>,
    /// Observations that need no action.
    pub notices: Vec<Notice>,
    /// Employees whose account is already in step.
    pub unchanged: usize,
    /// Accounts linked to an employee before this plan (the base of S7's percentage).
    pub linked_users: usize,
}

impl Plan {
    /// Whether the plan writes nothing (S10: a second run after a successful one).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }

    /// The plan as JSON (byte-identical for identical inputs, S9).
    #[must_use]
    pub fn to_json(&self) -> String {
        // Every type in a plan serializes infallibly (no maps with non-string keys, no
        // non-finite floats); fall back to an empty object rather than panic.
        serde_json::to_string(self).unwrap_or_else(|_| "{}".to_owned())
    }

    /// Keep only what concerns the employees in `scope` (a targeted cycle). A manager
    /// assignment to an account this plan would create for someone outside the scope is
    /// dropped too: that account will not exist until a cycle that creates it, which sets
    /// the manager then.
    pub fn keep_only(&mut self, scope: &std::collections::BTreeSet<EmployeeId>) {
        self.actions
            .retain(|a| a.employee_id().is_some_and(|id| scope.contains(id)));
        let created: std::collections::BTreeSet<EmployeeId> = self
            .actions
            .iter()
            .filter_map(|a| match a {
                Action::Create { employee_id, .. } => Some(employee_id.clone()),
                _ => None,
            })
            .collect();
        self.actions.retain(|a| match a {
            Action::SetManager {
                to: Some(UserRef::Pending(manager)),
                ..
            } => created.contains(manager),
            Action::AddMember {
                user: UserRef::Pending(who),
                ..
            } => created.contains(who),
            _ => true,
        });
        self.skipped
            .retain(|s| s.employee_id.as_ref().is_some_and(|id| scope.contains(id)));
        self.notices.retain(|n| scope.contains(&n.employee_id));
        let touched: std::collections::BTreeSet<&EmployeeId> = self
            .actions
            .iter()
            .filter_map(Action::employee_id)
            .chain(self.skipped.iter().filter_map(|s| s.employee_id.as_ref()))
            .collect();
        self.unchanged = scope.iter().filter(|id| !touched.contains(id)).count();
    }

    /// How many actions of a kind (`"create"`, `"disable"`, …) the plan holds.
    #[must_use]
    pub fn count(&self, kind: &str) -> usize {
        self.actions.iter().filter(|a| a.kind() == kind).count()
    }
}

/// A leaver's last moment, written to the directory's leave date attribute on disable
/// (`lifecycle.set_leave_date_time`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LeaveDate {
    /// The attribute ([`Capabilities::leave_date`](crate::policy::Capabilities::leave_date)).
    pub attribute: DirectoryProperty,
    /// The instant, ISO 8601 in UTC (the end of the last working day in the company's zone).
    pub at: String,
}
