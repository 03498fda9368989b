//! What the service provider says it supports (`GET /ServiceProviderConfig`, RFC 7643 §5),
//! read once and honoured: PATCH is required, the page size is capped by
//! `filter.maxResults`, `If-Match` is sent only where ETags are supported, and without
//! filtering a look-up reads the listing instead.

use hris_sync_core::{Error, ErrorKind, Result};
use serde_json::Value;

use crate::client::Client;
use crate::json;

/// The features the connector gates on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Provider {
    /// `filter.supported`: look-ups by `userName` or `externalId` can be asked for.
    pub(crate) filter: bool,
    /// `filter.maxResults`: the most resources one answer holds.
    pub(crate) max_results: Option<u64>,
    /// `etag.supported`: writes carry `If-Match` with the version read.
    pub(crate) etag: bool,
}

impl Provider {
    /// What the RFC's defaults let a client assume when a provider serves no
    /// `/ServiceProviderConfig`: PATCH and filters (every provider the README lists has
    /// both), no ETags.
    const ASSUMED: Self = Self {
        filter: true,
        max_results: None,
        etag: false,
    };

    /// Read `GET /ServiceProviderConfig`.
    ///
    /// # Errors
    /// [`ErrorKind::InvalidConfig`] when the provider says it has no PATCH; what the GET
    /// fails with otherwise (a 404 is not a failure: the defaults are assumed, and said).
    pub(crate) async fn read(client: &Client) -> Result<Self> {
        let url = client.url(&["ServiceProviderConfig"]);
        let config = match client.get("GET /ServiceProviderConfig", url).await {
            Ok(answer) => answer.body.unwrap_or(Value::Null),
            Err(e) if e.kind() == ErrorKind::NotFound => {
                tracing::warn!(
                    "the SCIM provider serves no /ServiceProviderConfig; assuming PATCH and \
                     filtering, and no ETags"
                );
                return Ok(Self::ASSUMED);
            }
            Err(e) => return Err(e),
        };
        Self::parse(&config)
    }

    fn parse(config: &Value) -> Result<Self> {
        let supported =
            |name: &str| json::get(config, name).and_then(|f| json::boolean(f, "supported"));
        if supported("patch") == Some(false) {
            return Err(Error::config(
                "scim: the provider's /ServiceProviderConfig says patch.supported = false. \
                 hris-sync writes only what changed, with PATCH; it does not fall back to PUT, \
                 which replaces the whole account and clears what others manage",
            ));
        }
        Ok(Self {
            filter: supported("filter").unwrap_or(true),
            max_results: json::get(config, "filter")
                .and_then(|f| json::count(f, "maxResults"))
                .filter(|n| *n > 0),
            etag: supported("etag").unwrap_or(false),
        })
    }

    /// The page size to ask for: the configured one, capped by `maxResults`.
    pub(crate) fn page_size(self, configured: u32) -> u32 {
        self.max_results.map_or(configured, |m| {
            configured.min(u32::try_from(m).unwrap_or(u32::MAX))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn features_are_read_and_no_patch_is_refused() {
        let config = json!({"patch": {"supported": true}, "filter": {"supported": true,
            "maxResults": 200}, "etag": {"supported": true}, "bulk": {"supported": false}});
        let p = Provider::parse(&config).unwrap();
        assert!(p.filter && p.etag);
        assert_eq!(p.page_size(500), 200);
        assert_eq!(p.page_size(100), 100);
        let err = Provider::parse(&json!({"patch": {"supported": false}})).unwrap_err();
        assert!(err.message().contains("patch.supported = false"), "{err}");
        let p = Provider::parse(&json!({"filter": {"supported": "false"}})).unwrap();
        assert!(!p.filter && !p.etag);
    }
}
