use connector_activedirectory::MAX_SAM_ACCOUNT_NAME_LEN;
use connector_activedirectory::attributes as A;
use connector_activedirectory::samba::{LEAVERS_OU, STAFF_OU};
use hris_sync_core::raw::{Applied, Changes, DirectoryProperty as P, Operation, PropertyValue};
use hris_sync_core::{DirectoryUserId, ErrorKind};
use ldap3::{Ldap, Mod, Scope, SearchEntry};

use crate::support::{admin, builder, create, dc, directory, hire, listed, new_user, one, unique};

/// The entry of `upn` as another client reads it.
async fn raw(ldap: &mut Ldap, upn: &str) -> SearchEntry {
    let (entries, _) = ldap
        .search(
            STAFF_OU,
            Scope::Subtree,
            &format!("(userPrincipalName={upn})"),
            vec!["*", "pwdLastSet", "userAccountControl"],
        )
        .await
        .unwrap()
        .success()
        .unwrap();
    assert_eq!(entries.len(), 1, "{upn}");
    SearchEntry::construct(entries.into_iter().next().unwrap())
}

fn attr<'a>(e: &'a SearchEntry, name: &str) -> Option<&'a str> {
    e.attrs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .and_then(|(_, v)| v.first())
        .map(String::as_str)
}

fn update(user: &DirectoryUserId, changes: &[(P, Option<PropertyValue>)]) -> Operation {
    Operation::Update {
        user: user.clone(),
        changes: changes.iter().cloned().collect::<Changes>(),
    }
}

