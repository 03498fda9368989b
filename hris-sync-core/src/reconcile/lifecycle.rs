//! S3, S5, S6: who may have an account, who must lose it, who gets it back.
//!
//! All dates are local calendar dates compared with *today* in `lifecycle.timezone`: an
//! employee terminated on Sep 30 is still employed on Sep 30 and is disabled from Oct 1.

use chrono::{DateTime, Days, NaiveDate as Date, NaiveTime, Utc};

use crate::employee::{Employee, EmployeeStatus};
use crate::policy::Lifecycle;

use super::reason::Reason;

/// The lifecycle view of one employee on one day.
#[derive(Debug)]
pub(crate) struct Standing<'a> {
    employee: &'a Employee,
    rules: &'a Lifecycle,
    today: Date,
}

impl<'a> Standing<'a> {
    pub(crate) fn new(employee: &'a Employee, rules: &'a Lifecycle, today: Date) -> Self {
        Self {
            employee,
            rules,
            today,
        }
    }

    /// The termination date of the current employment: a termination date before the hire
    /// date belongs to an earlier employment (a rehire) and no longer counts.
    pub(crate) fn termination(&self) -> Option<Date> {
        let t = self.employee.termination_date?;
        match self.employee.hire_date {
            Some(h) if h > t => None,
            _ => Some(t),
        }
    }

    /// S5: why an enabled account must be disabled today, if it must.
    pub(crate) fn disable_reason(&self) -> Option<Reason> {
        if let Some(t) = self.termination() {
            if self.today > t {
                return Some(Reason::Terminated(t));
            }
        }
        match self.employee.status {
            EmployeeStatus::Inactive => Some(Reason::Inactive),
            EmployeeStatus::Leave if self.rules.disable_on_leave => Some(Reason::OnLeave),
            _ => None,
        }
    }

    /// S3: why the employee may not have an account at all, if not. Covers status and
    /// termination; names and email are checked by the planner for creates only.
    pub(crate) fn ineligible_reason(&self) -> Option<Reason> {
        if let Some(r) = self.disable_reason() {
            return Some(r);
        }
        match self.termination() {
            Some(t) if !self.rules.provision_future_leavers => Some(Reason::Terminated(t)),
            _ => None,
        }
    }

    /// Whether the employee has left for good (inactive or termination date passed): such an
    /// employee without an account is neither linked nor created.
    pub(crate) fn has_left(&self) -> bool {
        self.employee.status == EmployeeStatus::Inactive
            || self.termination().is_some_and(|t| self.today > t)
    }

    /// S3 `prehire_days`: the hire date when it is too far ahead to create the account yet.
    pub(crate) fn prehire_wait(&self) -> Option<Date> {
        let days = self.rules.prehire_days?;
        let hire = self.employee.hire_date?;
        let horizon = self.today.checked_add_days(Days::new(u64::from(days)))?;
        (hire > horizon).then_some(hire)
    }

    /// S3 `enable_before_hire = false`: whether a new account starts disabled.
    pub(crate) fn starts_disabled(&self) -> bool {
        !self.rules.enable_before_hire && self.before_hire()
    }

    /// Whether today is before the hire date.
    pub(crate) fn before_hire(&self) -> bool {
        self.employee.hire_date.is_some_and(|h| self.today < h)
    }

    /// `employeeLeaveDateTime` for a disable: the end of the termination date in the configured
    /// zone, or `now` when there is no termination date.
    pub(crate) fn leave_date_time(&self, now: DateTime<Utc>) -> String {
        use chrono::SubsecRound;
        let end_of_day = NaiveTime::from_hms_opt(23, 59, 59).unwrap_or(NaiveTime::MIN);
        let at = self
            .termination()
            .and_then(|t| crate::time::local_instant(t, end_of_day, self.rules.timezone))
            .unwrap_or(now);
        crate::time::rfc3339(&at.round_subsecs(0))
    }
}

/// *Today*: the calendar date of `now` in the zone.
pub(crate) fn today(now: DateTime<Utc>, rules: &Lifecycle) -> Date {
    crate::time::today(now, rules.timezone)
}
