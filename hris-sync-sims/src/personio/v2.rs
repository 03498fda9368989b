//! The simulator's Personio v2: `POST /v2/auth/token`, `GET /v2/persons` (cursor pages of at
//! most 50, the cursor only inside `_meta.links.next.href`, no `next` on the last page),
//! `GET /v2/persons/{id}`, `GET /v2/persons/{id}/employments` and `GET /v2/org-units/{id}`
//! (`type` required). Errors are `application/problem+json` with `personio_trace_id` and
//! `errors[{title, detail, type}]`, as the v2 reference shows; the token endpoint answers the
//! OAuth2 error shape. v2 reads spend the same per-minute budget as v1 reads: Personio
//! documents no v2 limits but its users report rate limiting, so a client must expect 429s.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use hris_sync_core::{AttributeValue, Employee, EmployeeId};
use serde_json::{Value, json};

use super::Shared;
use super::server::{
    authorize, fault_answer, new_token, over_list_budget, query_pairs, take_fault, url_pairs,
};

/// A v2 error body.
fn problem(status: StatusCode, code: &str, detail: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/problem+json")],
        json!({
            "personio_trace_id": "sim-trace-0001",
            "timestamp": "2026-01-01T00:00:00Z",
            "errors": [{
                "title": code,
                "detail": detail,
                "type": format!("https://developer.personio.de/reference/errors#{code}"),
                "_meta": {}
            }]
        })
        .to_string(),
    )
        .into_response()
}

fn ok(body: &Value) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

/// The org unit id of a department name (stable, numeric).
pub(crate) fn department_unit(name: &str) -> u64 {
    name.bytes()
        .fold(5381u64, |h, b| h.wrapping_mul(33) ^ u64::from(b))
        % 1_000_000
}

fn date(d: Option<hris_sync_core::chrono::NaiveDate>) -> Value {
    d.map_or(Value::Null, |d| {
        Value::String(d.format("%Y-%m-%d").to_string())
    })
}

fn instant(t: Option<hris_sync_core::chrono::DateTime<hris_sync_core::chrono::Utc>>) -> Value {
    t.map_or(Value::Null, |t| {
        Value::String(t.to_rfc3339_opts(hris_sync_core::chrono::SecondsFormat::AutoSi, true))
    })
}

fn value(v: &AttributeValue) -> Value {
    match v {
        AttributeValue::Empty => Value::Null,
        AttributeValue::Bool(b) => Value::Bool(*b),
        AttributeValue::List(items) => json!(items),
        other => other.to_text().map_or(Value::Null, Value::String),
    }
}

/// A `Person` as v2 renders it.
pub(crate) fn person(e: &Employee, base: &str) -> Value {
    let custom: Vec<Value> = e
        .attributes
        .iter()
        .filter(|(k, _)| k.starts_with("dynamic_"))
        .map(|(k, v)| json!({"id": k, "type": "STRING", "global_id": null, "label": k, "value": value(v)}))
        .collect();
    let status = match e.status.as_str() {
        "inactive" => "INACTIVE",
        _ => "ACTIVE",
    };
    json!({
        "id": e.id.as_str(),
        "email": e.email,
        "first_name": e.first_name,
        "last_name": e.last_name,
        "preferred_name": e.preferred_name,
        "created_at": instant(e.created_at),
        "updated_at": instant(e.updated_at),
        "gender": "UNSPECIFIED",
        "status": status,
        "custom_attributes": custom,
        "employments": [{"id": format!("emp-{}", e.id)}],
        "_meta": {"links": {"employments": {"href": format!("{base}/v2/persons/{}/employments", e.id)}}}
    })
}

