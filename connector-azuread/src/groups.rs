//! Groups through Graph (docs/rules.md §10, G3, G4): a listed group is read with the
//! properties that say whether the sync may keep its membership, and its user members page
//! by page (`/members/microsoft.graph.user`, 999 a page; every `@odata.nextLink` is checked
//! against the configured base, T8, and a failed page fails the read). Membership writes go
//! in `$batch` with the other writes (`batch.rs`).

use hris_sync_core::raw::{GroupInfo, GroupRefusal};
use hris_sync_core::{DirectoryUserId, Error, ErrorKind, Result};

use crate::EntraDirectory;
use crate::directory::MAX_PAGES;
use crate::model::{GroupWire, MemberWire, Page};

/// What Graph refuses to write (or what would need more privilege than the sync asks for).
fn refusal(g: &GroupWire) -> Option<GroupRefusal> {
    if g.group_types.iter().any(|t| t == "DynamicMembership") {
        Some(GroupRefusal::Dynamic)
    } else if g.is_assignable_to_role == Some(true) {
        Some(GroupRefusal::RoleAssignable)
    } else if g.on_premises_sync_enabled == Some(true) {
        Some(GroupRefusal::OnPremises)
    } else if g.mail_enabled && !g.group_types.iter().any(|t| t == "Unified") {
        // A distribution list or mail-enabled security group (Exchange's); a Microsoft 365
        // group is mail-enabled too, and Graph writes its members.
        Some(GroupRefusal::MailEnabled)
    } else {
        None
    }
}

impl EntraDirectory {
    pub(crate) async fn group(&self, id: &str) -> Result<GroupInfo> {
        if id.is_empty() || id.contains(['/', '?', '#']) {
            return Err(Error::new(
                ErrorKind::NotFound,
                format!("group {id:?}: not an object id"),
            ));
        }
        let what = format!("GET /groups/{id}");
        let select = "id,displayName,groupTypes,mailEnabled,securityEnabled,isAssignableToRole,onPremisesSyncEnabled";
        let url = self.url(&format!("/groups/{id}"), &[("$select", select.to_owned())])?;
        let g: GroupWire = self.client.get_json(&what, &url).await?;
        let name = g.display_name.clone().unwrap_or_else(|| g.id.clone());
        let what = format!("GET /groups/{id}/members/microsoft.graph.user");
        let mut url = self.url(
            &format!("/groups/{id}/members/microsoft.graph.user"),
            &[("$select", "id".to_owned()), ("$top", "999".to_owned())],
        )?;
        let mut members = Vec::new();
        for _ in 0..MAX_PAGES {
            let page: Page<MemberWire> = self.client.get_json(&what, &url).await?;
            members.extend(page.value.into_iter().map(|m| DirectoryUserId::new(m.id)));
            match page.next_link {
                Some(next) => url = next,
                None => {
                    let info = GroupInfo::new(id, name, members);
                    return Ok(match refusal(&g) {
                        Some(why) => info.refused(why),
                        None => info,
                    });
                }
            }
        }
        Err(Error::new(
            ErrorKind::InvalidData,
            format!("{what}: more than {MAX_PAGES} pages"),
        ))
    }
}
