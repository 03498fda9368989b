//! The [`Directory`] trait: where accounts live.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::control::{ApplyContext, Stop};
use crate::error::Result;
use crate::id::DirectoryUserId;
use crate::operation::{Operation, Outcome};
use crate::read_set::ReadSet;
use crate::user::DirectoryUser;

/// An opaque position in a directory's change feed (for Graph: a delta link). Store it and
/// hand it back to [`Directory::list_user_changes`].
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DeltaCursor(String);

impl DeltaCursor {
    /// Wrap a cursor.
    pub fn new(cursor: impl Into<String>) -> Self {
        Self(cursor.into())
    }

    /// The cursor as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for DeltaCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Delta links carry a continuation token; keep them out of logs.
        write!(f, "DeltaCursor({} chars)", self.0.len())
    }
}

/// A full read of the directory.
#[derive(Clone, Debug, Default)]
pub struct UserSnapshot {
    /// Every user object (including disabled, hybrid and agent users; the planner scopes them).
    pub users: Vec<DirectoryUser>,
    /// Where to continue with [`Directory::list_user_changes`]; `None` when the directory has
    /// no change feed.
    pub cursor: Option<DeltaCursor>,
}

/// The changes since a cursor, already merged: each user id appears at most once, in
/// `changed` or in `removed`, as the feed's last word on it (T7: a change after a removal
/// revives the user; a removal after a change removes it).
#[derive(Clone, Debug, Default)]
pub struct UserChanges {
    /// Users created or changed since the cursor, each as it now is — except `manager_id`,
    /// which a change feed reports only when it changed: see [`UserChanges::managers`].
    pub changed: Vec<DirectoryUser>,
    /// Manager changes: the user's new manager (`None` = removed). A changed user missing from
    /// this map kept its manager.
    pub managers: BTreeMap<DirectoryUserId, Option<DirectoryUserId>>,
    /// Users deleted since the cursor.
    pub removed: Vec<DirectoryUserId>,
    /// The cursor to use next time.
    pub cursor: Option<DeltaCursor>,
}

/// Why the sync will not keep a group's membership (G3): the directory refuses membership
/// writes to it, or writing them would need more privilege than the sync asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum GroupRefusal {
    /// Its membership is computed by a rule of the directory (Entra `DynamicMembership`).
    Dynamic,
    /// It can be assigned directory roles; its members gain admin rights.
    RoleAssignable,
    /// A distribution list or mail-enabled security group, managed in Exchange.
    MailEnabled,
    /// Synchronised from on-premises AD: its membership is written there.
    OnPremises,
    /// A built-in or critical system group (Domain Admins …).
    BuiltIn,
    /// The object is not a group.
    NotAGroup,
}

impl fmt::Display for GroupRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Dynamic => "its membership is dynamic (a membership rule of the directory)",
            Self::RoleAssignable => "it is role-assignable (its members get directory roles)",
            Self::MailEnabled => {
                "it is mail-enabled (a distribution list or mail-enabled security group, managed in Exchange)"
            }
            Self::OnPremises => "it is synchronised from on-premises AD (write its membership there)",
            Self::BuiltIn => "it is a built-in system group",
            Self::NotAGroup => "the object is not a group",
        })
    }
}

/// A group the policy lists, as the directory holds it (G3, G4).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct GroupInfo {
    /// The id the policy names it by.
    pub id: String,
    /// Its name in the directory.
    pub display_name: String,
    /// Why the sync may not write its membership, if it may not.
    pub refusal: Option<GroupRefusal>,
    /// Its user members (other members, such as nested groups or devices, are not listed).
    pub members: BTreeSet<DirectoryUserId>,
}

impl GroupInfo {
    /// A writable group with these members.
    pub fn new(
        id: impl Into<String>,
        display_name: impl Into<String>,
        members: impl IntoIterator<Item = DirectoryUserId>,
    ) -> Self {
        Self {
            id: id.into(),
            display_name: display_name.into(),
            refusal: None,
            members: members.into_iter().collect(),
        }
    }

    /// The same group, refused for `why`.
    #[must_use]
    pub fn refused(mut self, why: GroupRefusal) -> Self {
        self.refusal = Some(why);
        self
    }
}

/// An identity directory: where the sync links, creates, updates and disables accounts.
///
/// # Contract
///
/// - **Reads are complete or fail.** [`list_users`](Self::list_users) returns every user
///   object, or an error. A page that could not be read fails the whole listing: a partial
///   listing would make missing users look like free UPNs and unlinked employees.
/// - **Changes are merged.** A change feed may list a user several times in one round
///   (replays); [`list_user_changes`](Self::list_user_changes) merges them by id in feed
///   order, so each id appears once in [`UserChanges`], and a stored cursor the directory no
///   longer accepts is reported as expired, never as a failed read. An expired cursor is
///   [`crate::ErrorKind::CursorExpired`] (do a full read); a directory without a change feed
///   answers [`crate::ErrorKind::Unsupported`].
/// - **One outcome per operation.** [`apply`](Self::apply) returns exactly one [`Outcome`] per
///   operation, in the order given, and never fails as a whole: a failed operation does not
///   stop the others. Operations in one call are independent and may run in any order or
///   concurrently; a caller that needs an order (create, then set the manager) makes two calls.
/// - **Errors say what to do.** A UPN that is taken is [`crate::ErrorKind::AlreadyExists`]
///   with [`crate::Error::conflict_target`] `userPrincipalName`; throttling and transient
///   failures that outlived the implementation's own retries come back with
///   [`crate::Error::is_retryable`] false. Values are checked as the real directory checks
///   them (lengths, required create fields, `null` rather than `""` to clear).
/// - **Nothing is deleted.** There is no delete operation.
/// - **Secrets stay secret.** Passwords in [`crate::raw::NewUser`] are never logged or echoed in
///   errors.
#[async_trait]
pub trait Directory: Send + Sync + fmt::Debug {
    /// Read every user.
    async fn list_users(&self) -> Result<UserSnapshot>;

