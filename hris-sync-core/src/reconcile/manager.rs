//! S4 second pass: managers, resolved from supervisors' employee ids to their accounts —
//! including accounts this plan creates — after every create in the run.

use crate::employee::Employee;

use super::Planner;
use super::plan::{Action, UserRef};
use super::reason::Reason;

pub(super) fn second_pass(planner: &mut Planner<'_>, employees: &[&Employee]) {
    if !planner.policy.maps_manager() {
        return;
    }
    for e in employees {
        let Some(account) = planner.accounts.get(&e.id).cloned() else {
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
                    Some(a.user.clone())
                } else if let [user] = planner.index.linked(s.as_str()) {
                    // A supervisor whose account the sync does not write is still a manager.
                    Some(UserRef::Existing(user.id.clone()))
                } else {
                    planner.notice(e, Reason::SupervisorWithoutAccount(s.clone()));
                    continue;
                }
            }
        };
        let unchanged = match (&desired, &account.manager) {
            (None, None) => true,
            (Some(UserRef::Existing(want)), Some(have)) => want == have,
            _ => false,
        };
        if !unchanged {
            planner.plan.actions.push(Action::SetManager {
                employee_id: e.id.clone(),
                user: account.user,
                upn: account.upn,
                from: account.manager,
                to: desired,
            });
        }
    }
}
