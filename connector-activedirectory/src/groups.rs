//! Group membership in AD (docs/rules.md §10, G4): a listed group is named by its DN; its
//! `member` attribute holds its members' DNs; the sync adds and deletes the user's DN.
//!
//! Large groups come in ranges (`member;range=0-1499`, AD's `MaxValRange`), read part by part
//! until the last (`…-*`). A built-in group (`isCriticalSystemObject`: Domain Admins …) is
//! refused (G3): its members gain rights over the domain. Members that are not user accounts
//! (nested groups, contacts, computers) are not listed and never removed.

use std::collections::BTreeSet;

use hris_sync_core::{
    Applied, DirectoryUserId, Error, ErrorKind, GroupInfo, GroupRefusal, Outcome, Result,
};
use ldap3::{Ldap, LdapResult, Mod};

use crate::ActiveDirectory;
use crate::error::Right;
use crate::model::USERS;

impl ActiveDirectory {
    /// The group at `dn`: what it is and its user members.
    pub(crate) async fn group(&self, dn: &str) -> Result<GroupInfo> {
        let attrs = [
            "objectClass".to_owned(),
            "cn".to_owned(),
            "isCriticalSystemObject".to_owned(),
            "member".to_owned(),
        ];
        let what = format!("read group {dn}");
        if !crate::dn::is_valid(dn) {
            return Err(Error::new(
                ErrorKind::NotFound,
                format!(
                    "{what}: not a distinguished name (e.g. CN=Finance,OU=Groups,DC=corp,DC=example)"
                ),
            ));
        }
        let entry =
            self.conn.one(&what, dn, &attrs).await?.ok_or_else(|| {
                Error::new(ErrorKind::NotFound, format!("{what}: no such object"))
            })?;
        let name = entry.first("cn").unwrap_or(dn).to_owned();
        if !entry
            .all("objectClass")
            .iter()
            .any(|c| c.eq_ignore_ascii_case("group"))
        {
            return Ok(GroupInfo::new(dn, name, []).refused(GroupRefusal::NotAGroup));
        }
        let mut dns: Vec<String> = entry.all("member").to_vec();
        if let Some((values, mut end)) = entry.ranged("member") {
            dns.extend(values.iter().cloned());
            while let Some(last) = end {
                let next = format!("member;range={}-*", last + 1);
                let part = self.conn.one(&what, dn, &[next]).await?.ok_or_else(|| {
                    Error::new(ErrorKind::NotFound, format!("{what}: gone while read"))
                })?;
                let Some((values, e)) = part.ranged("member") else {
                    break;
                };
                dns.extend(values.iter().cloned());
                end = e;
            }
        }
        let members = self.user_ids(&dns).await?;
        let info = GroupInfo::new(dn, name, members);
        Ok(if entry.is_critical() {
            info.refused(GroupRefusal::BuiltIn)
        } else {
            info
        })
    }

    /// The ids of the user accounts among `dns` (known ones from memory, the rest looked up,
    /// users only, 50 to a search).
    async fn user_ids(&self, dns: &[String]) -> Result<BTreeSet<DirectoryUserId>> {
        let mut ids = BTreeSet::new();
        let mut unknown = Vec::new();
        for dn in dns {
            match self.known_guid(dn) {
                Some(g) => {
                    ids.insert(DirectoryUserId::new(g));
                }
                None => unknown.push(dn.as_str()),
            }
        }
        let terms: Vec<String> = unknown
            .iter()
            .map(|d| crate::directory::dn_term(d))
            .collect();
        for g in self
            .learn("look up group members", &terms, Some(USERS))
            .await?
        {
            ids.insert(DirectoryUserId::new(g));
        }
        Ok(ids)
    }

    /// Add (`add`) or delete the user's DN in the group's `member`; a member already there,
    /// or one already gone, is done.
    pub(crate) async fn membership(
        &self,
        group: &str,
        user: &DirectoryUserId,
        add: bool,
    ) -> Outcome {
        let user_dn = self.dn_of(user).await?;
        let value = crate::write::values(user_dn.clone());
        let m: Mod<Vec<u8>> = if add {
            Mod::Add(b"member".to_vec(), value)
        } else {
            Mod::Delete(b"member".to_vec(), value)
        };
        let verb = if add { "add" } else { "remove" };
        let what = format!("{verb} {user_dn} in group {group}");
        let written = self
            .conn
            .run(&what, Right::WriteMembers, |mut ldap: Ldap| {
                let m = m.clone();
                async move {
                    ldap.modify(group, vec![m])
                        .await
                        .and_then(LdapResult::success)
                        .map(drop)
                }
            })
            .await;
        match written {
            Ok(()) => Ok(Applied::Done),
            // attributeOrValueExists (20; AD: entryAlreadyExists, 68): a member already.
            Err(e) if add && e.kind() == ErrorKind::AlreadyExists => Ok(Applied::Done),
            // noSuchAttribute (16), or AD's unwillingToPerform (53) for a value that is not
            // there: look whether it is gone.
            Err(e) if !add && e.kind() == ErrorKind::InvalidInput => {
                if self.is_member(group, &user_dn).await? {
                    Err(e)
                } else {
                    Ok(Applied::Done)
                }
            }
            Err(e) => Err(e),
        }
    }

    async fn is_member(&self, group: &str, user_dn: &str) -> Result<bool> {
        let filter = format!("(member={})", ldap3::ldap_escape(user_dn));
        let (found, _) = self
            .conn
            .run("check a membership", Right::Read, |mut ldap: Ldap| {
                let filter = filter.clone();
                async move {
                    ldap.search(group, ldap3::Scope::Base, &filter, vec!["1.1"])
                        .await?
                        .success()
                }
            })
            .await?;
        Ok(!found.is_empty())
    }
}
