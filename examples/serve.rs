//! The HTTP side of `--watch --listen`: `GET /healthz`, `GET /metrics`, and, when a webhook
//! token is configured, `POST /webhooks/personio` ([`crate::webhook`]). Everything else is
//! 404; nothing here runs a sync.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use hris_sync_core::{Error, Result, Stop};

use crate::metrics::Metrics;

/// Bind `addr` and serve until `stop` is requested. Returns the address actually bound (a
/// port of 0 picks a free one) once the socket listens.
///
/// # Errors
/// When `addr` cannot be bound (in use, not an address of this host, no permission).
pub async fn start(
    addr: SocketAddr,
    metrics: Arc<Metrics>,
    webhooks: Option<Arc<crate::webhook::Webhooks>>,
    stop: Stop,
) -> Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| Error::config(format!("--listen {addr}: cannot listen: {e}")))?;
    let bound = listener
        .local_addr()
        .map_err(|e| Error::config(format!("--listen {addr}: {e}")))?;
    let mut app = Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_text))
        .with_state(metrics);
    if let Some(hooks) = webhooks {
        app = app.merge(crate::webhook::router(hooks));
    }
    tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async move { stop.requested().await })
            .await;
        if let Err(e) = served {
            tracing::error!(error = %e, "the health and metrics server stopped");
        }
    });
    Ok(bound)
}

async fn healthz(State(metrics): State<Arc<Metrics>>) -> impl IntoResponse {
    let health = metrics.health(Instant::now());
    let status = if health.ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let word = if health.ok { "ok" } else { "unhealthy" };
    (status, format!("{word}: {}\n", health.detail))
}

async fn metrics_text(State(metrics): State<Arc<Metrics>>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        metrics.render(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use hris_sync_core::RequestStats;
    use std::time::Duration;

    #[tokio::test]
    async fn answers_until_stopped() {
        let metrics = Arc::new(Metrics::new(
            Duration::from_secs(60),
            RequestStats::new(),
            RequestStats::new(),
        ));
        let stop = Stop::new();
        let addr = start("127.0.0.1:0".parse().unwrap(), metrics, None, stop.clone())
            .await
            .unwrap();
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
        stream
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).await.unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        assert!(answer.contains("ok: start-up"), "{answer}");
        stop.request();
    }
}
