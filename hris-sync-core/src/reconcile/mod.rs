//! Reconcile: `plan(employees, users, policy, now) -> Plan` (docs/rules.md §2–§3).
//!
//! Pure and deterministic (S9): no I/O, no clock (`now` is a parameter), no randomness, and
//! only ordered collections, so the same inputs in any order give a byte-identical plan.
//!
//! The planner walks the employees in id order and puts each into exactly one bucket:
//! linked accounts are updated, disabled or enabled (S1, S4–S6); unlinked employees are linked
//! by email (S2) or, failing that, created (S3) with a UPN assigned in `created_at` order (U4);
//! everyone else is skipped or reported as a conflict with a [`Reason`]. The manager pass (S4)
//! runs last, over every account the plan knows, including the ones it creates.

mod attributes;
mod fasthash;
mod groups;
mod index;
mod lifecycle;
mod manager;
mod plan;
mod reason;
mod upns;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, NaiveDate as Date, Utc};
use serde::{Deserialize, Serialize};

pub use groups::GroupMembers;
pub use plan::{Action, Change, ChangeSet, LeaveDate, Notice, Plan, Skipped, UserRef};
pub use reason::{OutOfScope, Reason};

use crate::employee::Employee;
use crate::id::{DirectoryUserId, EmployeeId};
use crate::policy::Policy;
use crate::property::{DirectoryProperty, PropertyValue};
use crate::user::DirectoryUser;

use attributes::Desired;
use index::UserIndex;
pub(crate) use index::out_of_scope;
pub(crate) use lifecycle::{Standing, today};

/// What the sync remembers between runs that the plan depends on (S6).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncHistory {
    /// Accounts this sync disabled or created disabled; only these are ever enabled again.
    pub disabled_by_sync: BTreeSet<DirectoryUserId>,
    /// By group id: the members the sync added (G2: an additive group loses only these).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub group_members: BTreeMap<String, BTreeSet<DirectoryUserId>>,
    /// Employees whose account this sync is creating disabled (a pre-hire), recorded before
    /// the create is sent (S6 write-ahead): an account that turns out to exist for one of
    /// them after a crash is the sync's own, to be enabled on the hire date.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub creating_disabled: BTreeSet<EmployeeId>,
    /// When each disable of the last 24 hours was applied without the operator's override:
    /// S7 counts them with the next plan's, so a mass departure that arrives as many small
    /// targeted cycles is held as one would be (docs/rules.md §8).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recent_disables: Vec<DateTime<Utc>>,
}

impl SyncHistory {
    /// How long an applied disable counts against S7.
    pub const DISABLE_WINDOW: chrono::TimeDelta = chrono::TimeDelta::hours(24);

    /// Forget the disables older than [`Self::DISABLE_WINDOW`] at `now`, and return how many
    /// remain.
    pub fn recent_disables_at(&mut self, now: DateTime<Utc>) -> usize {
        self.recent_disables
            .retain(|t| *t <= now && now - *t < Self::DISABLE_WINDOW);
        self.recent_disables.len()
    }
}

/// Plan a sync with no history (a first run: no account was disabled by the sync).
#[must_use]
pub fn plan(
    employees: &[Employee],
    users: &[DirectoryUser],
    policy: &Policy,
    now: DateTime<Utc>,
) -> Plan {
    plan_with_history(employees, users, policy, now, &SyncHistory::default())
}

/// Plan a sync, knowing which accounts earlier runs disabled (S6).
#[must_use]
pub fn plan_with_history(
    employees: &[Employee],
    users: &[DirectoryUser],
    policy: &Policy,
    now: DateTime<Utc>,
    history: &SyncHistory,
) -> Plan {
    Planner::new(users, policy, now, history, None).run(employees)
}

