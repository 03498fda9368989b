//! Graph users ↔ core types, and core operations → `$batch` sub-requests.

use std::collections::{BTreeMap, BTreeSet};

use hris_sync_core::raw::{
    AccessPass, AccessPassRequest, DirectoryProperty, NewUser, Operation, PropertyKind,
    PropertyValue,
};
use hris_sync_core::secrecy::ExposeSecret;
use hris_sync_core::{DirectoryUser, DirectoryUserId, ObjectKind};
use serde_json::{Map, Value, json};

use crate::model::{AccessPassWire, BatchItem, UserWire};

/// The `@odata.type` of agent identities listed among users.
pub(crate) const AGENT_TYPE: &str = "#microsoft.graph.agentUser";

use crate::properties::location;

/// The `$select` list: what the sync always needs plus the managed properties.
pub(crate) fn select(managed: &BTreeSet<DirectoryProperty>) -> String {
    let mut names: BTreeSet<String> = [
        "id",
        "userPrincipalName",
        "employeeId",
        "accountEnabled",
        "mail",
        "onPremisesSyncEnabled",
        "displayName",
        "givenName",
        "surname",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    names.extend(managed.iter().map(|p| location(p).0.to_owned()));
    names.into_iter().collect::<Vec<_>>().join(",")
}

fn value_of(p: &DirectoryProperty, raw: &Value) -> Option<PropertyValue> {
    match (p.kind(), raw) {
        (_, Value::Null) => None,
        (PropertyKind::Bool, Value::Bool(b)) => Some(PropertyValue::Bool(*b)),
        (PropertyKind::TextList { .. }, Value::Array(items)) => {
            let list: Vec<String> = items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect();
            (!list.is_empty()).then_some(PropertyValue::List(list))
        }
        (PropertyKind::DateTime, Value::String(s)) => Some(PropertyValue::Text(
            hris_sync_core::time::parse_instant(s)
                .map_or_else(|| s.clone(), |t| hris_sync_core::time::rfc3339(&t)),
        )),
        (_, Value::String(s)) if !s.is_empty() => Some(PropertyValue::Text(s.clone())),
        _ => None,
    }
}

/// The account a `POST /users` made. Graph answers a create with its default property set
/// only (no `employeeId`, `accountEnabled` or most HR fields), so what the answer lacks is
/// taken from what was sent: that is what the directory now holds.
pub(crate) fn created_user(
    new: &NewUser,
    wire: UserWire,
    managed: &BTreeSet<DirectoryProperty>,
) -> DirectoryUser {
    let mut u = user(wire, managed);
    if u.user_principal_name.is_empty() {
        u.user_principal_name.clone_from(&new.user_principal_name);
    }
    u.employee_id = Some(new.employee_id.clone());
    u.account_enabled = new.account_enabled;
    for (p, v) in [
        (DirectoryProperty::DISPLAY_NAME, Some(&new.display_name)),
        (DirectoryProperty::GIVEN_NAME, new.given_name.as_ref()),
        (DirectoryProperty::SURNAME, new.surname.as_ref()),
    ] {
        if let Some(v) = v.filter(|v| !v.is_empty()) {
            u.properties.insert(p, PropertyValue::text(v.clone()));
        }
    }
    for (p, v) in &new.properties {
        u.properties.insert(p.clone(), v.clone());
    }
    u
}

/// A listed user as a core [`DirectoryUser`], reading `managed` properties (and the names).
pub(crate) fn user(wire: UserWire, managed: &BTreeSet<DirectoryProperty>) -> DirectoryUser {
    let mut u = DirectoryUser::new(wire.id, wire.user_principal_name.unwrap_or_default());
    u.employee_id = wire.employee_id;
    u.account_enabled = wire.account_enabled.unwrap_or(false);
    u.mail = wire.mail;
    u.on_premises_sync_enabled = wire.on_premises_sync_enabled.unwrap_or(false);
    // T11: `false` is "synchronised once, cloud-managed now", unlike `null`.
    u.previously_synced = wire.on_premises_sync_enabled == Some(false);
    if wire.odata_type.as_deref() == Some(AGENT_TYPE) {
        u.kind = ObjectKind::Agent;
    }
    u.manager_id = wire.manager.map(|m| DirectoryUserId::new(m.id));
    let names = [
        DirectoryProperty::DISPLAY_NAME,
        DirectoryProperty::GIVEN_NAME,
        DirectoryProperty::SURNAME,
    ];
    // T5: every field of a complex property with a managed field is read, so a write can
    // carry the unmanaged ones as they are.
    let read: BTreeSet<DirectoryProperty> = managed
        .iter()
        .flat_map(|p| std::iter::once(p.clone()).chain(crate::properties::vocabulary().siblings(p)))
        .collect();
    for p in names.into_iter().chain(read) {
        let (top, field) = location(&p);
        let raw = match field {
            None => wire.rest.get(top),
            Some(f) => wire.rest.get(top).and_then(|o| o.get(f)),
        };
        if let Some(v) = raw.and_then(|raw| value_of(&p, raw)) {
            u.properties.insert(p, v);
        }
    }
    u
}

fn json_value(v: Option<&PropertyValue>) -> Value {
    match v {
        None => Value::Null,
        Some(PropertyValue::Bool(b)) => Value::Bool(*b),
        Some(PropertyValue::Text(s)) => Value::String(s.clone()),
        Some(PropertyValue::List(l)) => json!(l),
    }
}

/// Property values as a Graph JSON object, nesting `employeeOrgData` and
/// `onPremisesExtensionAttributes`. A list property cleared is sent as `[]`.
fn properties_body<'a>(
    props: impl Iterator<Item = (&'a DirectoryProperty, Option<&'a PropertyValue>)>,
) -> Map<String, Value> {
    let mut body = Map::new();
    for (p, v) in props {
        let value = match (p.kind(), v) {
            (PropertyKind::TextList { .. }, None) => json!([]),
            _ => json_value(v),
        };
        match location(p) {
            (top, None) => {
                body.insert(top.to_owned(), value);
            }
            (top, Some(field)) => {
                if let Value::Object(inner) = body
                    .entry(top.to_owned())
                    .or_insert_with(|| Value::Object(Map::new()))
                {
                    inner.insert(field.to_owned(), value);
                }
            }
        }
    }
    body
}

