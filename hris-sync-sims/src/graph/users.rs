//! The simulator's user model: Graph JSON in and out of its own store ([`super::store`],
//! which enforces Graph's rules: unique UPNs, lengths, required fields, verified domains).

use std::collections::BTreeMap;

use hris_sync_core::raw::{
    AccessPass, AccessPassRequest, DirectoryProperty, NewUser, Password, PropertyKind,
    PropertyValue,
};
use hris_sync_core::{DirectoryUser, DirectoryUserId, ObjectKind};
use serde_json::{Map, Value, json};

/// Properties always present in the simulator's model, by Graph name (sorted).
const BASE: &[&str] = &[
    "accountEnabled",
    "displayName",
    "employeeId",
    "givenName",
    "id",
    "mail",
    "mailNickname",
    "onPremisesSyncEnabled",
    "surname",
    "userPrincipalName",
];

/// Complex properties and their fields.
const COMPLEX: &[(&str, &[&str])] = &[
    ("employeeOrgData", &["division", "costCenter"]),
    ("onPremisesExtensionAttributes", &[]),
];

/// Whether `name` is a user property the simulator knows (what `$select` accepts).
pub(crate) fn known_property(name: &str) -> bool {
    BASE.contains(&name) || COMPLEX.iter().any(|(n, _)| *n == name) || top_level(name).is_some()
}

use super::schema::{self, EXTENSIONS, ORG_DATA, top_level};

/// The top-level properties rendered from the property map.
fn rendered() -> impl Iterator<Item = DirectoryProperty> {
    [
        DirectoryProperty::MAIL_NICKNAME,
        DirectoryProperty::DISPLAY_NAME,
        DirectoryProperty::GIVEN_NAME,
        DirectoryProperty::SURNAME,
    ]
    .into_iter()
    .chain(
        schema::properties()
            .iter()
            .filter(|p| p.whole().is_none() && p.name() != "mail")
            .cloned(),
    )
}

/// A scalar or null.
fn scalar(v: Option<&PropertyValue>) -> Value {
    value_json(v, PropertyKind::Text { max_len: 0 })
}

fn value_json(v: Option<&PropertyValue>, kind: PropertyKind) -> Value {
    match (v, kind) {
        (None, PropertyKind::TextList { .. }) => json!([]),
        (None, _) => Value::Null,
        (Some(PropertyValue::Bool(b)), _) => json!(b),
        (Some(PropertyValue::Text(s)), _) => json!(s),
        (Some(PropertyValue::List(l)), _) => json!(l),
    }
}

/// A user as Graph renders it, limited to `select` (or Graph's default set when `None`).
pub(crate) fn render(u: &DirectoryUser, select: Option<&[String]>, with_type: bool) -> Value {
    let mut all = Map::new();
    all.insert("id".into(), json!(u.id.as_str()));
    all.insert("userPrincipalName".into(), json!(u.user_principal_name));
    all.insert("employeeId".into(), json!(u.employee_id));
    all.insert("accountEnabled".into(), json!(u.account_enabled));
    all.insert("mail".into(), json!(u.mail));
    all.insert(
        "onPremisesSyncEnabled".into(),
        if u.on_premises_sync_enabled {
            json!(true)
        } else if u.previously_synced {
            json!(false)
        } else {
            Value::Null
        },
    );
    for p in rendered() {
        all.insert(p.name().to_owned(), value_json(u.property(&p), p.kind()));
    }
    let org = |f: &str| schema::field(ORG_DATA, f).and_then(|p| u.property(&p).cloned());
    let (division, cost) = (org("division"), org("costCenter"));
    let (division, cost) = (division.as_ref(), cost.as_ref());
    all.insert(
        "employeeOrgData".into(),
        if division.is_none() && cost.is_none() {
            Value::Null
        } else {
            json!({ "division": scalar(division), "costCenter": scalar(cost) })
        },
    );
    let ext: Map<String, Value> = schema::properties()
        .iter()
        .filter(|p| p.whole() == Some(EXTENSIONS))
        .map(|p| (p.name().to_owned(), scalar(u.property(p))))
        .collect();
    all.insert("onPremisesExtensionAttributes".into(), Value::Object(ext));
    let default_set = [
        "id",
        "businessPhones",
        "displayName",
        "givenName",
        "jobTitle",
        "mail",
        "mobilePhone",
        "officeLocation",
        "preferredLanguage",
        "surname",
        "userPrincipalName",
    ];
    let mut out = Map::new();
    if with_type && u.kind == ObjectKind::Agent {
        out.insert("@odata.type".into(), json!("#microsoft.graph.agentUser"));
    }
    match select {
        Some(names) => {
            out.insert("id".into(), all["id"].clone());
            for n in names {
                if let Some(v) = all.get(n) {
                    out.insert(n.clone(), v.clone());
                }
            }
        }
        None => {
            for n in default_set {
                if let Some(v) = all.get(n) {
                    out.insert(n.to_owned(), v.clone());
                }
            }
        }
    }
    Value::Object(out)
}

