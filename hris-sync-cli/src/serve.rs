//! The HTTP side of `--watch --listen`: `GET /` (the status page, [`crate::status_http`]),
//! `GET /healthz`, `GET /metrics`, and, when a webhook
//! token is configured, `POST /webhooks/personio` ([`crate::webhook`]). Everything else is
//! 404; nothing here runs a sync.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use hris_sync_core::{Error, Result, Stop};

use crate::metrics::Metrics;

/// What one client may hold of the server: the endpoint may face the internet (Personio
/// must reach the webhook receiver), so a slow or idle client cannot keep a connection, and a
/// crowd of them cannot exhaust the process.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// The longest a client may take to send a request's headers (and the longest an idle
    /// keep-alive connection waits for the next request).
    pub header_timeout: Duration,
    /// The longest a connection may stay open, whatever it does: a client that sends its
    /// body a byte at a time is cut off here.
    pub connection_lifetime: Duration,
    /// Connections served at once; one more is closed at once.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(10),
            connection_lifetime: Duration::from_secs(60),
            max_connections: 256,
        }
    }
}

/// Bind `addr` and serve until `stop` is requested, with the default [`Limits`]. Returns the
/// address actually bound (a port of 0 picks a free one) once the socket listens.
///
/// # Errors
/// When `addr` cannot be bound (in use, not an address of this host, no permission).
pub async fn start(
    addr: SocketAddr,
    metrics: Arc<Metrics>,
    webhooks: Option<Arc<crate::webhook::Webhooks>>,
    stop: Stop,
) -> Result<SocketAddr> {
    start_with(addr, metrics, webhooks, stop, Limits::default()).await
}

/// [`start`] with `limits`.
///
/// # Errors
/// As [`start`].
pub async fn start_with(
    addr: SocketAddr,
    metrics: Arc<Metrics>,
    webhooks: Option<Arc<crate::webhook::Webhooks>>,
    stop: Stop,
    limits: Limits,
) -> Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| Error::config(format!("--listen {addr}: cannot listen: {e}")))?;
    let bound = listener
        .local_addr()
        .map_err(|e| Error::config(format!("--listen {addr}: {e}")))?;
    let page = crate::status_http::router(
        Arc::clone(&metrics),
        crate::status_http::Access::from_env(bound),
    );
    let mut app = Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_text))
        .with_state(metrics)
        .merge(page);
    if let Some(hooks) = webhooks {
        app = app.merge(crate::webhook::router(hooks));
    }
    tokio::spawn(serve(listener, app, stop, limits));
    Ok(bound)
}

