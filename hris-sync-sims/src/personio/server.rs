//! The simulator's HTTP handlers.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{FromRequestParts, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use tokio::time::Instant;

use super::render;
use super::{Fault, PersonioSim, Seen, Shared};

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/v1/auth", post(auth))
        .route("/v1/company/employees", get(employees))
        .route("/v1/company/employees/attributes", get(attributes))
        .route("/v1/company/employees/{id}", get(employee_by_id))
        .route("/v2/auth/token", post(super::v2::token))
        .route("/v2/persons", get(super::v2::persons))
        .route("/v2/persons/{id}", get(super::v2::person_by_id))
        .route("/v2/persons/{id}/employments", get(super::v2::employments))
        .route("/v2/org-units/{id}", get(super::v2::org_unit))
        .route(
            "/v2/webhooks",
            get(super::v2::webhooks_list).post(super::v2::webhooks_create),
        )
        .route(
            "/v2/webhooks/{id}",
            axum::routing::delete(super::v2::webhooks_delete),
        )
        .route("/v1/company/employees/custom-attributes", get(attributes))
        .fallback(not_found)
        .with_state(shared)
}

fn v1_error(status: StatusCode, code: i64, message: &str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        json!({ "success": false, "error": { "code": code, "message": message } }).to_string(),
    )
        .into_response()
}

/// `200 OK` with a JSON body.
fn json_ok(body: &Value) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response()
}

async fn not_found() -> Response {
    // Personio's 404 messages may be German.
    v1_error(StatusCode::NOT_FOUND, 0, "Es ist ein Problem aufgetreten")
}

/// A decoded query string or form body: its pairs in order.
pub(super) struct Form(Vec<(String, String)>);

impl Form {
    /// The first value given for `key`.
    pub(super) fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Whether any of `keys` is given.
    pub(super) fn has_any(&self, keys: &[&str]) -> bool {
        self.0.iter().any(|(k, _)| keys.contains(&k.as_str()))
    }
}

pub(super) fn query_pairs(raw: Option<&str>) -> Form {
    raw.map_or(Form(Vec::new()), url_pairs)
}

/// Minimal `application/x-www-form-urlencoded` decoding (the simulator needs no more).
pub(super) fn url_pairs(q: &str) -> Form {
    Form(
        q.split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (decode(k), decode(v))
            })
            .collect(),
    )
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn record(shared: &Shared, path: &str, query: Option<&str>, headers: &HeaderMap) {
    let h = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    shared.lock().seen.push(Seen {
        path: path.to_owned(),
        query: query.unwrap_or_default().to_owned(),
        app_id: h("x-personio-app-id"),
        partner_id: h("x-personio-partner-id"),
    });
}

async fn auth(
    State(shared): State<Arc<Shared>>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    record(&shared, "POST /v1/auth", query.as_deref(), &headers);
    shared.lock().counts.auth += 1;
    if query_pairs(query.as_deref()).has_any(&["client_secret", "client_id"]) {
        return v1_error(
            StatusCode::FORBIDDEN,
            0,
            "Credentials in the query string are no longer accepted",
        );
    }
    {
        let mut s = shared.lock();
        if s.auth_budget.admit(Instant::now().into_std()).is_err() {
            s.counts.throttled += 1;
            return v1_error(StatusCode::TOO_MANY_REQUESTS, 429, "Too many requests");
        }
    }
    let is_json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let (id, secret) = if is_json {
        let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        (
            v.get("client_id")
                .and_then(Value::as_str)
                .map(str::to_owned),
            v.get("client_secret")
                .and_then(Value::as_str)
                .map(str::to_owned),
        )
    } else {
        let form = url_pairs(&String::from_utf8_lossy(&body));
        let get = |k: &str| form.get(k).map(str::to_owned);
        (get("client_id"), get("client_secret"))
    };
    if id.as_deref() != Some(shared.config.client_id.as_str())
        || secret.as_deref() != Some(shared.config.client_secret.as_str())
    {
        return v1_error(
            StatusCode::UNAUTHORIZED,
            0,
            "The client credentials are invalid",
        );
    }
    let token = new_token(&shared);
    let body = json!({
        "success": true,
        "data": { "token": token, "expires_in": shared.config.token_ttl.as_secs(), "scope": "employees:read" }
    });
    json_ok(&body)
}