/// Plan a sync with the group memberships the directory holds (G1–G5): the plan then also
/// adds and removes members of the policy's `[[group]]`s that `groups` lists.
#[must_use]
pub fn plan_with_groups(
    employees: &[Employee],
    users: &[DirectoryUser],
    policy: &Policy,
    now: DateTime<Utc>,
    history: &SyncHistory,
    groups: &GroupMembers,
) -> Plan {
    Planner::new(users, policy, now, history, Some(groups)).run(employees)
}

/// An account the manager pass can point at: one that exists, or one this plan creates.
#[derive(Debug, Clone, Copy)]
enum Account<'a> {
    Existing(&'a DirectoryUser),
    /// The employee, and the index of its create in `plan.actions` (not yet sorted).
    Created(&'a EmployeeId, usize),
}

/// An employee waiting for a UPN (a create, or a rename under U6's option).
#[derive(Debug)]
struct UpnRequest<'a> {
    employee: &'a Employee,
    rename_of: Option<&'a DirectoryUser>,
    desired: Desired,
    starts_disabled: bool,
}

struct Planner<'a> {
    policy: &'a Policy,
    now: DateTime<Utc>,
    today: Date,
    history: &'a SyncHistory,
    index: UserIndex<'a>,
    plan: Plan,
    /// Lookup only, never iterated (S9).
    accounts: fasthash::FastMap<&'a EmployeeId, Account<'a>>,
    /// Pending updates by employee, finished after UPN renames are known.
    updates: BTreeMap<EmployeeId, (&'a DirectoryUser, ChangeSet, Vec<Reason>)>,
    upn_requests: Vec<UpnRequest<'a>>,
    /// The listed groups' members, when group memberships are planned.
    groups: Option<&'a GroupMembers>,
}

impl<'a> Planner<'a> {
    fn new(
        users: &'a [DirectoryUser],
        policy: &'a Policy,
        now: DateTime<Utc>,
        history: &'a SyncHistory,
        groups: Option<&'a GroupMembers>,
    ) -> Self {
        Self {
            groups,
            policy,
            now,
            today: today(now, &policy.lifecycle),
            history,
            index: UserIndex::new(users),
            plan: Plan::default(),
            accounts: Default::default(),
            updates: BTreeMap::new(),
            upn_requests: Vec::new(),
        }
    }

    fn run(mut self, employees: &'a [Employee]) -> Plan {
        self.accounts.reserve(employees.len());
        let mut sorted: Vec<&Employee> = employees.iter().collect();
        sorted.sort_by(|a, b| a.id.cmp(&b.id));
        let duplicates = duplicate_ids(&sorted);
        let distinct = sorted.len() - duplicate_count(&sorted);

        let mut unlinked = Vec::new();
        for (i, e) in sorted.iter().enumerate() {
            if duplicates.contains(&e.id) {
                // Report each duplicated id once.
                if i == 0 || sorted[i - 1].id != e.id {
                    self.skip(e, None, true, Reason::DuplicateEmployeeRecord);
                }
                continue;
            }
            if !e.id.fits_directory() {
                self.skip(e, None, true, Reason::EmployeeIdTooLong);
                continue;
            }
            match self.index.linked(e.id.as_str()) {
                [] => unlinked.push(*e),
                [user] => self.linked(e, user),
                many => {
                    let n = many.len();
                    self.skip(e, None, true, Reason::DuplicateLink(n));
                }
            }
        }
        self.unlinked(&unlinked);
        self.assign_upns();
        self.finish_updates();
        manager::second_pass(&mut self, &sorted);
        if let Some(members) = self.groups {
            groups::plan(&mut self, &sorted, members);
        }

        let touched: BTreeSet<&EmployeeId> = self
            .plan
            .actions
            .iter()
            .filter_map(Action::employee_id)
            .chain(
                self.plan
                    .skipped
                    .iter()
                    .filter_map(|s| s.employee_id.as_ref()),
            )
            .collect();
        self.plan.unchanged = distinct.saturating_sub(touched.len());
        self.finish()
    }

    fn skip(&mut self, e: &Employee, upn: Option<String>, conflict: bool, reason: Reason) {
        self.plan.skipped.push(Skipped {
            employee_id: Some(e.id.clone()),
            upn,
            conflict,
            reason,
        });
    }

