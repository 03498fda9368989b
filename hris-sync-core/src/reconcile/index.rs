//! Lookups over the directory's users, built once per plan.
//!
//! The hash maps here are lookup-only: they are never iterated, so hash order cannot reach
//! the plan (S9). That is why this module may use them.
#![allow(clippy::disallowed_types)]

use std::borrow::Cow;
use std::collections::hash_map::Entry;

use super::fasthash::{FastMap, FastSet};

use crate::policy::Policy;
use crate::user::{DirectoryUser, ObjectKind};

use super::reason::OutOfScope;

/// Users indexed by employee id and by lower-case UPN and mail. The maps are only looked up,
/// never iterated, and an entry with several users lists them in id order, so nothing depends
/// on the order of the input (S9).
#[derive(Debug)]
pub(crate) struct UserIndex<'a> {
    by_employee_id: FastMap<&'a str, Users<'a>>,
    by_upn: FastMap<Cow<'a, str>, Users<'a>>,
    /// Users whose mail differs from their UPN, by lower-case mail.
    by_mail: FastMap<Cow<'a, str>, Users<'a>>,
    /// UPNs this plan hands out, lower case.
    assigned: FastSet<String>,
}

impl<'a> UserIndex<'a> {
    pub(crate) fn new(users: &'a [DirectoryUser]) -> Self {
        let mut index = Self {
            by_employee_id: FastMap::with_capacity_and_hasher(users.len(), Default::default()),
            by_upn: FastMap::with_capacity_and_hasher(users.len(), Default::default()),
            by_mail: FastMap::default(),
            assigned: FastSet::default(),
        };
        for user in users {
            if let Some(id) = user.employee_id() {
                Users::add(index.by_employee_id.entry(id), user);
            }
            let upn = lower(&user.user_principal_name);
            if let Some(mail) = user.mail.as_deref().map(lower) {
                if mail != upn {
                    Users::add(index.by_mail.entry(mail), user);
                }
            }
            Users::add(index.by_upn.entry(upn), user);
        }
        // Entries with several users list them in id order, whatever the input order (S9).
        for map in [&mut index.by_upn, &mut index.by_mail] {
            map.values_mut().for_each(Users::sort);
        }
        index.by_employee_id.values_mut().for_each(Users::sort);
        index
    }

    /// The users carrying this employee id (S1).
    pub(crate) fn linked(&self, employee_id: &str) -> &[&'a DirectoryUser] {
        self.by_employee_id
            .get(employee_id)
            .map_or(&[], Users::as_slice)
    }

    /// The users whose UPN equals `email` (case-insensitive).
    pub(crate) fn with_upn(&self, email_lower: &str) -> &[&'a DirectoryUser] {
        self.by_upn.get(email_lower).map_or(&[], Users::as_slice)
    }

    /// The users whose UPN or mail equals `email` (case-insensitive).
    pub(crate) fn with_address(
        &self,
        email_lower: &str,
    ) -> impl Iterator<Item = &'a DirectoryUser> {
        self.with_upn(email_lower)
            .iter()
            .chain(
                self.by_mail
                    .get(email_lower)
                    .map_or(&[][..], Users::as_slice),
            )
            .copied()
    }

    /// Whether a UPN (lower case) is held by any user, enabled or not, or handed out by this
    /// plan (U3).
    pub(crate) fn is_taken(&self, upn_lower: &str) -> bool {
        self.by_upn.contains_key(upn_lower) || self.assigned.contains(upn_lower)
    }

    /// Record a UPN this plan hands out.
    pub(crate) fn take(&mut self, upn_lower: String) {
        self.assigned.insert(upn_lower);
    }
}

/// One user (the usual case, no allocation) or several.
#[derive(Debug)]
enum Users<'a> {
    One([&'a DirectoryUser; 1]),
    Many(Vec<&'a DirectoryUser>),
}

impl<'a> Users<'a> {
    fn add<K>(entry: Entry<'_, K, Users<'a>>, user: &'a DirectoryUser) {
        match entry {
            Entry::Vacant(v) => {
                v.insert(Users::One([user]));
            }
            Entry::Occupied(mut o) => {
                let users = o.get_mut();
                match users {
                    Users::One([first]) => *users = Users::Many(vec![*first, user]),
                    Users::Many(v) => v.push(user),
                }
            }
        }
    }

    fn sort(&mut self) {
        if let Users::Many(v) = self {
            v.sort_by(|a, b| {
                a.id.cmp(&b.id)
                    .then_with(|| a.user_principal_name.cmp(&b.user_principal_name))
            });
        }
    }

    fn as_slice(&self) -> &[&'a DirectoryUser] {
        match self {
            Users::One(one) => one,
            Users::Many(v) => v,
        }
    }
}

/// Lower case, borrowing when the text already is.
fn lower(s: &str) -> Cow<'_, str> {
    if s.chars().any(char::is_uppercase) {
        Cow::Owned(s.to_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

/// S8: why a user may not be written, if it may not.
pub(crate) fn out_of_scope(user: &DirectoryUser, policy: &Policy) -> Option<OutOfScope> {
    if user.kind == ObjectKind::Agent {
        Some(OutOfScope::Agent)
    } else if user.on_premises_sync_enabled {
        Some(OutOfScope::Hybrid)
    } else if policy.is_protected(&user.user_principal_name) {
        Some(OutOfScope::Protected)
    } else {
        None
    }
}
