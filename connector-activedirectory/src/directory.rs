//! [`ActiveDirectory`]: the [`Directory`] over LDAP.

use std::collections::BTreeMap;
use std::sync::{Arc, PoisonError, RwLock};

use async_trait::async_trait;
use futures_util::stream::{self, StreamExt as _};
use hris_sync_core::raw::{DeltaCursor, Operation, Outcome, ReadSet, UserChanges, UserSnapshot};
use hris_sync_core::{
    ApplyContext, Directory, DirectoryUser, DirectoryUserId, Error, ErrorKind, Result, Stop,
};
use tokio::sync::OnceCell;

use crate::config::Settings;
use crate::conn::Conn;
use crate::convert;
use crate::dn;
use crate::model::{Cursor, Entry, USERS, guid_bytes, guid_filter, guid_string};

/// The filter item matching one DN.
pub(crate) fn dn_term(dn: &str) -> String {
    format!("(distinguishedName={})", ldap3::ldap_escape(dn))
}

/// The domain the DC serves, read once.
#[derive(Clone, Debug)]
pub(crate) struct Domain {
    /// Its naming context (`DC=corp,DC=example`): where uniqueness is checked.
    pub(crate) nc: String,
    /// Its DNS name (`corp.example`): the implicit UPN suffix.
    pub(crate) dns: String,
    /// The UPN suffixes AD accepts: the DNS name and the forest's `uPNSuffixes`.
    pub(crate) suffixes: Vec<String>,
}

/// Where each known account is: GUID → DN and back, from the last reads and look-ups.
#[derive(Debug, Default)]
pub(crate) struct Known {
    dn_of: BTreeMap<String, String>,
    guid_of: BTreeMap<String, String>,
}

impl Known {
    pub(crate) fn insert(&mut self, guid: &str, dn: &str) {
        if let Some(old) = self.dn_of.insert(guid.to_owned(), dn.to_owned()) {
            self.guid_of.remove(&dn::normalize(&old));
        }
        self.guid_of.insert(dn::normalize(dn), guid.to_owned());
    }
}

/// On-premises Active Directory as a [`Directory`], over LDAPS or StartTLS (plain LDAP to
/// loopback only, and then without passwords). Built by [`crate::AdBuilder`].
///
/// Account ids are `objectGUID`s (stable across renames and moves); the DN of each is
/// remembered from reads and looked up when unknown.
#[derive(Debug)]
pub struct ActiveDirectory {
    pub(crate) conn: Conn,
    pub(crate) known: RwLock<Known>,
    domain: OnceCell<Domain>,
}

impl ActiveDirectory {
    pub(crate) fn new(settings: Settings) -> Self {
        Self {
            conn: Conn::new(Arc::new(settings)),
            known: RwLock::new(Known::default()),
            domain: OnceCell::new(),
        }
    }

    pub(crate) fn settings(&self) -> &Settings {
        &self.conn.settings
    }

    pub(crate) fn remember(&self, guid: &str, dn: &str) {
        self.known
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(guid, dn);
    }

    pub(crate) fn known_dn(&self, guid: &str) -> Option<String> {
        self.known
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .dn_of
            .get(guid)
            .cloned()
    }

    pub(crate) fn known_guid(&self, dn: &str) -> Option<String> {
        self.known
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .guid_of
            .get(&dn::normalize(dn))
            .cloned()
    }

    /// The domain, read on first use: its naming context and UPN suffixes.
    pub(crate) async fn domain(&self) -> Result<&Domain> {
        self.domain
            .get_or_try_init(|| async {
                let root = self.conn.root_dse().await?;
                let dns = dn::dns_name(&root.domain_nc).ok_or_else(|| {
                    Error::new(
                        ErrorKind::InvalidData,
                        format!("defaultNamingContext {:?} has no DC= parts", root.domain_nc),
                    )
                })?;
                let partitions = format!("CN=Partitions,{}", root.config_nc);
                let attrs = ["uPNSuffixes".to_owned()];
                let mut suffixes = vec![dns.clone()];
                if let Some(p) = self
                    .conn
                    .one("read the UPN suffixes", &partitions, &attrs)
                    .await?
                {
                    suffixes.extend(p.all("uPNSuffixes").iter().map(|s| s.to_lowercase()));
                }
                suffixes.dedup();
                Ok(Domain {
                    nc: root.domain_nc,
                    dns,
                    suffixes,
                })
            })
            .await
    }