/// Accept connections until `stop`, each served by hyper's HTTP/1 with a header read
/// timeout, a lifetime, and a place among `limits.max_connections`.
async fn serve(listener: tokio::net::TcpListener, app: Router, stop: Stop, limits: Limits) {
    let places = Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    loop {
        let accepted = tokio::select! {
            () = stop.requested() => return,
            accepted = listener.accept() => accepted,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) => {
                // Out of file descriptors and the like: wait a moment, as a server must.
                tracing::warn!(error = %e, "accepting a connection failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let Ok(place) = Arc::clone(&places).try_acquire_owned() else {
            tracing::warn!(
                limit = limits.max_connections,
                "too many connections; closing a new one"
            );
            drop(stream);
            continue;
        };
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(limits.header_timeout);
            let connection = http.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            tokio::select! {
                served = tokio::time::timeout(limits.connection_lifetime, connection) => {
                    if let Ok(Err(e)) = served {
                        tracing::debug!(error = %e, "a connection ended with an error");
                    }
                }
                () = stop.requested() => {}
            }
            drop(place);
        });
    }
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
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
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

    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    const TOKEN: &str = "Bearer hook-9";

    /// The first 12 bytes of the answer (`HTTP/1.1 NNN`), read before the request's body is
    /// sent; the test fails when none comes within a minute.
    async fn status_line(stream: &mut tokio::net::TcpStream) -> [u8; 12] {
        let mut head = [0u8; 12];
        let read = tokio::time::timeout(Duration::from_secs(60), stream.read_exact(&mut head));
        assert!(read.await.is_ok(), "no answer before the body");
        head
    }

    async fn receiver(limits: Limits) -> (SocketAddr, Arc<crate::webhook::Inbox>, Stop) {
        let metrics = Arc::new(Metrics::new(
            Duration::from_secs(60),
            RequestStats::new(),
            RequestStats::new(),
        ));
        let inbox = Arc::new(crate::webhook::Inbox::default());
        let hooks = Arc::new(crate::webhook::Webhooks {
            auth: crate::webhook::WebhookAuth::new(TOKEN.to_owned().into(), "authorization"),
            inbox: Arc::clone(&inbox),
            company_id: "4711".to_owned(),
        });
        let stop = Stop::new();
        let addr = start_with(
            "127.0.0.1:0".parse().unwrap(),
            metrics,
            Some(hooks),
            stop.clone(),
            limits,
        )
        .await
        .unwrap();
        (addr, inbox, stop)
    }

    /// Read until the server closes the connection (or a minute passes: the server never
    /// closed it).
    async fn until_closed(stream: &mut tokio::net::TcpStream) -> (bool, String) {
        let mut got = Vec::new();
        let read = tokio::time::timeout(Duration::from_secs(60), stream.read_to_end(&mut got));
        let closed = read.await.is_ok();
        (closed, String::from_utf8_lossy(&got).into_owned())
    }

    // A client that never finishes its headers (slowloris) is cut off by the header read
    // timeout; before, `axum::serve` ran without one and the connection stayed open.
    #[tokio::test]
    async fn a_client_that_never_finishes_its_headers_is_cut_off() {
        let (addr, _inbox, stop) = receiver(Limits {
            header_timeout: Duration::from_millis(200),
            ..Limits::default()
        })
        .await;
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(b"POST /webhooks/personio HTTP/1.1\r\nHost: x\r\n")
            .await
            .unwrap();
        let (closed, _) = until_closed(&mut stream).await;
        assert!(closed, "the connection is still open");
        stop.request();
    }

    // The token is checked before the body is read: a caller without it gets 401 although
    // its announced body never comes (before, the server waited for the body first).
    #[tokio::test]
    async fn the_token_is_checked_before_the_body_is_read() {
        let (addr, inbox, stop) = receiver(Limits::default()).await;
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        stream
            .write_all(
                b"POST /webhooks/personio HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer guess\r\n\
                  Content-Type: application/json\r\nContent-Length: 60000\r\n\r\n{",
            )
            .await
            .unwrap();
        assert_eq!(&status_line(&mut stream).await, b"HTTP/1.1 401");
        assert_eq!(inbox.counts().refused, 1);
        stop.request();
    }

    // At most `max_connections` at once: one more is closed at once, while the others are
    // held (their header timeout is a minute away).
    #[tokio::test]
    async fn connections_are_capped() {
        let (addr, _inbox, stop) = receiver(Limits {
            max_connections: 2,
            header_timeout: Duration::from_secs(120),
            connection_lifetime: Duration::from_secs(120),
        })
        .await;
        let mut held = Vec::new();
        for _ in 0..2 {
            let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
            s.write_all(b"GET /healthz HTTP/1.1\r\n").await.unwrap();
            held.push(s);
        }
        // Give the server the moment it needs to take both.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let mut extra = tokio::net::TcpStream::connect(addr).await.unwrap();
        let _ = extra.write_all(b"GET /healthz HTTP/1.1\r\n").await;
        let (closed, got) = until_closed(&mut extra).await;
        assert!(closed && got.is_empty(), "{got}");
        drop(held);
        stop.request();
    }

    // A body announced larger than 64 KiB is refused before it is read (413).
    #[tokio::test]
    async fn an_oversized_body_is_refused_unread() {
        let (addr, inbox, stop) = receiver(Limits::default()).await;
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let request = format!(
            "POST /webhooks/personio HTTP/1.1\r\nHost: x\r\nAuthorization: {TOKEN}\r\n\
             Content-Type: application/json\r\nContent-Length: 10000000\r\n\r\n{{"
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        assert_eq!(&status_line(&mut stream).await, b"HTTP/1.1 413");
        assert_eq!(inbox.counts().accepted, 0);
        stop.request();
    }

    // Another company's notification is acked (200: Personio would retry anything else) and
    // counted, never queued.
    #[tokio::test]
    async fn another_companys_notification_is_acked_and_counted() {
        let (addr, inbox, stop) = receiver(Limits::default()).await;
        for company in ["9999", "4711"] {
            let body = format!(
                r#"{{"company_id":"{company}","event_name":"person.updated","occurred_at":"t","payload":{{"person":{{"id":"7"}}}}}}"#
            );
            let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
            let request = format!(
                "POST /webhooks/personio HTTP/1.1\r\nHost: x\r\nAuthorization: {TOKEN}\r\n\
                 Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            stream.write_all(request.as_bytes()).await.unwrap();
            let (_, answer) = until_closed(&mut stream).await;
            assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        }
        let c = inbox.counts();
        assert_eq!((c.other_company, c.accepted), (1, 1));
        assert_eq!(inbox.take().people.len(), 1);
        stop.request();
    }
}
