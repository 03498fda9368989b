//! U1–U5 under arbitrary input: whatever the names, a planned UPN satisfies Entra's rules and
//! the plan never panics.
#![no_main]

use hris_sync_core::upn::{Locale, is_valid_upn, normalize_part};
use hris_sync_core::{Action, Employee, EmployeeId, EmployeeStatus, Policy, plan};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(3, '\u{1f}');
    let first = parts.next().unwrap_or_default();
    let last = parts.next().unwrap_or_default();
    let normalized = normalize_part(first, Locale::De);
    assert!(normalized.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
    let Ok(policy) = Policy::with_domain("demo.com") else { return };
    let Ok(id) = EmployeeId::new("4242") else { return };
    let mut e = Employee::new(id, EmployeeStatus::Active);
    e.first_name = Some(first.to_owned());
    e.last_name = Some(last.to_owned());
    e.email = Some("x@demo.com".to_owned());
    let Ok(now) = "2025-10-01T00:00:00Z".parse() else { return };
    let p = plan(&[e], &[], &policy, now);
    for a in &p.actions {
        if let Action::Create { upn, fallback_upn, .. } = a {
            assert!(is_valid_upn(upn), "{upn}");
            if let Some(f) = fallback_upn {
                assert!(is_valid_upn(f), "{f}");
            }
        }
    }
});