    /// Users from entries; each entry's DN is remembered, and managers are resolved by DN
    /// (looked up when not yet known).
    async fn users(&self, entries: &[Entry]) -> Result<Vec<DirectoryUser>> {
        for e in entries {
            if let Some(g) = &e.guid {
                self.remember(&guid_string(g), &e.dn);
            }
        }
        let read_set = &self.settings().read_set;
        let mut managers: BTreeMap<String, Option<DirectoryUserId>> = BTreeMap::new();
        if read_set.managers {
            let unknown: Vec<&str> = entries
                .iter()
                .filter_map(|e| e.first("manager"))
                .filter(|m| self.known_guid(m).is_none())
                .collect();
            self.resolve_dns(&unknown).await?;
            for m in entries.iter().filter_map(|e| e.first("manager")) {
                let id = self
                    .known_guid(m)
                    // A manager the DC does not know by that DN: kept as its DN, so a plan
                    // that wants another manager (or none) still sees one is set.
                    .unwrap_or_else(|| format!("dn:{m}"));
                managers.insert(dn::normalize(m), Some(DirectoryUserId::new(id)));
            }
        }
        let domain = &self.domain().await?.dns;
        let mut users = Vec::with_capacity(entries.len());
        for e in entries {
            match convert::user(e, read_set, domain, |m| {
                managers.get(&dn::normalize(m)).cloned().flatten()
            }) {
                Ok(u) => users.push(u),
                // Not a user the sync can know (no GUID, no name): left out, and said.
                Err(err) => tracing::warn!(error = %err, "an AD entry is not read as a user"),
            }
        }
        Ok(users)
    }

    /// Find the objects matching any of `terms` (filter items such as `(objectGUID=…)`) under
    /// the domain, and `only` as well when given, 50 terms to a search; remember each one's
    /// GUID and DN, and return the GUIDs.
    pub(crate) async fn learn(
        &self,
        what: &str,
        terms: &[String],
        only: Option<&str>,
    ) -> Result<Vec<String>> {
        let mut found = Vec::new();
        if terms.is_empty() {
            return Ok(found);
        }
        let nc = self.domain().await?.nc.clone();
        let attrs = ["objectGUID".to_owned()];
        for chunk in terms.chunks(50) {
            let any = format!("(|{})", chunk.concat());
            let filter = only.map_or_else(|| any.clone(), |o| format!("(&{o}{any})"));
            for e in self.conn.find(what, &nc, &filter, &attrs).await? {
                if let Some(g) = &e.guid {
                    let g = guid_string(g);
                    self.remember(&g, &e.dn);
                    found.push(g);
                }
            }
        }
        Ok(found)
    }

    /// Learn the GUIDs of these DNs (in one search per 50).
    async fn resolve_dns(&self, dns: &[&str]) -> Result<()> {
        let terms: Vec<String> = dns.iter().map(|d| dn_term(d)).collect();
        self.learn("look up managers by DN", &terms, None).await?;
        Ok(())
    }

    /// Learn the DNs of these account ids (in one search per 50). Ids that are no GUID, or
    /// that no object carries, stay unknown.
    pub(crate) async fn resolve_ids(&self, ids: &[&DirectoryUserId]) -> Result<()> {
        let terms: Vec<String> = ids
            .iter()
            .filter(|id| self.known_dn(id.as_str()).is_none())
            .filter_map(|id| guid_bytes(id.as_str()))
            .map(|g| guid_filter(&g))
            .collect();
        self.learn("look up accounts by objectGUID", &terms, None)
            .await?;
        Ok(())
    }

    /// The DN of an account id, looked up when not known.
    ///
    /// # Errors
    /// [`ErrorKind::NotFound`] when no object carries the id.
    pub(crate) async fn dn_of(&self, id: &DirectoryUserId) -> Result<String> {
        // A member the DC knows by DN only (read from a group or a manager outside the base).
        if let Some(dn) = id.as_str().strip_prefix("dn:") {
            return Ok(dn.to_owned());
        }
        if let Some(dn) = self.known_dn(id.as_str()) {
            return Ok(dn);
        }
        self.resolve_ids(&[id]).await?;
        self.known_dn(id.as_str()).ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                format!("no Active Directory object has the objectGUID {id}"),
            )
        })
    }

    fn user_attributes(&self) -> Vec<String> {
        convert::attributes(&self.settings().read_set)
    }
}

#[async_trait]
impl Directory for ActiveDirectory {
    async fn list_users(&self) -> Result<UserSnapshot> {
        // The USN before the read: a change made while it runs is read again next time.
        let root = self.conn.root_dse().await?;
        let base = self.settings().base_dn.clone();
        let entries = self
            .conn
            .paged(
                &format!("search users under {base}"),
                &base,
                USERS,
                &self.user_attributes(),
            )
            .await?;
        let users = self.users(&entries).await?;
        tracing::info!(users = users.len(), usn = root.usn, "read Active Directory");
        Ok(UserSnapshot {
            users,
            cursor: Some(DeltaCursor::new(
                Cursor {
                    server: root.server,
                    usn: root.usn,
                }
                .encode(),
            )),
        })
    }

