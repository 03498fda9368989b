//! [`Intercept`]: a directory that reads through another and writes through a hook, for
//! tests of what the engine does when a directory misbehaves (a crash after some writes, a
//! refused permission, a stop request mid-phase), without forwarding every method by hand.

use async_trait::async_trait;

use crate::control::{ApplyContext, Stop};
use crate::directory::{DeltaCursor, Directory, GroupInfo, UserChanges, UserSnapshot};
use crate::error::Result;
use crate::operation::{Operation, Outcome};
use crate::read_set::ReadSet;

/// How an [`Intercept`] writes.
#[async_trait]
pub trait WriteHook<D: Directory>: Send + Sync + std::fmt::Debug {
    /// [`Directory::apply`]: the operations, through `inner` or not.
    async fn apply(&self, inner: &D, operations: &[Operation]) -> Vec<Outcome>;

    /// [`Directory::apply_with`]. The default is the trait's: once `cx` is stopped nothing is
    /// sent; otherwise [`WriteHook::apply`], counted as written.
    async fn apply_with(
        &self,
        inner: &D,
        operations: &[Operation],
        cx: &ApplyContext,
    ) -> Vec<Outcome> {
        if cx.is_stopped() {
            return operations
                .iter()
                .map(|_| Err(Stop::not_applied()))
                .collect();
        }
        let outcomes = self.apply(inner, operations).await;
        cx.written(outcomes.len());
        outcomes
    }
}

/// Reads from `inner`; writes through `hook`.
#[derive(Debug)]
pub struct Intercept<D, H> {
    /// The directory read from (and written to, when the hook does).
    pub inner: D,
    /// How writes go.
    pub hook: H,
}

impl<D, H> Intercept<D, H> {
    /// `inner`, written through `hook`.
    pub fn new(inner: D, hook: H) -> Self {
        Self { inner, hook }
    }
}

#[async_trait]
impl<D: Directory, H: WriteHook<D>> Directory for Intercept<D, H> {
    async fn list_users(&self) -> Result<UserSnapshot> {
        self.inner.list_users().await
    }
    async fn list_user_changes(&self, cursor: &DeltaCursor) -> Result<UserChanges> {
        self.inner.list_user_changes(cursor).await
    }
    async fn verified_domains(&self) -> Result<Vec<String>> {
        self.inner.verified_domains().await
    }
    fn read_set(&self) -> ReadSet {
        self.inner.read_set()
    }
    async fn read_group(&self, id: &str) -> Result<GroupInfo> {
        self.inner.read_group(id).await
    }
    async fn find_users(
        &self,
        employee_id: &str,
        addresses: &[String],
    ) -> Result<Vec<crate::DirectoryUser>> {
        self.inner.find_users(employee_id, addresses).await
    }
    async fn apply(&self, operations: &[Operation]) -> Vec<Outcome> {
        self.hook.apply(&self.inner, operations).await
    }
    async fn apply_with(&self, operations: &[Operation], cx: &ApplyContext) -> Vec<Outcome> {
        self.hook.apply_with(&self.inner, operations, cx).await
    }
}