    fn notice(&mut self, e: &Employee, reason: Reason) {
        self.plan.notices.push(Notice {
            employee_id: e.id.clone(),
            reason,
        });
    }

    /// S1, S4, S5, S6 for an employee with exactly one account.
    fn linked(&mut self, e: &'a Employee, user: &'a DirectoryUser) {
        if let Some(why) = out_of_scope(user, self.policy) {
            self.skip(
                e,
                Some(user.user_principal_name.clone()),
                false,
                Reason::OutOfScope(why),
            );
            return;
        }
        self.plan.linked_users += 1;
        let (changes, warnings) = Desired::diff(e, self.policy, user);
        let standing = Standing::new(e, &self.policy.lifecycle, self.today);
        if self.policy.rename_upns {
            self.upn_requests.push(UpnRequest {
                employee: e,
                rename_of: Some(user),
                desired: Desired::default(),
                starts_disabled: false,
            });
        }
        if !changes.is_empty() || self.policy.rename_upns {
            self.updates.insert(e.id.clone(), (user, changes, warnings));
        }
        self.accounts.insert(&e.id, Account::Existing(user));

        if user.account_enabled {
            if let Some(reason) = standing.disable_reason() {
                self.disable(e, user, &standing, reason);
            }
        } else if standing.ineligible_reason().is_none() && !standing.starts_disabled() {
            if self.history.disabled_by_sync.contains(&user.id)
                || self.history.creating_disabled.contains(&e.id)
            {
                let reason = if e.termination_date.is_some() {
                    Reason::Rehired
                } else {
                    Reason::HireDateReached
                };
                self.plan.actions.push(Action::Enable {
                    employee_id: e.id.clone(),
                    user_id: user.id.clone(),
                    upn: user.user_principal_name.clone(),
                    reason,
                });
            } else {
                self.notice(e, Reason::DisabledByOther);
            }
        }
    }

    fn disable(
        &mut self,
        e: &Employee,
        user: &DirectoryUser,
        standing: &Standing<'_>,
        reason: Reason,
    ) {
        let lc = &self.policy.lifecycle;
        self.plan.actions.push(Action::Disable {
            employee_id: e.id.clone(),
            user_id: user.id.clone(),
            upn: user.user_principal_name.clone(),
            reason,
            revoke_sessions: lc.revoke_sessions,
            leave_date: lc.leave_date.clone().map(|attribute| LeaveDate {
                attribute,
                at: standing.leave_date_time(self.now),
            }),
        });
    }

