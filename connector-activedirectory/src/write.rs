//! Writes: create, update, enable and disable, manager (docs/rules.md §9).
//!
//! - **Create** first asks, in one search of the domain, who holds the new account's UPN,
//!   employee id, `sAMAccountName` candidates and `cn` candidates. A UPN or employee id held
//!   by this employee's account means an earlier attempt made it: it is adopted (T4). A UPN
//!   held by anyone else is a UPN conflict, so the engine takes the U3 fallback. Otherwise the
//!   first free `sAMAccountName` and `cn` are used, and the add carries every attribute,
//!   `unicodePwd` (TLS only) and `pwdLastSet = 0`. An add refused because a name was taken
//!   meanwhile starts over with the search.
//! - **Update** replaces the changed attributes only (an empty value deletes the attribute).
//! - **Enable and disable** flip the ACCOUNTDISABLE bit of `userAccountControl` and no other:
//!   the old value is deleted and the new one added in one modify, so a concurrent change of
//!   another bit fails the write instead of being overwritten. A disabled account moves to
//!   `disabled_ou` when one is configured, and back to `users_ou` when it is enabled.
//! - **Nothing is deleted**, and AD has no sign-in sessions or Temporary Access Passes to
//!   write: those operations are [`ErrorKind::Unsupported`].

#![allow(
    clippy::disallowed_types,
    reason = "ldap3's add and modify take each attribute's values as a HashSet; a set's order never reaches the wire's meaning"
)]

use std::collections::HashSet;

use hris_sync_core::raw::{
    Applied, Changes, DirectoryProperty, NewUser, Operation, Outcome, PropertyValue,
};
use hris_sync_core::{DirectoryUser, DirectoryUserId, Error, ErrorKind, Result};
use ldap3::{Ldap, LdapResult, Mod};
use secrecy::ExposeSecret as _;

use crate::ActiveDirectory;
use crate::convert;
use crate::dn;
use crate::error::Right;
use crate::model::{ACCOUNTDISABLE, Entry, NORMAL_ACCOUNT, guid_string, unicode_pwd};
use crate::names;

/// An attribute's values, as ldap3 takes them.
pub(crate) type Values = HashSet<Vec<u8>>;

/// One value.
pub(crate) fn values(v: impl Into<Vec<u8>>) -> Values {
    HashSet::from([v.into()])
}

impl ActiveDirectory {
    /// One operation.
    pub(crate) async fn apply_one(&self, op: &Operation) -> Outcome {
        match op {
            Operation::Create(new) => self.create(new).await,
            Operation::Update { user, changes } => self.update(user, changes).await,
            Operation::SetManager { user, manager } => {
                self.set_manager(user, manager.as_ref()).await
            }
            Operation::RevokeSessions { .. } => Err(Error::new(
                ErrorKind::Unsupported,
                "Active Directory has no sign-in sessions to revoke over LDAP",
            )),
            Operation::CreateAccessPass { .. } => Err(Error::new(
                ErrorKind::Unsupported,
                "Temporary Access Passes are an Entra feature",
            )),
            Operation::AddMember { group, user } => self.membership(group, user, true).await,
            Operation::RemoveMember { group, user } => self.membership(group, user, false).await,
        }
    }

