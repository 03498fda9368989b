//! S4 second pass: managers, resolved from supervisors' employee ids to their accounts —
//! including accounts this plan creates — after every create in the run.

use crate::employee::Employee;

use super::plan::{Action, UserRef};
use super::reason::Reason;
use super::{Account, Planner};

pub(super) fn second_pass(planner: &mut Planner<'_>, employees: &[&Employee]) {
    if !planner.policy.maps_manager() {
        return;
    }
    for e in employees {
        let Some(account) = planner.accounts.get(&e.id).copied() else {
            continue;
        };
        let desired = match &e.supervisor_id {
            None => None,
            Some(s) if *s == e.id => {
                planner.notice(e, Reason::SelfSupervisor);
                continue;
            }
            Some(s) => {
                if let Some(a) = planner.accounts.get(s) {
                    Some(user_ref(*a))
                } else if let [user] = planner.index.linked(s.as_str()) {
                    // A supervisor whose account the sync does not write is still a manager.
                    Some(UserRef::Existing(user.id.clone()))
                } else {
                    planner.notice(e, Reason::SupervisorWithoutAccount(s.clone()));
                    continue;
                }
            }
        };
        let (upn, current) = match account {
            Account::Existing(u) => (u.user_principal_name.clone(), u.manager_id.as_ref()),
            Account::Created(_, index) => (created_upn(planner, index), None),
        };
        let unchanged = match (&desired, current) {
            (None, None) => true,
            (Some(UserRef::Existing(want)), Some(have)) => want == have,
            _ => false,
        };
        if !unchanged {
            planner.plan.actions.push(Action::SetManager {
                employee_id: e.id.clone(),
                user: user_ref(account),
                upn,
                from: current.cloned(),
                to: desired,
            });
        }
    }
}

fn user_ref(account: Account<'_>) -> UserRef {
    match account {
        Account::Existing(u) => UserRef::Existing(u.id.clone()),
        Account::Created(id, _) => UserRef::Pending(id.clone()),
    }
}

/// The UPN of the create at `index` in the (not yet sorted) plan.
fn created_upn(planner: &Planner<'_>, index: usize) -> String {
    planner
        .plan
        .actions
        .get(index)
        .map(|a| a.upn().to_owned())
        .unwrap_or_default()
}
