//! Group membership in AD (docs/rules.md §10, G4): a listed group is named by its DN; its
//! `member` attribute holds its members' DNs; the sync adds and deletes the user's DN.
//!
//! Large groups come in ranges (`member;range=0-1499`, AD's `MaxValRange`), read part by part
//! until the last (`…-*`). A built-in group (`isCriticalSystemObject`: Domain Admins …) is
//! refused (G3): its members gain rights over the domain. Members that are not user accounts
//! (nested groups, contacts, computers) are not listed and never removed.

use std::collections::BTreeSet;

use hris_sync_core::raw::{Applied, GroupInfo, GroupRefusal, Outcome};
use hris_sync_core::{DirectoryUserId, Error, ErrorKind, Result};
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
            let mut parts = 0usize;
            while let Some(last) = end {
                parts += 1;
                let start = next_range_start(&what, last, parts)?;
                let next = format!("member;range={start}-*");
                let part = self.conn.one(&what, dn, &[next]).await?.ok_or_else(|| {
                    Error::new(ErrorKind::NotFound, format!("{what}: gone while read"))
                })?;
                let Some((values, e)) = part.ranged("member") else {
                    break;
                };
                dns.extend(values.iter().cloned());
                end = check_range_end(&what, start, e)?;
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

/// The most range parts one attribute is read in (1,500 values a part: 15 million values).
const MAX_RANGE_PARTS: usize = 10_000;

/// Where the part after one ending at `last` starts; an error past [`MAX_RANGE_PARTS`] or at
/// the end of the numbers (a server that never ends its ranges).
fn next_range_start(what: &str, last: u64, parts: usize) -> Result<u64> {
    if parts > MAX_RANGE_PARTS {
        return Err(Error::new(
            ErrorKind::InvalidData,
            format!("{what}: more than {MAX_RANGE_PARTS} range parts; refusing to go on"),
        ));
    }
    last.checked_add(1).ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidData,
            format!("{what}: a range ended at {last}, past any count"),
        )
    })
}

/// A part asked from `start` must end at or after it (`None`: the last part): a range that
/// goes backwards would be read again and again.
fn check_range_end(what: &str, start: u64, end: Option<u64>) -> Result<Option<u64>> {
    match end {
        Some(e) if e < start => Err(Error::new(
            ErrorKind::InvalidData,
            format!(
                "{what}: asked for values from {start}, the server answered a range ending at {e}"
            ),
        )),
        other => Ok(other),
    }
}

#[cfg(test)]
mod range_tests {
    use super::*;

    // A server whose ranges do not advance, or end at u64::MAX, cannot loop or overflow.
    #[test]
    fn ranges_must_advance_and_are_bounded() {
        assert_eq!(next_range_start("x", 1499, 1).unwrap(), 1500);
        assert!(next_range_start("x", u64::MAX, 1).is_err());
        assert!(next_range_start("x", 10, MAX_RANGE_PARTS + 1).is_err());
        assert_eq!(check_range_end("x", 1500, Some(2999)).unwrap(), Some(2999));
        assert_eq!(check_range_end("x", 1500, Some(1500)).unwrap(), Some(1500));
        assert_eq!(check_range_end("x", 1500, None).unwrap(), None);
        assert!(check_range_end("x", 1500, Some(1499)).is_err());
        assert!(check_range_end("x", 1500, Some(0)).is_err());
    }
}
