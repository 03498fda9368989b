//! The store's rules, each as the reference states it (`shared/reference/graph-entra.md`).

use std::collections::BTreeMap;

use hris_sync_core::raw::{NewUser, Password, PropertyValue};
use hris_sync_core::{DirectoryUser, DirectoryUserId};
use serde_json::Value;

use super::{Changes, Store};
use crate::graph::schema;

fn store() -> Store {
    Store::new(vec!["contoso.com".to_owned()])
}

fn new_user(upn: &str) -> NewUser {
    NewUser {
        user_principal_name: upn.to_owned(),
        mail_nickname: upn.split('@').next().unwrap_or_default().to_owned(),
        display_name: "Zoë Müller".to_owned(),
        given_name: Some("Zoë".to_owned()),
        surname: Some("Müller".to_owned()),
        employee_id: "100234".to_owned(),
        account_enabled: true,
        password: Password::new("Vq7#kP2m!xR9wT4z"),
        properties: BTreeMap::new(),
    }
}

fn code(refusal: &(u16, Value)) -> (u16, &str) {
    (
        refusal.0,
        refusal.1["error"]["code"].as_str().unwrap_or_default(),
    )
}

fn text(name: &str, value: &str) -> Changes {
    let p = schema::top_level(name).unwrap();
    Changes::from([(p, Some(PropertyValue::text(value)))])
}

// §2: a taken UPN, in any case, is Request_BadRequest with the ObjectConflict detail.
#[test]
fn a_taken_upn_in_any_case_is_an_object_conflict() {
    let s = store();
    s.create(&new_user("zoe.mueller@contoso.com")).unwrap();
    let e = s.create(&new_user("Zoe.Mueller@Contoso.com")).unwrap_err();
    assert_eq!(code(&e), (400, "Request_BadRequest"));
    assert_eq!(e.1["error"]["details"][0]["code"], "ObjectConflict");
    assert_eq!(e.1["error"]["details"][0]["target"], "userPrincipalName");
}

// §2: the documented characters, no period before the `@`, a verified domain, the lengths.
#[test]
fn upns_follow_the_documented_rules() {
    let s = store();
    for bad in [
        "zoë@contoso.com",
        "zoe.@contoso.com",
        "zoe mueller@contoso.com",
        "zoe@fabrikam.com",
        "no-at-sign",
        &format!("{}@contoso.com", "a".repeat(65)),
    ] {
        let e = s.create(&new_user(bad)).unwrap_err();
        assert_eq!(code(&e), (400, "Request_BadRequest"), "{bad}");
    }
    // What the rule allows, though a UPN schema would not make it.
    s.create(&new_user("o'brien_#1!~^@contoso.com")).unwrap();
}

// §2: 8–256 ASCII characters from three of the four classes.
#[test]
fn the_password_policy_is_entras() {
    let s = store();
    for (n, weak) in ["short1A", "alllowercase1", "Ünïcödé-Passw0rd"]
        .iter()
        .enumerate()
    {
        let mut u = new_user(&format!("u{n}@contoso.com"));
        u.password = Password::new(*weak);
        assert_eq!(code(&s.create(&u).unwrap_err()).0, 400, "{weak}");
    }
}

// §5: `""` is refused (send null); a value over the documented length is refused; displayName
// cannot be cleared; employeeId is at most 16 characters.
#[test]
fn values_are_judged_by_the_documented_limits() {
    let s = store();
    let id = s.create(&new_user("zoe@contoso.com")).unwrap().id;
    for changes in [
        text("department", ""),
        text("department", &"x".repeat(65)),
        text("employeeId", &"1".repeat(17)),
        Changes::from([(schema::top_level("displayName").unwrap(), None)]),
    ] {
        assert_eq!(code(&s.update(&id, &changes).unwrap_err()).0, 400);
    }
    s.update(&id, &text("department", &"x".repeat(64))).unwrap();
    s.update(
        &id,
        &Changes::from([(schema::top_level("department").unwrap(), None)]),
    )
    .unwrap();
}

// T11 and hybrid users: a previously synchronised user takes no extension attribute; an
// on-premises-synchronised one takes no write at all.
#[test]
fn synchronised_users_refuse_what_graph_refuses() {
    let s = store();
    let mut was_synced =
        DirectoryUser::new("00000000-0000-4000-8000-0000000000a1", "a@contoso.com");
    was_synced.previously_synced = true;
    let mut synced = DirectoryUser::new("00000000-0000-4000-8000-0000000000a2", "b@contoso.com");
    synced.on_premises_sync_enabled = true;
    s.seed(was_synced.clone()).unwrap();
    s.seed(synced.clone()).unwrap();
    let ext = schema::field(schema::EXTENSIONS, "extensionAttribute1").unwrap();
    let set_ext = Changes::from([(ext, Some(PropertyValue::text("x")))]);
    assert_eq!(
        code(&s.update(&was_synced.id, &set_ext).unwrap_err()).0,
        400
    );
    s.update(&was_synced.id, &text("department", "Sales"))
        .unwrap();
    assert_eq!(
        code(
            &s.update(&synced.id, &text("department", "Sales"))
                .unwrap_err()
        )
        .0,
        400
    );
}

// §6: a manager must exist and is not the user; the change feed lists each change once, and
// a deleted user as removed.
#[test]
fn managers_and_the_change_feed() {
    let s = store();
    let a = s.create(&new_user("a@contoso.com")).unwrap().id;
    let b = s.create(&new_user("b@contoso.com")).unwrap().id;
    let start = s.position();
    let ghost = DirectoryUserId::new("00000000-0000-4000-8000-00000000dead");
    assert_eq!(code(&s.set_manager(&a, Some(&ghost)).unwrap_err()).0, 404);
    assert_eq!(code(&s.set_manager(&a, Some(&a)).unwrap_err()).0, 400);
    s.set_manager(&a, Some(&b)).unwrap();
    s.delete(&b).unwrap();
    let feed = s.changes_since(&start).unwrap();
    let changed: Vec<&DirectoryUserId> = feed.changed.iter().map(|u| &u.id).collect();
    assert_eq!(changed, [&a]);
    assert_eq!(feed.removed, [b]);
    assert!(
        s.changes_since("mem:999999").is_none(),
        "a position never given out"
    );
}
