//! Write operations a [`crate::Directory`] applies, and their outcomes.

use std::collections::BTreeMap;

use crate::error::Result;
use crate::id::DirectoryUserId;
use crate::password::Password;
use crate::property::{DirectoryProperty, PropertyValue};
use crate::user::DirectoryUser;

/// Property changes for one user: `None` clears the property (Graph `null`).
pub type Changes = BTreeMap<DirectoryProperty, Option<PropertyValue>>;

/// Everything needed to create an account in one request (S3).
#[derive(Clone, Debug)]
pub struct NewUser {
    /// The user principal name.
    pub user_principal_name: String,
    /// The mail alias: the UPN's local part.
    pub mail_nickname: String,
    /// The display name.
    pub display_name: String,
    /// Given name.
    pub given_name: Option<String>,
    /// Family name.
    pub surname: Option<String>,
    /// The HR id, written to `employeeId`.
    pub employee_id: String,
    /// Whether the account can sign in at once (false for a pre-hire created disabled).
    pub account_enabled: bool,
    /// The one-time password; the user must change it at first sign-in.
    pub password: Password,
    /// Every mapped property, set in the same request.
    pub properties: BTreeMap<DirectoryProperty, PropertyValue>,
}

/// One write.
#[derive(Clone, Debug)]
pub enum Operation {
    /// Create an account.
    Create(Box<NewUser>),
    /// Change properties of an account (one PATCH). Only the listed properties change.
    Update {
        /// The account.
        user: DirectoryUserId,
        /// The new values.
        changes: Changes,
    },
    /// Set (`Some`) or remove (`None`) an account's manager.
    SetManager {
        /// The account.
        user: DirectoryUserId,
        /// The manager's account.
        manager: Option<DirectoryUserId>,
    },
    /// Invalidate the account's refresh tokens and session cookies.
    RevokeSessions {
        /// The account.
        user: DirectoryUserId,
    },
    /// Create a Temporary Access Pass for the account (replacing any it has). Answered with
    /// [`Applied::AccessPass`].
    CreateAccessPass {
        /// The account.
        user: DirectoryUserId,
        /// Start, lifetime and use.
        request: AccessPassRequest,
    },
    /// Make the account a member of a group the policy lists (G4). A member already there
    /// is [`Applied::Done`].
    AddMember {
        /// The group's id ([`crate::directory::GroupInfo::id`]).
        group: String,
        /// The account.
        user: DirectoryUserId,
    },
    /// Take the account out of a group the policy lists (G4). An account that is no member
    /// is [`Applied::Done`].
    RemoveMember {
        /// The group's id.
        group: String,
        /// The account.
        user: DirectoryUserId,
    },
}

impl Operation {
    /// The account the operation writes to (`None` for a create).
    #[must_use]
    pub fn target(&self) -> Option<&DirectoryUserId> {
        match self {
            Self::Create(_) => None,
            Self::Update { user, .. }
            | Self::SetManager { user, .. }
            | Self::RevokeSessions { user }
            | Self::CreateAccessPass { user, .. }
            | Self::AddMember { user, .. }
            | Self::RemoveMember { user, .. } => Some(user),
        }
    }
}

/// A Temporary Access Pass to create for a new account (`[onboarding]`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AccessPassRequest {
    /// When it becomes usable (the hire date at the configured local time); `None`: at once.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "crate::time::serde_opt::serialize"
    )]
    pub start: Option<chrono::DateTime<chrono::Utc>>,
    /// Its lifetime; `None`: the tenant policy's default.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lifetime_minutes: Option<u32>,
    /// One sign-in only.
    pub usable_once: bool,
}

/// A Temporary Access Pass the directory made. The pass is a secret: it never appears in
/// `Debug` output, logs or reports.
#[derive(Clone)]
pub struct AccessPass {
    /// The pass itself.
    pub pass: secrecy::SecretString,
    /// When it becomes usable, as the directory answered (`None`: at once).
    pub start: Option<chrono::DateTime<chrono::Utc>>,
    /// Its lifetime in minutes, as the directory answered.
    pub lifetime_minutes: Option<u32>,
}

impl std::fmt::Debug for AccessPass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessPass")
            .field("pass", &"[redacted]")
            .field("start", &self.start)
            .field("lifetime_minutes", &self.lifetime_minutes)
            .finish()
    }
}

impl PartialEq for AccessPass {
    fn eq(&self, other: &Self) -> bool {
        use secrecy::ExposeSecret as _;
        self.pass.expose_secret() == other.pass.expose_secret()
            && self.start == other.start
            && self.lifetime_minutes == other.lifetime_minutes
    }
}

impl Eq for AccessPass {}

/// What a successful operation produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Applied {
    /// The account was created; here it is as the directory now holds it.
    Created(Box<DirectoryUser>),
    /// A create found the account already made for this employee (rule T4: an earlier
    /// attempt whose answer was lost, or another run racing this one) and used it instead of
    /// making a second one. The password of this attempt was never set.
    Adopted(Box<DirectoryUser>),
    /// The change was made.
    Done,
    /// A Temporary Access Pass was made (for [`Operation::CreateAccessPass`]).
    AccessPass(Box<AccessPass>),
}

/// The outcome of one operation: one per operation, in the order given.
pub type Outcome = Result<Applied>;