/// The person's one `Employment` as v2 renders it.
pub(crate) fn employment(e: &Employee, base: &str) -> Value {
    let status = e.status.as_str().to_ascii_uppercase();
    let department = e
        .attributes
        .get("department")
        .and_then(AttributeValue::to_text);
    let org_units: Vec<Value> = department
        .iter()
        .map(|d| json!({"type": "department", "id": department_unit(d).to_string()}))
        .collect();
    let termination = if e.termination_date.is_some() || e.last_working_day.is_some() {
        json!({"termination_date": date(e.termination_date), "last_working_day": date(e.last_working_day), "terminated_at": null, "type": "UNSPECIFIED", "reason": null})
    } else {
        Value::Null
    };
    json!({
        "id": format!("emp-{}", e.id),
        "status": status,
        "type": "INTERNAL",
        "position": {"title": e.attributes.get("position").map(value).unwrap_or(Value::Null)},
        "employment_start_date": date(e.hire_date),
        "employment_end_date": null,
        "created_at": instant(e.created_at),
        "updated_at": instant(e.updated_at),
        "supervisor": e.supervisor_id.as_ref().map_or(Value::Null, |s| json!({"id": s.as_str()})),
        "org_units": org_units,
        "person": {"id": e.id.as_str()},
        "termination": termination,
        "_meta": {"links": {"person": {"href": format!("{base}/v2/persons/{}", e.id)}}}
    })
}

/// `POST /v2/auth/token`: a client-credentials form; the OAuth2 error shape on refusal.
pub(super) async fn token(State(shared): State<Arc<Shared>>, body: Bytes) -> Response {
    shared.lock().counts.auth += 1;
    let form = url_pairs(&String::from_utf8_lossy(&body));
    let get = |k: &str| form.get(k);
    // The documented refusal: HTTP 400, `application/problem+json`, with `error` one of the
    // OAuth2 codes (`shared/reference/personio-api.md` §1, v2), wrong credentials included.
    let oauth = |status: StatusCode, error: &str, text: &str| {
        (
            status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            json!({
                "error": error,
                "error_description": text,
                "error_uri": null,
                "timestamp": "2025-01-01T00:00:00Z",
                "trace_id": "sim-trace",
                "meta": {}
            })
            .to_string(),
        )
            .into_response()
    };
    if get("grant_type") != Some("client_credentials") {
        return oauth(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "Only client_credentials is supported.",
        );
    }
    if get("client_id") != Some(shared.config.client_id.as_str())
        || get("client_secret") != Some(shared.config.client_secret.as_str())
    {
        return oauth(
            StatusCode::BAD_REQUEST,
            "invalid_client",
            "Client authentication failed.",
        );
    }
    let token = new_token(&shared);
    ok(&json!({
        "access_token": token,
        "token_type": "Bearer",
        "expires_in": shared.config.token_ttl.as_secs(),
        "scope": "personio:persons:read personio:org-units:read"
    }))
}

/// A v2 call, taken from the request: counted under its endpoint, then authorization, the
/// per-minute budget and injected faults, in that order (a refusal answers instead).
pub(super) struct V2 {
    shared: Arc<Shared>,
    query: Option<String>,
}

impl FromRequestParts<Arc<Shared>> for V2 {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, shared: &Arc<Shared>) -> Result<Self, Response> {
        let path = parts.uri.path();
        {
            let counts = &mut shared.lock().counts;
            if path.ends_with("/employments") {
                counts.employments += 1;
            } else if path.starts_with("/v2/persons") {
                counts.persons += 1;
            } else if path.starts_with("/v2/org-units") {
                counts.org_units += 1;
            }
        }
        authorize(shared, &parts.headers).map_err(|r| *r)?;
        if let Some(r) = over_list_budget(shared) {
            return Err(r);
        }
        if let Some(r) = fault_answer(shared, take_fault(shared, u64::MAX)).await {
            return Err(r);
        }
        Ok(Self {
            shared: Arc::clone(shared),
            query: parts.uri.query().map(str::to_owned),
        })
    }
}

/// The 404 of an unknown person.
fn no_such_person() -> Response {
    problem(
        StatusCode::NOT_FOUND,
        "common.resource_not_found",
        "The person was not found.",
    )
}

