//! An in-memory [`Directory`] that enforces what a strict cloud directory enforces.
//!
//! Unique UPNs (case-insensitive, `AlreadyExists` with target `userPrincipalName`), UPN
//! character and length rules and verified domains, the required create fields, the declared
//! attributes only, each within its declared limits, `null` rather than `""` to clear, complex
//! values written whole (T5), no writes to hybrid or agent objects, and none to attributes
//! refused after a sync from elsewhere (T11). It
//! keeps a change feed for [`Directory::list_user_changes`] and a log of every write, so tests
//! can assert what was written.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, MutexGuard, PoisonError};

use async_trait::async_trait;

use crate::directory::{DeltaCursor, Directory, GroupInfo, UserChanges, UserSnapshot};
use crate::error::{Error, ErrorKind, Result};
use crate::id::DirectoryUserId;
use crate::operation::{AccessPass, AccessPassRequest, Applied, NewUser, Operation, Outcome};
use crate::policy::Vocabulary;
use crate::property::{DirectoryProperty, PropertyValue};
use crate::upn::is_valid_upn;
use crate::user::{DirectoryUser, ObjectKind};

/// The attributes every account has, declared or not.
static MANAGED: [DirectoryProperty; 7] = DirectoryProperty::MANAGED;

/// One write the directory accepted, for assertions in tests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WriteRecord {
    /// A user was created with this UPN.
    Create(String),
    /// These properties of this user were written.
    Update(DirectoryUserId, Vec<DirectoryProperty>),
    /// The manager of this user was set or removed.
    SetManager(DirectoryUserId, Option<DirectoryUserId>),
    /// This user's sessions were revoked.
    RevokeSessions(DirectoryUserId),
    /// A Temporary Access Pass was made for this user, with this request.
    CreateAccessPass(DirectoryUserId, AccessPassRequest),
    /// This user was added to this group (or was a member already).
    AddMember(String, DirectoryUserId),
    /// This user was removed from this group (or was no member).
    RemoveMember(String, DirectoryUserId),
}

#[derive(Debug, Default)]
struct State {
    users: BTreeMap<DirectoryUserId, DirectoryUser>,
    /// Lower-case UPN → id: uniqueness checks without a scan.
    upns: BTreeMap<String, DirectoryUserId>,
    changed_at: BTreeMap<DirectoryUserId, u64>,
    removed_at: BTreeMap<DirectoryUserId, u64>,
    seq: u64,
    next_id: u64,
    writes: Vec<WriteRecord>,
    revoked: BTreeMap<DirectoryUserId, u64>,
    groups: BTreeMap<String, GroupInfo>,
}

impl State {
    fn touch(&mut self, id: &DirectoryUserId) {
        self.seq += 1;
        self.changed_at.insert(id.clone(), self.seq);
    }

    fn upn_taken(&self, upn: &str, except: Option<&DirectoryUserId>) -> bool {
        self.upns
            .get(&upn.to_lowercase())
            .is_some_and(|holder| Some(holder) != except)
    }

    fn insert(&mut self, user: DirectoryUser) {
        self.upns
            .insert(user.user_principal_name.to_lowercase(), user.id.clone());
        self.users.insert(user.id.clone(), user);
    }
}

/// An in-memory directory. Cheap to create; `Send + Sync`; state behind one mutex.
#[derive(Debug)]
pub struct MemoryDirectory {
    domains: Vec<String>,
    vocabulary: Vocabulary,
    state: Mutex<State>,
}

