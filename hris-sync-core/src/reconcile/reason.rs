//! Why the planner did (or did not) act: one reason per skipped employee, conflict, notice,
//! disable and enable. Serialized as its message, which cites the rule.

use std::fmt;

use chrono::NaiveDate as Date;
use serde::Serialize;

use crate::id::EmployeeId;
use crate::property::DirectoryProperty;
use crate::upn::UpnProblem;

/// Why a user is out of the sync's scope (S8).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OutOfScope {
    /// The UPN matches `scope.protected_upns`.
    Protected,
    /// The user is synchronised from on-premises (`onPremisesSyncEnabled`).
    Hybrid,
    /// The object is not a user (an agent identity).
    Agent,
    /// A built-in or critical system account (Active Directory `isCriticalSystemObject`).
    BuiltIn,
}

/// A reason, cited in plans and reports.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    /// The employee id is longer than `employeeId` can hold.
    EmployeeIdTooLong,
    /// Two HR records carry the same id.
    DuplicateEmployeeRecord,
    /// A field a new account needs is empty (S3).
    MissingField(&'static str),
    /// Status `inactive` (S3, S5).
    Inactive,
    /// The termination date has passed (S5) or, for a new account, exists (S3).
    Terminated(Date),
    /// On leave, with `disable_on_leave` (S5).
    OnLeave,
    /// The hire date is further ahead than `prehire_days` (S3).
    PrehireWaiting {
        /// The hire date.
        hire_date: Date,
    },
    /// No UPN can be made (U5).
    Upn(UpnProblem),
    /// Both the plain and the suffixed UPN are taken (U3).
    UpnTaken(String),
    /// The employee's account, or the account its email matches, is out of scope (S8).
    OutOfScope(OutOfScope),
    /// Other employees share the email (S2).
    DuplicateEmail(Vec<EmployeeId>),
    /// The account matching the email carries another `employeeId` (S2).
    LinkedToOther(String),
    /// Several accounts carry this employee's id (S1).
    DuplicateLink(usize),
    /// Several enabled accounts match the email (S2).
    AmbiguousEmail(usize),
    /// The supervisor has no account; the manager is left as it is (S4).
    SupervisorWithoutAccount(EmployeeId),
    /// The employee is listed as their own supervisor.
    SelfSupervisor,
    /// A value was longer than the directory allows and was cut (S4).
    Truncated {
        /// The property.
        property: DirectoryProperty,
        /// The original length in characters.
        length: usize,
    },
    /// A value could not be written (wrong shape) and was left out.
    InvalidValue {
        /// The property.
        property: DirectoryProperty,
        /// Why.
        why: String,
    },
    /// The account was synchronised from on-premises once, and the directory refuses writes to
    /// this attribute on such an account; the value is reported, not written (T11).
    PreviouslySynced {
        /// The property left alone.
        property: DirectoryProperty,
    },
    /// The account is disabled and this sync did not disable it, so it stays disabled (S6).
    DisabledByOther,
    /// Eligible again after leaving (S6).
    Rehired,
    /// The hire date of a pre-hire created disabled is reached (S3).
    HireDateReached,
    /// G1: the employee matches the group's rule (the group's name).
    GroupMatch(String),
    /// G5: enabled again (rehired), and matching: back in the group.
    GroupRehired(String),
    /// G2 (additive): no longer matches; the sync had added this membership.
    GroupNoLongerMatches(String),
    /// G2 (authoritative): the member does not match the rule.
    GroupNotMatching(String),
    /// G5: the account is disabled; it leaves the groups the sync manages.
    GroupLeaver(String),
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::EmployeeIdTooLong => {
                f.write_str("S1: employee id is longer than the 16 characters employeeId can hold")
            }
            Self::DuplicateEmployeeRecord => {
                f.write_str("S1: several HR records carry this employee id")
            }
            Self::MissingField(field) => {
                write!(
                    f,
                    "S3: {field} is empty; an account needs first name, last name and email"
                )
            }
            Self::Inactive => f.write_str("S3/S5: status is inactive"),
            Self::Terminated(d) => write!(f, "S3/S5: terminated on {d}"),
            Self::OnLeave => f.write_str("S5: on leave and lifecycle.disable_on_leave is set"),
            Self::PrehireWaiting { hire_date } => write!(
                f,
                "S3: hire date {hire_date} is further ahead than lifecycle.prehire_days"
            ),
            Self::Upn(p) => write!(f, "U5: {p}"),
            Self::UpnTaken(upn) => write!(f, "U3: {upn} and its suffixed form are both taken"),
            Self::OutOfScope(why) => match why {
                OutOfScope::Protected => f.write_str("S8: account matches scope.protected_upns"),
                OutOfScope::Hybrid => {
                    f.write_str("S8: account is synchronised from on-premises (hybrid)")
                }
                OutOfScope::Agent => f.write_str("S8: account is not a user object (agent)"),
                OutOfScope::BuiltIn => f.write_str(
                    "S8: account is a built-in or critical system object (isCriticalSystemObject)",
                ),
            },
            Self::DuplicateEmail(others) => {
                let ids: Vec<&str> = others.iter().map(EmployeeId::as_str).collect();
                write!(f, "S2: email shared with employee(s) {}", ids.join(", "))
            }
            Self::LinkedToOther(id) => write!(
                f,
                "S2: the account with this email carries employeeId {id:?}"
            ),
            Self::DuplicateLink(n) => write!(f, "S1: {n} accounts carry this employee id"),
            Self::AmbiguousEmail(n) => write!(f, "S2: {n} enabled accounts match this email"),
            Self::SupervisorWithoutAccount(id) => {
                write!(f, "S4: supervisor {id} has no account; manager left as is")
            }
            Self::SelfSupervisor => f.write_str("S4: employee is listed as their own supervisor"),
            Self::Truncated { property, length } => write!(
                f,
                "S4: {property} value of {length} characters truncated to the directory's limit"
            ),
            Self::InvalidValue { property, why } => {
                write!(f, "S4: {property} left out: {why}")
            }
            Self::PreviouslySynced { property } => write!(
                f,
                "T11: {property} not written: the account was synchronised from on-premises once, \
                 and the directory refuses this attribute on such an account"
            ),
            Self::DisabledByOther => {
                f.write_str("S6: account was disabled outside the sync; it stays disabled")
            }
            Self::Rehired => f.write_str("S6: eligible again (rehired)"),
            Self::HireDateReached => f.write_str("S3: hire date reached"),
            Self::GroupMatch(g) => write!(f, "G1: matches the rule of group {g}"),
            Self::GroupRehired(g) => write!(f, "G5: enabled again; back in group {g}"),
            Self::GroupNoLongerMatches(g) => write!(
                f,
                "G2: no longer matches the rule of group {g}; the sync had added this membership"
            ),
            Self::GroupNotMatching(g) => {
                write!(f, "G2: does not match the rule of authoritative group {g}")
            }
            Self::GroupLeaver(g) => write!(f, "G5: the account is disabled; it leaves group {g}"),
        }
    }
}

impl Serialize for Reason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}
