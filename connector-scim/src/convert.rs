//! SCIM User resources to directory users and back: what a read yields, the body of a create,
//! and the PATCH operations of an update.

use std::collections::BTreeMap;

use hris_sync_core::raw::{Changes, DirectoryProperty as P, NewUser, PropertyValue, ReadSet};
use hris_sync_core::{DirectoryUser, DirectoryUserId};
use serde_json::{Map, Value, json};

use crate::json;
use crate::vocabulary::{CORE_USER, ENTERPRISE, Place, place};

/// RFC 7644 §3.5.2: the PATCH message schema.
pub(crate) const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// The multi-valued attributes whose typed entries the sync writes.
const MULTI: [&str; 3] = ["emails", "phoneNumbers", "addresses"];

/// What the connector keeps of a user it read, for its next write: the ETag and the
/// multi-valued attributes (so a write knows whether an entry exists, or writes the
/// attribute whole).
#[derive(Clone, Debug, Default)]
pub(crate) struct Seen {
    /// `meta.version` (or the `ETag` header of the last write).
    pub(crate) etag: Option<String>,
    /// `emails`, `phoneNumbers` and `addresses` as read.
    pub(crate) multi: Map<String, Value>,
}

impl Seen {
    /// The entry of `attr` with this `type`.
    fn entry(&self, attr: &str, kind: &str) -> Option<&Value> {
        self.multi
            .get(attr)
            .and_then(Value::as_array)
            .and_then(|a| {
                a.iter()
                    .find(|e| json::text(e, "type").is_some_and(|t| t.eq_ignore_ascii_case(kind)))
            })
    }
}

/// A read resource as a directory user, with what to keep of it; `None` (said in the log)
/// for a resource without `id` or `userName`.
pub(crate) fn user(resource: &Value, read_set: &ReadSet) -> Option<(DirectoryUser, Seen)> {
    let (Some(id), Some(user_name)) =
        (json::text(resource, "id"), json::text(resource, "userName"))
    else {
        tracing::warn!("a SCIM User resource without id or userName is left out");
        return None;
    };
    let mut user = DirectoryUser::new(id, user_name);
    user.employee_id = json::text(resource, "externalId").map(str::to_owned);
    // RFC 7643 leaves `active` optional; a provider without it has no disabled accounts.
    user.account_enabled = json::boolean(resource, "active").unwrap_or(true);
    user.mail = primary_email(resource).map(str::to_owned);
    let enterprise = json::get(resource, ENTERPRISE);
    if read_set.managers {
        // RFC 7643 §4.3: `manager.value`; Entra-style servers hold a plain string.
        user.manager_id = enterprise
            .and_then(|e| json::get(e, "manager"))
            .and_then(|m| m.as_str().or_else(|| json::text(m, "value")))
            .filter(|s| !s.trim().is_empty())
            .map(DirectoryUserId::new);
    }
    let name = json::get(resource, "name");
    let names = [
        (P::DISPLAY_NAME, json::text(resource, "displayName")),
        (P::GIVEN_NAME, name.and_then(|n| json::text(n, "givenName"))),
        (P::SURNAME, name.and_then(|n| json::text(n, "familyName"))),
    ];
    for (p, v) in names {
        if let Some(v) = v {
            user.properties.insert(p, PropertyValue::text(v));
        }
    }
    let wanted: Vec<P> = if read_set.all_properties {
        crate::vocabulary::mappable()
    } else {
        read_set.properties.iter().cloned().collect()
    };
    for p in wanted {
        let value = place(&p).and_then(|at| read(resource, enterprise, at));
        if let Some(v) = value {
            user.properties.insert(p, PropertyValue::text(v));
        }
    }
    let mut multi = Map::new();
    for attr in MULTI {
        if let Some(v) = json::get(resource, attr) {
            multi.insert(attr.to_owned(), v.clone());
        }
    }
    let etag = json::get(resource, "meta")
        .and_then(|m| json::text(m, "version"))
        .map(str::to_owned);
    Some((user, Seen { etag, multi }))
}

/// The primary email, else the work one, else the first.
fn primary_email(resource: &Value) -> Option<&str> {
    let emails = json::entries(resource, "emails");
    emails
        .iter()
        .find(|e| json::boolean(e, "primary") == Some(true))
        .or_else(|| json::typed(resource, "emails", "work"))
        .or_else(|| emails.first())
        .and_then(|e| json::text(e, "value"))
}

fn read<'a>(resource: &'a Value, enterprise: Option<&'a Value>, at: Place<'_>) -> Option<&'a str> {
    match at {
        Place::Core(path) => nested(resource, path),
        Place::Enterprise(name) => enterprise.and_then(|e| json::text(e, name)),
        Place::Extension { urn, attr } => json::get(resource, urn).and_then(|e| nested(e, attr)),
        Place::Typed { attr, kind, sub } => {
            json::typed(resource, attr, kind).and_then(|e| json::text(e, sub))
        }
    }
}

