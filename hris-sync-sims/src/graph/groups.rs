//! Groups in the Graph simulator (docs/rules.md §10, G3, G4), as Graph answers them:
//!
//! - `GET /groups/{id}` with `$select` of `id`, `displayName`, `groupTypes`, `mailEnabled`,
//!   `securityEnabled`, `isAssignableToRole`, `onPremisesSyncEnabled`; 404
//!   `Request_ResourceNotFound` for an unknown id. Reading needs `GroupMember.Read.All`,
//!   `GroupMember.ReadWrite.All`, `Group.Read.All`, `Group.ReadWrite.All` or
//!   `Directory.Read.All` (Graph's permission table for group reads).
//! - `GET /groups/{id}/members/microsoft.graph.user` with `$select=id` and `$top` (1–999,
//!   default 100), paged by `@odata.nextLink`; the cast leaves out members that are no user
//!   (nested groups, devices), which the simulator holds too.
//! - `POST /groups/{id}/members/$ref` with `{"@odata.id": ".../directoryObjects/{id}"}` and
//!   `DELETE /groups/{id}/members/{userId}/$ref`, each 204, needing
//!   `GroupMember.ReadWrite.All` (or `Group.ReadWrite.All`, `Directory.ReadWrite.All`). A
//!   member already there is 400 "One or more added object references already exist for the
//!   following modified properties: 'members'."; removing a non-member is 404. Graph refuses
//!   membership writes to a dynamic group (400), to a mail-enabled group that is not a
//!   Microsoft 365 group (400 "Cannot Update a mail-enabled security groups and or
//!   distribution list."), to a group synchronised from on-premises (400), and to a
//!   role-assignable group without `RoleManagement.ReadWrite.Directory` (403). The exact
//!   wording of the dynamic and on-premises refusals is this simulator's choice; their status
//!   is Graph's. An account still replicating (T3) is 404 to a membership write naming it.

// Handlers answer with a whole `Response` on their error path, as the server's do.
#![allow(clippy::result_large_err)]

use std::collections::{BTreeMap, BTreeSet};

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use hris_sync_core::DirectoryUserId;
use serde_json::{Value, json};
use std::sync::Arc;

use super::Shared;
use super::server::{json_response, not_found, pairs, permitted};
use super::users::graph_error;

/// A group as the simulator holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimGroup {
    /// The object id.
    pub id: String,
    /// `displayName`.
    pub display_name: String,
    /// `groupTypes` (`Unified`, `DynamicMembership`).
    pub group_types: Vec<String>,
    /// `mailEnabled`.
    pub mail_enabled: bool,
    /// `securityEnabled`.
    pub security_enabled: bool,
    /// `isAssignableToRole`.
    pub is_assignable_to_role: bool,
    /// `onPremisesSyncEnabled` (`None`: never synchronised).
    pub on_premises_sync_enabled: Option<bool>,
    /// User members.
    pub members: BTreeSet<DirectoryUserId>,
    /// Members that are no user (nested groups, devices): listed by Graph's plain
    /// `/members`, left out by the `microsoft.graph.user` cast.
    pub other_members: BTreeSet<String>,
}

impl SimGroup {
    /// A cloud security group with no members.
    pub fn security(id: impl Into<String>, name: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            display_name: name.into(),
            group_types: Vec::new(),
            mail_enabled: false,
            security_enabled: true,
            is_assignable_to_role: false,
            on_premises_sync_enabled: None,
            members: BTreeSet::new(),
            other_members: BTreeSet::new(),
        }
    }

    fn json(&self, select: Option<&[String]>) -> Value {
        let all = json!({
            "id": self.id,
            "displayName": self.display_name,
            "groupTypes": self.group_types,
            "mailEnabled": self.mail_enabled,
            "securityEnabled": self.security_enabled,
            "isAssignableToRole": self.is_assignable_to_role,
            "onPremisesSyncEnabled": self.on_premises_sync_enabled,
        });
        match (select, all) {
            (Some(names), Value::Object(map)) => Value::Object(
                map.into_iter()
                    .filter(|(k, _)| k == "id" || names.iter().any(|n| n == k))
                    .collect(),
            ),
            (_, v) => v,
        }
    }

    /// Graph's refusal of a membership write to this group, if it refuses.
    fn refuses(&self, shared: &Shared) -> Option<(u16, Value)> {
        let bad = |m: &str| Some((400, graph_error("Request_BadRequest", m, None)));
        if self.group_types.iter().any(|t| t == "DynamicMembership") {
            return bad("Unable to update the members of a group with dynamic membership.");
        }
        if self.on_premises_sync_enabled == Some(true) {
            return bad(
                "Unable to update the specified properties for on-premises mastered Directory Sync objects or objects currently undergoing migration.",
            );
        }
        if self.mail_enabled && !self.group_types.iter().any(|t| t == "Unified") {
            return bad("Cannot Update a mail-enabled security groups and or distribution list.");
        }
        if self.is_assignable_to_role && !shared.granted(&["RoleManagement.ReadWrite.Directory"]) {
            return Some(super::server::denied(shared));
        }
        None
    }
}