/// The token of the request, if it is valid; otherwise the 401/403 answer.
pub(super) fn authorize(shared: &Shared, headers: &HeaderMap) -> Result<String, Box<Response>> {
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        shared.lock().counts.unauthorized += 1;
        return Err(Box::new(v1_error(
            StatusCode::UNAUTHORIZED,
            0,
            "Authorization is not provided",
        )));
    };
    let token = value
        .strip_prefix("Bearer ")
        .unwrap_or(value)
        .trim()
        .to_owned();
    let mut s = shared.lock();
    match s.tokens.get(&token) {
        Some(expires) if Instant::now() < *expires => Ok(token),
        _ => {
            s.counts.unauthorized += 1;
            Err(Box::new(v1_error(
                StatusCode::FORBIDDEN,
                0,
                "Provided authorization is not valid",
            )))
        }
    }
}

pub(super) fn new_token(shared: &Shared) -> String {
    let ttl = shared.scaled(shared.config.token_ttl);
    let s = &mut *shared.lock();
    crate::issue_token(&mut s.next_token, &mut s.tokens, ("papi-sim-", '-'), ttl)
}

fn with_token(shared: &Shared, token: &str, mut response: Response) -> Response {
    let next = if shared.config.rotate_tokens {
        shared.lock().tokens.remove(token);
        new_token(shared)
    } else {
        token.to_owned()
    };
    if shared.config.echo_token || shared.config.rotate_tokens {
        if let Ok(v) = format!("Bearer {next}").parse() {
            response.headers_mut().insert(header::AUTHORIZATION, v);
        }
    }
    response
}

/// A v1 read, taken from the request: recorded with its query and app headers, counted
/// under its endpoint, and its bearer token checked (a refusal answers instead).
struct V1 {
    shared: Arc<Shared>,
    query: Option<String>,
    token: String,
}

impl FromRequestParts<Arc<Shared>> for V1 {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, shared: &Arc<Shared>) -> Result<Self, Response> {
        let query = parts.uri.query().map(str::to_owned);
        let (path, count): (&str, fn(&mut super::Counts)) = match parts.uri.path() {
            "/v1/company/employees" => ("GET /v1/company/employees", |c| c.employees += 1),
            p if p.ends_with("attributes") => ("GET /v1/company/employees/attributes", |c| {
                c.attributes += 1
            }),
            _ => ("GET /v1/company/employees/{id}", |c| c.by_id += 1),
        };
        record(shared, path, query.as_deref(), &parts.headers);
        count(&mut shared.lock().counts);
        let token = authorize(shared, &parts.headers).map_err(|r| *r)?;
        Ok(Self {
            shared: Arc::clone(shared),
            query,
            token,
        })
    }
}

async fn attributes(V1 { shared, token, .. }: V1) -> Response {
    let body = render::allowed_attributes(&PersonioSim::readable(&shared));
    with_token(&shared, &token, json_ok(&body))
}

/// The injected fault for this request, if any.
pub(super) fn take_fault(shared: &Shared, offset: u64) -> Option<Fault> {
    let mut s = shared.lock();
    if let Some((fault, times)) = s.page_faults.get_mut(&offset) {
        if *times > 0 {
            *times -= 1;
            return Some(fault.clone());
        }
    }
    let queued = s.faults.pop_front();
    queued.or_else(|| s.random_fault())
}

/// The 429 of the documented per-minute limit on `/v1/company/employees` (list and by id),
/// when the budget is spent.
pub(super) fn over_list_budget(shared: &Shared) -> Option<Response> {
    let mut s = shared.lock();
    if s.list_budget.admit(Instant::now().into_std()).is_err() {
        s.counts.throttled += 1;
        return Some(v1_error(
            StatusCode::TOO_MANY_REQUESTS,
            429,
            "Too many requests",
        ));
    }
    None
}

/// The answer an injected fault gives instead of the real one (a latency fault only waits).
pub(super) async fn fault_answer(shared: &Shared, fault: Option<Fault>) -> Option<Response> {
    let response = match fault? {
        Fault::Status(code) => {
            shared.lock().counts.faults += 1;
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            v1_error(status, i64::from(code), "Internal server error")
        }
        Fault::Throttle(after) => {
            shared.lock().counts.throttled += 1;
            let mut r = v1_error(StatusCode::TOO_MANY_REQUESTS, 429, "Too many requests");
            if let Some(a) = after.and_then(|a| a.to_string().parse().ok()) {
                r.headers_mut().insert(header::RETRY_AFTER, a);
            }
            r
        }
        Fault::Drop => {
            shared.lock().counts.faults += 1;
            crate::dropped(b"{\"success\":true,\"metadata\":{\"total_elements\":")
        }
        Fault::Latency(d) => {
            tokio::time::sleep(d).await;
            return None;
        }
    };
    Some(response)
}

