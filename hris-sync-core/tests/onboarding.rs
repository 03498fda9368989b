//! `[onboarding] temporary_access_pass = true`: each new account gets a Temporary Access Pass,
//! usable from the hire date at the configured local time, delivered once like a password.

use std::sync::{Arc, Mutex};

use hris_sync_core::apply::apply_plan;
use hris_sync_core::memory::{MemoryDirectory, WriteRecord};
use hris_sync_core::raw::AccessPass;
use hris_sync_core::secrecy::ExposeSecret as _;
use hris_sync_core::{Action, ErrorKind, Policy, SyncHistory, plan};
use hris_sync_core::{Credential, CredentialSink, Secret};

use crate::support::{at, day, emp, now};

fn policy(onboarding: &str) -> hris_sync_core::Result<Policy> {
    Policy::from_toml(&format!(
        "[upn]\ndomain = \"demo.com\"\n[lifecycle]\ntimezone = \"Europe/Berlin\"\n[onboarding]\n{onboarding}\n"
    ))
}

#[derive(Default)]
struct Delivered(Arc<Mutex<Vec<(String, String, AccessPass)>>>);

#[async_trait::async_trait]
impl CredentialSink for Delivered {
    async fn deliver(&self, credential: Credential) -> hris_sync_core::Result<()> {
        if let Secret::AccessPass(pass) = credential.secret {
            self.0
                .lock()
                .unwrap()
                .push((credential.employee_id.to_string(), credential.upn, pass));
        }
        Ok(())
    }
}

#[tokio::test]
async fn new_accounts_get_a_pass_from_their_hire_date() {
    let policy = policy(
        "temporary_access_pass = true\ntemporary_access_pass_lifetime_minutes = 480\ntemporary_access_pass_start = \"08:30\"",
    )
    .unwrap();
    let mut future = emp("1", "Lena", "Vogt");
    future.hire_date = Some(day("2025-10-06"));
    let mut started = emp("2", "Jonas", "Keller");
    started.hire_date = Some(day("2025-09-01"));
    let p = plan(&[future, started], &[], &policy, now());
    let requests: Vec<_> = p
        .actions
        .iter()
        .filter_map(|a| match a {
            Action::Create { access_pass, .. } => access_pass.clone(),
            _ => None,
        })
        .collect();
    assert_eq!(requests.len(), 2);
    // 08:30 in Berlin (CEST, UTC+2) on the hire date; at once for someone already started.
    assert_eq!(requests[0].start, Some(at("2025-10-06T06:30:00Z")));
    assert_eq!(requests[1].start, None);
    assert!(
        requests
            .iter()
            .all(|r| r.lifetime_minutes == Some(480) && r.usable_once)
    );

    let dir = MemoryDirectory::new(["demo.com"]);
    let delivered = Delivered::default();
    let seen = Arc::clone(&delivered.0);
    let outcomes = apply_plan(&p, &dir, &mut SyncHistory::default(), &delivered).await;
    assert!(
        outcomes
            .iter()
            .all(|o| o.result.is_ok() && o.warnings.is_empty())
    );
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].0, "1");
    assert_eq!(seen[0].1, "lena.vogt@demo.com");
    assert_eq!(seen[0].2.start, Some(at("2025-10-06T06:30:00Z")));
    assert!(!seen[0].2.pass.expose_secret().is_empty());
    assert!(!format!("{:?}", seen[0].2).contains(seen[0].2.pass.expose_secret()));
    let passes = dir
        .writes()
        .into_iter()
        .filter(|w| matches!(w, WriteRecord::CreateAccessPass(..)))
        .count();
    assert_eq!(passes, 2);
}

#[test]
fn off_by_default_and_the_plan_json_unchanged() {
    let p = plan(
        &[emp("1", "Lena", "Vogt")],
        &[],
        &policy("").unwrap(),
        now(),
    );
    assert!(matches!(
        &p.actions[0],
        Action::Create {
            access_pass: None,
            ..
        }
    ));
    assert!(!p.to_json().contains("access_pass"));
}

#[test]
fn bad_settings_name_the_key() {
    for (line, key) in [
        (
            "temporary_access_pass = true\ntemporary_access_pass_lifetime_minutes = 5",
            "onboarding.temporary_access_pass_lifetime_minutes",
        ),
        (
            "temporary_access_pass_lifetime_minutes = 50000",
            "onboarding.temporary_access_pass_lifetime_minutes",
        ),
        (
            "temporary_access_pass_start = \"8am\"",
            "onboarding.temporary_access_pass_start",
        ),
        ("temporary_acess_pass = true", "temporary_acess_pass"),
    ] {
        let e = policy(line).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidConfig);
        assert!(e.message().contains(key), "{line}: {e}");
    }
}