impl MemoryDirectory {
    /// An empty directory whose verified domains are `domains`.
    #[must_use]
    pub fn new<I, S>(domains: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            domains: domains.into_iter().map(Into::into).collect(),
            vocabulary: super::sample::vocabulary(),
            state: Mutex::new(State::default()),
        }
    }

    /// The attribute as this directory declares it, or the refusal a directory gives a name
    /// it does not have.
    fn declared(&self, p: &DirectoryProperty) -> Result<&DirectoryProperty> {
        self.vocabulary
            .get(p.name())
            .or_else(|| MANAGED.iter().find(|m| *m == p))
            .ok_or_else(|| Error::invalid_input(format!("unknown property '{p}'")))
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Put a user in place as if it had always been there (seeding; no write is logged).
    ///
    /// # Errors
    /// [`ErrorKind::AlreadyExists`] when the UPN or id is taken.
    pub fn seed(&self, user: DirectoryUser) -> Result<()> {
        let mut s = self.lock();
        if s.upn_taken(&user.user_principal_name, None) || s.users.contains_key(&user.id) {
            return Err(Error::conflict(
                "userPrincipalName",
                format!("{} is taken", user.user_principal_name),
            ));
        }
        let id = user.id.clone();
        s.insert(user);
        s.touch(&id);
        Ok(())
    }

    /// Create an account behind the sync's back (as another admin would, between a read and
    /// a write) holding `upn`.
    ///
    /// # Errors
    /// [`ErrorKind::AlreadyExists`] when the UPN is taken already.
    pub fn take_upn(&self, upn: &str) -> Result<DirectoryUserId> {
        let id = {
            let mut s = self.lock();
            s.next_id += 1;
            DirectoryUserId::new(format!("00000000-0000-4000-8000-ext{:09}", s.next_id))
        };
        self.seed(DirectoryUser::new(id.as_str(), upn))?;
        Ok(id)
    }

    /// Every user, in id order.
    #[must_use]
    pub fn users(&self) -> Vec<DirectoryUser> {
        self.lock().users.values().cloned().collect()
    }

    /// The user with this UPN (case-insensitive).
    #[must_use]
    pub fn user_by_upn(&self, upn: &str) -> Option<DirectoryUser> {
        let s = self.lock();
        s.upns
            .get(&upn.to_lowercase())
            .and_then(|id| s.users.get(id))
            .cloned()
    }

    /// The first user (in id order) whose `employeeId` is `employee_id`; a scan of every user,
    /// without copying the others.
    #[must_use]
    pub fn user_by_employee_id(&self, employee_id: &str) -> Option<DirectoryUser> {
        self.lock()
            .users
            .values()
            .find(|u| u.employee_id.as_deref() == Some(employee_id))
            .cloned()
    }

    /// Delete a user, as an administrator would outside the sync (the sync never deletes).
    /// The change feed reports it as removed. Returns the user as it was.
    pub fn delete(&self, id: &DirectoryUserId) -> Option<DirectoryUser> {
        let mut s = self.lock();
        let user = s.users.remove(id)?;
        s.upns.remove(&user.user_principal_name.to_lowercase());
        s.changed_at.remove(id);
        s.seq += 1;
        let seq = s.seq;
        s.removed_at.insert(id.clone(), seq);
        Some(user)
    }

    /// The user with this id.
    #[must_use]
    pub fn user(&self, id: &DirectoryUserId) -> Option<DirectoryUser> {
        self.lock().users.get(id).cloned()
    }

    /// Every accepted write, in order.
    #[must_use]
    pub fn writes(&self) -> Vec<WriteRecord> {
        self.lock().writes.clone()
    }

    /// Put a group in place (its kind and members as given).
    pub fn seed_group(&self, group: GroupInfo) {
        self.lock().groups.insert(group.id.clone(), group);
    }

    /// A group as it now is.
    #[must_use]
    pub fn group(&self, id: &str) -> Option<GroupInfo> {
        self.lock().groups.get(id).cloned()
    }

    /// Forget the write log.
    pub fn clear_writes(&self) {
        self.lock().writes.clear();
    }

    /// How often this user's sessions were revoked.
    #[must_use]
    pub fn revocations(&self, id: &DirectoryUserId) -> u64 {
        self.lock().revoked.get(id).copied().unwrap_or(0)
    }

    fn apply_one(&self, op: &Operation) -> Outcome {
        let mut s = self.lock();
        match op {
            Operation::Create(new) => self.create(&mut s, new),
            Operation::Update { user, changes } => {
                let target = writable(&s, user)?;
                for (p, v) in changes {
                    let p = self.declared(p)?;
                    if target.previously_synced && !p.spec().after_sync {
                        // T11: written only on accounts never synchronised from elsewhere.
                        return Err(Error::invalid_input(format!(
                            "Unable to update the specified properties for objects that have \
                             originated within an external service ({p})"
                        )));
                    }
                    match v {
                        Some(v) => v.check(p)?,
                        None if !p.is_clearable() => {
                            return Err(Error::invalid_input(format!(
                                "a value is required for property '{p}'"
                            )));
                        }
                        None => {}
                    }
                    if *p == DirectoryProperty::USER_PRINCIPAL_NAME {
                        let upn = v.as_ref().and_then(PropertyValue::as_text).unwrap_or("");
                        self.check_upn(&s, upn, Some(&target.id))?;
                    }
                }
                let id = target.id.clone();
                let old_upn = target.user_principal_name.to_lowercase();
                let user = s.users.get_mut(&id).ok_or_else(|| not_found(&id))?;
                for (p, v) in changes {
                    set_property(user, p.clone(), v.clone());
                }
                // A complex value is written whole: a field left out is set to null (T5).
                let touched: BTreeSet<DirectoryProperty> = changes
                    .keys()
                    .flat_map(|p| self.vocabulary.siblings(self.declared(p).unwrap_or(p)))
                    .collect();
                for p in touched {
                    if !changes.contains_key(&p) {
                        store(user, p, None);
                    }
                }
                let new_upn = s
                    .users
                    .get(&id)
                    .map(|u| u.user_principal_name.to_lowercase());
                if let Some(new_upn) = new_upn.filter(|n| *n != old_upn) {
                    s.upns.remove(&old_upn);
                    s.upns.insert(new_upn, id.clone());
                }
                s.touch(&id);
                s.writes
                    .push(WriteRecord::Update(id, changes.keys().cloned().collect()));
                Ok(Applied::Done)
            }
            Operation::SetManager { user, manager } => {
                let id = writable(&s, user)?.id.clone();
                if let Some(m) = manager {
                    if !s.users.contains_key(m) {
                        return Err(not_found(m));
                    }
                    if m == &id {
                        return Err(Error::invalid_input("a user cannot be their own manager"));
                    }
                }
                if let Some(u) = s.users.get_mut(&id) {
                    u.manager_id.clone_from(manager);
                }
                s.touch(&id);
                s.writes.push(WriteRecord::SetManager(id, manager.clone()));
                Ok(Applied::Done)
            }
            Operation::RevokeSessions { user } => {
                let id = writable(&s, user)?.id.clone();
                *s.revoked.entry(id.clone()).or_default() += 1;
                s.writes.push(WriteRecord::RevokeSessions(id));
                Ok(Applied::Done)
            }
            Operation::CreateAccessPass { user, request } => {
                let id = writable(&s, user)?.id.clone();
                if let Some(m) = request.lifetime_minutes {
                    if !(10..=43_200).contains(&m) {
                        return Err(Error::invalid_input(format!(
                            "lifetimeInMinutes {m} is outside 10..=43200"
                        )));
                    }
                }
                let pass = crate::password::Password::generate()?;
                s.writes
                    .push(WriteRecord::CreateAccessPass(id, request.clone()));
                Ok(Applied::AccessPass(Box::new(AccessPass {
                    pass: secrecy::SecretString::from(
                        secrecy::ExposeSecret::expose_secret(&pass).to_owned(),
                    ),
                    start: request.start,
                    lifetime_minutes: request.lifetime_minutes,
                })))
            }
            Operation::AddMember { group, user } => Self::membership(&mut s, group, user, true),
            Operation::RemoveMember { group, user } => Self::membership(&mut s, group, user, false),
        }
    }

    /// G4 on a group: the group must exist and allow membership writes, the user must
    /// exist; adding a member or removing a non-member changes nothing and is done.
    fn membership(s: &mut State, group: &str, user: &DirectoryUserId, add: bool) -> Outcome {
        if !s.users.contains_key(user) {
            return Err(not_found(user));
        }
        let g = s.groups.get_mut(group).ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                format!("Resource '{group}' does not exist."),
            )
        })?;
        if let Some(why) = g.refusal {
            return Err(Error::invalid_input(format!(
                "group {group}: membership cannot be written: {why}"
            )));
        }
        if add {
            g.members.insert(user.clone());
            s.writes
                .push(WriteRecord::AddMember(group.to_owned(), user.clone()));
        } else {
            g.members.remove(user);
            s.writes
                .push(WriteRecord::RemoveMember(group.to_owned(), user.clone()));
        }
        Ok(Applied::Done)
    }

    fn check_upn(&self, s: &State, upn: &str, except: Option<&DirectoryUserId>) -> Result<()> {
        if !is_valid_upn(upn) {
            return Err(Error::invalid_input(format!(
                "invalid value for property 'userPrincipalName': {upn:?}"
            )));
        }
        let domain = upn.rsplit('@').next().unwrap_or("");
        if !self.domains.iter().any(|d| d.eq_ignore_ascii_case(domain)) {
            return Err(Error::invalid_input(format!(
                "the domain portion of the userPrincipalName property is invalid: {domain:?} is \
                 not a verified domain"
            )));
        }
        if s.upn_taken(upn, except) {
            return Err(Error::conflict(
                "userPrincipalName",
                "Another object with the same value for property userPrincipalName already exists.",
            ));
        }
        Ok(())
    }

    fn create(&self, s: &mut State, new: &NewUser) -> Outcome {
        use secrecy::ExposeSecret;
        for (name, value) in [
            ("displayName", &new.display_name),
            ("mailNickname", &new.mail_nickname),
            ("userPrincipalName", &new.user_principal_name),
        ] {
            if value.trim().is_empty() {
                return Err(Error::invalid_input(format!(
                    "a value is required for property '{name}'"
                )));
            }
        }
        if new.password.expose_secret().is_empty() || !new.password.meets_complexity() {
            return Err(Error::invalid_input(
                "The specified password does not comply with password complexity requirements.",
            ));
        }
        let text_checks = [
            (DirectoryProperty::DISPLAY_NAME, Some(&new.display_name)),
            (DirectoryProperty::MAIL_NICKNAME, Some(&new.mail_nickname)),
            (DirectoryProperty::EMPLOYEE_ID, Some(&new.employee_id)),
            (DirectoryProperty::GIVEN_NAME, new.given_name.as_ref()),
            (DirectoryProperty::SURNAME, new.surname.as_ref()),
        ];
        for (p, v) in text_checks {
            if let Some(v) = v {
                PropertyValue::Text(v.clone()).check(&p)?;
            }
        }
        if !new
            .mail_nickname
            .chars()
            .all(|c| c.is_ascii() && !c.is_ascii_control() && !"@()\\[]\";:<>, ".contains(c))
        {
            return Err(Error::invalid_input(
                "invalid value for property 'mailNickname'",
            ));
        }
        for (p, v) in &new.properties {
            let p = self.declared(p)?;
            if p.is_sync_managed() {
                return Err(Error::invalid_input(format!("property '{p}' set twice")));
            }
            v.check(p)?;
        }
        self.check_upn(s, &new.user_principal_name, None)?;
        s.next_id += 1;
        let id = DirectoryUserId::new(format!("00000000-0000-4000-8000-{:012}", s.next_id));
        let mut user = DirectoryUser::new(id.as_str(), new.user_principal_name.clone());
        user.employee_id = Some(new.employee_id.clone());
        user.account_enabled = new.account_enabled;
        set_property(
            &mut user,
            DirectoryProperty::DISPLAY_NAME,
            Some(PropertyValue::Text(new.display_name.clone())),
        );
        set_property(
            &mut user,
            DirectoryProperty::MAIL_NICKNAME,
            Some(PropertyValue::Text(new.mail_nickname.clone())),
        );
        set_property(
            &mut user,
            DirectoryProperty::GIVEN_NAME,
            new.given_name.clone().map(PropertyValue::Text),
        );
        set_property(
            &mut user,
            DirectoryProperty::SURNAME,
            new.surname.clone().map(PropertyValue::Text),
        );
        for (p, v) in &new.properties {
            set_property(&mut user, p.clone(), Some(v.clone()));
        }
        s.insert(user.clone());
        s.touch(&id);
        s.writes
            .push(WriteRecord::Create(new.user_principal_name.clone()));
        Ok(Applied::Created(Box::new(user)))
    }
}

