//! The simulator's own store of `user` objects, with the rules Graph documents for them
//! (`shared/reference/graph-entra.md` §2, §5, §6): unique UPNs (case-insensitive) in a
//! verified domain and of the documented characters and lengths, the required create fields,
//! Entra's password policy, each property within the schema's limits, `null` rather than `""`
//! to clear, no writes to on-premises-synchronised or agent objects and none, after a sync
//! from elsewhere, to what only cloud-only users take (T11). It keeps a change feed
//! (`mem:N` positions) for `/users/delta`.
//!
//! It holds users as core's `DirectoryUser` records (the simulator's seeding API takes them),
//! but judges every write itself: nothing here calls the code the connector is checked with.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use hris_sync_core::raw::{
    AccessPass, AccessPassRequest, DirectoryProperty, NewUser, Password, PropertyKind,
    PropertyValue,
};
use hris_sync_core::secrecy::{ExposeSecret as _, SecretString};
use hris_sync_core::{DirectoryUser, DirectoryUserId, Error, ObjectKind, Result};
use serde_json::{Value, json};

use super::schema;
use super::server::not_found;
use super::users::{bad, graph_error, invalid_value};

/// A refusal: Graph's status and error body.
pub(crate) type Refusal = (u16, Value);

/// Property changes as the simulator decodes a PATCH: `None` clears.
pub(crate) type Changes = BTreeMap<DirectoryProperty, Option<PropertyValue>>;

/// What changed after a feed position: the users as they now are, and the ids deleted.
pub(crate) struct Feed {
    pub(crate) changed: Vec<DirectoryUser>,
    pub(crate) removed: Vec<DirectoryUserId>,
    /// The position after all of it.
    pub(crate) position: String,
}

#[derive(Default)]
struct Inner {
    users: BTreeMap<DirectoryUserId, DirectoryUser>,
    /// Lower-case UPN → id.
    upns: BTreeMap<String, DirectoryUserId>,
    changed_at: BTreeMap<DirectoryUserId, u64>,
    removed_at: BTreeMap<DirectoryUserId, u64>,
    seq: u64,
    next_id: u64,
    passes: Vec<(DirectoryUserId, AccessPassRequest)>,
}

impl Inner {
    fn touch(&mut self, id: &DirectoryUserId) {
        self.seq += 1;
        self.changed_at.insert(id.clone(), self.seq);
    }

    fn insert(&mut self, user: DirectoryUser) {
        let id = user.id.clone();
        self.upns
            .insert(user.user_principal_name.to_lowercase(), id.clone());
        self.users.insert(id.clone(), user);
        self.touch(&id);
    }

    fn holder(&self, upn: &str) -> Option<&DirectoryUserId> {
        self.upns.get(&upn.to_lowercase())
    }

    /// The user, if it exists and the API may write it.
    fn writable(&mut self, id: &DirectoryUserId) -> Result<&mut DirectoryUser, Refusal> {
        let user = self
            .users
            .get_mut(id)
            .ok_or_else(|| not_found(id.as_str()))?;
        if user.on_premises_sync_enabled {
            return Err(bad(
                "Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration.",
            ));
        }
        if user.kind != ObjectKind::User {
            return Err(bad("The operation is not supported on this object."));
        }
        Ok(user)
    }
}

/// The user objects of one tenant.
pub(crate) struct Store {
    domains: Vec<String>,
    inner: Mutex<Inner>,
}