/// A Graph error body.
pub(crate) fn graph_error(code: &str, message: &str, details: Option<Value>) -> Value {
    let mut error = json!({
        "code": code,
        "message": message,
        "innerError": {
            "date": "2025-03-03T09:14:22",
            "request-id": "7f3c2a10-0000-4000-8000-000000000001",
            "client-request-id": "7f3c2a10-0000-4000-8000-000000000001"
        }
    });
    if let (Some(d), Some(obj)) = (details, error.as_object_mut()) {
        obj.insert("details".into(), d);
    }
    json!({ "error": error })
}

pub(crate) fn bad(message: &str) -> (u16, Value) {
    (400, graph_error("Request_BadRequest", message, None))
}

fn unknown_property(name: &str) -> (u16, Value) {
    bad(&format!(
        "Property '{name}' does not exist on type 'microsoft.graph.user'."
    ))
}

pub(crate) fn invalid_value(name: &str) -> (u16, Value) {
    bad(&format!(
        "Invalid value specified for property '{name}' of resource 'User'."
    ))
}

/// One JSON value as a property value (`null` → `None`), or Graph's 400.
fn property_value(p: &DirectoryProperty, v: &Value) -> Result<Option<PropertyValue>, (u16, Value)> {
    let name = p.name();
    match (p.kind(), v) {
        (_, Value::Null) => Ok(None),
        (PropertyKind::Bool, Value::Bool(b)) => Ok(Some(PropertyValue::Bool(*b))),
        (PropertyKind::TextList { .. }, Value::Array(items)) => {
            let list: Option<Vec<String>> = items
                .iter()
                .map(|i| i.as_str().map(str::to_owned))
                .collect();
            match list {
                Some(l) if l.is_empty() => Ok(None),
                Some(l) => Ok(Some(PropertyValue::List(l))),
                None => Err(invalid_value(name)),
            }
        }
        (
            PropertyKind::Text { .. } | PropertyKind::DateTime | PropertyKind::CountryCode,
            Value::String(s),
        ) => Ok(Some(PropertyValue::Text(s.clone()))),
        _ => Err(invalid_value(name)),
    }
}

/// The property changes of a PATCH body. `employeeOrgData` is written whole: a field left
/// out becomes null.
pub(crate) fn changes(
    body: &Value,
) -> Result<BTreeMap<DirectoryProperty, Option<PropertyValue>>, (u16, Value)> {
    let Some(obj) = body.as_object() else {
        return Err(bad("The request body is not a JSON object."));
    };
    let mut out = BTreeMap::new();
    for (k, v) in obj {
        match k.as_str() {
            ORG_DATA => {
                // Written whole: a field left out becomes null.
                let Some(fields) = v.as_object() else {
                    return Err(invalid_value(k));
                };
                if let Some(f) = fields.keys().find(|f| schema::field(ORG_DATA, f).is_none()) {
                    return Err(unknown_property(f));
                }
                for field in ["division", "costCenter"] {
                    let Some(p) = schema::field(ORG_DATA, field) else {
                        continue;
                    };
                    let value = property_value(&p, fields.get(field).unwrap_or(&Value::Null))?;
                    out.insert(p, value);
                }
            }
            EXTENSIONS => {
                // Written whole too: an attribute left out becomes null.
                let Some(fields) = v.as_object() else {
                    return Err(invalid_value(k));
                };
                if let Some(f) = fields
                    .keys()
                    .find(|f| schema::field(EXTENSIONS, f).is_none())
                {
                    return Err(unknown_property(f));
                }
                for p in schema::properties()
                    .iter()
                    .filter(|p| p.whole() == Some(EXTENSIONS))
                {
                    let value = property_value(p, fields.get(p.name()).unwrap_or(&Value::Null))?;
                    out.insert(p.clone(), value);
                }
            }
            "passwordProfile" => {
                return Err(bad("The password cannot be changed by this simulator."));
            }
            name => {
                let p = top_level(name).ok_or_else(|| unknown_property(name))?;
                let value = property_value(&p, v)?;
                out.insert(p, value);
            }
        }
    }
    Ok(out)
}

