//! Property tests: UPN rules for any Unicode input (U1, U2), and determinism and
//! consistency of `plan` under input permutation (S9).

use std::collections::BTreeSet;

use hris_sync_core::upn::is_valid_upn;
use hris_sync_core::{Action, DirectoryUser, Employee, EmployeeId, Policy, plan};
use proptest::prelude::*;

use crate::support::{at, emp, generated, linked_user, policy_upn, user};

fn schemas() -> impl Strategy<Value = Policy> {
    (
        prop_oneof![Just("entire"), Just("first_letter")],
        prop_oneof![Just("."), Just("-"), Just("_"), Just("none")],
        prop_oneof![Just("last_name"), Just("none")],
        prop_oneof![Just("entire"), Just("first_letter")],
        prop_oneof![Just("de"), Just("none")],
    )
        .prop_map(|(bp, sep, end, ep, locale)| {
            policy_upn(&format!(
                "beginning_part = \"{bp}\"\nseparator = \"{sep}\"\nend = \"{end}\"\nend_part = \"{ep}\"\nlocale = \"{locale}\""
            ))
        })
}

/// Names: anything Unicode, plus the hard cases mixed in often.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => any::<String>(),
        2 => "\\PC{0,80}",
        1 => prop::sample::select(vec![
            "Müller", "Strauß", "O'Brien", "🦄", "  ", "王芳", "İı", "a-b", "x".repeat(90).leak(),
            "Mu\u{308}ller", "\u{202e}evil", "null", "..", "__",
        ]).prop_map(str::to_owned),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    // U1, U2: whatever the names and schema, a planned UPN satisfies Entra's rules; otherwise
    // the employee is reported.
    #[test]
    fn u1_u2_every_upn_is_valid(first in name(), last in name(), id in "[0-9]{1,16}", policy in schemas()) {
        let e = emp(&id, &first, &last);
        let p = plan(&[e], &[], &policy, at("2025-10-01T00:00:00Z"));
        match p.actions.as_slice() {
            [Action::Create { upn, fallback_upn, .. }] => {
                prop_assert!(is_valid_upn(upn), "{upn}");
                prop_assert!(upn.split('@').next().unwrap().len() <= 64);
                if let Some(f) = fallback_upn {
                    prop_assert!(is_valid_upn(f), "{f}");
                    let suffix = format!("_{id}@demo.com");
                    prop_assert!(f.ends_with(&suffix), "{f}");
                }
            }
            [] => prop_assert_eq!(p.skipped.len(), 1),
            other => prop_assert!(false, "unexpected {:?}", other),
        }
    }
}

#[derive(Debug, Clone)]
struct World {
    employees: Vec<Employee>,
    users: Vec<DirectoryUser>,
}

fn world() -> impl Strategy<Value = World> {
    let person = (
        prop::sample::select(vec!["Hans", "Zoë", "Anna-Lena", "王", "🦄", "Lena"]),
        prop::sample::select(vec!["Müller", "Mueller", "Vogt", "O'Brien", ""]),
        0u8..4,                       // status
        0u8..4,                       // termination: none, past, today-ish, future
        0u32..12,                     // email pool (duplicates on purpose)
        0u32..40,                     // created_at offset (ties on purpose)
        prop::option::of(1usize..30), // supervisor index
    );
    (
        prop::collection::vec(person, 1..30),
        prop::collection::vec((0u8..6, 0usize..30, any::<bool>()), 0..25),
    )
        .prop_map(|(people, users)| {
            let employees: Vec<Employee> = people
                .into_iter()
                .enumerate()
                .map(|(i, (first, last, status, term, mail, created, sup))| {
                    let mut e = generated(i, (first, last), status, term, created, sup);
                    e.email = Some(format!("p{mail}@demo.com"));
                    e
                })
                .collect();
            let users = users
                .into_iter()
                .enumerate()
                .map(|(i, (kind, target, enabled))| {
                    let mut u = match kind {
                        0 | 1 => linked_user(
                            &format!("u{i}"),
                            &format!("l{i}@demo.com"),
                            &target.to_string(),
                        ),
                        2 => user(&format!("u{i}"), &format!("p{}@demo.com", target % 12)),
                        3 => user(&format!("u{i}"), "hans.mueller@demo.com"),
                        4 => linked_user(
                            &format!("u{i}"),
                            &format!("x{i}@demo.com"),
                            &target.to_string(),
                        ),
                        _ => user(&format!("u{i}"), &format!("zoe.vogt{i}@demo.com")),
                    };
                    u.account_enabled = enabled;
                    u
                })
                .collect();
            World { employees, users }
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    // S9: the plan's bytes do not depend on the order of the inputs.
    #[test]
    fn s9_plan_is_deterministic_under_permutation(
        w in world(),
        seed in any::<u64>(),
    ) {
        let policy = crate::support::policy();
        let now = at("2025-10-01T06:00:00Z");
        let base = plan(&w.employees, &w.users, &policy, now).to_json();
        let mut employees = w.employees.clone();
        let mut users = w.users.clone();
        shuffle(&mut employees, seed);
        shuffle(&mut users, seed ^ 0x9e37_79b9_7f4a_7c15);
        prop_assert_eq!(base, plan(&employees, &users, &policy, now).to_json());
    }

    // Consistency: no UPN is created twice or over an existing one; an employee is created or
    // linked at most once and never both; every employee is acted on, skipped or unchanged.
    #[test]
    fn plan_invariants(w in world()) {
        let policy = crate::support::policy();
        let p = plan(&w.employees, &w.users, &policy, at("2025-10-01T06:00:00Z"));
        let existing: BTreeSet<String> = w.users.iter().map(|u| u.user_principal_name.to_lowercase()).collect();
        let mut created = BTreeSet::new();
        let mut provisioned = BTreeSet::new();
        for a in &p.actions {
            match a {
                Action::Create { upn, employee_id, .. } => {
                    prop_assert!(!existing.contains(upn), "{upn} exists");
                    prop_assert!(created.insert(upn.clone()), "{upn} twice");
                    prop_assert!(provisioned.insert(employee_id.clone()));
                }
                Action::Link { employee_id, .. } => prop_assert!(provisioned.insert(employee_id.clone())),
                Action::Disable { user_id, .. } | Action::Enable { user_id, .. } => {
                    let u = w.users.iter().find(|u| &u.id == user_id).unwrap();
                    prop_assert!(u.employee_id.is_some() || a.employee_id().is_some_and(|e| provisioned.contains(e)));
                }
                _ => {}
            }
        }
        let touched: BTreeSet<&EmployeeId> = p.actions.iter().filter_map(Action::employee_id)
            .chain(p.skipped.iter().filter_map(|s| s.employee_id.as_ref())).collect();
        prop_assert_eq!(touched.len() + p.unchanged, w.employees.len());
    }
}

/// Fisher–Yates with a small deterministic generator (xorshift), so failures reproduce.
fn shuffle<T>(items: &mut [T], seed: u64) {
    let mut x = seed | 1;
    for i in (1..items.len()).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let j = usize::try_from(x % (i as u64 + 1)).unwrap();
        items.swap(i, j);
    }
}
