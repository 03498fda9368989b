//! Transport rules shared by the HTTP connectors.

use std::net::IpAddr;

use crate::error::{Error, Result};

/// Refuse plain `http://` unless the host is loopback (`localhost`, `127.0.0.0/8`, `::1`): a
/// credential or token must never cross a network in clear text. Connectors call this with
/// the scheme and host of every base URL they are given.
///
/// # Errors
/// [`crate::ErrorKind::InvalidConfig`] naming `what` (for example `PERSONIO_BASE_URL`).
pub fn ensure_secure_transport(what: &str, scheme: &str, host: &str) -> Result<()> {
    match scheme {
        "https" => Ok(()),
        "http" if is_loopback(host) => Ok(()),
        "http" => Err(Error::config(format!(
            "{what}: plain http:// is only allowed to a loopback host, not {host:?}; use https://"
        ))),
        other => Err(Error::config(format!(
            "{what}: unsupported scheme {other:?}; use https://"
        ))),
    }
}

/// Whether `host` (a name or an IP literal, IPv6 with or without brackets) is loopback.
#[must_use]
pub fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_only_to_loopback() {
        assert!(ensure_secure_transport("X", "https", "api.example.com").is_ok());
        assert!(ensure_secure_transport("X", "http", "127.0.0.1").is_ok());
        assert!(ensure_secure_transport("X", "http", "127.8.9.10").is_ok());
        assert!(ensure_secure_transport("X", "http", "[::1]").is_ok());
        assert!(ensure_secure_transport("X", "http", "localhost").is_ok());
        let err = ensure_secure_transport("HR_BASE_URL", "http", "api.example.com").unwrap_err();
        assert!(err.message().starts_with("HR_BASE_URL:"));
        assert!(ensure_secure_transport("X", "http", "10.0.0.1").is_err());
        assert!(ensure_secure_transport("X", "http", "localhost.evil.com").is_err());
        assert!(ensure_secure_transport("X", "ftp", "localhost").is_err());
    }
}