fn enabled(user: &DirectoryUserId, on: bool) -> Operation {
    update(user, &[(P::ACCOUNT_ENABLED, Some(PropertyValue::Bool(on)))])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_update_disable_enable_and_manager() {
    let Some(dc) = dc() else { return };
    let dir = directory(dc);
    let mut ldap = admin(dc).await;
    let boss_local = unique("boss.");
    let boss = create(&dir, new_user(&boss_local, "Bo", "Boss", &unique("9"))).await;

    let local = unique("ann.lee.");
    let id = unique("1");
    let mut new = new_user(&local, "Ann", "Lee", &id);
    new.properties
        .insert(A::DEPARTMENT, PropertyValue::text("Finance"));
    new.properties
        .insert(A::TITLE, PropertyValue::text("Controller"));
    new.properties.insert(
        A::TELEPHONE_NUMBER,
        PropertyValue::List(vec!["+49 30 1234".into()]),
    );
    let ann = create(&dir, new).await;
    let upn = format!("{local}@demo.local");
    let e = raw(&mut ldap, &upn).await;
    assert_eq!(attr(&e, "sAMAccountName"), Some(local.as_str()));
    assert_eq!(attr(&e, "employeeID"), Some(id.as_str()));
    assert_eq!(attr(&e, "department"), Some("Finance"));
    assert_eq!(attr(&e, "title"), Some("Controller"));
    assert_eq!(attr(&e, "telephoneNumber"), Some("+49 30 1234"));
    assert_eq!(attr(&e, "userAccountControl"), Some("512"));
    assert_eq!(
        attr(&e, "pwdLastSet"),
        Some("0"),
        "must change the password at first logon"
    );
    assert!(e.dn.ends_with(STAFF_OU), "{}", e.dn);

    // Only what changed is written; an empty value deletes the attribute.
    one(
        &dir,
        update(
            &ann.id,
            &[
                (A::DEPARTMENT, Some(PropertyValue::text("Treasury"))),
                (A::TITLE, None),
            ],
        ),
    )
    .await
    .unwrap();
    let e = raw(&mut ldap, &upn).await;
    assert_eq!(attr(&e, "department"), Some("Treasury"));
    assert_eq!(attr(&e, "title"), None);
    assert_eq!(attr(&e, "telephoneNumber"), Some("+49 30 1234"));

    // Disabling sets ACCOUNTDISABLE and leaves the bits an admin set (DONT_EXPIRE_PASSWORD).
    ldap.modify(
        &e.dn,
        vec![Mod::Replace("userAccountControl", ["66048"].into())],
    )
    .await
    .unwrap()
    .success()
    .unwrap();
    one(&dir, enabled(&ann.id, false)).await.unwrap();
    assert_eq!(
        attr(&raw(&mut ldap, &upn).await, "userAccountControl"),
        Some("66050")
    );
    assert!(!listed(&dir, &ann.id).await.account_enabled);
    one(&dir, enabled(&ann.id, true)).await.unwrap();
    assert_eq!(
        attr(&raw(&mut ldap, &upn).await, "userAccountControl"),
        Some("66048")
    );
    assert!(listed(&dir, &ann.id).await.account_enabled);
    // Why the flip is a delete of the old value and an add of the new one: a write based on a
    // stale read is refused (noSuchAttribute) instead of overwriting the other bits.
    let stale = ldap
        .modify(
            &e.dn,
            vec![
                Mod::Delete("userAccountControl", ["512"].into()),
                Mod::Add("userAccountControl", ["514"].into()),
            ],
        )
        .await
        .unwrap();
    assert_eq!(stale.rc, 16, "{stale:?}");
    assert_eq!(
        attr(&raw(&mut ldap, &upn).await, "userAccountControl"),
        Some("66048")
    );

    // The manager is the manager's DN.
    let set = |m: Option<DirectoryUserId>| Operation::SetManager {
        user: ann.id.clone(),
        manager: m,
    };
    one(&dir, set(Some(boss.id.clone()))).await.unwrap();
    let boss_dn = raw(&mut ldap, &format!("{boss_local}@demo.local")).await.dn;
    assert_eq!(
        attr(&raw(&mut ldap, &upn).await, "manager"),
        Some(boss_dn.as_str())
    );
    assert_eq!(
        listed(&dir, &ann.id).await.manager_id,
        Some(boss.id.clone())
    );
    one(&dir, set(None)).await.unwrap();
    assert_eq!(attr(&raw(&mut ldap, &upn).await, "manager"), None);

    // AD has no sessions to revoke and never deletes.
    let revoke = one(
        &dir,
        Operation::RevokeSessions {
            user: ann.id.clone(),
        },
    )
    .await;
    assert_eq!(revoke.unwrap_err().kind(), ErrorKind::Unsupported);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leavers_move_to_the_disabled_ou_and_back_on_rehire() {
    let Some(dc) = dc() else { return };
    let dir = builder(dc).disabled_ou(LEAVERS_OU).build().unwrap();
    let mut ldap = admin(dc).await;
    let local = unique("leaver.");
    let user = create(&dir, new_user(&local, "Lea", "Ver", &unique("2"))).await;
    let upn = format!("{local}@demo.local");
    one(&dir, enabled(&user.id, false)).await.unwrap();
    let e = raw(&mut ldap, &upn).await;
    assert!(e.dn.ends_with(LEAVERS_OU), "{}", e.dn);
    assert_eq!(attr(&e, "userAccountControl"), Some("514"));
    // Still read (the leavers OU is under the base DN), still the same account.
    let seen = listed(&dir, &user.id).await;
    assert!(!seen.account_enabled);
    one(&dir, enabled(&user.id, true)).await.unwrap();
    let e = raw(&mut ldap, &upn).await;
    assert!(!e.dn.contains("OU=Leavers"), "{}", e.dn);
    assert_eq!(attr(&e, "userAccountControl"), Some("512"));
    // A write after the moves finds the account by its GUID, wherever it is now.
    let fresh = directory(dc);
    one(
        &fresh,
        update(&user.id, &[(A::CITY, Some(PropertyValue::text("Bonn")))]),
    )
    .await
    .unwrap();
    assert_eq!(attr(&raw(&mut ldap, &upn).await, "l"), Some("Bonn"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_taken_upn_is_a_conflict_unless_it_is_this_employees_account() {
    let Some(dc) = dc() else { return };
    let dir = directory(dc);
    let local = unique("taken.");
    let id = unique("3");
    let first = create(&dir, new_user(&local, "Tom", "Taken", &id)).await;
    // Another employee wants the same UPN: a typed UPN conflict, so the engine falls back (U3).
    let other = one(
        &dir,
        Operation::Create(Box::new(new_user(&local, "Tim", "Taken", &unique("3")))),
    )
    .await;
    let err = other.unwrap_err();
    assert!(err.is_upn_conflict(), "{err}");
    // The same employee again (an earlier attempt's answer was lost): adopted, not doubled (T4).
    match one(
        &dir,
        Operation::Create(Box::new(new_user(&local, "Tom", "Taken", &id))),
    )
    .await
    {
        Ok(Applied::Adopted(u)) => assert_eq!(u.id, first.id),
        other => panic!("{other:?}"),
    }
    // Found by employee id even under another UPN.
    let elsewhere = unique("tom.elsewhere.");
    match one(
        &dir,
        Operation::Create(Box::new(new_user(&elsewhere, "Tom", "Taken", &id))),
    )
    .await
    {
        Ok(Applied::Adopted(u)) => assert_eq!(u.id, first.id),
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sam_account_names_are_cut_to_twenty_and_suffixed_on_a_collision() {
    let Some(dc) = dc() else { return };
    let dir = directory(dc);
    let mut ldap = admin(dc).await;
    let stem = unique("averyveryverylong");
    let (a, b) = (format!("{stem}name.one"), format!("{stem}name.two"));
    let id_b = unique("4");
    create(&dir, new_user(&a, "Avery", "One", &unique("4"))).await;
    create(&dir, new_user(&b, "Avery", "Two", &id_b)).await;
    let sam_a = attr(
        &raw(&mut ldap, &format!("{a}@demo.local")).await,
        "sAMAccountName",
    )
    .unwrap()
    .to_owned();
    let sam_b = attr(
        &raw(&mut ldap, &format!("{b}@demo.local")).await,
        "sAMAccountName",
    )
    .unwrap()
    .to_owned();
    assert_eq!(sam_a.chars().count(), MAX_SAM_ACCOUNT_NAME_LEN, "{sam_a}");
    assert_eq!(
        sam_a,
        a.chars().take(20).collect::<String>().trim_end_matches('.')
    );
    assert!(sam_b.chars().count() <= MAX_SAM_ACCOUNT_NAME_LEN, "{sam_b}");
    assert!(sam_b.ends_with(&format!("_{id_b}")), "{sam_b}");
    assert_ne!(sam_a.to_lowercase(), sam_b.to_lowercase());

    // A group holds the plain name (sAMAccountName is unique across all principals).
    let group = format!("{:x<20}", unique("grp"));
    let group_dn = format!("CN={group},{STAFF_OU}");
    ldap.add(
        &group_dn,
        vec![
            ("objectClass", ["group"].into()),
            ("sAMAccountName", [group.as_str()].into()),
        ],
    )
    .await
    .unwrap()
    .success()
    .unwrap();
    let id = unique("5");
    let local = format!("{group}.member");
    create(&dir, new_user(&local, "Gro", "Up", &id)).await;
    let sam = attr(
        &raw(&mut ldap, &format!("{local}@demo.local")).await,
        "sAMAccountName",
    )
    .unwrap()
    .to_owned();
    let head: String = group
        .chars()
        .take(MAX_SAM_ACCOUNT_NAME_LEN - 1 - id.len())
        .collect();
    assert_eq!(sam, format!("{head}_{id}"));

    // A UPN in the domain's own name implies the sAMAccountName of its local part: a group
    // holding that name holds the UPN, so the create is a UPN conflict (the engine's U3).
    let short = unique("grp");
    ldap.add(
        &format!("CN={short},{STAFF_OU}"),
        vec![
            ("objectClass", ["group"].into()),
            ("sAMAccountName", [short.as_str()].into()),
        ],
    )
    .await
    .unwrap()
    .success()
    .unwrap();
    let err = one(
        &dir,
        Operation::Create(Box::new(new_user(&short, "Gro", "Up", &unique("5")))),
    )
    .await
    .unwrap_err();
    assert!(err.is_upn_conflict(), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_ascii_names_commas_and_a_taken_cn() {
    let Some(dc) = dc() else { return };
    let dir = directory(dc);
    let mut ldap = admin(dc).await;
    let surname = unique("Ørsted-Ünal, Jr");
    let local = unique("zoe.orsted.");
    let user = create(&dir, new_user(&local, "Zoë", &surname, &unique("6"))).await;
    let seen = listed(&dir, &user.id).await;
    let display = format!("Zoë {surname}");
    assert_eq!(
        seen.property(&P::DISPLAY_NAME),
        Some(&PropertyValue::text(display.clone()))
    );
    assert_eq!(
        seen.property(&P::SURNAME),
        Some(&PropertyValue::text(surname.clone()))
    );
    let e = raw(&mut ldap, &format!("{local}@demo.local")).await;
    assert_eq!(attr(&e, "cn"), Some(display.as_str()));

    // The same display name again: the cn takes the U3 suffix, the account is made.
    let id = unique("6");
    let twin = unique("zoe.twin.");
    let mut second = new_user(&twin, "Zoë", &surname, &id);
    second.display_name = display.clone();
    create(&dir, second).await;
    let e = raw(&mut ldap, &format!("{twin}@demo.local")).await;
    assert_eq!(attr(&e, "cn"), Some(format!("{display}_{id}").as_str()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn values_ad_would_refuse_are_refused_before_sending() {
    let Some(dc) = dc() else { return };
    let dir = directory(dc);
    let user = hire(&dir, "limits.", "Li", "Mits", "7").await;
    for (what, op) in [
        (
            "cost center has no AD attribute",
            update(
                &user.id,
                &[(
                    P::owned("costCenter", hris_sync_core::raw::Spec::UNKNOWN),
                    Some(PropertyValue::text("CC1")),
                )],
            ),
        ),
        (
            "two phone numbers",
            update(
                &user.id,
                &[(
                    A::TELEPHONE_NUMBER,
                    Some(PropertyValue::List(vec!["1".into(), "2".into()])),
                )],
            ),
        ),
        (
            "displayName cleared",
            update(&user.id, &[(P::DISPLAY_NAME, None)]),
        ),
    ] {
        let err = one(&dir, op).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{what}: {err}");
    }
    let mut other_suffix = new_user(&unique("x."), "X", "Y", &unique("7"));
    other_suffix.user_principal_name = other_suffix
        .user_principal_name
        .replace("demo.local", "corp.example");
    let err = one(&dir, Operation::Create(Box::new(other_suffix)))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
    assert!(err.message().contains("UPN suffix"), "{err}");
}

/// The `cn` of `upn` as another client reads it.
async fn cn_of(ldap: &mut Ldap, upn: &str) -> String {
    attr(&raw(ldap, upn).await, "cn").unwrap().to_owned()
}

// Windows AD's limits, where Samba is lenient (docs/rules.md §9): a 113-character display
// name makes a cn of at most 64 characters (Samba took the 113, Windows refuses it, so that
// employee's create failed on every run); a rename in HR renames the object (modrdn), with the
// same 64-character rule; a taken name takes the `_<id>` suffix within the 64.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cn_fits_windows_and_follows_a_rename() {
    let Some(dc) = dc() else { return };
    let dir = directory(dc);
    let mut ldap = admin(dc).await;
    let local = unique("long.name.");
    let id = unique("8");
    let mut new = new_user(&local, "Maximiliane", "Hohenstein", &id);
    new.display_name = format!(
        "Maximiliane Alexandra Konstanze Friederike von und zu Hohenstein-Wittgenstein {}",
        unique("Berleburg-Sayn-Wittgenstein-Müller-")
    );
    assert!(new.display_name.chars().count() > 100);
    let user = create(&dir, new).await;
    let upn = format!("{local}@demo.local");
    let cn = cn_of(&mut ldap, &upn).await;
    assert!(cn.chars().count() <= 64, "{cn}");

    let renamed = unique("Maxi Hohenstein ");
    one(
        &dir,
        update(
            &user.id,
            &[(P::DISPLAY_NAME, Some(PropertyValue::text(renamed.clone())))],
        ),
    )
    .await
    .unwrap();
    assert_eq!(
        cn_of(&mut ldap, &upn).await,
        renamed,
        "the object is renamed"
    );
    // The account is still found and written under its new name.
    one(
        &dir,
        update(
            &user.id,
            &[(A::DEPARTMENT, Some(PropertyValue::text("Legal")))],
        ),
    )
    .await
    .unwrap();

    // Another account takes a name already used in the OU: the suffix, within 64.
    let twin_local = unique("twin.");
    let twin_id = unique("8");
    let twin = create(&dir, new_user(&twin_local, "Max", "Twin", &twin_id)).await;
    one(
        &dir,
        update(
            &twin.id,
            &[(P::DISPLAY_NAME, Some(PropertyValue::text(renamed.clone())))],
        ),
    )
    .await
    .unwrap();
    let twin_cn = cn_of(&mut ldap, &format!("{twin_local}@demo.local")).await;
    assert_eq!(twin_cn, format!("{renamed}_{twin_id}"));
}

/// A create for employee `id`, whose id another object carries: a conflict saying `why`,
/// never an adoption.
async fn refused_adoption(dir: &connector_activedirectory::ActiveDirectory, id: &str, why: &str) {
    let new = new_user(&unique("not.adopted."), "Nora", "Adopted", id);
    let err = one(dir, Operation::Create(Box::new(new)))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AlreadyExists, "{err}");
    assert!(err.message().contains(why), "{err}");
}

// Only user objects under base_dn that are neither critical nor protected are adopted
// (docs/rules.md §9): a computer elsewhere in the domain, or an administrator (adminCount = 1),
// carrying the employee's id is a conflict for a human. Before, either was adopted as the
// employee's account.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_computer_or_an_admin_with_the_employee_id_is_never_adopted() {
    use connector_activedirectory::samba::DOMAIN_DN;

    let Some(dc) = dc() else { return };
    let dir = directory(dc);
    let mut ldap = admin(dc).await;

    let pc_id = unique("7");
    let pc = unique("pc");
    let pc_dn = format!("CN={pc},CN=Computers,{DOMAIN_DN}");
    let sam = format!("{pc}$");
    ldap.add(
        &pc_dn,
        vec![
            (
                "objectClass",
                ["top", "person", "organizationalPerson", "user", "computer"].into(),
            ),
            ("sAMAccountName", [sam.as_str()].into()),
            ("employeeID", [pc_id.as_str()].into()),
        ],
    )
    .await
    .unwrap()
    .success()
    .unwrap();
    refused_adoption(&dir, &pc_id, "not a user object").await;

    // An account under Staff that AD protects (adminCount = 1).
    let admin_id = unique("7");
    let admin_local = unique("adm.");
    let made = create(&dir, new_user(&admin_local, "Ada", "Admin", &admin_id)).await;
    let e = raw(&mut ldap, &format!("{admin_local}@demo.local")).await;
    ldap.modify(&e.dn, vec![Mod::Replace("adminCount", ["1"].into())])
        .await
        .unwrap()
        .success()
        .unwrap();
    refused_adoption(&dir, &admin_id, "protected").await;
    // Listed as built-in: never written (S8).
    let seen = listed(&dir, &made.id).await;
    assert_eq!(seen.kind, hris_sync_core::ObjectKind::BuiltIn);
}

// A phase of creates costs about one request per account (issue 23 point 5): one look-up of
// every holder for the chunk, the adds, one read-back. Two of them want the same cn: the
// second add is refused by the DC and starts over alone, taking the suffix.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phase_of_creates_looks_up_and_reads_back_once_per_chunk() {
    let Some(dc) = dc() else { return };
    let stats = hris_sync_core::RequestStats::new();
    let dir = builder(dc).request_stats(stats.clone()).build().unwrap();
    let mut ldap = admin(dc).await;
    let shared_name = unique("Chunk Twin ");
    let mut news = Vec::new();
    for i in 0..6 {
        let mut n = new_user(
            &unique("chunk."),
            "Chunk",
            &format!("Member{i}"),
            &unique("5"),
        );
        if i >= 4 {
            n.display_name = shared_name.clone();
        }
        news.push(n);
    }
    let upns: Vec<String> = news.iter().map(|n| n.user_principal_name.clone()).collect();
    let ids: Vec<String> = news.iter().map(|n| n.employee_id.clone()).collect();
    let ops: Vec<Operation> = news
        .into_iter()
        .map(|n| Operation::Create(Box::new(n)))
        .collect();
    // The domain's names are read once per process; not part of the creates' cost.
    hris_sync_core::Directory::verified_domains(&dir)
        .await
        .unwrap();
    let before = stats.counts().requests;
    let out = hris_sync_core::Directory::apply(&dir, &ops).await;
    let requests = stats.counts().requests - before;
    assert!(
        out.iter().all(|o| matches!(o, Ok(Applied::Created(_)))),
        "{out:?}"
    );
    // 1 look-up + 6 adds + 1 read-back, and the twin's refused add, look-up and read-back.
    assert!(requests <= 12, "{requests} requests for 6 creates");
    let cns = [
        cn_of(&mut ldap, &upns[4]).await,
        cn_of(&mut ldap, &upns[5]).await,
    ];
    assert!(cns.contains(&shared_name), "{cns:?}");
    assert!(
        cns.iter().any(|c| *c == format!("{shared_name}_{}", ids[4])
            || *c == format!("{shared_name}_{}", ids[5])),
        "{cns:?}"
    );
}