/// `GET /v2/persons?limit=&cursor=`.
pub(super) async fn persons(V2 { shared, query }: V2) -> Response {
    let form = query_pairs(query.as_deref());
    let param = |k: &str| form.get(k).map(str::to_owned);
    let limit = match param("limit").map(|l| l.parse::<usize>()) {
        None => 10,
        Some(Ok(l)) if (1..=50).contains(&l) => l,
        Some(_) => {
            return problem(
                StatusCode::BAD_REQUEST,
                "common.bad_request",
                "limit must be between 1 and 50",
            );
        }
    };
    let offset = match param("cursor") {
        None => 0,
        Some(c) => match c
            .strip_prefix("cur_")
            .and_then(|h| usize::from_str_radix(h, 16).ok())
        {
            Some(o) => o,
            None => {
                return problem(
                    StatusCode::BAD_REQUEST,
                    "common.bad_request",
                    "invalid cursor",
                );
            }
        },
    };
    let base = shared.base();
    let s = shared.lock();
    let mut rows: Vec<Value> = s.employees.values().map(|e| person(e, &base)).collect();
    rows.extend(s.raw_v2.iter().cloned());
    let page: Vec<Value> = rows.iter().skip(offset).take(limit).cloned().collect();
    let next = offset + page.len();
    let mut links = json!({"self": {"href": format!("{base}/v2/persons?limit={limit}")}});
    if next < rows.len() {
        let href = format!("/v2/persons?cursor=cur_{next:x}&limit={limit}");
        links["next"] = json!({"href": if shared.config.relative_links { href } else { format!("{base}{href}") }});
    }
    ok(&json!({"_data": page, "_meta": {"links": links}}))
}

fn known(shared: &Shared, id: &str) -> Option<Employee> {
    let key = EmployeeId::new(id.to_owned()).ok()?;
    shared.lock().employees.get(&key).cloned()
}

/// `GET /v2/persons/{id}`: the bare person.
pub(super) async fn person_by_id(Path(id): Path<String>, V2 { shared, .. }: V2) -> Response {
    match known(&shared, &id) {
        Some(e) => ok(&person(&e, &shared.base())),
        None => no_such_person(),
    }
}

/// `GET /v2/persons/{id}/employments`: one page.
pub(super) async fn employments(Path(id): Path<String>, V2 { shared, .. }: V2) -> Response {
    let base = shared.base();
    match known(&shared, &id) {
        Some(e) => ok(&json!({
            "_data": [employment(&e, &base)],
            "_meta": {"links": {"self": {"href": format!("{base}/v2/persons/{id}/employments")}}}
        })),
        None => no_such_person(),
    }
}

/// `GET /v2/org-units/{id}?type=department`.
pub(super) async fn org_unit(Path(id): Path<String>, V2 { shared, query }: V2) -> Response {
    let kind = query_pairs(query.as_deref())
        .get("type")
        .map(str::to_ascii_lowercase);
    if kind.as_deref() != Some("department") && kind.as_deref() != Some("team") {
        return problem(
            StatusCode::BAD_REQUEST,
            "common.bad_request",
            "type is required: department or team",
        );
    }
    let name = {
        let s = shared.lock();
        s.employees
            .values()
            .filter_map(|e| {
                e.attributes
                    .get("department")
                    .and_then(AttributeValue::to_text)
            })
            .find(|d| department_unit(d).to_string() == id)
    };
    match name {
        Some(name) if kind.as_deref() == Some("department") => ok(&json!({
            "id": id, "type": "department", "name": name, "abbreviation": null,
            "description": null, "parent_id": null, "resource_uri": format!("/v2/org-units/{id}")
        })),
        _ => problem(
            StatusCode::NOT_FOUND,
            "common.resource_not_found",
            "The org unit was not found.",
        ),
    }
}