/// Every changed user's manager, as a change feed reports it (the in-memory feed always does).
fn changed_users(changed: &[DirectoryUser]) -> BTreeMap<DirectoryUserId, Option<DirectoryUserId>> {
    changed
        .iter()
        .map(|u| (u.id.clone(), u.manager_id.clone()))
        .collect()
}

fn not_found(id: &DirectoryUserId) -> Error {
    Error::new(
        ErrorKind::NotFound,
        format!(
            "Resource '{id}' does not exist or one of its queried reference-property objects are not present."
        ),
    )
}

/// The user, if it exists and may be written (hybrid and agent objects may not).
fn writable<'s>(s: &'s State, id: &DirectoryUserId) -> Result<&'s DirectoryUser> {
    let user = s.users.get(id).ok_or_else(|| not_found(id))?;
    if user.on_premises_sync_enabled {
        return Err(Error::invalid_input(
            "Unable to update the specified properties for on-premises mastered Directory Sync objects",
        ));
    }
    if user.kind == ObjectKind::Agent {
        return Err(Error::invalid_input("the object is not a user"));
    }
    if user.kind == ObjectKind::BuiltIn {
        return Err(Error::invalid_input(
            "the object is a built-in system account",
        ));
    }
    Ok(user)
}

/// Write a property into a user record: the typed fields for the sync-managed ones, the
/// property map for the rest.
fn set_property(user: &mut DirectoryUser, p: DirectoryProperty, v: Option<PropertyValue>) {
    if p == DirectoryProperty::ACCOUNT_ENABLED {
        if let Some(PropertyValue::Bool(b)) = v {
            user.account_enabled = b;
        }
    } else if p == DirectoryProperty::EMPLOYEE_ID {
        user.employee_id = v.and_then(|v| v.as_text().map(str::to_owned));
    } else if p == DirectoryProperty::USER_PRINCIPAL_NAME {
        if let Some(PropertyValue::Text(t)) = v {
            user.user_principal_name = t;
        }
    } else {
        if p == super::sample::MAIL {
            user.mail = v.as_ref().and_then(|v| v.as_text().map(str::to_owned));
        }
        store(user, p, v);
    }
}

