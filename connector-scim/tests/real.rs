//! Behaviour against the real server: what it stores after each write, looked at with the
//! test's own requests.

use std::collections::BTreeSet;

use connector_scim::scim2_server::Scim2Server;
use connector_scim::vocabulary::{COUNTRY, DEPARTMENT, LOCALITY, MOBILE_PHONE, TITLE, WORK_PHONE};
use hris_sync_core::raw::{Applied, DirectoryProperty as P, Operation, PropertyValue};
use hris_sync_core::retry::RetryPolicy;
use hris_sync_core::testkit::directory::update;
use hris_sync_core::{Directory, DirectoryUserId, ErrorKind};
use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{create, fresh, new_user, on_tenant, one, raw, server, tenant};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn text(v: &str) -> Option<PropertyValue> {
    Some(PropertyValue::text(v))
}

/// Set `p` of `user` to the text `value`; the test fails unless the write is applied.
async fn set(dir: &dyn Directory, user: &DirectoryUserId, p: P, value: &str) {
    one(dir, update(user, &[(p, text(value))])).await.unwrap();
}

async fn stored(server: &Scim2Server, tenant: &str, id: &str) -> Value {
    let (status, body) = raw(server, tenant, Method::GET, &format!("/Users/{id}"), None).await;
    assert_eq!(status, 200, "{body}");
    body
}

fn entry<'a>(user: &'a Value, attr: &str, kind: &str) -> Option<&'a Value> {
    user[attr].as_array()?.iter().find(|e| e["type"] == kind)
}

// A create carries the names, the HR id twice (externalId, employeeNumber), the work email as
// primary and the mapped attributes; updates replace, add and remove exactly what changed; a
// leaver is deactivated and still there.
#[tokio::test]
async fn create_update_and_deactivate_write_what_the_rfc_says() {
    let Some((server, t, dir)) = fresh("write") else {
        return;
    };
    let mut new = new_user("anna.schmidt", "Anna", "Schmidt", "1001");
    for (p, v) in [
        (DEPARTMENT, "Finance"),
        (TITLE, "Analyst"),
        (MOBILE_PHONE, "+49 170 1234567"),
        (LOCALITY, "Berlin"),
        (COUNTRY, "DE"),
    ] {
        new.properties.insert(p, PropertyValue::text(v));
    }
    let anna = create(&dir, new).await;
    let body = stored(server, &t, anna.id.as_str()).await;
    assert_eq!(body["userName"], "anna.schmidt@example.com");
    assert_eq!(body["externalId"], "1001");
    assert_eq!(body[ENTERPRISE]["employeeNumber"], "1001");
    assert_eq!(body[ENTERPRISE]["department"], "Finance");
    assert_eq!(body["name"]["givenName"], "Anna");
    assert_eq!(body["name"]["formatted"], "Anna Schmidt");
    assert_eq!(body["active"], true);
    assert_eq!(entry(&body, "emails", "work").unwrap()["primary"], true);
    assert_eq!(
        entry(&body, "emails", "work").unwrap()["value"],
        "anna.schmidt@example.com"
    );
    assert_eq!(entry(&body, "addresses", "work").unwrap()["country"], "DE");
    assert!(body.get("password").is_none());

    // Read first, as a cycle does: the write knows which entries exist.
    dir.list_users().await.unwrap();
    let changes = vec![
        (TITLE, text("Senior Analyst")),
        (DEPARTMENT, None),
        (WORK_PHONE, text("+49 30 123")),
        (MOBILE_PHONE, None),
        (LOCALITY, text("Hamburg")),
        (P::SURNAME, text("Schmidt-Berg")),
        (P::DISPLAY_NAME, text("Anna Schmidt-Berg")),
    ];
    assert_eq!(
        one(&dir, update(&anna.id, &changes)).await.unwrap(),
        Applied::Done
    );
    let body = stored(server, &t, anna.id.as_str()).await;
    assert_eq!(body["title"], "Senior Analyst");
    assert!(body[ENTERPRISE].get("department").is_none(), "{body}");
    assert_eq!(
        entry(&body, "phoneNumbers", "work").unwrap()["value"],
        "+49 30 123"
    );
    assert!(entry(&body, "phoneNumbers", "mobile").is_none(), "{body}");
    let address = entry(&body, "addresses", "work").unwrap();
    assert_eq!(
        (address["locality"].as_str(), address["country"].as_str()),
        (Some("Hamburg"), Some("DE"))
    );
    assert_eq!(body["name"]["familyName"], "Schmidt-Berg");
    assert_eq!(body["name"]["formatted"], "Anna Schmidt-Berg");

    // Without a read first (another process's first write): the entry is looked up.
    let fresh = on_tenant(server, &t);
    set(&fresh, &anna.id, MOBILE_PHONE, "+49 171 7654321").await;
    set(&fresh, &anna.id, MOBILE_PHONE, "+49 171 0000000").await;
    let body = stored(server, &t, anna.id.as_str()).await;
    let phones = body["phoneNumbers"].as_array().unwrap();
    assert_eq!(phones.len(), 2, "one work and one mobile phone: {body}");
    assert_eq!(
        entry(&body, "phoneNumbers", "mobile").unwrap()["value"],
        "+49 171 0000000"
    );

    let disable = vec![(P::ACCOUNT_ENABLED, Some(PropertyValue::Bool(false)))];
    one(&dir, update(&anna.id, &disable)).await.unwrap();
    let listed = dir.list_users().await.unwrap().users;
    assert_eq!(listed.len(), 1, "deactivated, never deleted");
    assert!(!listed[0].account_enabled);
    assert_eq!(stored(server, &t, anna.id.as_str()).await["active"], false);
}