/// A subscription the simulator holds (its token kept for deliveries, never listed).
#[derive(Clone, Debug)]
pub struct Subscription {
    /// Its id (`wh-0001`).
    pub id: String,
    /// Where to deliver.
    pub url: String,
    /// Its description.
    pub description: String,
    /// The events it delivers.
    pub events: Vec<String>,
    /// `ENABLED` or `DISABLED`.
    pub status: String,
    /// The token sent in `Authorization` with each delivery.
    pub token: Option<String>,
}

impl Subscription {
    fn json(&self) -> Value {
        json!({
            "id": self.id, "url": self.url, "description": self.description,
            "enabled_events": self.events, "status": self.status, "auth_type": "TOKEN"
        })
    }
}

/// The events Personio documents for webhooks (the reference page and the changelogs,
/// `shared/reference/personio-api.md` §6.4).
fn known_event(event: &str) -> bool {
    matches!(
        event,
        "person.created"
            | "person.updated"
            | "person.deleted"
            | "employment.created"
            | "employment.updated"
            | "employment.deleted"
            // Effective-date and cost-centre events (Personio's changelogs).
            | "employment.started"
            | "employment.terminated"
            | "employment.updated.cost-centers"
    )
}

/// `GET /v2/webhooks` (one page) and `POST /v2/webhooks` (`url` HTTPS and `description`
/// required, events from the documented list, `status` `DISABLED` unless given).
pub(super) async fn webhooks_list(V2 { shared, .. }: V2) -> Response {
    let items: Vec<Value> = shared
        .lock()
        .webhooks
        .iter()
        .map(Subscription::json)
        .collect();
    ok(
        &json!({"_data": items, "_meta": {"links": {"self": {"href": format!("{}/v2/webhooks", shared.base())}}}}),
    )
}

pub(super) async fn webhooks_create(V2 { shared, .. }: V2, body: Bytes) -> Response {
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return problem(
            StatusCode::BAD_REQUEST,
            "common.bad_request",
            "the body is not JSON",
        );
    };
    let url = v["url"].as_str().unwrap_or_default();
    let loopback = shared.config.loopback_webhooks && url.starts_with("http://127.0.0.1");
    if !url.starts_with("https://") && !loopback {
        return problem(
            StatusCode::BAD_REQUEST,
            "common.bad_request",
            "url must be an HTTPS URL",
        );
    }
    let Some(description) = v["description"].as_str().filter(|d| !d.is_empty()) else {
        return problem(
            StatusCode::BAD_REQUEST,
            "common.bad_request",
            "description is required",
        );
    };
    let events: Vec<String> = v["enabled_events"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e.as_str().map(str::to_owned))
        .collect();
    if events.is_empty() || events.iter().any(|e| !known_event(e)) {
        return problem(
            StatusCode::BAD_REQUEST,
            "common.bad_request",
            "enabled_events must name known events",
        );
    }
    let mut s = shared.lock();
    s.next_webhook += 1;
    let made = Subscription {
        id: format!("wh-{:04}", s.next_webhook),
        url: url.to_owned(),
        description: description.to_owned(),
        events,
        status: v["status"].as_str().unwrap_or("DISABLED").to_owned(),
        token: v["token"].as_str().map(str::to_owned),
    };
    s.webhooks.push(made.clone());
    (
        StatusCode::CREATED,
        [(header::CONTENT_TYPE, "application/json")],
        made.json().to_string(),
    )
        .into_response()
}

/// `DELETE /v2/webhooks/{id}`: 204, or 404.
pub(super) async fn webhooks_delete(Path(id): Path<String>, V2 { shared, .. }: V2) -> Response {
    let mut s = shared.lock();
    let before = s.webhooks.len();
    s.webhooks.retain(|w| w.id != id);
    if s.webhooks.len() == before {
        return problem(
            StatusCode::NOT_FOUND,
            "common.resource_not_found",
            "The webhook was not found.",
        );
    }
    StatusCode::NO_CONTENT.into_response()
}