/// `GET /v1/company/employees/{id}`: `{success, data: {type: "Employee", attributes}}`, or
/// the v1 error body with 404 (its message in German, as Personio sends it: clients must not
/// read it). Counted against the same per-minute budget as the list, as the rate limit names
/// the endpoint's path.
async fn employee_by_id(
    axum::extract::Path(id): axum::extract::Path<String>,
    V1 { shared, token, .. }: V1,
) -> Response {
    if let Some(r) = over_list_budget(&shared) {
        return r;
    }
    // Injected faults reach by-id reads through the shared queue (page faults are the list's).
    if let Some(r) = fault_answer(&shared, take_fault(&shared, u64::MAX)).await {
        return r;
    }
    let record = {
        let s = shared.lock();
        let visible = |k: &str| shared.visible(k);
        let found = hris_sync_core::EmployeeId::new(id.clone())
            .ok()
            .and_then(|key| s.employees.get(&key))
            .map(|e| {
                let boss = e.supervisor_id.as_ref().and_then(|b| s.employees.get(b));
                render::employee(e, boss, &visible)
            });
        found.or_else(|| {
            s.raw
                .iter()
                .find(|r| {
                    let v = &r["attributes"]["id"]["value"];
                    v.as_str() == Some(id.as_str())
                        || v.as_u64().is_some_and(|n| n.to_string() == id)
                })
                .cloned()
        })
    };
    match record {
        Some(data) => with_token(
            &shared,
            &token,
            json_ok(&json!({"success": true, "data": data})),
        ),
        None => v1_error(StatusCode::NOT_FOUND, 0, "Es ist ein Problem aufgetreten"),
    }
}

async fn employees(
    V1 {
        shared,
        token,
        query,
    }: V1,
) -> Response {
    if let Some(r) = over_list_budget(&shared) {
        return r;
    }
    let form = query_pairs(query.as_deref());
    let param = |k: &str| form.get(k).map(str::to_owned);
    let limit = match param("limit").map(|l| l.parse::<u32>()) {
        None => shared.config.default_limit,
        Some(Ok(l)) if (1..=shared.config.max_limit).contains(&l) => l,
        Some(_) => {
            return v1_error(
                StatusCode::BAD_REQUEST,
                400,
                &format!(
                    "The limit must be between 1 and {}.",
                    shared.config.max_limit
                ),
            );
        }
    };
    let Ok(offset) = param("offset").map_or(Ok(0), |o| o.parse::<u64>()) else {
        return v1_error(
            StatusCode::BAD_REQUEST,
            400,
            "The offset must be a non-negative integer.",
        );
    };
    let since = match param("updated_since") {
        None => None,
        Some(s) => match render::parse_since(&s) {
            Some(t) => Some(t),
            None => {
                return v1_error(
                    StatusCode::BAD_REQUEST,
                    400,
                    "updated_since is not a valid date",
                );
            }
        },
    };
    let email = if since.is_none() {
        param("email")
    } else {
        None
    };

    if let Some(r) = fault_answer(&shared, take_fault(&shared, offset)).await {
        return r;
    }

    // Select first, render only the page: the list is long, a page is short.
    let (total, page) = {
        let s = shared.lock();
        let visible = |k: &str| shared.visible(k);
        enum Row<'a> {
            Employee(&'a hris_sync_core::Employee),
            Raw(&'a Value),
        }
        let mut rows: Vec<Row<'_>> = s
            .employees
            .values()
            .filter(|e| since.is_none_or(|t| e.updated_at.is_none_or(|u| u > t)))
            .filter(|e| {
                email.as_ref().is_none_or(|m| {
                    e.email
                        .as_deref()
                        .is_some_and(|x| x.eq_ignore_ascii_case(m))
                })
            })
            .map(Row::Employee)
            .collect();
        if since.is_none() && email.is_none() {
            rows.extend(s.raw.iter().map(Row::Raw));
        }
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(rows.len());
        let take = usize::try_from(shared.config.short_pages.map_or(limit, |n| n.min(limit)))
            .unwrap_or(usize::MAX);
        let range = if s.duplicate_at_page_edges && start > 0 {
            // The list shifted by one between reads: the previous page's last record comes again.
            (start - 1)..(start + take - 1).min(rows.len())
        } else {
            start..(start + take).min(rows.len())
        };
        let page: Vec<Value> = rows[range]
            .iter()
            .map(|row| match row {
                Row::Employee(e) => {
                    let boss = e.supervisor_id.as_ref().and_then(|id| s.employees.get(id));
                    render::employee(e, boss, &visible)
                }
                Row::Raw(v) => (*v).clone(),
            })
            .collect();
        (rows.len() as u64, page)
    };
    let limit64 = u64::from(limit);
    let body = json!({
        "success": true,
        "metadata": {
            "total_elements": total,
            "current_page": offset / limit64,
            "total_pages": total.div_ceil(limit64),
        },
        "offset": offset,
        "limit": limit,
        "data": page,
    });
    with_token(&shared, &token, json_ok(&body))
}