    /// S2 and S3 for employees without an account.
    fn unlinked(&mut self, employees: &[&'a Employee]) {
        // Who is in play for linking or creating: not gone, and with an email.
        let mut in_play = Vec::new();
        let mut by_email: BTreeMap<String, Vec<EmployeeId>> = BTreeMap::new();
        for e in employees {
            let standing = Standing::new(e, &self.policy.lifecycle, self.today);
            if standing.has_left() {
                if let Some(reason) = standing.ineligible_reason() {
                    self.skip(e, None, false, reason);
                }
                continue;
            }
            let Some(email) = e.email() else {
                self.skip(e, None, false, Reason::MissingField("email"));
                continue;
            };
            let email = email.to_lowercase();
            by_email
                .entry(email.clone())
                .or_default()
                .push(e.id.clone());
            in_play.push((*e, email));
        }
        for (e, email) in in_play {
            let sharing = &by_email[&email];
            if sharing.len() > 1 {
                let others = sharing.iter().filter(|id| **id != e.id).cloned().collect();
                self.skip(e, Some(email), true, Reason::DuplicateEmail(others));
                continue;
            }
            self.link_or_create(e, &email);
        }
    }

    fn link_or_create(&mut self, e: &'a Employee, email: &str) {
        let scope = self
            .index
            .with_address(email)
            .find_map(|u| out_of_scope(u, self.policy));
        if let Some(why) = scope {
            self.skip(e, Some(email.to_owned()), false, Reason::OutOfScope(why));
            return;
        }
        let candidates: Vec<&'a DirectoryUser> = self
            .index
            .with_upn(email)
            .iter()
            .copied()
            .filter(|u| u.account_enabled)
            .collect();
        match candidates.as_slice() {
            [] => self.provision(e),
            [user] => match user.employee_id() {
                None => self.link(e, user),
                Some(other) => self.skip(
                    e,
                    Some(user.user_principal_name.clone()),
                    true,
                    Reason::LinkedToOther(other.to_owned()),
                ),
            },
            many => {
                let n = many.len();
                self.skip(e, Some(email.to_owned()), true, Reason::AmbiguousEmail(n));
            }
        }
    }

    /// S2: link, writing `employeeId` together with every attribute change in one PATCH.
    fn link(&mut self, e: &'a Employee, user: &'a DirectoryUser) {
        let (mut changes, warnings) = Desired::diff(e, self.policy, user);
        changes.insert(
            DirectoryProperty::EMPLOYEE_ID,
            Change {
                from: user.employee_id.clone().map(PropertyValue::Text),
                to: Some(PropertyValue::Text(e.id.to_string())),
            },
        );
        self.plan.actions.push(Action::Link {
            employee_id: e.id.clone(),
            user_id: user.id.clone(),
            upn: user.user_principal_name.clone(),
            changes,
            warnings,
        });
        self.accounts.insert(&e.id, Account::Existing(user));
        let standing = Standing::new(e, &self.policy.lifecycle, self.today);
        if let Some(reason) = standing.disable_reason() {
            self.disable(e, user, &standing, reason);
        }
    }

    /// S3: checks before a create; the UPN is assigned later, in U4 order.
    fn provision(&mut self, e: &'a Employee) {
        let standing = Standing::new(e, &self.policy.lifecycle, self.today);
        if let Some(reason) = standing.ineligible_reason() {
            self.skip(e, None, false, reason);
            return;
        }
        for (field, value) in [("first_name", e.first_name()), ("last_name", e.last_name())] {
            if value.is_none() {
                self.skip(e, None, false, Reason::MissingField(field));
                return;
            }
        }
        if let Some(hire_date) = standing.prehire_wait() {
            self.skip(e, None, false, Reason::PrehireWaiting { hire_date });
            return;
        }
        self.upn_requests.push(UpnRequest {
            employee: e,
            rename_of: None,
            desired: Desired::of(e, self.policy),
            starts_disabled: standing.starts_disabled(),
        });
    }

    fn finish_updates(&mut self) {
        for (id, (user, changes, warnings)) in std::mem::take(&mut self.updates) {
            if !changes.is_empty() {
                self.plan.actions.push(Action::Update {
                    employee_id: id,
                    user_id: user.id.clone(),
                    upn: user.user_principal_name.clone(),
                    changes,
                    warnings,
                });
            }
        }
    }

    fn finish(mut self) -> Plan {
        self.plan
            .actions
            .sort_by(|a, b| (a.phase(), a.employee_id()).cmp(&(b.phase(), b.employee_id())));
        self.plan.skipped.sort_by(|a, b| {
            (a.employee_id.as_ref(), a.reason.to_string())
                .cmp(&(b.employee_id.as_ref(), b.reason.to_string()))
        });
        self.plan.notices.sort_by(|a, b| {
            (&a.employee_id, a.reason.to_string()).cmp(&(&b.employee_id, b.reason.to_string()))
        });
        self.plan
    }
}

fn duplicate_count(sorted: &[&Employee]) -> usize {
    sorted.windows(2).filter(|w| w[0].id == w[1].id).count()
}

fn duplicate_ids(sorted: &[&Employee]) -> BTreeSet<EmployeeId> {
    sorted
        .windows(2)
        .filter(|w| w[0].id == w[1].id)
        .map(|w| w[0].id.clone())
        .collect()
}

#[cfg(test)]
mod tests;
