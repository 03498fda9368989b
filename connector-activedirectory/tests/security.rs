use connector_activedirectory::samba::{ADMIN_DN, STAFF_OU};
use hris_sync_core::raw::{Operation, Password};
use hris_sync_core::{Directory, ErrorKind};
use ldap3::{LdapConnAsync, Mod, Scope};

use crate::support::{admin, builder, create, dc, directory, new_user, one, unique};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_bind_credentials_are_an_authentication_error_that_hides_the_password() {
    let Some(dc) = dc() else { return };
    let dir = builder(dc)
        .bind(ADMIN_DN, "Wrong-Guess-4711!")
        .build()
        .unwrap();
    let err = dir.list_users().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthenticated, "{err}");
    assert!(err.message().contains("AD_BIND_PASSWORD"), "{err}");
    assert!(!err.to_string().contains("Wrong-Guess-4711!"));
    assert!(!format!("{dir:?}").contains("Wrong-Guess-4711!"));
    assert!(!format!("{dir:?}").contains(dc.admin_password()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_ldap_is_refused_by_the_server_and_a_password_never_goes_out_in_clear() {
    let Some(dc) = dc() else { return };
    // The server: a simple bind without TLS is refused (strongerAuthRequired).
    let (conn, mut raw) = LdapConnAsync::new("ldap://127.0.0.1:389").await.unwrap();
    ldap3::drive!(conn);
    let refused = raw
        .simple_bind(ADMIN_DN, dc.admin_password())
        .await
        .unwrap();
    assert_eq!(refused.rc, 8, "{refused:?}");
    let plain = builder(dc)
        .url("ldap://127.0.0.1:389")
        .start_tls(false)
        .build()
        .unwrap();
    let err = plain.list_users().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfig, "{err}");
    assert!(err.message().contains("ldaps://"), "{err}");

    // Us: a create over plain LDAP is refused before anything is sent.
    let local = unique("clear.");
    let err = one(
        &plain,
        Operation::Create(Box::new(new_user(&local, "Cle", "Ar", &unique("21")))),
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfig, "{err}");
    assert!(err.message().contains("not encrypted"), "{err}");
    let mut ldap = admin(dc).await;
    let (found, _) = ldap
        .search(
            STAFF_OU,
            Scope::Subtree,
            &format!("(userPrincipalName={local}@demo.local)"),
            vec!["1.1"],
        )
        .await
        .unwrap()
        .success()
        .unwrap();
    assert!(found.is_empty(), "nothing was created");

    // Plain LDAP to another host is refused at build time.
    let err = builder(dc)
        .url("ldap://dc1.demo.local")
        .start_tls(false)
        .build()
        .unwrap_err();
    assert!(
        err.message().starts_with("active_directory.start_tls:"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_tls_works_and_the_certificate_is_checked() {
    let Some(dc) = dc() else { return };
    let upgraded = builder(dc).url("ldap://127.0.0.1:389").build().unwrap();
    upgraded.list_users().await.unwrap();
    create(
        &upgraded,
        new_user(&unique("starttls."), "Start", "Tls", &unique("22")),
    )
    .await;

    let wrong_name = builder(dc)
        .tls_server_name("dc2.demo.local")
        .build()
        .unwrap();
    let err = wrong_name.list_users().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidConfig, "{err}");
    assert!(err.message().contains("TLS"), "{err}");
    // Without our CA (the system store does not know it): refused as well.
    let unknown_ca = connector_activedirectory::AdBuilder::new()
        .url(dc.ldaps_url())
        .base_dn(STAFF_OU)
        .users_ou(STAFF_OU)
        .bind(ADMIN_DN, dc.admin_password())
        .build();
    if let Ok(dir) = unknown_ca {
        let err = dir.list_users().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfig, "{err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_account_without_rights_is_told_which_right_it_lacks() {
    let Some(dc) = dc() else { return };
    let dir = directory(dc);
    let svc = unique("svc.");
    let password = "Svc-Passw0rd-Long-Enough!";
    let mut new = new_user(&svc, "Svc", "Account", &unique("23"));
    new.password = Password::new(password);
    create(&dir, new).await;
    // An ordinary user that may sign in (no change of password pending).
    let mut ldap = admin(dc).await;
    let dn = format!("CN=Svc Account,{STAFF_OU}");
    ldap.modify(&dn, vec![Mod::Replace("pwdLastSet", ["-1"].into())])
        .await
        .unwrap()
        .success()
        .unwrap();
    let weak = builder(dc).bind(dn, password).build().unwrap();
    assert!(weak.list_users().await.is_ok(), "a user may read");
    let err = one(
        &weak,
        Operation::Create(Box::new(new_user(
            &unique("nope."),
            "No",
            "Pe",
            &unique("23"),
        ))),
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PermissionDenied, "{err}");
    assert!(err.message().contains("Create User objects"), "{err}");
    assert!(!err.message().contains(password));
}
