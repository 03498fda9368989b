//! The simulator's HTTP handlers.
//!
//! Helpers return a ready `Response` as their error so handlers can answer early; boxing it
//! would only add noise to a test server.
#![allow(clippy::result_large_err)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use hris_sync_core::DirectoryUserId;
use hris_sync_core::raw::{AccessPassRequest, NewUser};
use serde_json::{Value, json};
use tokio::time::Instant;

use super::users::{self, graph_error};
use super::{Fault, Shared, Target};

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/{tenant}/oauth2/v2.0/token", post(super::identity::token))
        .route(
            "/metadata/identity/oauth2/token",
            get(super::identity::imds),
        )
        .route("/msi/token", get(super::identity::identity_endpoint))
        .route("/v1.0/users", get(list_users).post(top_level))
        .route("/v1.0/users/delta", get(delta))
        .route("/v1.0/users/{id}", axum::routing::patch(top_level))
        .route(
            "/v1.0/users/{id}/manager/$ref",
            axum::routing::put(top_level).delete(top_level),
        )
        .route("/v1.0/users/{id}/revokeSignInSessions", post(top_level))
        .route("/v1.0/organization", get(organization))
        .route("/v1.0/domains", get(domains))
        .route("/v1.0/$batch", post(batch))
        .route("/v1.0/groups/{id}", get(super::groups::get_group))
        .route(
            "/v1.0/groups/{id}/members/microsoft.graph.user",
            get(super::groups::user_members),
        )
        .fallback(|| async {
            json_response(
                400,
                &graph_error("BadRequest", "Resource not found for the segment.", None),
            )
        })
        .with_state(shared)
}

