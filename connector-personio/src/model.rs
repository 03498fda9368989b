//! Wire models: Personio's v1 JSON, exactly as sent. Converted to core types in `convert.rs`.
//!
//! Employee records are kept as raw JSON here and parsed one at a time, so one malformed
//! record is reported and skipped instead of failing the whole page.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `{"success": false, "error": {"code": …, "message": …}}`.
#[derive(Debug, Deserialize)]
pub(crate) struct ErrorEnvelope {
    pub(crate) error: Option<ApiError>,
}

/// The `error` object of a v1 error response.
#[derive(Debug, Deserialize, Serialize)]
pub(crate) struct ApiError {
    #[serde(default)]
    pub(crate) code: Value,
    #[serde(default)]
    pub(crate) message: String,
}

/// A v2 error (`ErrorResponse` of Personio's common v2 components):
/// `{"personio_trace_id": …, "timestamp": …, "errors": [{"title", "detail", "type", "_meta"}]}`.
#[derive(Debug, Deserialize)]
pub(crate) struct ErrorResponseV2 {
    #[serde(default)]
    pub(crate) personio_trace_id: Option<String>,
    #[serde(default)]
    pub(crate) errors: Vec<ErrorItemV2>,
}

/// One entry of a v2 error's `errors`.
#[derive(Debug, Deserialize)]
pub(crate) struct ErrorItemV2 {
    #[serde(default)]
    pub(crate) title: Option<String>,
    #[serde(default)]
    pub(crate) detail: Option<String>,
}

/// `POST /v1/auth` body.
#[derive(Serialize)]
pub(crate) struct AuthRequest<'a> {
    pub(crate) client_id: &'a str,
    pub(crate) client_secret: &'a str,
}

/// `POST /v1/auth` success: `{"success":true,"data":{"token":"…","expires_in":86400,…}}`.
#[derive(Debug, Deserialize)]
pub(crate) struct AuthResponse {
    pub(crate) data: AuthData,
}

/// `POST /v2/auth/token` success: `{"access_token":"papi-…","token_type":"Bearer",
/// "expires_in":86400,"scope":"…"}`.
#[derive(Deserialize)]
pub(crate) struct TokenAnswer {
    pub(crate) access_token: String,
    #[serde(default)]
    pub(crate) expires_in: Option<u64>,
}

impl std::fmt::Debug for TokenAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenAnswer")
            .field("access_token", &"[redacted]")
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// The token part of an auth response.
#[derive(Deserialize)]
pub(crate) struct AuthData {
    pub(crate) token: String,
    #[serde(default)]
    pub(crate) expires_in: Option<u64>,
}

impl std::fmt::Debug for AuthData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthData")
            .field("token", &"[redacted]")
            .field("expires_in", &self.expires_in)
            .finish()
    }
}

/// One page of `GET /v1/company/employees`.
#[derive(Debug, Deserialize)]
pub(crate) struct EmployeesPage {
    #[serde(default)]
    pub(crate) metadata: Option<PageMetadata>,
    pub(crate) data: Vec<Value>,
}

/// `GET /v1/company/employees/{id}`: `{success, data: {type: "Employee", attributes}}`.
#[derive(Debug, Deserialize)]
pub(crate) struct EmployeeAnswer {
    pub(crate) data: Value,
}

/// Paging metadata (`current_page` is 0-based).
#[derive(Debug, Deserialize, Serialize)]
pub(crate) struct PageMetadata {
    #[serde(default)]
    pub(crate) total_elements: Option<u64>,
    #[serde(default)]
    pub(crate) current_page: Option<u64>,
    #[serde(default)]
    pub(crate) total_pages: Option<u64>,
}

/// `GET /v1/company/employees/attributes`: `{"success":true,"data":[{"key":…},…]}`.
#[derive(Debug, Deserialize)]
pub(crate) struct AttributesResponse {
    pub(crate) data: Vec<AllowedAttribute>,
}

/// One readable attribute.
#[derive(Debug, Deserialize)]
pub(crate) struct AllowedAttribute {
    pub(crate) key: String,
}
