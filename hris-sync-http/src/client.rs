//! The `reqwest::Client` a connector sends with.

use std::time::Duration;

use hris_sync_core::{Error, Result};

/// Where a connector's HTTP client comes from.
///
/// By default each connector builds its own: the request timeout, a connect timeout of at
/// most 10 s, no redirects followed (a 3xx is an error: it would carry a token or a client
/// secret to another URL), the `hris-sync/VERSION` user agent, and rustls with the bundled webpki roots
/// (plus the operating system's trust store with the `native-roots` feature of the
/// connectors). A host that needs a proxy, a private CA or a shared connection pool builds its
/// own `reqwest::Client` and hands it in with `with_http_client`; it is then used as it is
/// (its timeouts, roots, proxy and redirect policy: build it with
/// `.redirect(reqwest::redirect::Policy::none())`, as the default does), and the connectors add
/// their own headers per request.
#[derive(Clone, Debug, Default)]
pub enum HttpClient {
    /// Built by the connector.
    #[default]
    Default,
    /// The host's.
    Given(reqwest::Client),
}

impl HttpClient {
    /// The client to send with: the host's, or a new one with `timeout`.
    ///
    /// # Errors
    /// When reqwest cannot build a client (no TLS backend).
    pub fn build(&self, timeout: Duration) -> Result<reqwest::Client> {
        match self {
            Self::Given(client) => Ok(client.clone()),
            Self::Default => reqwest::Client::builder()
                .timeout(timeout)
                .connect_timeout(timeout.min(Duration::from_secs(10)))
                .user_agent(concat!("hris-sync/", env!("CARGO_PKG_VERSION")))
                // A redirect would re-send the request, a token form with its client secret
                // included, to wherever the answer points: none is followed.
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(|e| Error::config(format!("HTTP client: {e}"))),
        }
    }
}

/// Whether `url` is on `base`'s scheme, host (ignoring case) and port: T8, a link a service
/// sends (a next page, a `Location`) is followed only there, so a token never goes elsewhere.
#[must_use]
pub fn same_origin(base: &reqwest::Url, url: &reqwest::Url) -> bool {
    url.scheme() == base.scheme()
        && url.host_str().map(str::to_ascii_lowercase)
            == base.host_str().map(str::to_ascii_lowercase)
        && url.port_or_known_default() == base.port_or_known_default()
}

/// T8: `link` (a next page, a `Location`, a stored cursor), resolved against `base` when
/// relative, if it is on `base`'s origin ([`same_origin`]); otherwise an
/// [`ErrorKind::InvalidData`](hris_sync_core::ErrorKind::InvalidData) error naming `what`, the
/// link's scheme and host (never its path or query, which may carry a token) and `setting`,
/// where the configured base comes from.
///
/// # Errors
/// An unreadable link, or one to another origin.
pub fn follow(base: &reqwest::Url, link: &str, what: &str, setting: &str) -> Result<reqwest::Url> {
    let refused = |shown: String| {
        Error::new(
            hris_sync_core::ErrorKind::InvalidData,
            format!(
                "{what}: the service sent a link to {shown}, not to the host of {setting}; not \
                 followed (the token goes only to the configured host)"
            ),
        )
    };
    let url = base
        .join(link)
        .map_err(|e| refused(format!("an unreadable URL ({e})")))?;
    if same_origin(base, &url) {
        Ok(url)
    } else {
        Err(refused(format!(
            "{}://{}",
            url.scheme(),
            url.host_str().unwrap_or("?")
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_origin_is_scheme_host_and_port() {
        let base = reqwest::Url::parse("https://API.example.com/v2").unwrap();
        let at = |s: &str| same_origin(&base, &reqwest::Url::parse(s).unwrap());
        assert!(at("https://api.example.com:443/other?x=1"));
        assert!(!at("http://api.example.com/v2"));
        assert!(!at("https://api.example.com:8443/v2"));
        assert!(!at("https://api.example.com.evil.example/v2"));
    }

    #[test]
    fn a_given_client_is_used_as_it_is() {
        let given = reqwest::Client::new();
        assert!(
            HttpClient::Given(given)
                .build(Duration::from_secs(1))
                .is_ok()
        );
        assert!(HttpClient::Default.build(Duration::from_secs(30)).is_ok());
    }
}
