//! A throw-away `scim2-server` on loopback, for tests and benchmarks (feature
//! `scim2-server`): a real, independent SCIM 2.0 server (Python, from PyPI), strict on what
//! a client must get right (filter syntax and escaping, PATCH paths, `noTarget`,
//! uniqueness, ETags, atomic PATCH).
//!
//! `.ci/run` installs it, pinned by `.ci/scim2-server.requirements.txt`, into
//! `target/scim-venv`; [`Scim2Server::program`] finds it there or at `SCIM2_SERVER_BIN`.
//! [`Scim2Server::start`] picks a free port, starts it with a random bearer token and
//! dynamic tenants (`/<tenant>/v2`, each with its own storage, so tests sharing one server
//! never see each other's users), and waits until it answers. The server's parent is a
//! shell holding a pipe from this process: when the process ends, however it ends, the
//! shell sees the end of its input and stops the server. Nothing is written to disk.

use std::io::{Read as _, Write as _};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::ScimBuilder;

/// A running server.
#[derive(Debug)]
pub struct Scim2Server {
    child: Child,
    stdin: Mutex<Option<ChildStdin>>,
    port: u16,
    token: String,
}

/// Why the server could not start.
pub type StartError = String;

impl Scim2Server {
    /// The `scim2-server` program: `SCIM2_SERVER_BIN`, else the workspace's
    /// `target/scim-venv/bin/scim2-server` where `.ci/run` installs it.
    #[must_use]
    pub fn program() -> Option<PathBuf> {
        if let Some(p) = std::env::var_os("SCIM2_SERVER_BIN") {
            return Some(PathBuf::from(p));
        }
        let venv =
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/scim-venv/bin/scim2-server");
        venv.exists().then_some(venv)
    }

    /// What this machine lacks to run the server (`None`: nothing).
    #[must_use]
    pub fn unavailable() -> Option<String> {
        match Self::program() {
            Some(p) if p.exists() => None,
            Some(p) => Some(format!("{} does not exist", p.display())),
            None => Some(
                "scim2-server is not installed: python3 -m venv target/scim-venv && \
                 target/scim-venv/bin/pip install -r .ci/scim2-server.requirements.txt \
                 (or set SCIM2_SERVER_BIN)"
                    .to_owned(),
            ),
        }
    }

