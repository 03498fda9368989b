//! S7: the safety guards, as pure functions.
//!
//! - **Mass disable.** A plan that would disable more than `safety.max_disables` users *and*
//!   more than `safety.max_disable_percent` of the linked users is held: none of its disables
//!   is applied, each is reported as `held`, and the run exits with status 3 until an operator
//!   passes the override. Both limits must be exceeded, so a small company can still lose two
//!   people in one day and a large one can still lose ten.
//!   The count includes the disables applied in the previous 24 hours without the override
//!   ([`crate::reconcile::SyncHistory::recent_disables`]), so a mass departure that arrives
//!   as many small targeted cycles (webhooks) is judged as one (docs/rules.md §8).
//! - **Group removals (G2).** A plan that would remove more than `safety.max_group_removals`
//!   group memberships has every removal held the same way; a removal that belongs to a held
//!   disable is held with it.
//! - **Source drop.** If the HR source returns more than `safety.max_source_drop_percent` fewer
//!   employees than the last successful run, the run stops before planning: a truncated export
//!   must not look like a mass departure.

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};
use crate::policy::Safety;
use crate::reconcile::{Action, Plan};

/// The counts of the last successful run that the guards compare against.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LastRunCounts {
    /// Employees the source returned.
    pub employees: usize,
}

/// The verdict of the mass-disable guard.
#[derive(Clone, Debug, PartialEq)]
pub enum DisableVerdict {
    /// The disables may be applied.
    Allowed,
    /// The disables are held.
    Held {
        /// Disables in the plan.
        disables: usize,
        /// Linked users the percentage is taken of.
        linked: usize,
        /// `disables / linked` in percent.
        percent: f64,
    },
}

/// Judge a plan's disables (S7). `override_guard` is the operator's `--allow-mass-disable`.
#[must_use]
pub fn check_disables(plan: &Plan, safety: &Safety, override_guard: bool) -> DisableVerdict {
    check_disables_after(plan, safety, override_guard, 0)
}

/// [`check_disables`], counting `earlier` disables applied in the last 24 hours with the
/// plan's own.
#[must_use]
pub fn check_disables_after(
    plan: &Plan,
    safety: &Safety,
    override_guard: bool,
    earlier: usize,
) -> DisableVerdict {
    let planned = plan.count("disable");
    if planned == 0 {
        return DisableVerdict::Allowed;
    }
    let disables = planned.saturating_add(earlier);
    let linked = plan.linked_users;
    let percent = if linked == 0 {
        if disables == 0 { 0.0 } else { 100.0 }
    } else {
        // Counts are far below 2^52, so the conversion is exact.
        #[allow(clippy::cast_precision_loss)]
        let p = disables as f64 * 100.0 / linked as f64;
        p
    };
    let over_count = u64::try_from(disables).unwrap_or(u64::MAX) > safety.max_disables;
    let over_percent = percent > safety.max_disable_percent;
    if over_count && over_percent && !override_guard {
        DisableVerdict::Held {
            disables,
            linked,
            percent,
        }
    } else {
        DisableVerdict::Allowed
    }
}

/// Split a plan by the guard: when the verdict is [`DisableVerdict::Held`], the disables are
/// removed from `plan.actions` and returned, to be reported as held.
pub fn hold_disables(plan: &mut Plan, safety: &Safety, override_guard: bool) -> Vec<Action> {
    hold_disables_after(plan, safety, override_guard, 0)
}

/// [`hold_disables`], counting `earlier` disables of the last 24 hours
/// ([`check_disables_after`]).
pub fn hold_disables_after(
    plan: &mut Plan,
    safety: &Safety,
    override_guard: bool,
    earlier: usize,
) -> Vec<Action> {
    match check_disables_after(plan, safety, override_guard, earlier) {
        DisableVerdict::Allowed => Vec::new(),
        DisableVerdict::Held { .. } => {
            let (held, keep) = std::mem::take(&mut plan.actions)
                .into_iter()
                .partition(|a| matches!(a, Action::Disable { .. }));
            plan.actions = keep;
            held
        }
    }
}

/// The group-removal guard (G2): first the removals that belong to held disables are held
/// too (their accounts stay enabled, so they stay members); then, when the plan still removes
/// more than `safety.max_group_removals` memberships, every removal is held (exit 3) until
/// the operator's override. Returns what was taken out of `plan.actions`.
pub fn hold_group_removals(
    plan: &mut Plan,
    safety: &Safety,
    override_guard: bool,
    held_disables: &[Action],
) -> Vec<Action> {
    let leavers: std::collections::BTreeSet<&crate::id::EmployeeId> = held_disables
        .iter()
        .filter_map(Action::employee_id)
        .collect();
    let (mut held, keep): (Vec<Action>, Vec<Action>) = std::mem::take(&mut plan.actions)
        .into_iter()
        .partition(|a| {
            matches!(a, Action::RemoveMember { employee_id: Some(e), .. } if leavers.contains(e))
        });
    plan.actions = keep;
    let removals = plan.count("remove_member");
    if !override_guard && u64::try_from(removals).unwrap_or(u64::MAX) > safety.max_group_removals {
        let (more, keep): (Vec<Action>, Vec<Action>) = std::mem::take(&mut plan.actions)
            .into_iter()
            .partition(|a| matches!(a, Action::RemoveMember { .. }));
        plan.actions = keep;
        held.extend(more);
    }
    held
}