// U3/T4: a taken userName is a typed UPN conflict; this employee's own account (found by a
// filter whose value needs escaping, matched ignoring case) is adopted, not duplicated.
#[tokio::test]
async fn a_taken_user_name_is_a_conflict_and_our_own_is_adopted() {
    let Some((server, t, dir)) = fresh("taken") else {
        return;
    };
    let local = "o\"brien\\x+1";
    let first = create(&dir, new_user(local, "Sean", "O'Brien", "2001")).await;
    let mut other = new_user(local, "Sean", "Other", "2002");
    other.user_principal_name = other
        .user_principal_name
        .to_uppercase()
        .replace("EXAMPLE.COM", "example.com");
    let err = one(&dir, Operation::Create(Box::new(other)))
        .await
        .unwrap_err();
    assert!(err.is_upn_conflict(), "{err}");
    assert!(
        err.message().contains(first.id.as_str()),
        "names the holder: {err}"
    );
    match one(
        &dir,
        Operation::Create(Box::new(new_user(local, "Sean", "O'Brien", "2001"))),
    )
    .await
    {
        Ok(Applied::Adopted(u)) => assert_eq!(u.id, first.id),
        other => panic!("expected the account to be adopted: {other:?}"),
    }
    let (_, listing) = raw(server, &t, Method::GET, "/Users", None).await;
    assert_eq!(listing["totalResults"], 1);
}

// Linking writes the HR id to externalId and employeeNumber; a manager is the RFC's complex
// value and can be removed; revoking sessions is unsupported, not faked.
#[tokio::test]
async fn link_manager_and_what_scim_cannot_do() {
    let Some((server, t, dir)) = fresh("link") else {
        return;
    };
    let (status, made) = raw(
        server,
        &t,
        Method::POST,
        "/Users",
        Some(
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                    "userName": "lena.vogt@example.com", "active": true}),
        ),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    let lena = DirectoryUserId::new(made["id"].as_str().unwrap());
    let boss = create(&dir, new_user("boss", "Big", "Boss", "3001")).await;
    set(&dir, &lena, P::EMPLOYEE_ID, "3002").await;
    let op = Operation::SetManager {
        user: lena.clone(),
        manager: Some(boss.id.clone()),
    };
    one(&dir, op).await.unwrap();
    let body = stored(server, &t, lena.as_str()).await;
    assert_eq!(body["externalId"], "3002");
    assert_eq!(body[ENTERPRISE]["employeeNumber"], "3002");
    assert_eq!(body[ENTERPRISE]["manager"]["value"], boss.id.as_str());
    let users = dir.list_users().await.unwrap().users;
    let read = users.iter().find(|u| u.id == lena).unwrap();
    assert_eq!(read.employee_id.as_deref(), Some("3002"));
    assert_eq!(read.manager_id.as_ref(), Some(&boss.id));
    one(
        &dir,
        Operation::SetManager {
            user: lena.clone(),
            manager: None,
        },
    )
    .await
    .unwrap();
    assert!(
        stored(server, &t, lena.as_str()).await[ENTERPRISE]
            .get("manager")
            .is_none()
    );
    let err = one(&dir, Operation::RevokeSessions { user: lena })
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
}