/// The text at `attr` or `attr.sub` of an object.
fn nested<'a>(object: &'a Value, path: &str) -> Option<&'a str> {
    match path.split_once('.') {
        Some((attr, sub)) => json::get(object, attr).and_then(|o| json::text(o, sub)),
        None => json::text(object, path),
    }
}

/// Set `attr` or `attr.sub` of an object.
fn set_nested(object: &mut Map<String, Value>, path: &str, value: Value) {
    match path.split_once('.') {
        Some((attr, sub)) => {
            let inner = object
                .entry(attr.to_owned())
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(inner) = inner {
                inner.insert(sub.to_owned(), value);
            }
        }
        None => {
            object.insert(path.to_owned(), value);
        }
    }
}

fn text_of(v: &PropertyValue) -> Value {
    match v {
        PropertyValue::Text(s) => Value::String(s.clone()),
        PropertyValue::Bool(b) => Value::Bool(*b),
        PropertyValue::List(l) => Value::String(l.first().cloned().unwrap_or_default()),
    }
}

/// The body of `POST /Users` (RFC 7644 §3.3, RFC 7643 §8.2): the core and Enterprise
/// schemas, `userName`, `externalId` and `employeeNumber` (the HR id), the names, the work
/// email (the mapped one, else the `userName`) as primary, `active`, and every mapped
/// attribute.
pub(crate) fn create_body(new: &NewUser, password: bool) -> Value {
    let mut body = Map::new();
    let mut enterprise = Map::new();
    let mut typed: BTreeMap<(&str, &str), Map<String, Value>> = BTreeMap::new();
    let mut extensions: BTreeMap<&str, Map<String, Value>> = BTreeMap::new();
    for (p, v) in &new.properties {
        match place(p) {
            Some(Place::Core(path)) => set_nested(&mut body, path, text_of(v)),
            Some(Place::Extension { urn, attr }) => {
                set_nested(extensions.entry(urn).or_default(), attr, text_of(v));
            }
            Some(Place::Enterprise(name)) => {
                enterprise.insert(name.to_owned(), text_of(v));
            }
            Some(Place::Typed { attr, kind, sub }) => {
                typed
                    .entry((attr, kind))
                    .or_default()
                    .insert(sub.to_owned(), text_of(v));
            }
            None => {}
        }
    }
    typed
        .entry(("emails", "work"))
        .or_default()
        .entry("value")
        .or_insert_with(|| Value::String(new.user_principal_name.clone()));
    for ((attr, kind), mut entry) in typed {
        entry.insert("type".to_owned(), Value::String(kind.to_owned()));
        if attr == "emails" {
            entry.insert("primary".to_owned(), Value::Bool(true));
        }
        let list = body
            .entry(attr.to_owned())
            .or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(list) = list {
            list.push(Value::Object(entry));
        }
    }
    enterprise.insert(
        "employeeNumber".to_owned(),
        Value::String(new.employee_id.clone()),
    );
    set_nested(&mut body, "name.formatted", json!(new.display_name));
    if let Some(g) = &new.given_name {
        set_nested(&mut body, "name.givenName", json!(g));
    }
    if let Some(s) = &new.surname {
        set_nested(&mut body, "name.familyName", json!(s));
    }
    let schemas: Vec<&str> = [CORE_USER, ENTERPRISE]
        .into_iter()
        .chain(extensions.keys().copied())
        .collect();
    body.insert("schemas".to_owned(), json!(schemas));
    body.insert("userName".to_owned(), json!(new.user_principal_name));
    body.insert("externalId".to_owned(), json!(new.employee_id));
    body.insert("displayName".to_owned(), json!(new.display_name));
    body.insert("active".to_owned(), json!(new.account_enabled));
    if password {
        use secrecy::ExposeSecret as _;
        body.insert("password".to_owned(), json!(new.password.expose_secret()));
    }
    body.insert(ENTERPRISE.to_owned(), Value::Object(enterprise));
    for (urn, object) in extensions {
        body.insert(urn.to_owned(), Value::Object(object));
    }
    Value::Object(body)
}

fn op(op: &str, path: &str, value: Option<Value>) -> Value {
    match value {
        Some(v) => json!({"op": op, "path": path, "value": v}),
        None => json!({"op": op, "path": path}),
    }
}

/// A sub-attribute of a typed entry and its new value (`None`: removed).
type SubChange<'a> = (&'a str, Option<Value>);

