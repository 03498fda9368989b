use connector_activedirectory::attributes as A;
use connector_activedirectory::samba::STAFF_OU;
use hris_sync_core::raw::{Applied, GroupRefusal, Operation};
use hris_sync_core::testkit::{self, Kit};
use hris_sync_core::{Directory, ErrorKind};
use ldap3::{Mod, Scope, SearchEntry};

use crate::support::{admin, dc, directory, hire, one, unique};

/// A new, empty security group in the staff OU, made by another client.
async fn group(dc: &connector_activedirectory::samba::SambaDc, name: &str) -> String {
    let dn = format!("CN={name},{STAFF_OU}");
    admin(dc)
        .await
        .add(
            &dn,
            vec![
                ("objectClass", ["group"].into()),
                ("sAMAccountName", [name].into()),
            ],
        )
        .await
        .unwrap()
        .success()
        .unwrap();
    dn
}

/// Apply `op` twice: both are done (adding a member again, or removing a non-member, is no
/// error).
async fn done_twice(dir: &dyn Directory, op: Operation) {
    assert!(
        matches!(one(dir, op.clone()).await, Ok(Applied::Done)),
        "{op:?}"
    );
    assert!(matches!(one(dir, op).await, Ok(Applied::Done)), "again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_kit_passes_with_a_group() {
    let Some(dc) = dc() else { return };
    let g = group(dc, &unique("kitgroup")).await;
    testkit::directory::run_all(
        &directory(dc),
        &Kit::new("demo.local", unique("kitg"))
            .with_attributes(A::DEPARTMENT, A::TITLE)
            .with_group(g),
    )
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_are_dns_added_and_deleted_and_non_users_are_never_listed() {
    let Some(dc) = dc() else { return };
    let dir = directory(dc);
    let g = group(dc, &unique("finance")).await;
    let nested = group(dc, &unique("nested")).await;
    let ann = hire(&dir, "g.ann.", "Ann", "Group", "31").await;
    // Another admin nests a group: it is a member, but no user, so it is not listed.
    let mut ldap = admin(dc).await;
    ldap.modify(&g, vec![Mod::Add("member", [nested.as_str()].into())])
        .await
        .unwrap()
        .success()
        .unwrap();
    let (group, user) = (g.clone(), ann.id.clone());
    done_twice(&dir, Operation::AddMember { group, user }).await;
    let info = dir.read_group(&g).await.unwrap();
    assert_eq!(info.refusal, None);
    assert_eq!(
        info.members.iter().collect::<Vec<_>>(),
        [&ann.id],
        "users only"
    );
    // The member attribute holds the user's DN.
    let (found, _) = ldap
        .search(&g, Scope::Base, "(objectClass=group)", vec!["member"])
        .await
        .unwrap()
        .success()
        .unwrap();
    let e = SearchEntry::construct(found.into_iter().next().unwrap());
    let members = &e.attrs["member"];
    assert!(
        members.iter().any(|m| m.starts_with("CN=Ann Group")),
        "{members:?}"
    );
    let (group, user) = (g.clone(), ann.id.clone());
    done_twice(&dir, Operation::RemoveMember { group, user }).await;
    assert!(dir.read_group(&g).await.unwrap().members.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn built_in_groups_and_non_groups_are_refused_and_unknown_ones_not_found() {
    let Some(dc) = dc() else { return };
    let dir = directory(dc);
    let admins = dir
        .read_group("CN=Domain Admins,CN=Users,DC=demo,DC=local")
        .await
        .unwrap();
    assert_eq!(admins.refusal, Some(GroupRefusal::BuiltIn));
    let someone = hire(&dir, "notagroup.", "Not", "Group", "32").await;
    let _ = someone;
    let not_group = dir.read_group(STAFF_OU).await.unwrap();
    assert_eq!(not_group.refusal, Some(GroupRefusal::NotAGroup));
    let err = dir
        .read_group(&format!("CN=nowhere,{STAFF_OU}"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound, "{err}");
}