/// The `POST /users` body: the required fields and everything mapped, in one request.
pub(crate) fn create_body(new: &NewUser) -> Value {
    let mut body = properties_body(new.properties.iter().map(|(p, v)| (p, Some(v))));
    body.insert("accountEnabled".into(), json!(new.account_enabled));
    body.insert("displayName".into(), json!(new.display_name));
    body.insert("mailNickname".into(), json!(new.mail_nickname));
    body.insert("userPrincipalName".into(), json!(new.user_principal_name));
    body.insert("employeeId".into(), json!(new.employee_id));
    if let Some(g) = &new.given_name {
        body.insert("givenName".into(), json!(g));
    }
    if let Some(s) = &new.surname {
        body.insert("surname".into(), json!(s));
    }
    body.insert(
        "passwordProfile".into(),
        json!({ "forceChangePasswordNextSignIn": true, "password": new.password.expose_secret() }),
    );
    Value::Object(body)
}

/// One operation as a `$batch` sub-request with the given id.
pub(crate) fn batch_item(id: String, op: &Operation, graph_base: &str) -> BatchItem {
    let json_headers =
        || BTreeMap::from([("Content-Type".to_owned(), "application/json".to_owned())]);
    let (method, url, body) = match op {
        Operation::Create(new) => ("POST", "/users".to_owned(), Some(create_body(new))),
        Operation::Update { user, changes } => (
            "PATCH",
            format!("/users/{user}"),
            Some(Value::Object(properties_body(
                changes.iter().map(|(p, v)| (p, v.as_ref())),
            ))),
        ),
        Operation::SetManager {
            user,
            manager: Some(m),
        } => (
            "PUT",
            format!("/users/{user}/manager/$ref"),
            Some(json!({ "@odata.id": format!("{graph_base}/v1.0/users/{m}") })),
        ),
        Operation::SetManager {
            user,
            manager: None,
        } => ("DELETE", format!("/users/{user}/manager/$ref"), None),
        Operation::RevokeSessions { user } => (
            "POST",
            format!("/users/{user}/revokeSignInSessions"),
            // T2: an action without parameters still carries a body in `$batch`.
            Some(json!({})),
        ),
        Operation::CreateAccessPass { user, request } => (
            "POST",
            format!("/users/{user}/authentication/temporaryAccessPassMethods"),
            Some(access_pass_body(request)),
        ),
        // G4: members are directory objects, referenced by URL.
        Operation::AddMember { group, user } => (
            "POST",
            format!("/groups/{group}/members/$ref"),
            Some(json!({ "@odata.id": format!("{graph_base}/v1.0/directoryObjects/{user}") })),
        ),
        Operation::RemoveMember { group, user } => (
            "DELETE",
            format!("/groups/{group}/members/{user}/$ref"),
            None,
        ),
    };
    // T2: Graph refuses a whole `$batch` whose write sub-request lacks `Content-Type` or a
    // body; a DELETE carries neither.
    BatchItem {
        id,
        method: method.to_owned(),
        url,
        headers: if body.is_some() {
            json_headers()
        } else {
            BTreeMap::new()
        },
        body,
    }
}

