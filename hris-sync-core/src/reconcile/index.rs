//! Lookups over the directory's users, built once per plan.

use std::collections::{BTreeMap, BTreeSet};

use crate::policy::Policy;
use crate::user::{DirectoryUser, ObjectKind};

use super::reason::OutOfScope;

/// Users indexed by employee id and by lower-case UPN and mail. Every collection is ordered,
/// and users are taken in id order, so nothing depends on the order of the input (S9).
#[derive(Debug)]
pub(crate) struct UserIndex<'a> {
    by_employee_id: BTreeMap<&'a str, Vec<&'a DirectoryUser>>,
    by_address: BTreeMap<String, Vec<&'a DirectoryUser>>,
    by_upn: BTreeMap<String, Vec<&'a DirectoryUser>>,
    /// Every UPN in the directory, lower case: taken for U3.
    pub(crate) taken: BTreeSet<String>,
}

impl<'a> UserIndex<'a> {
    pub(crate) fn new(users: &'a [DirectoryUser]) -> Self {
        let mut sorted: Vec<&DirectoryUser> = users.iter().collect();
        sorted.sort_by(|a, b| {
            a.id.cmp(&b.id)
                .then_with(|| a.user_principal_name.cmp(&b.user_principal_name))
        });
        let mut index = Self {
            by_employee_id: BTreeMap::new(),
            by_address: BTreeMap::new(),
            by_upn: BTreeMap::new(),
            taken: BTreeSet::new(),
        };
        for user in sorted {
            if let Some(id) = user.employee_id() {
                index.by_employee_id.entry(id).or_default().push(user);
            }
            let upn = user.user_principal_name.to_lowercase();
            index.taken.insert(upn.clone());
            index.by_upn.entry(upn.clone()).or_default().push(user);
            index.by_address.entry(upn.clone()).or_default().push(user);
            if let Some(mail) = user.mail.as_deref().map(str::to_lowercase) {
                if mail != upn {
                    index.by_address.entry(mail).or_default().push(user);
                }
            }
        }
        index
    }

    /// The users carrying this employee id (S1).
    pub(crate) fn linked(&self, employee_id: &str) -> &[&'a DirectoryUser] {
        self.by_employee_id
            .get(employee_id)
            .map_or(&[], Vec::as_slice)
    }

    /// The users whose UPN equals `email` (case-insensitive).
    pub(crate) fn with_upn(&self, email_lower: &str) -> &[&'a DirectoryUser] {
        self.by_upn.get(email_lower).map_or(&[], Vec::as_slice)
    }

    /// The users whose UPN or mail equals `email` (case-insensitive).
    pub(crate) fn with_address(&self, email_lower: &str) -> &[&'a DirectoryUser] {
        self.by_address.get(email_lower).map_or(&[], Vec::as_slice)
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