fn store(user: &mut DirectoryUser, p: DirectoryProperty, v: Option<PropertyValue>) {
    match v {
        Some(v) => {
            user.properties.insert(p, v);
        }
        None => {
            user.properties.remove(&p);
        }
    }
}

#[async_trait]
impl Directory for MemoryDirectory {
    async fn list_users(&self) -> Result<UserSnapshot> {
        let s = self.lock();
        Ok(UserSnapshot {
            users: s.users.values().cloned().collect(),
            cursor: Some(DeltaCursor::new(format!("mem:{}", s.seq))),
        })
    }

    async fn list_user_changes(&self, cursor: &DeltaCursor) -> Result<UserChanges> {
        let since: u64 = cursor
            .as_str()
            .strip_prefix("mem:")
            .and_then(|n| n.parse().ok())
            .ok_or_else(|| Error::new(ErrorKind::CursorExpired, "unknown delta cursor"))?;
        let s = self.lock();
        if since > s.seq {
            return Err(Error::new(
                ErrorKind::CursorExpired,
                "delta cursor from the future",
            ));
        }
        let changed: Vec<DirectoryUser> = s
            .changed_at
            .iter()
            .filter(|(_, seq)| **seq > since)
            .filter_map(|(id, _)| s.users.get(id).cloned())
            .collect();
        let managers = changed_users(&changed);
        let removed = s
            .removed_at
            .iter()
            .filter(|(id, seq)| **seq > since && !s.users.contains_key(*id))
            .map(|(id, _)| id.clone())
            .collect();
        Ok(UserChanges {
            changed,
            managers,
            removed,
            cursor: Some(DeltaCursor::new(format!("mem:{}", s.seq))),
        })
    }

    async fn verified_domains(&self) -> Result<Vec<String>> {
        Ok(self.domains.clone())
    }

    fn read_set(&self) -> crate::raw::ReadSet {
        crate::raw::ReadSet::everything()
    }

    async fn apply(&self, operations: &[Operation]) -> Vec<Outcome> {
        operations.iter().map(|op| self.apply_one(op)).collect()
    }

    async fn read_group(&self, id: &str) -> Result<GroupInfo> {
        self.group(id).ok_or_else(|| {
            Error::new(
                ErrorKind::NotFound,
                format!("Resource '{id}' does not exist."),
            )
        })
    }
}