    /// Read what changed since `cursor`.
    async fn list_user_changes(&self, cursor: &DeltaCursor) -> Result<UserChanges>;

    /// The domains the directory accepts in a UPN.
    async fn verified_domains(&self) -> Result<Vec<String>>;

    /// What [`list_users`](Self::list_users) and
    /// [`list_user_changes`](Self::list_user_changes) read of each user. The engine refuses to
    /// start when it does not cover the policy ([`ReadSet::check_covers`]).
    fn read_set(&self) -> ReadSet;

    /// Apply operations; one outcome per operation, in order.
    async fn apply(&self, operations: &[Operation]) -> Vec<Outcome>;

    /// Read a group the policy lists: what it is (G3) and its user members, complete or
    /// failed (a failed page fails the read). A missing group is
    /// [`crate::ErrorKind::NotFound`].
    ///
    /// The default answers [`crate::ErrorKind::Unsupported`]: a directory without groups, for
    /// which the engine refuses a policy with `[[group]]` at start-up.
    async fn read_group(&self, id: &str) -> Result<GroupInfo> {
        Err(crate::Error::new(
            crate::ErrorKind::Unsupported,
            format!("this directory does not keep group memberships (group {id})"),
        ))
    }

    /// The accounts that may matter to one employee (for `hris-sync explain`): those that
    /// carry `employee_id`, and those whose UPN or mail is one of `addresses` (ignoring
    /// case). Accounts beyond these may come back; the caller sorts them out.
    ///
    /// The default reads every account ([`list_users`](Self::list_users)) and keeps those.
    /// Connectors with look-ups override it with targeted reads.
    async fn find_users(
        &self,
        employee_id: &str,
        addresses: &[String],
    ) -> Result<Vec<DirectoryUser>> {
        let users = self.list_users().await?.users;
        Ok(users
            .into_iter()
            .filter(|u| concerns(u, employee_id, addresses))
            .collect())
    }

    /// [`apply`](Self::apply), honouring `cx`: once [`ApplyContext::is_stopped`], send no new
    /// request, and answer every operation not sent with [`crate::Stop::not_applied`];
    /// report answered operations with [`ApplyContext::written`].
    ///
    /// The default checks the stop once, before the whole call. Implementations that send
    /// several requests (the Graph connector's `$batch`es) check before each.
    async fn apply_with(&self, operations: &[Operation], cx: &ApplyContext) -> Vec<Outcome> {
        if cx.is_stopped() {
            return operations
                .iter()
                .map(|_| Err(Stop::not_applied()))
                .collect();
        }
        let outcomes = self.apply(operations).await;
        cx.written(outcomes.len());
        outcomes
    }
}

/// Whether `user` carries `employee_id`, or its UPN or mail is one of `addresses`.
#[must_use]
pub fn concerns(user: &DirectoryUser, employee_id: &str, addresses: &[String]) -> bool {
    user.employee_id() == Some(employee_id)
        || addresses.iter().any(|a| {
            user.user_principal_name.eq_ignore_ascii_case(a)
                || user
                    .mail
                    .as_deref()
                    .is_some_and(|m| m.eq_ignore_ascii_case(a))
        })
}

macro_rules! forward_directory {
    ($($wrapper:ty),*) => {$(
        #[async_trait]
        impl<T: Directory + ?Sized> Directory for $wrapper {
            async fn list_users(&self) -> Result<UserSnapshot> {
                (**self).list_users().await
            }
            async fn list_user_changes(&self, cursor: &DeltaCursor) -> Result<UserChanges> {
                (**self).list_user_changes(cursor).await
            }
            async fn verified_domains(&self) -> Result<Vec<String>> {
                (**self).verified_domains().await
            }
            fn read_set(&self) -> ReadSet {
                (**self).read_set()
            }
            async fn apply(&self, operations: &[Operation]) -> Vec<Outcome> {
                (**self).apply(operations).await
            }
            async fn read_group(&self, id: &str) -> Result<GroupInfo> {
                (**self).read_group(id).await
            }
            async fn find_users(
                &self,
                employee_id: &str,
                addresses: &[String],
            ) -> Result<Vec<DirectoryUser>> {
                (**self).find_users(employee_id, addresses).await
            }
            async fn apply_with(
                &self,
                operations: &[Operation],
                cx: &ApplyContext,
            ) -> Vec<Outcome> {
                (**self).apply_with(operations, cx).await
            }
        }
    )*};
}

forward_directory!(Box<T>, Arc<T>, &T);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_safe() {
        fn takes(_: Option<Box<dyn Directory>>) {}
        takes(None);
    }

    #[test]
    fn cursor_debug_hides_token() {
        let c = DeltaCursor::new("https://x/users/delta?$deltatoken=SECRETISH");
        assert!(!format!("{c:?}").contains("SECRETISH"));
    }
}
