//! Groups the policy lists (G1–G5): read with their members (`GET /Groups/{id}`).

use hris_sync_core::raw::GroupInfo;
use hris_sync_core::{DirectoryUserId, Result};

use crate::ScimDirectory;
use crate::json;

impl ScimDirectory {
    /// A group and its user members: entries of `members` whose `type` is `User` or not
    /// given (nested groups are left out). SCIM groups carry no rule or role, so none is
    /// refused; a missing one is `NotFound`.
    pub(crate) async fn group(&self, id: &str) -> Result<GroupInfo> {
        let body = self
            .client
            .get("GET /Groups/{id}", self.client.url(&["Groups", id]))
            .await?
            .body
            .unwrap_or_default();
        let name = json::text(&body, "displayName").unwrap_or(id).to_owned();
        let members: Vec<DirectoryUserId> = json::entries(&body, "members")
            .iter()
            .filter(|m| json::text(m, "type").is_none_or(|t| t.eq_ignore_ascii_case("User")))
            .filter_map(|m| json::text(m, "value"))
            .map(DirectoryUserId::new)
            .collect();
        Ok(GroupInfo::new(id, name, members))
    }
}