impl Store {
    pub(crate) fn new(domains: Vec<String>) -> Self {
        Self {
            domains,
            inner: Mutex::new(Inner::default()),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Put a user in place as if it had always been there.
    pub(crate) fn seed(&self, user: DirectoryUser) -> Result<()> {
        let mut s = self.lock();
        if s.holder(&user.user_principal_name).is_some() || s.users.contains_key(&user.id) {
            return Err(Error::conflict(
                "userPrincipalName",
                format!("{} is taken", user.user_principal_name),
            ));
        }
        s.insert(user);
        Ok(())
    }

    /// An account holding `upn`, made outside the API under test.
    pub(crate) fn take_upn(&self, upn: &str) -> Result<DirectoryUserId> {
        let id = {
            let mut s = self.lock();
            s.next_id += 1;
            DirectoryUserId::new(format!("00000000-0000-4000-8000-ext{:09}", s.next_id))
        };
        self.seed(DirectoryUser::new(id.as_str(), upn))?;
        Ok(id)
    }

    pub(crate) fn users(&self) -> Vec<DirectoryUser> {
        self.lock().users.values().cloned().collect()
    }

    pub(crate) fn user(&self, id: &DirectoryUserId) -> Option<DirectoryUser> {
        self.lock().users.get(id).cloned()
    }

    pub(crate) fn user_by_upn(&self, upn: &str) -> Option<DirectoryUser> {
        let s = self.lock();
        s.holder(upn).and_then(|id| s.users.get(id)).cloned()
    }

    pub(crate) fn user_by_employee_id(&self, employee_id: &str) -> Option<DirectoryUser> {
        self.lock()
            .users
            .values()
            .find(|u| u.employee_id.as_deref() == Some(employee_id))
            .cloned()
    }

    /// Users `offset..offset + limit` in id order, and how many there are.
    pub(crate) fn page(&self, offset: usize, limit: usize) -> (Vec<DirectoryUser>, usize) {
        let s = self.lock();
        let page = s.users.values().skip(offset).take(limit).cloned().collect();
        (page, s.users.len())
    }

    /// Delete a user as an administrator would; the feed reports it removed.
    pub(crate) fn delete(&self, id: &DirectoryUserId) -> Option<DirectoryUser> {
        let mut s = self.lock();
        let user = s.users.remove(id)?;
        s.upns.remove(&user.user_principal_name.to_lowercase());
        s.changed_at.remove(id);
        s.seq += 1;
        let seq = s.seq;
        s.removed_at.insert(id.clone(), seq);
        Some(user)
    }

    /// The feed's current position.
    pub(crate) fn position(&self) -> String {
        format!("mem:{}", self.lock().seq)
    }

    /// The feed position of the user's last change.
    pub(crate) fn changed_seq(&self, id: &DirectoryUserId) -> Option<u64> {
        self.lock().changed_at.get(id).copied()
    }

    /// What changed after `position`; `None` for a position this store never gave out.
    pub(crate) fn changes_since(&self, position: &str) -> Option<Feed> {
        let since: u64 = position.strip_prefix("mem:")?.parse().ok()?;
        let s = self.lock();
        if since > s.seq {
            return None;
        }
        let changed = s
            .changed_at
            .iter()
            .filter(|(_, seq)| **seq > since)
            .filter_map(|(id, _)| s.users.get(id).cloned())
            .collect();
        let removed = s
            .removed_at
            .iter()
            .filter(|(id, seq)| **seq > since && !s.users.contains_key(*id))
            .map(|(id, _)| id.clone())
            .collect();
        Some(Feed {
            changed,
            removed,
            position: format!("mem:{}", s.seq),
        })
    }

    /// The Temporary Access Passes made, in order.
    pub(crate) fn passes(&self) -> Vec<(DirectoryUserId, AccessPassRequest)> {
        self.lock().passes.clone()
    }

    /// `POST /users`.
    pub(crate) fn create(&self, new: &NewUser) -> Result<DirectoryUser, Refusal> {
        for (name, value) in [
            ("displayName", Some(&new.display_name)),
            ("mailNickname", Some(&new.mail_nickname)),
            (
                "employeeId",
                Some(&new.employee_id).filter(|v| !v.is_empty()),
            ),
            ("givenName", new.given_name.as_ref()),
            ("surname", new.surname.as_ref()),
        ] {
            if let Some(v) = value {
                check_text(name, v, schema::base_limit(name))?;
            }
        }
        if !new
            .mail_nickname
            .chars()
            .all(|c| c.is_ascii() && !c.is_ascii_control() && !"@()\\[]\";:<>, ".contains(c))
        {
            return Err(invalid_value("mailNickname"));
        }
        if !meets_policy(&new.password) {
            return Err(bad(
                "The specified password does not comply with password complexity requirements. Please provide a different password.",
            ));
        }
        for (p, v) in &new.properties {
            check(p, Some(v))?;
        }
        let mut s = self.lock();
        self.check_upn(&s, &new.user_principal_name, None)?;
        s.next_id += 1;
        let id = DirectoryUserId::new(format!("00000000-0000-4000-8000-{:012}", s.next_id));
        let mut user = DirectoryUser::new(id.as_str(), new.user_principal_name.clone());
        user.employee_id = Some(new.employee_id.clone()).filter(|e| !e.is_empty());
        user.account_enabled = new.account_enabled;
        let names = [
            (DirectoryProperty::DISPLAY_NAME, Some(&new.display_name)),
            (DirectoryProperty::MAIL_NICKNAME, Some(&new.mail_nickname)),
            (DirectoryProperty::GIVEN_NAME, new.given_name.as_ref()),
            (DirectoryProperty::SURNAME, new.surname.as_ref()),
        ];
        for (p, v) in names {
            set(&mut user, &p, v.map(|v| PropertyValue::Text(v.clone())));
        }
        for (p, v) in &new.properties {
            set(&mut user, p, Some(v.clone()));
        }
        s.insert(user.clone());
        Ok(user)
    }

    /// `PATCH /users/{id}`: every change judged first, then all written (or none).
    pub(crate) fn update(&self, id: &DirectoryUserId, changes: &Changes) -> Result<(), Refusal> {
        let mut s = self.lock();
        let user = s.writable(id)?;
        let synced_before = user.previously_synced;
        for (p, v) in changes {
            if synced_before && !p.spec().after_sync {
                // T11: only cloud-only users take these.
                return Err(bad(
                    "Unable to update the specified properties for objects that have originated within an external service.",
                ));
            }
            check(p, v.as_ref())?;
        }
        if let Some(upn) = changes.get(&DirectoryProperty::USER_PRINCIPAL_NAME) {
            let upn = upn.as_ref().and_then(PropertyValue::as_text).unwrap_or("");
            self.check_upn(&s, upn, Some(id))?;
        }
        let user = s.writable(id)?;
        let old_upn = user.user_principal_name.to_lowercase();
        for (p, v) in changes {
            set(user, p, v.clone());
        }
        let new_upn = user.user_principal_name.to_lowercase();
        if new_upn != old_upn {
            s.upns.remove(&old_upn);
            s.upns.insert(new_upn, id.clone());
        }
        s.touch(id);
        Ok(())
    }

    /// `PUT` (a manager) or `DELETE` (`None`) `/users/{id}/manager/$ref`.
    pub(crate) fn set_manager(
        &self,
        id: &DirectoryUserId,
        manager: Option<&DirectoryUserId>,
    ) -> Result<(), Refusal> {
        let mut s = self.lock();
        s.writable(id)?;
        if let Some(m) = manager {
            if !s.users.contains_key(m) {
                return Err(not_found(m.as_str()));
            }
            if m == id {
                return Err(bad("A user cannot be their own manager."));
            }
        }
        if let Some(u) = s.users.get_mut(id) {
            u.manager_id = manager.cloned();
        }
        s.touch(id);
        Ok(())
    }

    /// `POST /users/{id}/revokeSignInSessions`.
    pub(crate) fn revoke(&self, id: &DirectoryUserId) -> Result<(), Refusal> {
        self.lock().writable(id).map(|_| ())
    }

    /// `POST /users/{id}/authentication/temporaryAccessPassMethods` (the request checked
    /// against the tenant's policy by the caller).
    pub(crate) fn access_pass(
        &self,
        id: &DirectoryUserId,
        request: &AccessPassRequest,
    ) -> Result<AccessPass, Refusal> {
        let mut s = self.lock();
        s.writable(id)?;
        let pass = pass_text(s.passes.len());
        s.passes.push((id.clone(), request.clone()));
        Ok(AccessPass {
            pass: SecretString::from(pass),
            start: request.start,
            lifetime_minutes: request.lifetime_minutes,
        })
    }

    /// §2: the documented characters and lengths, a verified domain, and nobody else's.
    fn check_upn(
        &self,
        s: &Inner,
        upn: &str,
        except: Option<&DirectoryUserId>,
    ) -> Result<(), Refusal> {
        let Some((local, domain)) = upn.split_once('@') else {
            return Err(invalid_value("userPrincipalName"));
        };
        let allowed = |c: char| c.is_ascii_alphanumeric() || "'.-_!#^~".contains(c);
        if local.is_empty()
            || local.len() > 64
            || domain.len() > 48
            || upn.len() > 113
            || !local.chars().all(allowed)
            || local.ends_with('.')
        {
            return Err(invalid_value("userPrincipalName"));
        }
        if !self.domains.iter().any(|d| d.eq_ignore_ascii_case(domain)) {
            return Err(bad(
                "The domain portion of the userPrincipalName property is invalid. You must use one of the verified domain names in your organization.",
            ));
        }
        if s.holder(upn).is_some_and(|h| Some(h) != except) {
            return Err((
                400,
                graph_error(
                    "Request_BadRequest",
                    "Another object with the same value for property userPrincipalName already exists.",
                    Some(json!([{ "target": "userPrincipalName", "code": "ObjectConflict" }])),
                ),
            ));
        }
        Ok(())
    }
}

/// Write one property into a user record: the typed fields for those it has, the property
/// map for the rest.
fn set(user: &mut DirectoryUser, p: &DirectoryProperty, v: Option<PropertyValue>) {
    let text = |v: &Option<PropertyValue>| v.as_ref().and_then(|v| v.as_text().map(str::to_owned));
    match p.name() {
        "accountEnabled" => {
            if let Some(PropertyValue::Bool(b)) = v {
                user.account_enabled = b;
            }
        }
        "employeeId" => user.employee_id = text(&v),
        "userPrincipalName" => {
            if let Some(t) = text(&v) {
                user.user_principal_name = t;
            }
        }
        name => {
            if name == "mail" {
                user.mail = text(&v);
            }
            match v {
                Some(v) => user.properties.insert(p.clone(), v),
                None => user.properties.remove(p),
            };
        }
    }
}

/// §5: a value within its property's documented type and limit; `null` only where Graph
/// takes it, `""` never.
fn check(p: &DirectoryProperty, v: Option<&PropertyValue>) -> Result<(), Refusal> {
    let name = p.name();
    let Some(v) = v else {
        return if p.is_clearable() {
            Ok(())
        } else {
            Err(bad(&format!(
                "A value is required for property '{name}' of resource 'User'."
            )))
        };
    };
    let limit = schema::base_limit(name);
    match (p.kind(), v) {
        (PropertyKind::Bool, PropertyValue::Bool(_)) => Ok(()),
        (_, PropertyValue::Text(t)) if limit.is_some() => check_text(name, t, limit),
        (PropertyKind::Text { max_len }, PropertyValue::Text(t)) => {
            check_text(name, t, Some(max_len))
        }
        (PropertyKind::CountryCode, PropertyValue::Text(t))
            if t.len() == 2 && t.chars().all(|c| c.is_ascii_uppercase()) =>
        {
            Ok(())
        }
        (PropertyKind::DateTime, PropertyValue::Text(t))
            if hris_sync_core::chrono::DateTime::parse_from_rfc3339(t).is_ok() =>
        {
            Ok(())
        }
        (PropertyKind::TextList { max_items, max_len }, PropertyValue::List(items))
            if items.len() <= max_items
                && items
                    .iter()
                    .all(|i| !i.is_empty() && i.chars().count() <= max_len) =>
        {
            Ok(())
        }
        _ => Err(invalid_value(name)),
    }
}

fn check_text(name: &str, value: &str, max_len: Option<usize>) -> Result<(), Refusal> {
    let n = value.chars().count();
    match max_len {
        _ if n == 0 => Err(invalid_value(name)),
        Some(max) if n > max => Err(bad(&format!(
            "Invalid value specified for property '{name}' of resource 'User': it should be between 1 and {max} characters."
        ))),
        _ => Ok(()),
    }
}

/// Entra's password policy (§2): 8–256 characters, no Unicode, three of lower case, upper
/// case, digits and symbols.
fn meets_policy(password: &Password) -> bool {
    let p = password.expose_secret();
    let classes = [
        p.bytes().any(|b| b.is_ascii_lowercase()),
        p.bytes().any(|b| b.is_ascii_uppercase()),
        p.bytes().any(|b| b.is_ascii_digit()),
        p.bytes().any(|b| b.is_ascii_punctuation() || b == b' '),
    ];
    (8..=256).contains(&p.len()) && p.is_ascii() && classes.iter().filter(|c| **c).count() >= 3
}

/// A pass of Graph's shape (letters and digits), different for each pass made.
fn pass_text(n: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut x = (n as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    (0..16)
        .map(|_| {
            x ^= x >> 29;
            x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
            char::from(ALPHABET[(x % ALPHABET.len() as u64) as usize])
        })
        .collect()
}

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;