    /// What AD itself would refuse, or what would be lost: checked before anything is sent.
    pub(crate) async fn check_new(&self, new: &NewUser) -> Result<()> {
        if !self.conn.is_secure() {
            return Err(Error::config(format!(
                "add {}: the connection to the domain controller is not encrypted, and a \
                 password (unicodePwd) is only ever sent over TLS: use ldaps:// or StartTLS",
                new.user_principal_name
            )));
        }
        let text = |p: DirectoryProperty, v: &str| PropertyValue::text(v.trim()).check(&p);
        text(DirectoryProperty::DISPLAY_NAME, &new.display_name)?;
        text(DirectoryProperty::EMPLOYEE_ID, &new.employee_id)?;
        text(
            DirectoryProperty::USER_PRINCIPAL_NAME,
            &new.user_principal_name,
        )?;
        for (p, v) in [
            (DirectoryProperty::GIVEN_NAME, &new.given_name),
            (DirectoryProperty::SURNAME, &new.surname),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.trim().is_empty()) {
                text(p, v)?;
            }
        }
        let suffix = new
            .user_principal_name
            .rsplit_once('@')
            .map(|(_, d)| d.to_lowercase())
            .unwrap_or_default();
        let domain = self.domain().await?;
        if !domain.suffixes.contains(&suffix) {
            return Err(Error::invalid_input(format!(
                "userPrincipalName {}: {suffix:?} is not a UPN suffix of the domain ({})",
                new.user_principal_name,
                domain.suffixes.join(", ")
            )));
        }
        for (p, v) in &new.properties {
            attribute(p, v)?;
        }
        Ok(())
    }

    /// T4: this employee's account exists already (an earlier attempt whose answer was lost,
    /// or a run racing this one): use it.
    pub(crate) async fn adopt(&self, entry: &Entry) -> Outcome {
        self.adoptable(entry)?;
        let user = self.user_of(entry).await?;
        // Names of people are personal data: at info the event, at debug who it is.
        tracing::info!(
            employee = user.employee_id.as_deref().unwrap_or_default(),
            "T4: this employee's account already exists; adopting it"
        );
        tracing::debug!(upn = %user.user_principal_name, dn = %entry.dn, "adopted");
        Ok(Applied::Adopted(Box::new(user)))
    }

    /// Only a user object at or under `base_dn` that is neither a critical system object nor
    /// protected (`adminCount = 1`) is ever adopted. Anything else that carries the
    /// employee's id or UPN (a computer, an administrator, an account elsewhere in the
    /// domain) is a conflict for a human: never adopted, so never given a manager or a group.
    fn adoptable(&self, entry: &Entry) -> Result<()> {
        let base = dn::normalize(&self.settings().base_dn);
        let here = dn::normalize(&entry.dn);
        let under = here == base || here.ends_with(&format!("\0{base}"));
        let why = if !entry.is_user() {
            "it is not a user object (a computer or another class)"
        } else if entry.is_critical() {
            "it is a critical system object"
        } else if entry.is_protected() {
            "it is a protected account (adminCount = 1: a member of a privileged group)"
        } else if !under {
            "it lies outside base_dn"
        } else {
            return Ok(());
        };
        Err(Error::conflict(
            "employeeID",
            format!(
                "{} carries this employee's id or UPN, but {why}: it is never adopted; resolve \
                 it by hand",
                entry.dn
            ),
        ))
    }

    pub(crate) async fn user_of(&self, entry: &Entry) -> Result<DirectoryUser> {
        if let Some(g) = &entry.guid {
            self.remember(&guid_string(g), &entry.dn);
        }
        let domain = &self.domain().await?.dns;
        convert::user(entry, &self.settings().read_set, domain, |m| {
            Some(DirectoryUserId::new(
                self.known_guid(m).unwrap_or_else(|| format!("dn:{m}")),
            ))
        })
    }

    pub(crate) async fn add(&self, entry_dn: &str, new: &NewUser, sam: &str) -> Result<()> {
        let mut attrs: Vec<(Vec<u8>, Values)> = vec![
            (
                b"objectClass".to_vec(),
                ["top", "person", "organizationalPerson", "user"]
                    .iter()
                    .map(|c| c.as_bytes().to_vec())
                    .collect(),
            ),
            (b"sAMAccountName".to_vec(), values(sam)),
            (
                b"userPrincipalName".to_vec(),
                values(new.user_principal_name.as_str()),
            ),
            (b"employeeID".to_vec(), values(new.employee_id.as_str())),
            (b"displayName".to_vec(), values(new.display_name.trim())),
        ];
        for (name, v) in [("givenName", &new.given_name), ("sn", &new.surname)] {
            if let Some(v) = v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                attrs.push((name.as_bytes().to_vec(), values(v)));
            }
        }
        for (p, v) in &new.properties {
            let (name, value) = attribute(p, v)?;
            attrs.push((name.into_bytes(), values(value)));
        }
        let uac = NORMAL_ACCOUNT
            | if new.account_enabled {
                0
            } else {
                ACCOUNTDISABLE
            };
        attrs.push((b"userAccountControl".to_vec(), values(uac.to_string())));
        attrs.push((
            b"unicodePwd".to_vec(),
            values(unicode_pwd(new.password.expose_secret())),
        ));
        attrs.push((b"pwdLastSet".to_vec(), values("0")));
        let what = format!("add {entry_dn}");
        self.conn
            .run(&what, Right::CreateUser, |mut ldap: Ldap| {
                let attrs = attrs.clone();
                async move { ldap.add(entry_dn, attrs).await?.success().map(drop) }
            })
            .await
    }

    async fn update(&self, user: &DirectoryUserId, changes: &Changes) -> Outcome {
        let mut mods: Vec<Mod<Vec<u8>>> = Vec::new();
        let mut enable = None;
        for (p, v) in changes {
            if *p == DirectoryProperty::ACCOUNT_ENABLED {
                match v {
                    Some(PropertyValue::Bool(on)) => enable = Some(*on),
                    _ => return Err(Error::invalid_input("accountEnabled takes true or false")),
                }
            } else if *p == DirectoryProperty::MAIL_NICKNAME {
                // No such attribute without the Exchange schema; the sAMAccountName stays.
            } else if let Some(v) = v {
                let (name, value) = attribute(p, v)?;
                mods.push(Mod::Replace(name.into_bytes(), values(value)));
            } else if !declared(p)?.is_clearable() {
                return Err(Error::invalid_input(format!("{p} cannot be cleared")));
            } else {
                let name = ad_name(p)?;
                mods.push(Mod::Replace(name.into_bytes(), HashSet::new()));
            }
        }
        let entry_dn = self.dn_of(user).await?;
        let renamed = match changes.get(&DirectoryProperty::DISPLAY_NAME) {
            Some(Some(PropertyValue::Text(name))) => Some(name.clone()),
            _ => None,
        };
        if let Some(on) = enable {
            self.flip(user, &entry_dn, on, mods).await?;
        } else if !mods.is_empty() {
            self.modify(&entry_dn, mods, Right::WriteProperty).await?;
        }
        if let Some(name) = renamed {
            // The name administrators see in the tree follows the person's (docs/rules.md §9).
            let entry_dn = self.dn_of(user).await?;
            self.rename(user, &entry_dn, &name).await?;
        }
        Ok(Applied::Done)
    }

    /// Rename the object after `display` (modrdn, in place), with the create's collision rule:
    /// the name, else the name with `_<employee id>`, each within 64 characters.
    async fn rename(&self, user: &DirectoryUserId, entry_dn: &str, display: &str) -> Result<()> {
        let rdn = dn::first_rdn(entry_dn).to_owned();
        let current = dn::rdn_value(&rdn);
        let entry = self
            .conn
            .one(
                &format!("read {entry_dn}"),
                entry_dn,
                &["employeeID".to_owned()],
            )
            .await?
            .ok_or_else(|| {
                Error::new(ErrorKind::NotFound, format!("{user}: {entry_dn} is gone"))
            })?;
        let id = entry.first("employeeID").unwrap_or_default().to_owned();
        let candidates = names::cn_candidates(display, &id);
        if candidates.is_empty() {
            return Err(Error::invalid_input(format!(
                "rename {entry_dn}: the display name holds no character a cn can take"
            )));
        }
        if candidates.contains(&current) {
            return Ok(());
        }
        let parent = dn::parent(entry_dn).unwrap_or_default();
        let rdns: Vec<String> = candidates
            .iter()
            .map(|cn| format!("CN={}", dn::escape(cn)))
            .collect();
        self.move_to(user, entry_dn, &rdns, &parent, false).await
    }

    /// modrdn `entry_dn` to the first of `rdns` that is free under `parent` (`moving`: a new
    /// parent, else a rename in place); a taken name tries the next.
    async fn move_to(
        &self,
        user: &DirectoryUserId,
        entry_dn: &str,
        rdns: &[String],
        parent: &str,
        moving: bool,
    ) -> Result<()> {
        let mut last = None;
        for rdn in rdns {
            let what = format!("move {entry_dn} to {rdn},{parent}");
            let superior = moving.then_some(parent);
            let moved = self
                .conn
                .run(&what, Right::Move, |mut ldap: Ldap| async move {
                    ldap.modifydn(entry_dn, rdn, true, superior)
                        .await?
                        .success()
                        .map(drop)
                })
                .await;
            match moved {
                Ok(()) => {
                    self.remember(user.as_str(), &format!("{rdn},{parent}"));
                    return Ok(());
                }
                Err(e) if e.kind() == ErrorKind::AlreadyExists => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| {
            Error::new(
                ErrorKind::AlreadyExists,
                format!("move {entry_dn}: no name is free under {parent}"),
            )
        }))
    }

    /// Set or clear ACCOUNTDISABLE (and write `mods` with it), then move the account to or
    /// from `disabled_ou`.
    async fn flip(
        &self,
        user: &DirectoryUserId,
        entry_dn: &str,
        on: bool,
        mods: Vec<Mod<Vec<u8>>>,
    ) -> Result<()> {
        let attrs = ["userAccountControl".to_owned(), "employeeID".to_owned()];
        let mut tries = 0;
        let entry = loop {
            let entry = self
                .conn
                .one(&format!("read {entry_dn}"), entry_dn, &attrs)
                .await?
                .ok_or_else(|| {
                    Error::new(ErrorKind::NotFound, format!("{user}: {entry_dn} is gone"))
                })?;
            let old = entry.uac().ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidData,
                    format!("{entry_dn} has no userAccountControl"),
                )
            })?;
            let new = if on {
                old & !ACCOUNTDISABLE
            } else {
                old | ACCOUNTDISABLE
            };
            let mut all = mods.clone();
            if new != old {
                let text = |v: u32| i32::from_ne_bytes(v.to_ne_bytes()).to_string();
                all.push(Mod::Delete(
                    b"userAccountControl".to_vec(),
                    values(text(old)),
                ));
                all.push(Mod::Add(b"userAccountControl".to_vec(), values(text(new))));
            }
            if all.is_empty() {
                break entry;
            }
            match self.modify(entry_dn, all, Right::WriteProperty).await {
                Ok(()) => break entry,
                // Another bit changed between the read and the write: read it again.
                Err(e)
                    if tries < 2
                        && e.kind() == ErrorKind::InvalidInput
                        && e.message().contains("LDAP 16 ") =>
                {
                    tries += 1;
                }
                Err(e) => return Err(e),
            }
        };
        let settings = self.settings();
        let Some(disabled_ou) = &settings.disabled_ou else {
            return Ok(());
        };
        let parent = dn::parent(entry_dn).map(|p| dn::normalize(&p));
        let in_disabled = parent.as_deref() == Some(dn::normalize(disabled_ou).as_str());
        let to = match (on, in_disabled) {
            (false, false) => disabled_ou.clone(),
            (true, true) => settings.users_ou.clone(),
            _ => return Ok(()),
        };
        let id = entry.first("employeeID").unwrap_or_default().to_owned();
        self.relocate(user, entry_dn, &to, &id).await
    }

    /// Move the account under `to`, keeping its `cn` unless one is taken there.
    async fn relocate(
        &self,
        user: &DirectoryUserId,
        entry_dn: &str,
        to: &str,
        id: &str,
    ) -> Result<()> {
        let rdn = dn::first_rdn(entry_dn).to_owned();
        let mut candidates = vec![rdn.clone()];
        let name = dn::rdn_value(&rdn);
        let with_id = format!("CN={}", dn::escape(&names::suffixed(&name, id)));
        if !id.is_empty() && with_id != rdn {
            candidates.push(with_id);
        }
        self.move_to(user, entry_dn, &candidates, to, true).await
    }

    async fn set_manager(
        &self,
        user: &DirectoryUserId,
        manager: Option<&DirectoryUserId>,
    ) -> Outcome {
        let entry_dn = self.dn_of(user).await?;
        let value = match manager {
            Some(m) => values(self.dn_of(m).await?),
            None => HashSet::new(),
        };
        self.modify(
            &entry_dn,
            vec![Mod::Replace(b"manager".to_vec(), value)],
            Right::WriteProperty,
        )
        .await?;
        Ok(Applied::Done)
    }

    async fn modify(&self, entry_dn: &str, mods: Vec<Mod<Vec<u8>>>, right: Right) -> Result<()> {
        let what = format!("modify {entry_dn}");
        self.conn
            .run(&what, right, |mut ldap: Ldap| {
                let mods = mods.clone();
                async move {
                    ldap.modify(entry_dn, mods)
                        .await
                        .and_then(LdapResult::success)
                        .map(drop)
                }
            })
            .await
    }
}

/// The AD attribute of a property, or an error when AD has none.
fn ad_name(p: &DirectoryProperty) -> Result<String> {
    crate::vocabulary::ad_name(p)
        .map(str::to_owned)
        .ok_or_else(|| {
            Error::invalid_input(format!(
                "Active Directory has no attribute for the property {p}"
            ))
        })
}

/// The property as AD declares it (its limits), whatever spec the caller's value carries.
fn declared(p: &DirectoryProperty) -> Result<DirectoryProperty> {
    let name = ad_name(p)?;
    Ok(crate::vocabulary::vocabulary()
        .get(&name)
        .filter(|d| !d.is_sync_managed())
        .cloned()
        .unwrap_or_else(|| p.clone()))
}

/// The attribute and LDAP value for a property value, checked as AD would check it.
fn attribute(p: &DirectoryProperty, v: &PropertyValue) -> Result<(String, String)> {
    let name = ad_name(p)?;
    let declared = declared(p)?;
    v.check(&declared)?;
    let value = convert::ldap_value(&declared, v).ok_or_else(|| {
        Error::invalid_input(format!("{name}: AD holds one text value here, not {v}"))
    })?;
    Ok((name, value))
}
