//! Wire models: Microsoft Graph v1.0 and the identity platform's token endpoint, exactly as
//! sent. Converted to core types in `convert.rs`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Token endpoint success: `{"token_type":"Bearer","expires_in":3599,"access_token":"…"}`.
/// The managed identity endpoints answer the same shape with `expires_in` and `expires_on`
/// (epoch seconds) as strings (IMDS) or `expires_on` only (App Service `2019-08-01`).
#[derive(Deserialize)]
pub(crate) struct TokenResponse {
    pub(crate) access_token: String,
    #[serde(default, deserialize_with = "number_or_string")]
    pub(crate) expires_in: Option<u64>,
    #[serde(default, deserialize_with = "number_or_string")]
    pub(crate) expires_on: Option<u64>,
}

impl TokenResponse {
    /// The token's lifetime from `now`: `expires_in`, else `expires_on` minus now, else the
    /// documented shortest default (60 minutes, less one second).
    pub(crate) fn lifetime(&self, now: std::time::SystemTime) -> std::time::Duration {
        let secs = self.expires_in.or_else(|| {
            let now = now.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
            self.expires_on.map(|on| on.saturating_sub(now))
        });
        std::time::Duration::from_secs(secs.unwrap_or(3599))
    }
}

fn number_or_string<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Number(u64),
        Text(String),
    }
    Ok(match Option::<Either>::deserialize(d)? {
        None => None,
        Some(Either::Number(n)) => Some(n),
        Some(Either::Text(t)) => Some(t.trim().parse().map_err(serde::de::Error::custom)?),
    })
}

impl std::fmt::Debug for TokenResponse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenResponse")
            .field("access_token", &"[redacted]")
            .field("expires_in", &self.expires_in)
            .field("expires_on", &self.expires_on)
            .finish()
    }
}

/// Token endpoint error (400/401): `error`, `error_description` with the `AADSTSnnnnn` code,
/// `error_codes`, `trace_id`, `correlation_id`.
#[derive(Debug, Deserialize, Serialize)]
pub(crate) struct TokenError {
    pub(crate) error: String,
    #[serde(default)]
    pub(crate) error_description: String,
    #[serde(default)]
    pub(crate) error_codes: Vec<u64>,
    #[serde(default)]
    pub(crate) trace_id: Option<String>,
    #[serde(default)]
    pub(crate) correlation_id: Option<String>,
}

/// Graph's error envelope: `{"error":{"code","message","innerError":{…},"details":[…]}}`.
#[derive(Debug, Deserialize, Serialize)]
pub(crate) struct ErrorEnvelope {
    pub(crate) error: GraphError,
}

/// The `error` object.
#[derive(Debug, Default, Deserialize, Serialize)]
pub(crate) struct GraphError {
    #[serde(default)]
    pub(crate) code: String,
    #[serde(default)]
    pub(crate) message: String,
    #[serde(
        default,
        rename = "innerError",
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) inner_error: Option<InnerError>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) details: Vec<ErrorDetail>,
}

/// `innerError`: request ids for support (may nest further).
#[derive(Debug, Default, Deserialize, Serialize)]
pub(crate) struct InnerError {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) code: Option<String>,
    #[serde(
        default,
        rename = "request-id",
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) request_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) date: Option<String>,
    #[serde(
        default,
        rename = "client-request-id",
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) client_request_id: Option<String>,
}

/// One entry of `details[]`, e.g. `{"target":"userPrincipalName","code":"ObjectConflict"}`.
#[derive(Debug, Default, Deserialize, Serialize)]
pub(crate) struct ErrorDetail {
    #[serde(default)]
    pub(crate) target: Option<String>,
    #[serde(default)]
    pub(crate) code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) message: Option<String>,
}

/// A collection page: `value` plus `@odata.nextLink` or (delta) `@odata.deltaLink`.
#[derive(Debug, Deserialize, Serialize)]
pub(crate) struct Page<T> {
    pub(crate) value: Vec<T>,
    #[serde(
        default,
        rename = "@odata.nextLink",
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) next_link: Option<String>,
    #[serde(
        default,
        rename = "@odata.deltaLink",
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) delta_link: Option<String>,
}

/// One entry of `GET /domains` (`Domain.Read.All`; T1): the domain name is its `id`.
#[derive(Debug, Deserialize, Serialize)]
pub(crate) struct Domain {
    pub(crate) id: String,
    #[serde(default, rename = "isVerified")]
    pub(crate) is_verified: bool,
}

/// A user object as listed (`$select`ed properties only; absent ones are left out).
#[derive(Debug, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct UserWire {
    #[serde(
        default,
        rename = "@odata.type",
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) odata_type: Option<String>,
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) user_principal_name: Option<String>,
    #[serde(default)]
    pub(crate) employee_id: Option<String>,
    #[serde(default)]
    pub(crate) account_enabled: Option<bool>,
    #[serde(default)]
    pub(crate) mail: Option<String>,
    #[serde(default)]
    pub(crate) on_premises_sync_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) manager: Option<Reference>,
    #[serde(
        default,
        rename = "manager@delta",
        skip_serializing_if = "Option::is_none"
    )]
    pub(crate) manager_delta: Option<Vec<Reference>>,
    #[serde(default, rename = "@removed", skip_serializing_if = "Option::is_none")]
    pub(crate) removed: Option<Value>,
    /// Every other property, by its Graph name.
    #[serde(flatten)]
    pub(crate) rest: BTreeMap<String, Value>,
}

/// A reference to another object (`{"id": "…"}` with optional `@odata.type`); in
/// `manager@delta`, a removed manager carries `@removed` (T7).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub(crate) struct Reference {
    pub(crate) id: String,
    #[serde(default, rename = "@removed", skip_serializing_if = "Option::is_none")]
    pub(crate) removed: Option<Value>,
}

/// `POST /$batch` body.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct BatchRequest {
    pub(crate) requests: Vec<BatchItem>,
}

/// One sub-request.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct BatchItem {
    pub(crate) id: String,
    pub(crate) method: String,
    pub(crate) url: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) headers: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) body: Option<Value>,
}

/// `POST /$batch` answer.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct BatchResponse {
    pub(crate) responses: Vec<BatchItemResponse>,
}

/// One sub-response (order not guaranteed: correlate by `id`).
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct BatchItemResponse {
    pub(crate) id: String,
    pub(crate) status: u16,
    #[serde(default)]
    pub(crate) headers: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) body: Option<Value>,
}

/// `temporaryAccessPassAuthenticationMethod`, as a create answers it. The pass is only in the
/// create's answer; it is wrapped in a secret at once.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AccessPassWire {
    pub(crate) temporary_access_pass: String,
    #[serde(default)]
    pub(crate) start_date_time: Option<String>,
    #[serde(default)]
    pub(crate) lifetime_in_minutes: Option<u32>,
}

/// A group as `GET /groups/{id}?$select=…` answers (G3).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct GroupWire {
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) display_name: Option<String>,
    #[serde(default)]
    pub(crate) group_types: Vec<String>,
    #[serde(default)]
    pub(crate) mail_enabled: bool,
    #[serde(default)]
    pub(crate) is_assignable_to_role: Option<bool>,
    #[serde(default)]
    pub(crate) on_premises_sync_enabled: Option<bool>,
}

/// A member as `GET /groups/{id}/members/microsoft.graph.user?$select=id` lists it.
#[derive(Debug, Deserialize)]
pub(crate) struct MemberWire {
    pub(crate) id: String,
}
