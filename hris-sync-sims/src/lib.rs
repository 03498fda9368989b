//! # hris-sync-sims
//!
//! Stateful simulators of the services hris-sync talks to, each on a loopback port, for the
//! connectors' tests, the benchmarks and the command's `--demo`:
//!
//! - [`personio`]: Personio's API v1 and v2 (authentication, paging, rate limits, the
//!   attribute whitelist, value quirks, webhooks), with injectable faults;
//! - [`graph`]: Microsoft Graph's users, groups, `$batch`, delta queries and domains, and the
//!   identity platform's token endpoints, with a tenant's replication lag and throttling.
//!
//! They are written from the vendors' documents (the project's reference files cite them), with
//! their own wire models: they import nothing from the connectors they check (no model, no
//! parser, no signer, no property list), so a connector's mistake is caught instead of
//! mirrored. They know core's domain types only to be seeded ([`hris_sync_core::Employee`],
//! [`hris_sync_core::DirectoryUser`]); what they serve and accept is the documented JSON.
//!
//! A client is pointed at a simulator by its base URL and credentials (`base_url()`,
//! `config()`); the connectors' tests and the demo each build their clients from those.

pub mod graph;
pub mod personio;
mod quota;

/// A simulator's server: where it listens, and the way to stop it (when this is dropped).
#[derive(Debug)]
struct Listening {
    addr: std::net::SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Listening {
    /// `http://127.0.0.1:PORT`.
    fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Listening {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A new opaque access token (`prefix`, a serial number, `separator`, random bits), entered
/// in `tokens` as good for `ttl` from now.
fn issue_token(
    serial: &mut u64,
    tokens: &mut std::collections::BTreeMap<String, tokio::time::Instant>,
    (prefix, separator): (&str, char),
    ttl: std::time::Duration,
) -> String {
    *serial += 1;
    let bits = hris_sync_core::retry::jitter().to_bits();
    let token = format!("{prefix}{serial:06}{separator}{bits:016x}");
    tokens.insert(token.clone(), tokio::time::Instant::now() + ttl);
    token
}

/// A `200` whose JSON body stops after `partial`: the connection drops mid-body.
fn dropped(partial: &'static [u8]) -> axum::response::Response {
    use axum::response::IntoResponse;
    let parts: Vec<Result<axum::body::Bytes, std::io::Error>> = vec![
        Ok(axum::body::Bytes::from_static(partial)),
        Err(std::io::Error::other("connection dropped by the simulator")),
    ];
    axum::response::Response::builder()
        .status(axum::http::StatusCode::OK)
        .header(axum::http::header::CONTENT_TYPE, "application/json")
        .body(axum::body::Body::from_stream(futures_util::stream::iter(
            parts,
        )))
        .unwrap_or_else(|_| axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

/// Serve `router` on a free loopback port, writing its base URL (`http://127.0.0.1:PORT`) into
/// `base`.
async fn serve(
    router: axum::Router,
    base: &std::sync::Mutex<String>,
    name: &'static str,
) -> std::io::Result<Listening> {
    let listener = hris_sync_http::Loopback::bind().await?;
    let addr = listener.addr();
    *base
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = format!("http://{addr}");
    Ok(Listening {
        addr,
        stop: Some(listener.serve(router, name)),
    })
}
