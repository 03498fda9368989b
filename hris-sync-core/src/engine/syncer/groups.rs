//! The listed groups (docs/rules.md §10): checked at start-up (G3), read on full cycles,
//! carried in the state between them, and kept in step with the cycle's own writes.

use std::collections::BTreeMap;

use super::Syncer;
use crate::apply::ActionOutcome;
use crate::error::{Error, ErrorKind, Result};
use crate::reconcile::{Action, GroupMembers, SyncHistory, UserRef};

impl Syncer {
    /// G3: read every listed group once; a missing group, a directory without groups, or a
    /// group whose membership the sync may not write is a configuration error naming it.
    pub(super) async fn check_groups(&mut self) -> Result<()> {
        if self.policy.groups.is_empty() {
            return Ok(());
        }
        let mut read = GroupMembers::new();
        for (i, rule) in self.policy.groups.iter().enumerate() {
            let named = || format!("group[{i}] ({}, {})", rule.name, rule.id);
            let info = match self.directory.read_group(&rule.id).await {
                Ok(info) => info,
                Err(e) if e.kind() == ErrorKind::NotFound => {
                    return Err(Error::config(format!(
                        "{}: the directory has no such group ({})",
                        named(),
                        e.message()
                    )));
                }
                Err(e) if e.kind() == ErrorKind::Unsupported => {
                    return Err(Error::config(format!("{}: {}", named(), e.message())));
                }
                Err(e) => return Err(e),
            };
            if let Some(why) = info.refusal {
                return Err(Error::config(format!(
                    "{}: \"{}\" cannot have its membership kept by the sync: {why}",
                    named(),
                    info.display_name
                )));
            }
            read.insert(rule.id.clone(), info.members);
        }
        self.group_reads = Some(read);
        Ok(())
    }

    /// The members to plan against: what the start-up check just read, else read again on
    /// a full cycle (or for a group the state does not hold), else the state's record. A
    /// read also forgets recorded memberships that are gone from the directory; groups no
    /// longer listed are forgotten too.
    pub(super) async fn read_groups(
        &mut self,
        saved: &GroupMembers,
        history: &mut SyncHistory,
        full: bool,
    ) -> Result<GroupMembers> {
        let mut fresh = self.group_reads.take();
        let mut out = GroupMembers::new();
        for rule in &self.policy.groups {
            let (members, read) = match fresh.as_mut().and_then(|f| f.remove(&rule.id)) {
                Some(m) => (m, true),
                None => match (full, saved.get(&rule.id)) {
                    (false, Some(m)) => (m.clone(), false),
                    _ => (self.directory.read_group(&rule.id).await?.members, true),
                },
            };
            if read {
                if let Some(ours) = history.group_members.get_mut(&rule.id) {
                    ours.retain(|id| members.contains(id));
                }
            }
            out.insert(rule.id.clone(), members);
        }
        history.group_members.retain(|g, _| out.contains_key(g));
        Ok(out)
    }
}

/// The members after the cycle's writes: applied removals out, applied adds in (a new hire's
/// account by the id the history recorded for it).
pub(super) fn after_writes(
    mut groups: GroupMembers,
    outcomes: &[ActionOutcome],
    before: &BTreeMap<String, std::collections::BTreeSet<crate::id::DirectoryUserId>>,
    history: &SyncHistory,
) -> GroupMembers {
    for o in outcomes.iter().filter(|o| o.result.is_ok()) {
        match &o.action {
            Action::RemoveMember {
                group_id, user_id, ..
            } => {
                if let Some(m) = groups.get_mut(group_id) {
                    m.remove(user_id);
                }
            }
            Action::AddMember {
                group_id,
                user: UserRef::Existing(id),
                ..
            } => {
                if let Some(m) = groups.get_mut(group_id) {
                    m.insert(id.clone());
                }
            }
            _ => {}
        }
    }
    for (group, ours) in &history.group_members {
        let Some(m) = groups.get_mut(group) else {
            continue;
        };
        for id in ours {
            if before.get(group).is_none_or(|b| !b.contains(id)) {
                m.insert(id.clone());
            }
        }
    }
    groups
}