/// The PATCH operations for `changes` (RFC 7644 §3.5.2; lowercase ops, JSON booleans, one
/// operation per attribute with an explicit path), given what is known of the user.
/// `filtered_paths` false writes a changed multi-valued attribute whole (the profile of
/// providers that take no filter in a path).
pub(crate) fn patch_ops(changes: &Changes, seen: &Seen, filtered_paths: bool) -> Vec<Value> {
    let mut ops = Vec::new();
    let mut typed: BTreeMap<(&str, &str), Vec<SubChange<'_>>> = BTreeMap::new();
    for (p, v) in changes {
        let value = v.as_ref().map(text_of);
        let simple = |path: &str, ops: &mut Vec<Value>| {
            ops.push(match &value {
                Some(v) => op("replace", path, Some(v.clone())),
                None => op("remove", path, None),
            });
        };
        if *p == P::ACCOUNT_ENABLED {
            simple("active", &mut ops);
        } else if *p == P::DISPLAY_NAME {
            simple("displayName", &mut ops);
            simple("name.formatted", &mut ops);
        } else if *p == P::GIVEN_NAME {
            simple("name.givenName", &mut ops);
        } else if *p == P::SURNAME {
            simple("name.familyName", &mut ops);
        } else if *p == P::USER_PRINCIPAL_NAME {
            simple("userName", &mut ops);
        } else if *p == P::EMPLOYEE_ID {
            simple("externalId", &mut ops);
            simple(&format!("{ENTERPRISE}:employeeNumber"), &mut ops);
        } else {
            match place(p) {
                Some(Place::Typed { attr, kind, sub }) => {
                    typed.entry((attr, kind)).or_default().push((sub, value));
                }
                Some(at) => simple(&at.path(), &mut ops),
                // `mailNickname` and other names SCIM has no attribute for.
                None => {}
            }
        }
    }
    for ((attr, kind), subs) in typed {
        if filtered_paths {
            typed_ops(&mut ops, seen, attr, kind, &subs);
        } else {
            whole_ops(&mut ops, seen, attr, kind, &subs);
        }
    }
    ops
}

/// One entry of a multi-valued attribute, with a filter in the path: its sub-attributes
/// replaced or removed where it exists (removing `value` removes the entry), or the entry
/// added where it does not (a `replace` through a filter that matches nothing is `noTarget`).
fn typed_ops(ops: &mut Vec<Value>, seen: &Seen, attr: &str, kind: &str, subs: &[SubChange<'_>]) {
    let filter = format!("{attr}[type eq \"{kind}\"]");
    if seen.entry(attr, kind).is_some() {
        for (sub, value) in subs {
            ops.push(match (value, *sub) {
                (Some(v), _) => op("replace", &format!("{filter}.{sub}"), Some(v.clone())),
                (None, "value") => op("remove", &filter, None),
                (None, _) => op("remove", &format!("{filter}.{sub}"), None),
            });
        }
        return;
    }
    let mut entry = Map::new();
    for (sub, value) in subs {
        if let Some(v) = value {
            entry.insert((*sub).to_owned(), v.clone());
        }
    }
    if entry.is_empty() {
        return;
    }
    entry.insert("type".to_owned(), json!(kind));
    if attr == "emails"
        && seen
            .multi
            .get("emails")
            .is_none_or(|e| e.as_array().is_none_or(Vec::is_empty))
    {
        entry.insert("primary".to_owned(), json!(true));
    }
    ops.push(op("add", attr, Some(json!([entry]))));
}

/// One entry of a multi-valued attribute changed by replacing the attribute whole, the
/// other entries as read.
fn whole_ops(ops: &mut Vec<Value>, seen: &Seen, attr: &str, kind: &str, subs: &[SubChange<'_>]) {
    let mut list: Vec<Value> = seen
        .multi
        .get(attr)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let at = list
        .iter()
        .position(|e| json::text(e, "type").is_some_and(|t| t.eq_ignore_ascii_case(kind)));
    let mut entry = at
        .map(|i| list.remove(i))
        .and_then(|e| e.as_object().cloned())
        .unwrap_or_default();
    for (sub, value) in subs {
        match value {
            Some(v) => {
                entry.insert((*sub).to_owned(), v.clone());
            }
            None => {
                entry.remove(*sub);
            }
        }
    }
    let keeps = entry
        .keys()
        .any(|k| !["type", "primary", "display"].contains(&k.as_str()))
        && (attr == "addresses" || entry.contains_key("value"));
    if keeps {
        entry.insert("type".to_owned(), json!(kind));
        list.insert(at.unwrap_or(list.len()), Value::Object(entry));
    }
    ops.push(if list.is_empty() {
        op("remove", attr, None)
    } else {
        op("replace", attr, Some(Value::Array(list)))
    });
}

/// The PatchOp message of `ops`.
pub(crate) fn patch(ops: &[Value]) -> Value {
    json!({"schemas": [PATCH_OP], "Operations": ops})
}

/// The manager set (`Some`) or removed: the Enterprise extension's `manager`, as the RFC's
/// complex value.
pub(crate) fn manager_ops(manager: Option<&DirectoryUserId>) -> Vec<Value> {
    let path = format!("{ENTERPRISE}:manager");
    vec![match manager {
        Some(m) => op("replace", &path, Some(json!({"value": m.as_str()}))),
        None => op("remove", &path, None),
    }]
}
