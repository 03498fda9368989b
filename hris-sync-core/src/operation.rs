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
}

impl Operation {
    /// The account the operation writes to (`None` for a create).
    #[must_use]
    pub fn target(&self) -> Option<&DirectoryUserId> {
        match self {
            Self::Create(_) => None,
            Self::Update { user, .. }
            | Self::SetManager { user, .. }
            | Self::RevokeSessions { user } => Some(user),
        }
    }
}

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
}

/// The outcome of one operation: one per operation, in the order given.
pub type Outcome = Result<Applied>;