const READ: &[&str] = &[
    "GroupMember.Read.All",
    "GroupMember.ReadWrite.All",
    "Group.Read.All",
    "Group.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
];
const WRITE: &[&str] = &[
    "GroupMember.ReadWrite.All",
    "Group.ReadWrite.All",
    "Directory.ReadWrite.All",
];

/// A group read, taken from the request: counted, permitted (T1), the group id from the path
/// and the query parameters.
pub(super) struct GroupRead {
    shared: Arc<Shared>,
    id: String,
    params: BTreeMap<String, String>,
}

impl FromRequestParts<Arc<Shared>> for GroupRead {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, shared: &Arc<Shared>) -> Result<Self, Response> {
        let Path(id) = Path::<String>::from_request_parts(parts, shared)
            .await
            .map_err(IntoResponse::into_response)?;
        shared.lock().counts.groups += 1;
        permitted(shared, &parts.headers, READ)?;
        Ok(Self {
            shared: Arc::clone(shared),
            id,
            params: pairs(parts.uri.query()).into_iter().collect(),
        })
    }
}

fn missing(id: &str) -> Response {
    let (status, body) = not_found(id);
    json_response(status, &body)
}

/// `GET /v1.0/groups/{id}`.
pub(super) async fn get_group(read: GroupRead) -> Response {
    let GroupRead { shared, id, params } = read;
    let select: Option<Vec<String>> = params
        .get("$select")
        .map(|s| s.split(',').map(|p| p.trim().to_owned()).collect());
    let group = shared.lock().groups.get(&id).cloned();
    match group {
        Some(g) => json_response(200, &g.json(select.as_deref())),
        None => missing(&id),
    }
}

/// `GET /v1.0/groups/{id}/members/microsoft.graph.user`.
pub(super) async fn user_members(read: GroupRead) -> Response {
    let GroupRead { shared, id, params } = read;
    let top = match super::server::page_size(&params) {
        Ok(t) => t,
        Err(r) => return r,
    };
    let skip: usize = params
        .get("$skiptoken")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let Some(group) = shared.lock().groups.get(&id).cloned() else {
        return missing(&id);
    };
    let visible: Vec<&DirectoryUserId> =
        group.members.iter().filter(|m| shared.visible(m)).collect();
    let page: Vec<Value> = visible
        .iter()
        .skip(skip)
        .take(top)
        .map(|m| json!({"@odata.type": "#microsoft.graph.user", "id": m.as_str()}))
        .collect();
    let base = super::server::next_link_base(&shared);
    let mut body = json!({
        "@odata.context": format!("{}/v1.0/$metadata#users(id)", shared.base()),
        "value": page,
    });
    if skip + top < visible.len() {
        body["@odata.nextLink"] = json!(format!(
            "{base}/v1.0/groups/{id}/members/microsoft.graph.user?$select=id&$top={top}&$skiptoken={}",
            skip + top
        ));
    }
    json_response(200, &body)
}

/// A membership write (top-level or in `$batch`): `None` when `segments` are no group path.
pub(super) fn write(
    shared: &Shared,
    method: &str,
    segments: &[&str],
    body: Option<&Value>,
) -> Option<(u16, Value)> {
    let (group, user, add) = match (method, segments) {
        ("POST", ["groups", g, "members", "$ref"]) => {
            let user = body.and_then(super::users::reference_id);
            (*g, user, true)
        }
        ("DELETE", ["groups", g, "members", u, "$ref"]) => {
            (*g, Some(DirectoryUserId::new(*u)), false)
        }
        (_, ["groups", ..]) => {
            return Some((
                400,
                graph_error("BadRequest", "Resource not found for the segment.", None),
            ));
        }
        _ => return None,
    };
    if !shared.granted(WRITE) {
        return Some(super::server::denied(shared));
    }
    let Some(user) = user else {
        return Some((
            400,
            graph_error("Request_BadRequest", "Invalid @odata.id.", None),
        ));
    };
    if !shared.visible(&user) || shared.store.user(&user).is_none() {
        return Some(not_found(user.as_str()));
    }
    let mut s = shared.lock();
    let Some(g) = s.groups.get(group).cloned() else {
        return Some(not_found(group));
    };
    drop(s);
    if let Some(refusal) = g.refuses(shared) {
        return Some(refusal);
    }
    s = shared.lock();
    let Some(g) = s.groups.get_mut(group) else {
        return Some(not_found(group));
    };
    if add {
        if !g.members.insert(user) {
            return Some((
                400,
                graph_error(
                    "Request_BadRequest",
                    "One or more added object references already exist for the following modified properties: 'members'.",
                    None,
                ),
            ));
        }
    } else if !g.members.remove(&user) {
        return Some(not_found(user.as_str()));
    }
    s.counts.writes += 1;
    s.counts.memberships += 1;
    Some((204, Value::Null))
}
