//! `POST /users/{id}/authentication/temporaryAccessPassMethods` in `$batch`: the pass comes
//! back from the sub-response, the permission is named when missing, and the tenant policy's
//! lifetime bounds are enforced as Graph enforces them.

use crate::support::Connect as _;
use hris_sync_core::raw::{AccessPassRequest, Applied, Operation};
use hris_sync_core::secrecy::ExposeSecret as _;
use hris_sync_core::{Directory, ErrorKind};
use hris_sync_sims::graph::{GraphSim, LEAST_PRIVILEGE};

use crate::support::{sim_with, users};

async fn with_permissions(permissions: &[&str]) -> GraphSim {
    sim_with(|c| c.permissions = permissions.iter().map(|p| (*p).to_owned()).collect()).await
}

/// A simulator that grants the pass's permission, seeded with `users(n)`.
async fn granted(n: usize) -> (GraphSim, Vec<hris_sync_core::DirectoryUser>) {
    let mut granted = LEAST_PRIVILEGE.to_vec();
    granted.push("UserAuthenticationMethod.ReadWrite.All");
    let sim = with_permissions(&granted).await;
    let staff = users(n);
    sim.seed(staff.clone()).unwrap();
    (sim, staff)
}

fn pass_for(user: &hris_sync_core::DirectoryUser, lifetime: Option<u32>) -> Operation {
    Operation::CreateAccessPass {
        user: user.id.clone(),
        request: AccessPassRequest {
            start: Some("2030-03-02T07:00:00Z".parse().unwrap()),
            lifetime_minutes: lifetime,
            usable_once: true,
        },
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_pass_is_made_and_returned() {
    let (sim, staff) = granted(2).await;
    let entra = sim.directory().build().unwrap();
    let outcomes = entra
        .apply(&[pass_for(&staff[0], Some(480)), pass_for(&staff[1], None)])
        .await;
    let Ok(Applied::AccessPass(pass)) = &outcomes[0] else {
        panic!("{outcomes:?}");
    };
    assert!(!pass.pass.expose_secret().is_empty());
    assert_eq!(pass.start, Some("2030-03-02T07:00:00Z".parse().unwrap()));
    assert_eq!(pass.lifetime_minutes, Some(480));
    assert!(!format!("{outcomes:?}").contains(pass.pass.expose_secret()));
    // No lifetime: the tenant policy's default.
    let Ok(Applied::AccessPass(default)) = &outcomes[1] else {
        panic!("{outcomes:?}");
    };
    assert_eq!(default.lifetime_minutes, Some(60));
    let made = sim.access_passes();
    assert_eq!(made.len(), 2);
    assert_eq!(made[0].0, staff[0].id);
    assert!(made[0].1.usable_once);
}

#[tokio::test(flavor = "current_thread")]
async fn without_the_permission_the_403_names_it() {
    let sim = with_permissions(LEAST_PRIVILEGE).await;
    let staff = users(1);
    sim.seed(staff.clone()).unwrap();
    let entra = sim.directory().build().unwrap();
    let outcomes = entra.apply(&[pass_for(&staff[0], Some(120))]).await;
    let e = outcomes[0].as_ref().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::PermissionDenied);
    assert!(
        e.message()
            .contains("UserAuthenticationMethod.ReadWrite.All"),
        "{e}"
    );
    assert!(sim.access_passes().is_empty());
}

#[tokio::test(flavor = "current_thread")]
async fn a_lifetime_outside_the_tenant_policy_is_refused() {
    let (sim, staff) = granted(1).await;
    let entra = sim.directory().build().unwrap();
    // Valid for Graph (10..=43200) but above the default policy's 480.
    let outcomes = entra.apply(&[pass_for(&staff[0], Some(1440))]).await;
    let e = outcomes[0].as_ref().unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    assert!(e.message().contains("480"), "{e}");
}
