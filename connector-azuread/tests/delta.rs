//! Incremental reads: changes since the full read, and 410 for an expired position.

use crate::support::Connect as _;
use hris_sync_core::raw::Operation;
use hris_sync_core::{Directory, ErrorKind};

use crate::support::{create, disable, seeded};

#[tokio::test(flavor = "current_thread")]
async fn delta_reports_changes_then_410() {
    let (sim, staff) = seeded(300).await;
    let entra = sim.directory().managers(true).build().unwrap();
    let snapshot = entra.list_users().await.unwrap();
    let cursor = snapshot.cursor.unwrap();
    // Nothing changed: an empty round.
    let none = entra.list_user_changes(&cursor).await.unwrap();
    assert!(none.changed.is_empty());
    // Two changes.
    let ops = [
        disable(&staff[5].id),
        create("new.hire@demo.com", "5000"),
        Operation::SetManager {
            user: staff[6].id.clone(),
            manager: Some(staff[0].id.clone()),
        },
    ];
    assert!(entra.apply(&ops).await.iter().all(Result::is_ok));
    let delta = entra
        .list_user_changes(none.cursor.as_ref().unwrap())
        .await
        .unwrap();
    let ids: Vec<&str> = delta
        .changed
        .iter()
        .map(|u| u.user_principal_name.as_str())
        .collect();
    assert_eq!(delta.changed.len(), 3, "{ids:?}");
    assert!(
        delta
            .changed
            .iter()
            .any(|u| u.id == staff[5].id && !u.account_enabled)
    );
    assert_eq!(
        delta.managers.get(&staff[6].id),
        Some(&Some(staff[0].id.clone()))
    );
    // The position expires: 410, reported so the engine does a full read.
    sim.expire_delta_tokens();
    let err = entra
        .list_user_changes(delta.cursor.as_ref().unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::CursorExpired, "{err}");
}