/// A `POST /users` body as a create operation, or Graph's 400.
pub(crate) fn new_user(body: &Value) -> Result<NewUser, (u16, Value)> {
    let Some(obj) = body.as_object() else {
        return Err(bad("The request body is not a JSON object."));
    };
    let text = |k: &str| -> Result<String, (u16, Value)> {
        match obj.get(k) {
            Some(Value::String(s)) => Ok(s.clone()),
            Some(Value::Null) | None => Err(bad(&format!(
                "A value is required for property '{k}' of resource 'User'."
            ))),
            Some(_) => Err(invalid_value(k)),
        }
    };
    let account_enabled = match obj.get("accountEnabled") {
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(invalid_value("accountEnabled")),
        None => {
            return Err(bad(
                "A value is required for property 'accountEnabled' of resource 'User'.",
            ));
        }
    };
    let password = obj
        .get("passwordProfile")
        .and_then(|p| p.get("password"))
        .and_then(Value::as_str)
        .ok_or_else(|| {
            bad("A value is required for property 'passwordProfile' of resource 'User'.")
        })?;
    let mut rest = obj.clone();
    for k in [
        "accountEnabled",
        "displayName",
        "mailNickname",
        "userPrincipalName",
        "passwordProfile",
        "employeeId",
        "givenName",
        "surname",
    ] {
        rest.remove(k);
    }
    let properties = changes(&Value::Object(rest))?
        .into_iter()
        .filter_map(|(p, v)| v.map(|v| (p, v)))
        .collect();
    let optional = |k: &str| obj.get(k).and_then(Value::as_str).map(str::to_owned);
    // `""` is never a value (send nothing, or null); an absent employeeId is not an empty one.
    if optional("employeeId").is_some_and(|e| e.is_empty()) {
        return Err(invalid_value("employeeId"));
    }
    Ok(NewUser {
        user_principal_name: text("userPrincipalName")?,
        mail_nickname: text("mailNickname")?,
        display_name: text("displayName")?,
        given_name: optional("givenName"),
        surname: optional("surname"),
        employee_id: optional("employeeId").unwrap_or_default(),
        account_enabled,
        password: Password::new(password),
        properties,
    })
}

/// The id at the end of an `@odata.id` URL (`https://graph.microsoft.com/v1.0/users/{id}`).
pub(crate) fn reference_id(body: &Value) -> Option<DirectoryUserId> {
    let url = body.get("@odata.id")?.as_str()?;
    let id = url.trim_end_matches('/').rsplit('/').next()?;
    (!id.is_empty()).then(|| DirectoryUserId::new(id))
}

/// The body of a Temporary Access Pass create, checked as Graph checks it: the documented
/// optional properties with their types, `lifetimeInMinutes` within 10–43200 and within the
/// tenant policy `(min, max)`, `startDateTime` an ISO 8601 instant. The policy's default
/// lifetime (its minimum) fills a missing one.
pub(crate) fn access_pass_request(
    body: Option<&Value>,
    (min, max): (u32, u32),
) -> Result<AccessPassRequest, (u16, Value)> {
    let bad = |m: String| (400, graph_error("badRequest", &m, None));
    let obj = body
        .and_then(Value::as_object)
        .ok_or_else(|| bad("A request body is required.".to_owned()))?;
    let usable_once = match obj.get("isUsableOnce") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(bad("isUsableOnce must be a Boolean.".to_owned())),
    };
    let lifetime = match obj.get("lifetimeInMinutes") {
        None | Some(Value::Null) => min,
        Some(v) => v
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| bad("lifetimeInMinutes must be an Int32.".to_owned()))?,
    };
    if !(10..=43_200).contains(&lifetime) || !(min..=max).contains(&lifetime) {
        return Err(bad(format!(
            "The lifetime of the Temporary Access Pass ({lifetime} minutes) is outside the \
             policy's allowed range of {min} to {max} minutes."
        )));
    }
    let start = match obj.get("startDateTime") {
        None | Some(Value::Null) => None,
        Some(v) => Some(
            v.as_str()
                .and_then(|s| hris_sync_core::chrono::DateTime::parse_from_rfc3339(s).ok())
                .map(|t| t.with_timezone(&hris_sync_core::chrono::Utc))
                .ok_or_else(|| bad("startDateTime is not a valid DateTimeOffset.".to_owned()))?,
        ),
    };
    Ok(AccessPassRequest {
        start,
        lifetime_minutes: Some(lifetime),
        usable_once,
    })
}

/// `201` for a created pass, shaped like Graph's `temporaryAccessPassAuthenticationMethod`.
pub(crate) fn access_pass_answer(pass: &AccessPass) -> Value {
    use hris_sync_core::secrecy::ExposeSecret as _;
    json!({
        "@odata.type": "#microsoft.graph.temporaryAccessPassAuthenticationMethod",
        "id": "6f1967b7-15e8-4935-ac26-d50770ed07a7",
        "temporaryAccessPass": pass.pass.expose_secret(),
        "startDateTime": pass.start.map(|t| t.to_rfc3339_opts(hris_sync_core::chrono::SecondsFormat::AutoSi, true)),
        "lifetimeInMinutes": pass.lifetime_minutes,
        "isUsable": pass.start.is_none(),
        "methodUsabilityReason": if pass.start.is_none() { "Enabled" } else { "NotYetValid" },
    })
}
