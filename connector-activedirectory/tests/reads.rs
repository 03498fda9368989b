use connector_activedirectory::attributes as A;
use connector_activedirectory::samba::{DOMAIN_DN, STAFF_OU};
use hris_sync_core::raw::{DeltaCursor, PropertyValue};
use hris_sync_core::{Directory, ErrorKind, ObjectKind, RequestStats};
use ldap3::{Mod, Scope, SearchEntry};
use std::collections::BTreeSet;

use crate::support::{admin, builder, create, dc, directory, hire, new_user, unique};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_made_by_another_client_are_read_incrementally() {
    let Some(dc) = dc() else { return };
    let dir = directory(dc);
    let mine = hire(&dir, "inc.", "In", "Cremental", "11").await;
    let quiet = hire(&dir, "quiet.", "Qui", "Et", "11").await;
    let snapshot = dir.list_users().await.unwrap();
    let cursor = snapshot.cursor.expect("a USN cursor");
    assert!(snapshot.users.iter().any(|u| u.id == mine.id));

    // An administrator changes the department with another tool.
    let mut ldap = admin(dc).await;
    let (found, _) = ldap
        .search(
            STAFF_OU,
            Scope::Subtree,
            &format!("(employeeID={})", mine.employee_id.as_deref().unwrap()),
            vec!["1.1"],
        )
        .await
        .unwrap()
        .success()
        .unwrap();
    let target = SearchEntry::construct(found.into_iter().next().unwrap()).dn;
    ldap.modify(
        &target,
        vec![Mod::Replace("department", ["Changed Elsewhere"].into())],
    )
    .await
    .unwrap()
    .success()
    .unwrap();

    let changes = dir.list_user_changes(&cursor).await.unwrap();
    let changed = changes
        .changed
        .iter()
        .find(|u| u.id == mine.id)
        .expect("the changed user");
    assert_eq!(
        changed.property(&A::DEPARTMENT),
        Some(&PropertyValue::text("Changed Elsewhere"))
    );
    assert!(
        !changes.changed.iter().any(|u| u.id == quiet.id),
        "an unchanged user is not read"
    );
    assert!(changes.changed.len() < snapshot.users.len());

    // From the new cursor, nothing has changed.
    let next = changes.cursor.expect("next cursor");
    let again = dir.list_user_changes(&next).await.unwrap();
    assert!(!again.changed.iter().any(|u| u.id == mine.id));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cursor_of_another_dc_or_another_directory_means_a_full_read() {
    let Some(dc) = dc() else { return };
    let dir = directory(dc);
    let other_dc = DeltaCursor::new(
        "ad1|10|CN=NTDS Settings,CN=DC9,CN=Servers,CN=Default-First-Site-Name,CN=Sites,CN=Configuration,DC=demo,DC=local",
    );
    let err = dir.list_user_changes(&other_dc).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::CursorExpired, "{err}");
    let graph = DeltaCursor::new("https://graph.microsoft.com/v1.0/users/delta?$deltatoken=x");
    assert_eq!(
        dir.list_user_changes(&graph).await.unwrap_err().kind(),
        ErrorKind::CursorExpired
    );
    // A USN above the DC's own (a restored DC): also a full read.
    let cursor = dir.list_users().await.unwrap().cursor.unwrap();
    let (usn, server) = cursor
        .as_str()
        .strip_prefix("ad1|")
        .unwrap()
        .split_once('|')
        .unwrap();
    let ahead = DeltaCursor::new(format!(
        "ad1|{}|{server}",
        usn.parse::<u64>().unwrap() + 1_000_000
    ));
    assert_eq!(
        dir.list_user_changes(&ahead).await.unwrap_err().kind(),
        ErrorKind::CursorExpired
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn built_in_accounts_are_marked_and_computers_and_contacts_left_out() {
    let Some(dc) = dc() else { return };
    // A contact with a mail address an employee might have: not a user, never a candidate.
    let contact = unique("contact");
    admin(dc)
        .await
        .add(
            &format!("CN={contact},{STAFF_OU}"),
            vec![
                ("objectClass", ["contact"].into()),
                ("mail", [format!("{contact}@demo.local").as_str()].into()),
            ],
        )
        .await
        .unwrap()
        .success()
        .unwrap();
    let dir = builder(dc).base_dn(DOMAIN_DN).build().unwrap();
    let users = dir.list_users().await.unwrap().users;
    let admin = users
        .iter()
        .find(|u| {
            u.user_principal_name
                .eq_ignore_ascii_case("Administrator@demo.local")
        })
        .expect("Administrator is listed (its name is taken)");
    assert_eq!(admin.kind, ObjectKind::BuiltIn);
    let krbtgt = users
        .iter()
        .find(|u| u.user_principal_name.to_lowercase().starts_with("krbtgt@"))
        .expect("krbtgt");
    assert_eq!(krbtgt.kind, ObjectKind::BuiltIn);
    assert!(
        !users
            .iter()
            .any(|u| u.user_principal_name.to_uppercase().starts_with("DC1$")),
        "no computers"
    );
    assert!(
        !users
            .iter()
            .any(|u| u.mail.as_deref().is_some_and(|m| m.starts_with(&contact))),
        "no contacts"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn small_pages_are_all_read_and_counted() {
    let Some(dc) = dc() else { return };
    // An OU of its own: other tests write to the staff OU at the same time.
    let ou = format!("OU={},{STAFF_OU}", unique("Paged"));
    admin(dc)
        .await
        .add(&ou, vec![("objectClass", ["organizationalUnit"].into())])
        .await
        .unwrap()
        .success()
        .unwrap();
    let setup = builder(dc).base_dn(&ou).users_ou(&ou).build().unwrap();
    for i in 0..5 {
        create(
            &setup,
            new_user(
                &unique(&format!("page{i}.")),
                "Pa",
                &format!("Ge{i}"),
                &unique("12"),
            ),
        )
        .await;
    }
    let stats = RequestStats::new();
    let paged = builder(dc)
        .base_dn(&ou)
        .users_ou(&ou)
        .page_size(2)
        .request_stats(stats.clone())
        .build()
        .unwrap();
    let users = paged.list_users().await.unwrap().users;
    assert_eq!(users.len(), 5);
    // bind, rootDSE, three pages, then the domain (rootDSE and its UPN suffixes).
    assert_eq!(stats.counts().requests, 7);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upn_suffixes_of_the_forest_are_verified_domains() {
    let Some(dc) = dc() else { return };
    let mut ldap = admin(dc).await;
    ldap.modify(
        "CN=Partitions,CN=Configuration,DC=demo,DC=local",
        vec![Mod::Add("uPNSuffixes", ["corp-alias.example"].into())],
    )
    .await
    .unwrap()
    .success()
    .ok();
    let domains = directory(dc).verified_domains().await.unwrap();
    assert!(domains.contains(&"demo.local".to_owned()), "{domains:?}");
    assert!(
        domains.contains(&"corp-alias.example".to_owned()),
        "{domains:?}"
    );
}

// `explain`'s targeted read: one search for the accounts carrying the employee id or holding
// one of the addresses, not the whole listing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn find_users_searches_by_employee_id_and_addresses() {
    let Some(dc) = dc() else { return };
    let dir = directory(dc);
    let id = unique("21");
    let by_id = create(&dir, new_user(&unique("fid."), "Fi", "Dee", &id)).await;
    let by_upn = hire(&dir, "fup.", "Fu", "Pee", "22").await;
    hire(&dir, "fno.", "Fn", "Oh", "23").await;
    let found = dir
        .find_users(&id, &[by_upn.user_principal_name.to_uppercase()])
        .await
        .unwrap();
    let ids: BTreeSet<&str> = found.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(ids, BTreeSet::from([by_id.id.as_str(), by_upn.id.as_str()]));
}