pub(super) fn json_response(status: u16, body: &Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status == StatusCode::NO_CONTENT {
        return status.into_response();
    }
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

fn throttled(retry_after: u64) -> Response {
    let mut r = json_response(
        429,
        &graph_error("TooManyRequests", "Please retry again later.", None),
    );
    if let Ok(v) = retry_after.to_string().parse() {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

/// Apply a fault that answers before any work; `None` lets the request through (a `DropAfter`
/// is returned to the caller to apply after the work).
pub(super) async fn before(shared: &Shared, target: Target) -> Result<Option<Fault>, Response> {
    if let Some(r) = still_throttled(shared, target) {
        return Err(r);
    }
    match shared.take_fault(target) {
        Some(Fault::Status(code)) => Err(json_response(
            code,
            &graph_error(
                "ServiceUnavailable",
                "The service is temporarily unavailable.",
                None,
            ),
        )),
        Some(Fault::Throttle(after)) => {
            shared.lock().counts.throttled += 1;
            Err(throttled(after))
        }
        Some(Fault::ThrottleUntil(d)) => {
            // Whole seconds, as an HTTP date carries them.
            let at = SystemTime::now() + d + Duration::from_secs(1);
            let at = UNIX_EPOCH
                + Duration::from_secs(at.duration_since(UNIX_EPOCH).map_or(0, |e| e.as_secs()));
            shared.lock().throttled_until.insert(target, at);
            Err(still_throttled(shared, target).unwrap_or_else(|| throttled(1)))
        }
        Some(Fault::Drop) => Err(crate::dropped(b"{\"value\":[")),
        Some(Fault::Latency(d)) => {
            tokio::time::sleep(d).await;
            Ok(None)
        }
        Some(Fault::DropAfter) => Ok(Some(Fault::DropAfter)),
        None => Ok(None),
    }
}

/// T10: a 429 with `Retry-After` as an HTTP date while `target` is throttled until a date,
/// counted; `None` once the date has passed.
fn still_throttled(shared: &Shared, target: Target) -> Option<Response> {
    let mut s = shared.lock();
    let until = *s.throttled_until.get(&target)?;
    if SystemTime::now() >= until {
        s.throttled_until.remove(&target);
        return None;
    }
    s.counts.throttled += 1;
    drop(s);
    // An HTTP date (RFC 9110 §5.6.7): `Sun, 06 Nov 1994 08:49:37 GMT`.
    let date = hris_sync_core::chrono::DateTime::<hris_sync_core::chrono::Utc>::from(until)
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string();
    let mut r = json_response(
        429,
        &graph_error("TooManyRequests", "Please retry again later.", None),
    );
    if let Ok(v) = date.parse() {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    Some(r)
}

pub(super) fn pairs(raw: Option<&str>) -> Vec<(String, String)> {
    let Some(q) = raw else { return Vec::new() };
    reqwest::Url::parse(&format!("http://x/?{q}"))
        .map(|u| {
            u.query_pairs()
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// Permissions that read users (T1).
const READ_USERS: &[&str] = &[
    "User.Read.All",
    "User.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
/// Permissions that write users.
const WRITE_USERS: &[&str] = &["User.ReadWrite.All", "Directory.ReadWrite.All"];

/// Graph's 403 for a permission the app lacks (T1), counted.
pub(super) fn denied(shared: &Shared) -> (u16, Value) {
    shared.lock().counts.forbidden += 1;
    (
        403,
        graph_error(
            "Authorization_RequestDenied",
            "Insufficient privileges to complete the operation.",
            None,
        ),
    )
}

/// `Ok` for a valid token of an app that holds one of `any_of` (T1); else the 401 or 403
/// as a response.
pub(super) fn permitted(
    shared: &Shared,
    headers: &HeaderMap,
    any_of: &[&str],
) -> Result<(), Response> {
    authorized(shared, headers)?;
    if shared.granted(any_of) {
        Ok(())
    } else {
        let (status, body) = denied(shared);
        Err(json_response(status, &body))
    }
}

/// Graph's 404 for an object that does not exist (or is not replicated yet).
pub(crate) fn not_found(id: &str) -> (u16, Value) {
    (
        404,
        graph_error(
            "Request_ResourceNotFound",
            &format!(
                "Resource '{id}' does not exist or one of its queried reference-property objects are not present."
            ),
            None,
        ),
    )
}

fn authorized(shared: &Shared, headers: &HeaderMap) -> Result<(), Response> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned);
    let mut s = shared.lock();
    let valid = token
        .as_ref()
        .and_then(|t| s.tokens.get(t))
        .is_some_and(|expires| Instant::now() < *expires);
    if valid {
        Ok(())
    } else {
        s.counts.unauthorized += 1;
        Err(json_response(
            401,
            &graph_error(
                "InvalidAuthenticationToken",
                "Access token has expired or is not yet valid.",
                None,
            ),
        ))
    }
}

async fn organization(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    shared.lock().counts.organization += 1;
    // T1: reading the organization needs Directory.Read.All at least.
    if let Err(r) = permitted(
        &shared,
        &headers,
        &[
            "Directory.Read.All",
            "Directory.ReadWrite.All",
            "Organization.Read.All",
        ],
    ) {
        return r;
    }
    let domains: Vec<Value> = shared
        .config
        .domains
        .iter()
        .enumerate()
        .map(|(i, d)| json!({ "capabilities": "Email, OfficeCommunicationsOnline", "isDefault": i == 0, "isInitial": d.ends_with(".onmicrosoft.com"), "name": d, "type": "Managed" }))
        .collect();
    json_response(
        200,
        &json!({
            "@odata.context": format!("{}/v1.0/$metadata#organization(verifiedDomains)", shared.base()),
            "value": [{ "id": shared.config.tenant_id, "verifiedDomains": domains }]
        }),
    )
}

/// `GET /domains`: the tenant's domains, `id` being the name (`Domain.Read.All`, T1).
async fn domains(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Response {
    shared.lock().counts.domains += 1;
    if let Err(r) = permitted(
        &shared,
        &headers,
        &[
            "Domain.Read.All",
            "Domain.ReadWrite.All",
            "Directory.Read.All",
            "Directory.ReadWrite.All",
        ],
    ) {
        return r;
    }
    let mut value: Vec<Value> = shared
        .config
        .domains
        .iter()
        .enumerate()
        .map(|(i, d)| json!({ "id": d, "authenticationType": "Managed", "isAdminManaged": true, "isDefault": i == 0, "isInitial": d.ends_with(".onmicrosoft.com"), "isRoot": true, "isVerified": true, "supportedServices": ["Email", "OfficeCommunicationsOnline"] }))
        .collect();
    // A domain added but not verified is listed too, and may not be used in a UPN.
    value.push(json!({ "id": "unverified.example", "authenticationType": "Managed", "isAdminManaged": true, "isDefault": false, "isInitial": false, "isRoot": true, "isVerified": false, "supportedServices": [] }));
    json_response(
        200,
        &json!({
            "@odata.context": format!("{}/v1.0/$metadata#domains", shared.base()),
            "value": value
        }),
    )
}

/// A `@odata.nextLink` on the simulator's own host, or on another one (T8).
pub(super) fn next_link_base(shared: &Shared) -> String {
    if shared.config.foreign_links {
        // Same port, another loopback address: a different host all the same.
        shared.base().replace("127.0.0.1", "127.0.0.2")
    } else {
        shared.base()
    }
}

fn encode(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

fn decode(s: &str) -> Option<String> {
    let bytes: Option<Vec<u8>> = (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect();
    String::from_utf8(bytes?).ok()
}

/// `$top` (1–999, default 100), or Graph's 400.
pub(super) fn page_size(params: &BTreeMap<String, String>) -> Result<usize, Response> {
    match params.get("$top").map(|t| t.parse::<usize>()) {
        None => Ok(100),
        Some(Ok(t)) if (1..=999).contains(&t) => Ok(t),
        Some(_) => Err(json_response(
            400,
            &graph_error(
                "Request_BadRequest",
                &format!(
                    "Invalid page size specified: '{}'. Must be between 1 and 999 inclusive.",
                    params["$top"]
                ),
                None,
            ),
        )),
    }
}

/// `$select` as a list, or Graph's 400 for an unknown property.
fn parse_select(raw: Option<&String>) -> Result<Option<Vec<String>>, Response> {
    let Some(raw) = raw else { return Ok(None) };
    let names: Vec<String> = raw
        .split(',')
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    if let Some(bad) = names
        .iter()
        .find(|n| !users::known_property(n) && *n != "manager")
    {
        return Err(json_response(
            400,
            &graph_error(
                "Request_BadRequest",
                &format!("Could not find a property named '{bad}' on type 'microsoft.graph.user'."),
                None,
            ),
        ));
    }
    Ok(Some(names))
}

/// The `$filter` forms the connector uses: `<property> eq '<value>'` with `''` escapes.
fn parse_filter(raw: &str) -> Option<(String, String)> {
    let (field, rest) = raw.trim().split_once(" eq ")?;
    let rest = rest.trim();
    let inner = rest.strip_prefix('\'')?.strip_suffix('\'')?;
    if inner.replace("''", "").contains('\'') {
        return None;
    }
    Some((field.trim().to_owned(), inner.replace("''", "'")))
}

async fn list_users(
    State(shared): State<Arc<Shared>>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    shared.lock().counts.list += 1;
    if let Err(r) = permitted(&shared, &headers, READ_USERS) {
        return r;
    }
    let after = match before(&shared, Target::List).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let params: BTreeMap<String, String> = pairs(q.as_deref()).into_iter().collect();
    if params.contains_key("$skip") {
        return json_response(
            400,
            &graph_error(
                "Request_BadRequest",
                "'$skip' is not supported by the service.",
                None,
            ),
        );
    }
    let select = match parse_select(params.get("$select")) {
        Ok(s) => s,
        Err(r) => return r,
    };
    let expand_manager = match params.get("$expand").map(String::as_str) {
        None => false,
        Some("manager" | "manager($select=id)") => true,
        Some(other) => {
            return json_response(
                400,
                &graph_error(
                    "Request_BadRequest",
                    &format!("Unsupported $expand: {other}"),
                    None,
                ),
            );
        }
    };
    let top = match page_size(&params) {
        Ok(top) => top,
        Err(r) => return r,
    };
    // $expand on directory objects returns at most 100 objects a page.
    let page_size = if expand_manager { top.min(100) } else { top };
    let offset = match params
        .get("$skiptoken")
        .map(|t| decode(t).and_then(|d| d.parse::<usize>().ok()))
    {
        None => 0,
        Some(Some(o)) => o,
        Some(None) => {
            return json_response(
                400,
                &graph_error("Request_BadRequest", "Invalid skip token.", None),
            );
        }
    };
    let filter = match params.get("$filter") {
        None => None,
        Some(f) => match parse_filter(f) {
            Some((field, value))
                if ["userPrincipalName", "employeeId", "mail", "id"].contains(&field.as_str()) =>
            {
                Some((field, value))
            }
            _ => {
                return json_response(
                    400,
                    &graph_error("Request_UnsupportedQuery", "Unsupported query.", None),
                );
            }
        },
    };
    // A filter picks from everything; otherwise only the page is copied out.
    let (rows, total) = match &filter {
        None => shared.store.page(offset, page_size),
        Some((field, value)) => {
            let matching: Vec<_> = match field.as_str() {
                "userPrincipalName" => shared.store.user_by_upn(value).into_iter().collect(),
                "id" => shared
                    .store
                    .user(&DirectoryUserId::new(value.as_str()))
                    .into_iter()
                    .collect(),
                _ => shared
                    .store
                    .users()
                    .into_iter()
                    .filter(|u| match field.as_str() {
                        "employeeId" => u.employee_id.as_deref() == Some(value.as_str()),
                        _ => u
                            .mail
                            .as_deref()
                            .is_some_and(|m| m.eq_ignore_ascii_case(value)),
                    })
                    .collect(),
            };
            let total = matching.len();
            (
                matching.into_iter().skip(offset).take(page_size).collect(),
                total,
            )
        }
    };
    // T3: accounts still replicating are not listed (a page may come back short).
    let page: Vec<Value> = rows
        .iter()
        .filter(|u| shared.visible(&u.id))
        .map(|u| {
            let mut v = users::render(u, select.as_deref(), true);
            if expand_manager {
                if let Some(obj) = v.as_object_mut() {
                    obj.insert(
                        "manager".into(),
                        u.manager_id.as_ref().map_or(
                            Value::Null,
                            |m| json!({ "@odata.type": "#microsoft.graph.user", "id": m.as_str() }),
                        ),
                    );
                }
            }
            v
        })
        .collect();
    let mut body = json!({
        "@odata.context": format!("{}/v1.0/$metadata#users", shared.base()),
        "value": page,
    });
    if offset + page_size < total {
        let Ok(mut next) = reqwest::Url::parse(&format!("{}/v1.0/users", next_link_base(&shared)))
        else {
            return json_response(
                500,
                &graph_error("InternalServerError", "bad base URL", None),
            );
        };
        {
            let mut qp = next.query_pairs_mut();
            for (k, v) in &params {
                if k != "$skiptoken" {
                    qp.append_pair(k, v);
                }
            }
            qp.append_pair("$skiptoken", &encode(&(offset + page_size).to_string()));
        }
        if let Some(obj) = body.as_object_mut() {
            obj.insert("@odata.nextLink".into(), json!(next.as_str()));
        }
    }
    if after == Some(Fault::DropAfter) {
        return crate::dropped(b"{\"value\":[");
    }
    json_response(200, &body)
}

async fn delta(
    State(shared): State<Arc<Shared>>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Response {
    shared.lock().counts.delta += 1;
    if let Err(r) = permitted(&shared, &headers, READ_USERS) {
        return r;
    }
    if let Err(r) = before(&shared, Target::Delta).await {
        return r;
    }
    let params: BTreeMap<String, String> = pairs(q.as_deref()).into_iter().collect();
    let epoch = shared.lock().delta_floor;
    let base = shared.base();
    let link = |state: &str| format!("{base}/v1.0/users/delta?$deltatoken={}", encode(state));
    // State carried in tokens: "epoch|cursor|select|offset".
    let (select_raw, cursor, offset, initial) = if let Some(token) = params.get("$deltatoken") {
        if token == "latest" {
            let select_raw = params.get("$select").cloned().unwrap_or_default();
            if let Err(r) = parse_select(Some(&select_raw)) {
                return r;
            }
            let cursor = shared.feed_position();
            return json_response(
                200,
                &json!({
                    "@odata.context": format!("{base}/v1.0/$metadata#users"),
                    "@odata.deltaLink": link(&format!("{epoch}|{cursor}|{select_raw}|0")),
                    "value": []
                }),
            );
        }
        let Some(state) = decode(token) else {
            return json_response(
                400,
                &graph_error("Request_BadRequest", "Invalid delta token.", None),
            );
        };
        let parts: Vec<&str> = state.splitn(4, '|').collect();
        if parts.len() != 4 || parts[0].parse::<u64>().ok() != Some(epoch) {
            let mut r = json_response(
                410,
                &graph_error(
                    "resyncRequired",
                    "The delta token has expired; a full synchronization is required.",
                    None,
                ),
            );
            if let Ok(v) = format!("{base}/v1.0/users/delta").parse() {
                r.headers_mut().insert(header::LOCATION, v);
            }
            return r;
        }
        (
            parts[2].to_owned(),
            Some(parts[1].to_owned()),
            parts[3].parse::<usize>().unwrap_or(0),
            false,
        )
    } else if let Some(skip) = params.get("$skiptoken") {
        let Some(state) = decode(skip) else {
            return json_response(
                400,
                &graph_error("Request_BadRequest", "Invalid skip token.", None),
            );
        };
        let parts: Vec<&str> = state.splitn(4, '|').collect();
        if parts.len() != 4 {
            return json_response(
                400,
                &graph_error("Request_BadRequest", "Invalid skip token.", None),
            );
        }
        let cursor = (!parts[1].is_empty()).then(|| parts[1].to_owned());
        (
            parts[2].to_owned(),
            cursor,
            parts[3].parse::<usize>().unwrap_or(0),
            true,
        )
    } else {
        (
            params.get("$select").cloned().unwrap_or_default(),
            None,
            0,
            true,
        )
    };
    let select = match parse_select(Some(&select_raw)) {
        Ok(s) => s.unwrap_or_default(),
        Err(r) => return r,
    };
    let with_manager = select.iter().any(|s| s == "manager");
    // The users of this page and where the next round starts. An initial round pages through
    // the live directory and ends with the position taken when the round began (carried as
    // "init:<cursor>"), so a change made during the round is replayed, never missed.
    let page_size = shared.config.delta_page;
    let round_start = cursor
        .as_deref()
        .and_then(|c| c.strip_prefix("init:"))
        .map(str::to_owned);
    let initial_round = initial && (cursor.is_none() || round_start.is_some());
    let mut removed_ids: Vec<DirectoryUserId> = Vec::new();
    let (users, total, managers, next_cursor, carried) = if initial_round {
        let start = round_start.unwrap_or_else(|| shared.feed_position());
        let (users, total) = shared.store.page(offset, page_size);
        let managers: BTreeMap<DirectoryUserId, Option<DirectoryUserId>> = users
            .iter()
            .map(|u| (u.id.clone(), u.manager_id.clone()))
            .collect();
        (
            users,
            total,
            managers,
            start.clone(),
            format!("init:{start}"),
        )
    } else {
        let from = cursor.clone().unwrap_or_default();
        match shared.store.changes_since(&from) {
            Some(feed) => {
                // The position after everything listed (recomputed per page, so a change made
                // between pages is in a later page, and the final link is past it).
                let total = feed.changed.len();
                let last_page = offset + page_size >= total;
                let managers = feed
                    .changed
                    .iter()
                    .map(|u| (u.id.clone(), u.manager_id.clone()))
                    .collect();
                let users: Vec<_> = feed
                    .changed
                    .into_iter()
                    .skip(offset)
                    .take(page_size)
                    .collect();
                if last_page {
                    removed_ids = feed.removed;
                }
                (users, total, managers, feed.position, from)
            }
            None => {
                return json_response(
                    410,
                    &graph_error(
                        "resyncRequired",
                        "The delta token has expired; a full synchronization is required.",
                        None,
                    ),
                );
            }
        }
    };
    // T3: accounts still replicating are left out, and the round's end position is held
    // back before their change, so a later round lists them.
    let next_cursor = shared.hold_back(&next_cursor);
    let users: Vec<_> = users
        .into_iter()
        .filter(|u| shared.visible(&u.id))
        .collect();
    let mut page: Vec<Value> = users
        .iter()
        .map(|u| {
            let mut v = users::render(u, Some(&select), true);
            if with_manager {
                if let (Some(obj), Some(m)) = (v.as_object_mut(), managers.get(&u.id)) {
                    obj.remove("manager");
                    let refs: Vec<Value> = m.iter().map(|id| json!({ "@odata.type": "#microsoft.graph.user", "id": id.as_str() })).collect();
                    obj.insert("manager@delta".into(), Value::Array(refs));
                }
            }
            v
        })
        .collect();
    // T7: Graph may list an entity several times in a round; a deleted user may show up as
    // changed before its removal.
    if shared.config.delta_replays {
        let again = page.clone();
        page.extend(again);
    }
    for id in &removed_ids {
        let tomb = shared.lock().tombstones.get(id).cloned();
        if let (true, Some(old)) = (shared.config.delta_replays, tomb) {
            page.push(users::render(&old, Some(&select), true));
        }
        page.push(json!({ "id": id.as_str(), "@removed": { "reason": "deleted" } }));
    }
    let mut body =
        json!({ "@odata.context": format!("{base}/v1.0/$metadata#users"), "value": page });
    let key = if offset + page_size < total {
        // More pages of this round: carry the round's start.
        let state = format!("{epoch}|{carried}|{select_raw}|{}", offset + page_size);
        (
            "@odata.nextLink",
            format!(
                "{}/v1.0/users/delta?$skiptoken={}",
                next_link_base(&shared),
                encode(&state)
            ),
        )
    } else {
        (
            "@odata.deltaLink",
            link(&format!("{epoch}|{next_cursor}|{select_raw}|0")),
        )
    };
    if let Some(obj) = body.as_object_mut() {
        obj.insert(key.0.into(), json!(key.1));
    }
    json_response(200, &body)
}

/// One write, from a top-level request or a `$batch` sub-request: Graph's status, body and
/// `Retry-After`.
async fn write(
    shared: &Shared,
    method: &Method,
    path: &str,
    body: Option<&Value>,
) -> (u16, Value, Option<u64>) {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    if segments.first() == Some(&"groups") {
        return match take_write(shared) {
            Some(throttled) => throttled,
            None => super::groups::write(shared, method.as_str(), &segments, body)
                .map_or((404, Value::Null, None), |(status, answer)| {
                    (status, answer, None)
                }),
        };
    }
    // T1: what each write needs.
    let allowed = match (method.as_str(), segments.as_slice()) {
        ("POST", ["users", _, "revokeSignInSessions"]) => shared.granted(&[
            "User.RevokeSessions.All",
            "User.ReadWrite.All",
            "Directory.ReadWrite.All",
        ]),
        // Creating a Temporary Access Pass needs an authentication-methods permission;
        // User.ReadWrite.All does not cover it.
        ("POST", ["users", _, "authentication", "temporaryAccessPassMethods"]) => {
            shared.granted(&["UserAuthenticationMethod.ReadWrite.All"])
        }
        ("PATCH", _) if body.and_then(|b| b.get("employeeLeaveDateTime")).is_some() => {
            shared.granted(WRITE_USERS) && shared.granted(&["User-LifeCycleInfo.ReadWrite.All"])
        }
        _ => shared.granted(WRITE_USERS),
    };
    if !allowed {
        let (status, body) = denied(shared);
        return (status, body, None);
    }
    // T3: an account still replicating cannot be written or referenced yet.
    if let ["users", id, ..] = segments.as_slice() {
        if !shared.visible(&DirectoryUserId::new(*id)) {
            let (status, body) = not_found(id);
            return (status, body, None);
        }
    }
    if let Some(m) = body.and_then(users::reference_id) {
        if !shared.visible(&m) {
            let (status, body) = not_found(m.as_str());
            return (status, body, None);
        }
    }
    let required = || {
        (
            400,
            graph_error("Request_BadRequest", "A request body is required.", None),
            None,
        )
    };
    // Decode the request completely before the quota is charged: a malformed one costs none.
    let write = match (method.as_str(), segments.as_slice()) {
        ("POST", ["users"]) => match body.map(users::new_user) {
            Some(Ok(new)) => Write::Create(Box::new(new)),
            Some(Err((s, b))) => return (s, b, None),
            None => return required(),
        },
        ("PATCH", ["users", id]) => match body.map(users::changes) {
            Some(Ok(changes)) => Write::Update(DirectoryUserId::new(*id), changes),
            Some(Err((s, b))) => return (s, b, None),
            None => return required(),
        },
        ("PUT", ["users", id, "manager", "$ref"]) => match body.and_then(users::reference_id) {
            Some(m) => Write::Manager(DirectoryUserId::new(*id), Some(m)),
            None => {
                return (
                    400,
                    graph_error("Request_BadRequest", "Invalid @odata.id.", None),
                    None,
                );
            }
        },
        ("DELETE", ["users", id, "manager", "$ref"]) => {
            let id = DirectoryUserId::new(*id);
            // Removing a manager the user does not have is a 404 for the reference.
            let manager = shared.store.user(&id).and_then(|u| u.manager_id);
            if manager.is_none() {
                let (status, body) = not_found(id.as_str());
                return (status, body, None);
            }
            Write::Manager(id, None)
        }
        ("POST", ["users", id, "revokeSignInSessions"]) => Write::Revoke(DirectoryUserId::new(*id)),
        ("POST", ["users", id, "authentication", "temporaryAccessPassMethods"]) => {
            match users::access_pass_request(body, shared.config.access_pass_lifetime) {
                Ok(request) => Write::AccessPass(DirectoryUserId::new(*id), request),
                Err((s, b)) => return (s, b, None),
            }
        }
        _ => {
            return (
                400,
                graph_error("BadRequest", "Resource not found for the segment.", None),
                None,
            );
        }
    };
    if let Some(throttled) = take_write(shared) {
        return throttled;
    }
    let store = &shared.store;
    let done: Result<(u16, Value), (u16, Value)> = match &write {
        Write::Create(new) => store.create(new).map(|user| {
            shared.born(&user.id);
            (201, users::render(&user, None, false))
        }),
        Write::Update(id, changes) => store.update(id, changes).map(|()| (204, Value::Null)),
        Write::Manager(id, manager) => store
            .set_manager(id, manager.as_ref())
            .map(|()| (204, Value::Null)),
        Write::Revoke(id) => store.revoke(id).map(|()| {
            let context = format!("{}/v1.0/$metadata#Edm.Boolean", shared.base());
            (200, json!({ "@odata.context": context, "value": true }))
        }),
        Write::AccessPass(id, request) => store
            .access_pass(id, request)
            .map(|pass| (201, users::access_pass_answer(&pass))),
    };
    match done {
        Ok((status, answer)) => {
            let mut s = shared.lock();
            s.counts.writes += 1;
            if matches!(write, Write::Create(_)) {
                s.counts.creates += 1;
            }
            (status, answer, None)
        }
        Err((status, answer)) => (status, answer, None),
    }
}

/// A decoded write.
enum Write {
    Create(Box<NewUser>),
    Update(DirectoryUserId, super::store::Changes),
    Manager(DirectoryUserId, Option<DirectoryUserId>),
    Revoke(DirectoryUserId),
    AccessPass(DirectoryUserId, AccessPassRequest),
}

/// One write from the quota (3,000 per 150 s), or Graph's 429 with `Retry-After`.
fn take_write(shared: &Shared) -> Option<(u16, Value, Option<u64>)> {
    let mut s = shared.lock();
    match s.writes.admit(Instant::now().into_std()) {
        Ok(()) => None,
        Err(wait) => {
            s.counts.throttled += 1;
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            Some((
                429,
                graph_error("TooManyRequests", "Please retry again later.", None),
                Some(secs.max(1)),
            ))
        }
    }
}

/// A write outside `$batch` (create, PATCH, manager reference, session revocation): the same
/// rules as a `$batch` item for the same method and path, answered on its own.
async fn top_level(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(r) = authorized(&shared, &headers) {
        return r;
    }
    let path = uri.path().strip_prefix("/v1.0").unwrap_or(uri.path());
    let body: Option<Value> =
        (!body.is_empty()).then(|| serde_json::from_slice(&body).unwrap_or(Value::Null));
    let (status, answer, retry) = write(&shared, &method, path, body.as_ref()).await;
    match retry {
        Some(after) => throttled(after),
        None => json_response(status, &answer),
    }
}

/// A `$batch` request as JSON batching documents it: `requests`, each with an `id`, a
/// `method`, a `url` relative to the version root, optional `headers` and `body`.
#[derive(serde::Deserialize)]
struct BatchEnvelope {
    requests: Vec<BatchPart>,
}

/// One request of a `$batch`.
#[derive(serde::Deserialize)]
struct BatchPart {
    id: String,
    method: String,
    url: String,
    #[serde(default)]
    headers: BTreeMap<String, String>,
    #[serde(default)]
    body: Option<Value>,
}

async fn batch(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    shared.lock().counts.batch += 1;
    if let Err(r) = authorized(&shared, &headers) {
        return r;
    }
    let after = match before(&shared, Target::Batch).await {
        Ok(a) => a,
        Err(r) => return r,
    };
    let Ok(request) = serde_json::from_slice::<BatchEnvelope>(&body) else {
        return json_response(
            400,
            &graph_error("BadRequest", "Invalid batch payload format.", None),
        );
    };
    let n = request.requests.len();
    shared.lock().batch_sizes.push(n);
    if n == 0 || n > 20 {
        return json_response(
            400,
            &graph_error(
                "BadRequest",
                "Number of requests in a batch must be between 1 and 20.",
                None,
            ),
        );
    }
    let ids: BTreeSet<String> = request
        .requests
        .iter()
        .map(|r| r.id.to_lowercase())
        .collect();
    if ids.len() != n {
        return json_response(
            400,
            &graph_error("BadRequest", "Batch request ids must be unique.", None),
        );
    }
    // T2: a write sub-request must carry a Content-Type header and a body (`{}` when the
    // action takes none); a body needs the header whatever the method.
    let is_write = |m: &str| {
        ["POST", "PATCH", "PUT"]
            .iter()
            .any(|w| w.eq_ignore_ascii_case(m))
    };
    if let Some(r) = request.requests.iter().find(|r| {
        let typed = r
            .headers
            .keys()
            .any(|k| k.eq_ignore_ascii_case("content-type"));
        (r.body.is_some() && !typed) || (is_write(&r.method) && (r.body.is_none() || !typed))
    }) {
        return json_response(
            400,
            &graph_error(
                "BadRequest",
                &format!(
                    "Write request id : {} does not contain Content-Type header or body.",
                    r.id
                ),
                None,
            ),
        );
    }
    let creates = request
        .requests
        .iter()
        .any(|r| r.method.eq_ignore_ascii_case("POST") && r.url.trim_end_matches('/') == "/users");
    let after = if creates {
        match before(&shared, Target::CreateBatch).await {
            Ok(a) => after.or(a),
            Err(r) => return r,
        }
    } else {
        after
    };
    let mut responses = Vec::with_capacity(n);
    for item in &request.requests {
        shared.lock().counts.batch_items += 1;
        let method = Method::from_bytes(item.method.as_bytes()).unwrap_or(Method::GET);
        let injected = shared.take_fault(Target::BatchItem);
        let (status, answer, retry) = match injected {
            Some(Fault::Throttle(after)) => {
                shared.lock().counts.throttled += 1;
                (
                    429,
                    graph_error("TooManyRequests", "Please retry again later.", None),
                    Some(after),
                )
            }
            Some(Fault::Status(code)) => (
                code,
                graph_error(
                    "ServiceUnavailable",
                    "The service is temporarily unavailable.",
                    None,
                ),
                None,
            ),
            _ => write(&shared, &method, &item.url, item.body.as_ref()).await,
        };
        let mut headers = BTreeMap::new();
        if let Some(after) = retry {
            headers.insert("Retry-After".to_owned(), after.to_string());
        }
        if status != 204 {
            headers.insert("Content-Type".to_owned(), "application/json".to_owned());
        }
        responses.push(json!({
            "id": item.id,
            "status": status,
            "headers": headers,
            "body": if status == 204 { Value::Null } else { answer },
        }));
    }
    // Order is not guaranteed: answer in reverse, so clients must correlate by id.
    responses.reverse();
    if after == Some(Fault::DropAfter) {
        return crate::dropped(b"{\"responses\":[");
    }
    json_response(200, &json!({ "responses": responses }))
}
