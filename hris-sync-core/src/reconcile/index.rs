//! Lookups over the directory's users, built once per plan.
//!
//! The hash maps here are lookup-only: they are never iterated, so hash order cannot reach
//! the plan (S9). That is why this module may use them.
#![allow(clippy::disallowed_types)]

use std::borrow::Cow;
use std::cell::OnceCell;
use std::collections::hash_map::Entry;

use super::fasthash::{FastMap, FastSet};

use crate::policy::Policy;
use crate::user::{DirectoryUser, ObjectKind};

use super::reason::OutOfScope;

/// Users indexed by employee id and by lower-case UPN and mail. The maps are only looked up,
/// never iterated, and an entry with several users lists them in id order, so nothing depends
/// on the order of the input (S9). The address maps are built on first use: a steady-state
/// plan, where everyone is linked, never needs them.
#[derive(Debug)]
pub(crate) struct UserIndex<'a> {
    users: &'a [DirectoryUser],
    by_employee_id: FastMap<&'a str, Users<'a>>,
    addresses: OnceCell<Addresses<'a>>,
    /// UPNs this plan hands out, lower case.
    assigned: FastSet<String>,
}

#[derive(Debug)]
struct Addresses<'a> {
    by_upn: FastMap<Cow<'a, str>, Users<'a>>,
    /// Users whose mail differs from their UPN, by lower-case mail.
    by_mail: FastMap<Cow<'a, str>, Users<'a>>,
}

impl<'a> Addresses<'a> {
    fn new(users: &'a [DirectoryUser]) -> Self {
        let mut a = Self {
            by_upn: FastMap::with_capacity_and_hasher(users.len(), Default::default()),
            by_mail: FastMap::default(),
        };
        for user in users {
            let upn = lower(&user.user_principal_name);
            if let Some(mail) = user.mail.as_deref().map(lower) {
                if mail != upn {
                    Users::add(a.by_mail.entry(mail), user);
                }
            }
            Users::add(a.by_upn.entry(upn), user);
        }
        // Entries with several users list them in id order, whatever the input order (S9).
        for map in [&mut a.by_upn, &mut a.by_mail] {
            map.values_mut().for_each(Users::sort);
        }
        a
    }
}

impl<'a> UserIndex<'a> {
    pub(crate) fn new(users: &'a [DirectoryUser]) -> Self {
        let mut by_employee_id: FastMap<&'a str, Users<'a>> =
            FastMap::with_capacity_and_hasher(users.len(), Default::default());
        for user in users {
            if let Some(id) = user.employee_id() {
                Users::add(by_employee_id.entry(id), user);
            }
        }
        by_employee_id.values_mut().for_each(Users::sort);
        Self {
            users,
            by_employee_id,
            addresses: OnceCell::new(),
            assigned: FastSet::default(),
        }
    }

    /// Every user.
    pub(crate) fn all(&self) -> &'a [DirectoryUser] {
        self.users
    }

    fn addresses(&self) -> &Addresses<'a> {
        self.addresses.get_or_init(|| Addresses::new(self.users))
    }

    /// The users carrying this employee id (S1).
    pub(crate) fn linked(&self, employee_id: &str) -> &[&'a DirectoryUser] {
        self.by_employee_id
            .get(employee_id)
            .map_or(&[], Users::as_slice)
    }

    /// The users whose UPN equals `email` (case-insensitive).
    pub(crate) fn with_upn(&self, email_lower: &str) -> &[&'a DirectoryUser] {
        self.addresses()
            .by_upn
            .get(email_lower)
            .map_or(&[], Users::as_slice)
    }

    /// The users whose UPN or mail equals `email` (case-insensitive).
    pub(crate) fn with_address(
        &self,
        email_lower: &str,
    ) -> impl Iterator<Item = &'a DirectoryUser> {
        self.with_upn(email_lower)
            .iter()
            .chain(
                self.addresses()
                    .by_mail
                    .get(email_lower)
                    .map_or(&[][..], Users::as_slice),
            )
            .copied()
    }

    /// Whether a UPN (lower case) is held by any user, enabled or not, or handed out by this
    /// plan (U3).
    pub(crate) fn is_taken(&self, upn_lower: &str) -> bool {
        self.addresses().by_upn.contains_key(upn_lower) || self.assigned.contains(upn_lower)
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
    let has_upper = if s.is_ascii() {
        s.bytes().any(|b| b.is_ascii_uppercase())
    } else {
        s.chars().any(char::is_uppercase)
    };
    if has_upper {
        Cow::Owned(s.to_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

/// S8: why a user may not be written, if it may not.
pub(crate) fn out_of_scope(user: &DirectoryUser, policy: &Policy) -> Option<OutOfScope> {
    if user.kind == ObjectKind::Agent {
        Some(OutOfScope::Agent)
    } else if user.kind == ObjectKind::BuiltIn {
        Some(OutOfScope::BuiltIn)
    } else if user.on_premises_sync_enabled {
        Some(OutOfScope::Hybrid)
    } else if policy.is_protected(&user.user_principal_name) {
        Some(OutOfScope::Protected)
    } else {
        None
    }
}
