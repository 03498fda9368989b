//! The three questions an administrator asks most (issue 26): why the suffix, why disabled
//! today, why not linked.

use chrono::{DateTime, NaiveDate, Utc};

use super::*;
use crate::{EmployeeId, EmployeeStatus};

fn policy() -> Policy {
    Policy::from_toml("[upn]\ndomain = \"demo.com\"\n[lifecycle]\ntimezone = \"Europe/Berlin\"\n")
        .unwrap()
}

fn employee(id: &str, first: &str, last: &str, email: &str) -> Employee {
    let mut e = Employee::new(EmployeeId::new(id).unwrap(), EmployeeStatus::Active);
    e.first_name = Some(first.to_owned());
    e.last_name = Some(last.to_owned());
    e.email = Some(email.to_owned());
    e.hire_date = NaiveDate::from_ymd_opt(2024, 3, 1);
    e
}

fn at(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// What `explain` says of `e` against `accounts`, with the tests' policy and no history.
fn explain_for(e: &Employee, accounts: &[DirectoryUser], now: DateTime<Utc>) -> Explanation {
    explain(e, &[], accounts, &policy(), now, &SyncHistory::default())
}

fn verdicts(steps: &[Step]) -> Vec<(&str, Verdict)> {
    steps.iter().map(|s| (s.rule.as_str(), s.verdict)).collect()
}

// U3: the plain UPN belongs to someone else, so the new account takes the suffix.
#[test]
fn a_name_collision_is_worked_through_to_the_suffix() {
    let mut holder = DirectoryUser::new("u-1", "zoe.mueller@demo.com");
    holder.employee_id = Some("1001".to_owned());
    let zoe = employee("1002", "Zoë", "Müller", "zoe.m@demo.com");
    let x = explain_for(&zoe, &[holder], at("2026-12-05T08:00:00Z"));
    assert_eq!(x.outcome[0].kind.as_str(), "create");
    assert_eq!(
        x.outcome[0].upn.as_deref(),
        Some("zoe.mueller_1002@demo.com")
    );
    let first = &x.upn[0];
    assert!(
        first.detail.contains("\"Zoë\" → locale table (De) \"Zoë\""),
        "{first:?}"
    );
    assert!(first.detail.ends_with("→ \"zoe\""), "{first:?}");
    assert!(
        x.upn[1]
            .detail
            .contains("\"Müller\" → locale table (De) \"Mueller\""),
        "{:?}",
        x.upn[1]
    );
    assert_eq!(x.upn[2].verdict, Verdict::Fail);
    assert!(
        x.upn[2]
            .detail
            .contains("zoe.mueller@demo.com is taken by u-1 (enabled, employee 1001)")
    );
    assert_eq!(x.upn[3].verdict, Verdict::Pass);
    assert!(x.upn[3].detail.starts_with("zoe.mueller_1002@demo.com"));
    assert_eq!(x.changes["givenName"].to, "Zoë");
}

// S5 in the company's zone: at 23:30 UTC on Dec 4 it is already Dec 5 in Berlin, so a leaver
// terminated on Dec 4 is disabled; one terminated on Dec 5 is still employed that day.
#[test]
fn a_leaver_is_judged_by_the_day_in_berlin() {
    let now = at("2026-12-04T23:30:00Z");
    let mut account = DirectoryUser::new("u-7", "jonas.keller@demo.com");
    account.employee_id = Some("1007".to_owned());
    let mut jonas = employee("1007", "Jonas", "Keller", "jonas.keller@demo.com");
    jonas.termination_date = NaiveDate::from_ymd_opt(2026, 12, 4);
    let x = explain_for(&jonas, &[account.clone()], now);
    assert_eq!(x.today, NaiveDate::from_ymd_opt(2026, 12, 5).unwrap());
    let term = x
        .eligibility
        .iter()
        .find(|s| s.rule == "S5 termination date")
        .unwrap();
    assert_eq!(term.verdict, Verdict::Fail);
    assert!(
        term.detail.contains("today is 2026-12-05 in Europe/Berlin"),
        "{term:?}"
    );
    // The names are written first, then the account is disabled.
    let disable = x.outcome.last().unwrap();
    assert_eq!(disable.kind.as_str(), "disable", "{:?}", x.outcome);
    assert!(
        disable
            .reason
            .as_deref()
            .unwrap()
            .contains("terminated on 2026-12-04")
    );
    assert_eq!(x.changes["accountEnabled"].to, false);
    assert_eq!(
        verdicts(&x.matching),
        [("S1 by employee id", Verdict::Pass)]
    );

    jonas.termination_date = NaiveDate::from_ymd_opt(2026, 12, 5);
    let x = explain_for(&jonas, &[account], now);
    let term = x
        .eligibility
        .iter()
        .find(|s| s.rule == "S5 termination date")
        .unwrap();
    assert!(
        term.detail
            .contains("still employed today (2026-12-05 in Europe/Berlin)"),
        "{term:?}"
    );
    assert!(
        x.outcome.iter().all(|a| a.kind.as_str() != "disable"),
        "{:?}",
        x.outcome
    );
}

// S2: the only account with the employee's email is disabled, so it is not linked; it keeps
// its UPN and the new account takes the suffix.
#[test]
fn a_disabled_match_is_not_linked_and_says_why() {
    let mut old = DirectoryUser::new("u-3", "lena.vogt@demo.com");
    old.account_enabled = false;
    let lena = employee("1003", "Lena", "Vogt", "lena.vogt@demo.com");
    let x = explain_for(&lena, &[old], at("2026-12-05T08:00:00Z"));
    let by_email = x.matching.iter().find(|s| s.rule == "S2 by email").unwrap();
    assert_eq!(by_email.verdict, Verdict::Fail);
    assert!(
        by_email
            .detail
            .contains("disabled: a disabled account is never linked"),
        "{by_email:?}"
    );
    assert_eq!(x.outcome[0].kind.as_str(), "create");
    assert_eq!(x.outcome[0].upn.as_deref(), Some("lena.vogt_1003@demo.com"));
    assert!(
        x.upn
            .iter()
            .any(|s| s.detail.contains("taken by u-3 (disabled)")),
        "{:?}",
        x.upn
    );
    let json = serde_json::to_value(&x).unwrap();
    assert_eq!(json["matching"][1]["verdict"], "fail");
}