    async fn list_user_changes(&self, cursor: &DeltaCursor) -> Result<UserChanges> {
        let Some(last) = Cursor::decode(cursor.as_str()) else {
            return Err(Error::new(
                ErrorKind::CursorExpired,
                "the stored cursor is not an Active Directory USN cursor",
            ));
        };
        let root = self.conn.root_dse().await?;
        if !dn::normalize(&root.server).eq(&dn::normalize(&last.server)) {
            return Err(Error::new(
                ErrorKind::CursorExpired,
                format!(
                    "the USN cursor belongs to another domain controller ({}); USNs are per DC",
                    last.server
                ),
            ));
        }
        if root.usn < last.usn {
            return Err(Error::new(
                ErrorKind::CursorExpired,
                format!(
                    "the DC's highestCommittedUSN ({}) is below the cursor's ({}): restored from \
                     a backup?",
                    root.usn, last.usn
                ),
            ));
        }
        let base = self.settings().base_dn.clone();
        let filter = format!("(&{USERS}(uSNChanged>={}))", last.usn.saturating_add(1));
        let entries = self
            .conn
            .paged(
                &format!("search changed users under {base}"),
                &base,
                &filter,
                &self.user_attributes(),
            )
            .await?;
        let changed = self.users(&entries).await?;
        let managers = if self.settings().read_set.managers {
            changed
                .iter()
                .map(|u| (u.id.clone(), u.manager_id.clone()))
                .collect()
        } else {
            BTreeMap::new()
        };
        Ok(UserChanges {
            changed,
            managers,
            // Without the Show Deleted control a deletion is invisible here; the periodic
            // full read notices it (the sync never deletes).
            removed: Vec::new(),
            cursor: Some(DeltaCursor::new(
                Cursor {
                    server: root.server,
                    usn: root.usn,
                }
                .encode(),
            )),
        })
    }

    async fn verified_domains(&self) -> Result<Vec<String>> {
        Ok(self.domain().await?.suffixes.clone())
    }

    fn read_set(&self) -> ReadSet {
        self.settings().read_set.clone()
    }

    async fn read_group(&self, id: &str) -> Result<hris_sync_core::raw::GroupInfo> {
        self.group(id).await
    }

    /// One search under the base DN: users carrying the employee id, or whose UPN or mail is
    /// one of the addresses (values escaped as RFC 4515 asks).
    async fn find_users(
        &self,
        employee_id: &str,
        addresses: &[String],
    ) -> Result<Vec<DirectoryUser>> {
        let mut terms = format!("(employeeID={})", ldap3::ldap_escape(employee_id));
        for a in addresses {
            let a = ldap3::ldap_escape(a);
            terms.push_str(&format!("(userPrincipalName={a})(mail={a})"));
        }
        let filter = format!("(&{USERS}(|{terms}))");
        let base = self.settings().base_dn.clone();
        let entries = self
            .conn
            .find(
                "look up one employee's accounts",
                &base,
                &filter,
                &self.user_attributes(),
            )
            .await?;
        self.users(&entries).await
    }

    async fn apply(&self, operations: &[Operation]) -> Vec<Outcome> {
        self.apply_with(operations, &ApplyContext::default()).await
    }

    async fn apply_with(&self, operations: &[Operation], cx: &ApplyContext) -> Vec<Outcome> {
        // A phase of creates: holders looked up and new accounts read back a chunk at a time.
        let creates: Vec<&hris_sync_core::raw::NewUser> = operations
            .iter()
            .filter_map(|op| match op {
                Operation::Create(new) => Some(new.as_ref()),
                _ => None,
            })
            .collect();
        if !creates.is_empty() && creates.len() == operations.len() {
            return self.create_all(&creates, cx).await;
        }
        let targets: Vec<&DirectoryUserId> = operations
            .iter()
            .flat_map(|op| {
                let manager = match op {
                    Operation::SetManager {
                        manager: Some(m), ..
                    } => Some(m),
                    _ => None,
                };
                op.target().into_iter().chain(manager)
            })
            .collect();
        // Learn every DN at once; a failure here shows again on the operations that need it.
        if let Err(e) = self.resolve_ids(&targets).await {
            tracing::warn!(error = %e, "looking up the accounts to write failed");
        }
        let each: Vec<_> = operations
            .iter()
            .map(|op| self.apply_unless_stopped(op, cx))
            .collect();
        stream::iter(each)
            .buffered(self.settings().concurrency)
            .collect()
            .await
    }
}

impl ActiveDirectory {
    /// One operation, unless the run was stopped before it began.
    async fn apply_unless_stopped(&self, op: &Operation, cx: &ApplyContext) -> Outcome {
        if cx.is_stopped() {
            return Err(Stop::not_applied());
        }
        let outcome = self.apply_one(op).await;
        cx.written(1);
        outcome
    }
}