// A provider that answers two users a page (`filter.maxResults`) and has no ETags: every user
// is read, page after page, and writes carry no If-Match.
#[tokio::test]
async fn short_pages_are_read_to_the_total() {
    if server().is_none() {
        return;
    }
    let config = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "patch": {"supported": true},
        "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": true, "maxResults": 2},
        "changePassword": {"supported": false},
        "sort": {"supported": false},
        "etag": {"supported": false},
        "authenticationSchemes": []
    });
    let small = Scim2Server::start(Some(&config)).unwrap();
    let dir = small
        .builder("paged")
        .retry(RetryPolicy::default().scaled(100))
        .build()
        .unwrap();
    for i in 0..7 {
        create(
            &dir,
            new_user(
                &format!("p{i}"),
                "Page",
                &format!("User{i}"),
                &format!("40{i}"),
            ),
        )
        .await;
    }
    let users = dir.list_users().await.unwrap().users;
    assert_eq!(users.len(), 7);
    // With no ETags the server refuses any If-Match (412): this write succeeds without one.
    let change = vec![(TITLE, text("Paged"))];
    one(&dir, update(&users[3].id, &change)).await.unwrap();
}

// A write whose ETag went stale (someone changed the user since it was read) is refused
// with 412, read again and written again; both changes stay.
#[tokio::test]
async fn a_stale_etag_is_read_again_and_nothing_is_lost() {
    let Some((server, t, dir)) = fresh("etag") else {
        return;
    };
    let mut new = new_user("eva", "Eva", "Etag", "5001");
    new.properties
        .insert(WORK_PHONE, PropertyValue::text("+49 30 1"));
    let eva = create(&dir, new).await;
    dir.list_users().await.unwrap();
    let path = format!("/Users/{}", eva.id.as_str());
    let patch = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "nickName", "value": "Evi"}]});
    let (status, _) = raw(server, &t, Method::PATCH, &path, Some(patch)).await;
    assert_eq!(status, 204);
    set(&dir, &eva.id, MOBILE_PHONE, "+49 170 2").await;
    let body = stored(server, &t, eva.id.as_str()).await;
    assert_eq!(body["nickName"], "Evi");
    assert_eq!(
        entry(&body, "phoneNumbers", "mobile").unwrap()["value"],
        "+49 170 2"
    );
    assert_eq!(
        entry(&body, "phoneNumbers", "work").unwrap()["value"],
        "+49 30 1"
    );
}

// `[scim] attributes` declares what the standard vocabulary lacks: here the core
// `name.middleName`, written in the create's `name` next to the names and then by PATCH.
#[tokio::test]
async fn a_custom_attribute_is_created_and_updated() {
    let Some(server) = server() else { return };
    let t = tenant("custom");
    let middle = connector_scim::vocabulary::custom("name.middleName").unwrap();
    let dir = server
        .builder(&t)
        .attributes(["name.middleName"])
        .retry(RetryPolicy::default().scaled(100))
        .build()
        .unwrap();
    let mut new = new_user("carl.m.berg", "Carl", "Berg", "6001");
    new.properties
        .insert(middle.clone(), PropertyValue::text("Magnus"));
    let carl = create(&dir, new).await;
    let body = stored(server, &t, carl.id.as_str()).await;
    assert_eq!(body["name"]["middleName"], "Magnus");
    assert_eq!(body["name"]["givenName"], "Carl");
    let read = &dir.list_users().await.unwrap().users[0];
    assert_eq!(read.property(&middle), Some(&PropertyValue::text("Magnus")));
    set(&dir, &carl.id, middle, "Maximilian").await;
    let body = stored(server, &t, carl.id.as_str()).await;
    assert_eq!(body["name"]["middleName"], "Maximilian");
    assert_eq!(body["name"]["familyName"], "Berg");
}

// `explain`'s targeted read: the accounts carrying the employee id or holding an address,
// by filter, not by listing everyone.
#[tokio::test]
async fn find_users_reads_by_external_id_and_user_name() {
    let Some((_server, _t, dir)) = fresh("find") else {
        return;
    };
    let a = create(&dir, new_user("ann.lee", "Ann", "Lee", "7001")).await;
    let b = create(&dir, new_user("bo.kim", "Bo", "Kim", "7002")).await;
    create(&dir, new_user("cy.ng", "Cy", "Ng", "7003")).await;
    let found = dir
        .find_users(
            "7001",
            &[
                "BO.KIM@example.com".to_owned(),
                "nobody@example.com".to_owned(),
            ],
        )
        .await
        .unwrap();
    let ids: BTreeSet<&str> = found.iter().map(|u| u.id.as_str()).collect();
    assert_eq!(ids, BTreeSet::from([a.id.as_str(), b.id.as_str()]));
}
