//! No remote input panics a parser (issue 23 point 7): Graph users, pages, `$batch` answers,
//! error bodies, token answers and `Retry-After` values, each under arbitrary input.

use std::collections::BTreeSet;

use hris_sync_core::raw::DirectoryProperty;
use hris_sync_core::testkit::hostile;
use proptest::prelude::*;

/// The user properties the connector reads, and the wrappers around them.
const KEYS: &[&str] = &[
    "id",
    "@odata.type",
    "userPrincipalName",
    "employeeId",
    "accountEnabled",
    "mail",
    "displayName",
    "givenName",
    "surname",
    "department",
    "jobTitle",
    "businessPhones",
    "employeeOrgData",
    "costCenter",
    "division",
    "onPremisesSyncEnabled",
    "onPremisesExtensionAttributes",
    "extensionAttribute1",
    "employeeHireDate",
    "employeeLeaveDateTime",
    "manager",
    "value",
    "@odata.nextLink",
    "@odata.deltaLink",
    "@removed",
    "responses",
    "status",
    "body",
    "headers",
    "error",
    "code",
    "message",
    "details",
    "target",
    "innerError",
    "request-id",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn users_and_pages_never_panic(v in hostile::json_with_keys(KEYS), body in hostile::body()) {
        let managed: BTreeSet<DirectoryProperty> = crate::properties::mappable().into_iter().collect();
        if let Ok(wire) = serde_json::from_value::<crate::model::UserWire>(v.clone()) {
            let _ = crate::convert::user(wire, &managed);
        }
        let _ = serde_json::from_value::<crate::model::Page<crate::model::UserWire>>(v.clone());
        let _ = serde_json::from_slice::<crate::model::Page<crate::model::UserWire>>(&body);
        let _ = serde_json::from_value::<crate::model::BatchResponse>(v);
        let _ = serde_json::from_slice::<crate::model::BatchResponse>(&body);
    }

    #[test]
    fn errors_tokens_and_delays_never_panic(
        v in hostile::object_of(KEYS),
        body in hostile::body(),
        status in 0u16..1000,
        delay in hostile::text(),
    ) {
        let e = crate::error::error_for_status("GET /users", status, None, Some(&v));
        prop_assert!(!e.message().is_empty());
        let text = String::from_utf8_lossy(&body);
        let _ = crate::error::token_error(status, &text, "hint");
        if let Ok(t) = serde_json::from_slice::<crate::model::TokenResponse>(&body) {
            let _ = t.lifetime(std::time::SystemTime::now());
        }
        let _ = crate::error::parse_retry_after(Some(&delay));
    }
}