    /// Start a server; `service_provider_config`, when given, replaces the default
    /// `/ServiceProviderConfig` (for example a small `filter.maxResults`, or no ETags).
    ///
    /// # Errors
    /// What is missing, or why it did not answer within 30 s.
    pub fn start(service_provider_config: Option<&serde_json::Value>) -> Result<Self, StartError> {
        if let Some(why) = Self::unavailable() {
            return Err(why);
        }
        let program = Self::program().ok_or("no scim2-server")?;
        let config = match service_provider_config {
            Some(c) => {
                let path = std::env::temp_dir().join(format!(
                    "hris-sync-scim-spc-{}-{}.json",
                    std::process::id(),
                    random_token()
                ));
                std::fs::write(&path, c.to_string()).map_err(|e| e.to_string())?;
                Some(path)
            }
            None => None,
        };
        let mut last = String::new();
        // A port picked free may be taken before the server binds it: try another.
        for _ in 0..3 {
            match Self::spawn(&program, config.as_ref()) {
                Ok(server) => return Ok(server),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    fn spawn(program: &PathBuf, config: Option<&PathBuf>) -> Result<Self, StartError> {
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port: {e}"))?
            .port();
        let token = random_token();
        let mut args = vec![
            "--hostname".to_owned(),
            "127.0.0.1".to_owned(),
            "--port".to_owned(),
            port.to_string(),
            "--bearer-token".to_owned(),
            token.clone(),
            "--dynamic-tenants".to_owned(),
        ];
        if let Some(c) = config {
            args.push("--service-provider-config".to_owned());
            args.push(c.display().to_string());
        }
        // The shell ends when the server does, and stops the server when its input ends
        // (kept as fd 3: an asynchronous list's own input is /dev/null).
        let script = r#"exec 3<&0; "$0" "$@" >/dev/null 2>&1 & pid=$!; (read _ignored <&3; kill $pid 2>/dev/null) & wait $pid"#;
        let mut child = Command::new("sh")
            .arg("-c")
            .arg(script)
            .arg(program)
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
        let stdin = child.stdin.take();
        let server = Self {
            child,
            stdin: Mutex::new(stdin),
            port,
            token,
        };
        server.wait_ready(Duration::from_secs(30))?;
        Ok(server)
    }

    /// Poll `GET /ready/v2/ServiceProviderConfig` until it answers 200 (blocking: it runs
    /// once, before any test's runtime uses the server).
    #[allow(clippy::disallowed_methods)]
    fn wait_ready(&self, within: Duration) -> Result<(), StartError> {
        let started = Instant::now();
        loop {
            if let Ok(mut tcp) = TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)) {
                let _ = tcp.set_read_timeout(Some(Duration::from_secs(5)));
                let request = format!(
                    "GET /ready/v2/ServiceProviderConfig HTTP/1.0\r\nHost: 127.0.0.1:{}\r\n\r\n",
                    self.port
                );
                let mut head = [0u8; 12];
                if tcp.write_all(request.as_bytes()).is_ok()
                    && tcp.read_exact(&mut head).is_ok()
                    && head.ends_with(b" 200")
                {
                    return Ok(());
                }
            }
            if started.elapsed() > within {
                return Err(format!(
                    "scim2-server did not answer on 127.0.0.1:{} within {within:?}",
                    self.port
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// One server per process, started on first use.
    ///
    /// # Errors
    /// Why it could not start (remembered: later calls fail the same way at once).
    pub fn shared() -> Result<&'static Self, StartError> {
        static SHARED: OnceLock<Result<Scim2Server, StartError>> = OnceLock::new();
        SHARED
            .get_or_init(|| Self::start(None))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The shared server for a test, or `None` after printing why `test` is skipped. With
    /// `HRIS_SYNC_REQUIRE_SCIM` set (CI), a missing server is a panic, failing the test.
    ///
    /// # Panics
    /// When no server runs and `HRIS_SYNC_REQUIRE_SCIM` is set.
    #[must_use]
    #[allow(
        clippy::panic,
        reason = "a test harness: a required server that is missing fails the test"
    )]
    pub fn for_test(test: &str) -> Option<&'static Self> {
        match Self::shared() {
            Ok(s) => Some(s),
            Err(why) if std::env::var_os("HRIS_SYNC_REQUIRE_SCIM").is_some() => {
                panic!("HRIS_SYNC_REQUIRE_SCIM is set, but no scim2-server: {why}")
            }
            Err(why) => {
                eprintln!("SKIPPED ({test}): scim2-server is needed: {why}");
                None
            }
        }
    }

    /// The base URL of `tenant` (each tenant has its own users and groups).
    #[must_use]
    pub fn base_url(&self, tenant: &str) -> String {
        format!("http://127.0.0.1:{}/{tenant}/v2", self.port)
    }

    /// The bearer token the server accepts.
    #[must_use]
    pub fn token(&self) -> &str {
        &self.token
    }

    /// A builder for `tenant`: its base URL, the token, the domain `example.com`.
    #[must_use]
    pub fn builder(&self, tenant: &str) -> ScimBuilder {
        ScimBuilder::default()
            .base_url(self.base_url(tenant))
            .bearer_token(self.token.clone())
            .domains(["example.com"])
    }
}

impl Drop for Scim2Server {
    fn drop(&mut self) {
        // Closing the pipe stops the server; the shell then ends.
        self.stdin
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        let _ = self.child.wait();
    }
}

/// 24 random hex digits.
fn random_token() -> String {
    let mut bytes = [0u8; 12];
    if getrandom_fill(&mut bytes).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        bytes.copy_from_slice(&nanos.to_le_bytes()[..12]);
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn getrandom_fill(bytes: &mut [u8]) -> std::io::Result<()> {
    std::fs::File::open("/dev/urandom")?.read_exact(bytes)
}
