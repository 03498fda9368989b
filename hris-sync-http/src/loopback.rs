//! A test server on `127.0.0.1` for the simulators (`hris-sync-sims`; feature `sim`): bind first
//! (so a simulator can learn its own address before building its routes), then serve until
//! the returned sender is dropped or fires.

use std::net::SocketAddr;

use tokio::sync::oneshot;

/// A bound loopback socket, not yet serving.
#[derive(Debug)]
pub struct Loopback {
    listener: tokio::net::TcpListener,
    addr: SocketAddr,
}

impl Loopback {
    /// Bind `127.0.0.1` on a free port.
    ///
    /// # Errors
    /// When no port can be bound.
    pub async fn bind() -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        Ok(Self { listener, addr })
    }

    /// The bound address.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Serve `app` on a spawned task until the returned sender fires or is dropped. `name`
    /// names the server in the error log if it stops on its own.
    pub fn serve(self, app: axum::Router, name: &'static str) -> oneshot::Sender<()> {
        let (stop, stopped) = oneshot::channel::<()>();
        tokio::spawn(async move {
            // Answer at once: without TCP_NODELAY, small answers wait on delayed ACKs.
            let listener = axum::serve::ListenerExt::tap_io(self.listener, |tcp| {
                let _ = tcp.set_nodelay(true);
            });
            let serve = axum::serve(listener, app).with_graceful_shutdown(async {
                let _ = stopped.await;
            });
            if let Err(e) = serve.await {
                tracing::error!(error = %e, "{name} stopped");
            }
        });
        stop
    }
}