/// The source-drop guard (S7): fail when `current` employees is a drop of more than
/// `max_source_drop_percent` against the last successful run.
///
/// # Errors
/// [`ErrorKind::Aborted`] naming both counts.
pub fn check_source_drop(
    current: usize,
    last: Option<LastRunCounts>,
    safety: &Safety,
) -> Result<()> {
    let Some(last) = last.filter(|l| l.employees > 0) else {
        return Ok(());
    };
    if current >= last.employees {
        return Ok(());
    }
    #[allow(clippy::cast_precision_loss)]
    let drop = (last.employees - current) as f64 * 100.0 / last.employees as f64;
    if drop > safety.max_source_drop_percent {
        Err(Error::new(
            ErrorKind::Aborted,
            format!(
                "S7: the HR source returned {current} employees, {drop:.1}% fewer than the {} of \
                 the last successful run (limit safety.max_source_drop_percent = {}); nothing \
                 was planned",
                last.employees, safety.max_source_drop_percent
            ),
        ))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::{DirectoryUserId, EmployeeId};
    use crate::reconcile::Reason;

    fn safety() -> Safety {
        Safety {
            max_disables: 10,
            max_disable_percent: 5.0,
            max_source_drop_percent: 20.0,
            max_group_removals: 50,
        }
    }

    fn plan_with(disables: usize, linked: usize) -> Plan {
        let actions = (0..disables)
            .map(|i| Action::Disable {
                employee_id: EmployeeId::new(i.to_string()).unwrap(),
                user_id: DirectoryUserId::new(format!("u{i}")),
                upn: format!("u{i}@demo.com"),
                reason: Reason::Inactive,
                revoke_sessions: true,
                leave_date: None,
            })
            .collect();
        Plan {
            actions,
            linked_users: linked,
            ..Plan::default()
        }
    }

    // S7: both limits must be exceeded. 1000 linked users: 5% is 50.
    #[test]
    fn s7_mass_disable_thresholds() {
        let s = safety();
        // At the count limit (10), well over the percentage: allowed.
        assert_eq!(
            check_disables(&plan_with(10, 100), &s, false),
            DisableVerdict::Allowed
        );
        // Just over the count (11) and over the percentage (11%): held.
        assert!(matches!(
            check_disables(&plan_with(11, 100), &s, false),
            DisableVerdict::Held { disables: 11, .. }
        ));
        // Over the count, exactly at the percentage (50 of 1000 = 5%): allowed.
        assert_eq!(
            check_disables(&plan_with(50, 1000), &s, false),
            DisableVerdict::Allowed
        );
        // Over the count, just over the percentage (51 of 1000): held.
        assert!(matches!(
            check_disables(&plan_with(51, 1000), &s, false),
            DisableVerdict::Held { .. }
        ));
        // The override lets it through.
        assert_eq!(
            check_disables(&plan_with(51, 1000), &s, true),
            DisableVerdict::Allowed
        );
    }

    #[test]
    fn s7_held_disables_are_removed_from_the_plan() {
        let mut plan = plan_with(20, 100);
        let held = hold_disables(&mut plan, &safety(), false);
        assert_eq!(held.len(), 20);
        assert!(plan.actions.is_empty());
        let mut small = plan_with(3, 100);
        assert!(hold_disables(&mut small, &safety(), false).is_empty());
        assert_eq!(small.actions.len(), 3);
    }

    // Disables of the last 24 hours count with the plan's: 3 now after 9 earlier is 12 of
    // 100, over both limits; 3 after 7 is 10, at the count limit.
    #[test]
    fn s7_counts_the_disables_of_the_last_day() {
        let s = safety();
        assert!(matches!(
            check_disables_after(&plan_with(3, 100), &s, false, 9),
            DisableVerdict::Held { disables: 12, .. }
        ));
        assert_eq!(
            check_disables_after(&plan_with(3, 100), &s, false, 7),
            DisableVerdict::Allowed
        );
        // A plan with no disable is never held, whatever happened earlier.
        assert_eq!(
            check_disables_after(&plan_with(0, 100), &s, false, 500),
            DisableVerdict::Allowed
        );
    }

    #[test]
    fn s7_source_drop_thresholds() {
        let s = safety();
        let last = Some(LastRunCounts { employees: 100 });
        assert!(check_source_drop(80, last, &s).is_ok()); // exactly 20%
        let err = check_source_drop(79, last, &s).unwrap_err(); // 21%
        assert_eq!(err.kind(), ErrorKind::Aborted);
        assert!(err.message().contains("79"));
        assert!(check_source_drop(0, None, &s).is_ok());
        assert!(check_source_drop(150, last, &s).is_ok());
    }
}