/// The body of `POST /users/{id}/authentication/temporaryAccessPassMethods`: only the
/// documented optional properties, each only when set.
fn access_pass_body(request: &AccessPassRequest) -> Value {
    let mut body = Map::new();
    body.insert("isUsableOnce".to_owned(), json!(request.usable_once));
    if let Some(m) = request.lifetime_minutes {
        body.insert("lifetimeInMinutes".to_owned(), json!(m));
    }
    if let Some(start) = request.start {
        body.insert(
            "startDateTime".to_owned(),
            json!(hris_sync_core::time::rfc3339(&start)),
        );
    }
    Value::Object(body)
}

/// A created pass as Graph answers it (`temporaryAccessPassAuthenticationMethod`).
pub(crate) fn access_pass(wire: AccessPassWire) -> AccessPass {
    AccessPass {
        pass: secrecy::SecretString::from(wire.temporary_access_pass),
        start: wire
            .start_date_time
            .as_deref()
            .and_then(hris_sync_core::time::parse_instant),
        lifetime_minutes: wire.lifetime_in_minutes,
    }
}

/// Escape a string for an OData literal: `'` becomes `''`.
#[must_use]
pub(crate) fn odata_string(s: &str) -> String {
    s.replace('\'', "''")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odata_strings_are_escaped() {
        assert_eq!(odata_string("o'brien@demo.com"), "o''brien@demo.com");
        assert_eq!(odata_string("a''b"), "a''''b");
    }

    #[test]
    fn employee_org_data_is_nested_and_lists_clear_with_empty() {
        let division = PropertyValue::text("R&D");
        let body = properties_body(
            [
                (&crate::properties::DIVISION, Some(&division)),
                (&crate::properties::COST_CENTER, None),
                (&crate::properties::BUSINESS_PHONES, None),
                (&crate::properties::extension_attribute(3), Some(&division)),
            ]
            .into_iter(),
        );
        assert_eq!(
            Value::Object(body),
            json!({
                "employeeOrgData": {"division": "R&D", "costCenter": null},
                "businessPhones": [],
                "onPremisesExtensionAttributes": {"extensionAttribute3": "R&D"}
            })
        );
    }

    #[test]
    fn select_names_top_level_properties() {
        let managed: BTreeSet<DirectoryProperty> =
            [crate::properties::COST_CENTER, crate::properties::JOB_TITLE]
                .into_iter()
                .collect();
        let s = select(&managed);
        assert!(s.contains("employeeOrgData"));
        assert!(s.contains("jobTitle"));
        assert!(s.contains("onPremisesSyncEnabled"));
    }
}
