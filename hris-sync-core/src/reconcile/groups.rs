//! Group membership by rule (docs/rules.md §10, G1–G5), planned after everything else on the
//! same snapshot, from the accounts as they will be once the plan's other actions are applied.
//!
//! - **G1**: an employee whose account is enabled after this plan (existing, linked or
//!   created) and whose HR attributes match a group's `when` belongs to it; a member missing
//!   from the group is added. A new hire's account is added once it exists (`UserRef::Pending`).
//! - **G2**: an additive group loses the members the sync added itself (the history's record)
//!   once they stop matching; an authoritative group loses every member that does not match,
//!   except accounts the sync never writes (S8). A member that is no employee's account is
//!   kept in an additive group (an employee who vanished from HR keeps what they had).
//! - **G5**: an account that is disabled after this plan leaves the groups the sync manages
//!   (unless `lifecycle.keep_groups_on_disable`), and a rehired one comes back.

use std::collections::{BTreeMap, BTreeSet};

use crate::employee::Employee;
use crate::id::{DirectoryUserId, EmployeeId};
use crate::policy::GroupMode;
use crate::user::DirectoryUser;

use super::fasthash::FastMap;
use super::index::out_of_scope;
use super::plan::{Action, UserRef};
use super::reason::Reason;
use super::{Account, Planner};

/// The directory's members of each listed group, by group id: what the plan compares with.
/// A group missing from the map was not read, and nothing is planned for it.
pub type GroupMembers = BTreeMap<String, BTreeSet<DirectoryUserId>>;

/// An employee's account as it will be after the plan.
struct After<'a> {
    employee: &'a Employee,
    user: UserRef,
    upn: String,
    enabled: bool,
    rehired: bool,
}

pub(super) fn plan(planner: &mut Planner<'_>, employees: &[&Employee], members: &GroupMembers) {
    if planner.policy.groups.is_empty() {
        return;
    }
    let mut disabled: BTreeSet<&EmployeeId> = BTreeSet::new();
    let mut enabled: BTreeSet<&EmployeeId> = BTreeSet::new();
    let mut created: BTreeMap<&EmployeeId, (String, bool)> = BTreeMap::new();
    for a in &planner.plan.actions {
        match a {
            Action::Disable { employee_id, .. } => {
                disabled.insert(employee_id);
            }
            Action::Enable { employee_id, .. } => {
                enabled.insert(employee_id);
            }
            Action::Create {
                employee_id,
                upn,
                account_enabled,
                ..
            } => {
                created.insert(employee_id, (upn.clone(), *account_enabled));
            }
            _ => {}
        }
    }
    let mut after: Vec<After<'_>> = Vec::new();
    for e in employees {
        let Some(account) = planner.accounts.get(&e.id).copied() else {
            continue;
        };
        let (user, upn, was_enabled) = match account {
            Account::Existing(u) => (
                UserRef::Existing(u.id.clone()),
                u.user_principal_name.clone(),
                u.account_enabled,
            ),
            Account::Created(id, _) => {
                let Some((upn, on)) = created.get(id) else {
                    continue;
                };
                (UserRef::Pending(id.clone()), upn.clone(), *on)
            }
        };
        let rehired = enabled.contains(&e.id);
        after.push(After {
            employee: e,
            user,
            upn,
            enabled: (was_enabled || rehired) && !disabled.contains(&e.id),
            rehired,
        });
    }
    let owner: BTreeMap<&DirectoryUserId, &After<'_>> = after
        .iter()
        .filter_map(|a| match &a.user {
            UserRef::Existing(id) => Some((id, a)),
            UserRef::Pending(_) => None,
        })
        .collect();
    let users: FastMap<&DirectoryUserId, &DirectoryUser> =
        planner.index.all().iter().map(|u| (&u.id, u)).collect();
    let keep_on_disable = planner.policy.lifecycle.keep_groups_on_disable;
    let empty = BTreeSet::new();
    let mut actions = Vec::new();
    for rule in &planner.policy.groups {
        let Some(current) = members.get(&rule.id) else {
            continue;
        };
        let mut belongs: BTreeSet<&DirectoryUserId> = BTreeSet::new();
        for a in after
            .iter()
            .filter(|a| a.enabled && rule.matches(a.employee))
        {
            if let UserRef::Existing(id) = &a.user {
                belongs.insert(id);
                if current.contains(id) {
                    continue;
                }
            }
            let reason = if a.rehired {
                Reason::GroupRehired(rule.name.clone())
            } else {
                Reason::GroupMatch(rule.name.clone())
            };
            actions.push(Action::AddMember {
                employee_id: a.employee.id.clone(),
                user: a.user.clone(),
                upn: a.upn.clone(),
                group: rule.name.clone(),
                group_id: rule.id.clone(),
                reason,
            });
        }
        let ours = planner
            .history
            .group_members
            .get(&rule.id)
            .unwrap_or(&empty);
        let candidates: Vec<&DirectoryUserId> = match rule.mode {
            GroupMode::Authoritative => current.iter().collect(),
            _ => current.intersection(ours).collect(),
        };
        for id in candidates.into_iter().filter(|id| !belongs.contains(id)) {
            let user = users.get(id).copied();
            if user.is_some_and(|u| out_of_scope(u, planner.policy).is_some()) {
                continue;
            }
            let reason = match (owner.get(id), rule.mode) {
                (Some(a), _) if !a.enabled => {
                    if keep_on_disable {
                        continue;
                    }
                    Reason::GroupLeaver(rule.name.clone())
                }
                (Some(_), GroupMode::Authoritative) | (None, GroupMode::Authoritative) => {
                    Reason::GroupNotMatching(rule.name.clone())
                }
                (Some(_), _) => Reason::GroupNoLongerMatches(rule.name.clone()),
                // Nobody's account in an additive group: the employee vanished from HR, or is
                // not in play; the membership stays as it is.
                (None, _) => continue,
            };
            actions.push(Action::RemoveMember {
                employee_id: owner.get(id).map(|a| a.employee.id.clone()),
                user_id: (*id).clone(),
                upn: user.map_or_else(|| id.to_string(), |u| u.user_principal_name.clone()),
                group: rule.name.clone(),
                group_id: rule.id.clone(),
                reason,
            });
        }
    }
    planner.plan.actions.extend(actions);
}
