//! A throw-away Samba AD domain controller on loopback, for tests and benchmarks (feature
//! `samba`).
//!
//! [`SambaDc::start`] provisions a new domain (`DEMO.LOCAL`, DNS backend none) in a
//! temporary directory, gives it a certificate of its own CA that names `dc1.demo.local` and
//! `127.0.0.1` (Samba's self-made one has no subject alternative name, which rustls requires),
//! creates the OUs `Staff` and `Leavers` under `Staff`, starts `samba` in the foreground with
//! only its LDAP service on `127.0.0.1` (389 and 636), and waits until LDAPS answers.
//!
//! The DC's standard input is a pipe held by this process: when the process ends, however it
//! ends, Samba sees the end of its input and stops, and the wrapper shell removes the
//! directory. Nothing outside the temporary directory is written.
//!
//! It needs root and the Debian packages `samba`, `samba-ad-dc` and `openssl`
//! ([`SambaDc::unavailable`] says what is missing). LDAP uses fixed ports, so one DC runs
//! per machine at a time; a test binary shares one through [`SambaDc::shared`].

use std::io::Write as _;
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::AdBuilder;

/// The domain's DNS name.
pub const DOMAIN: &str = "demo.local";
/// The domain's naming context.
pub const DOMAIN_DN: &str = "DC=demo,DC=local";
/// Where the sync reads and creates users in tests.
pub const STAFF_OU: &str = "OU=Staff,DC=demo,DC=local";
/// Where disabled accounts may be moved in tests.
pub const LEAVERS_OU: &str = "OU=Leavers,OU=Staff,DC=demo,DC=local";
/// The name the DC's certificate carries.
pub const SERVER_NAME: &str = "dc1.demo.local";
/// The administrator's bind DN.
pub const ADMIN_DN: &str = "CN=Administrator,CN=Users,DC=demo,DC=local";
const ADMIN_PASSWORD: &str = "Adm1n-Passw0rd-for-tests!";
const LDAPS: u16 = 636;

/// A running domain controller.
#[derive(Debug)]
pub struct SambaDc {
    dir: PathBuf,
    child: Child,
    stdin: Mutex<Option<ChildStdin>>,
    version: String,
}

/// Why the DC could not start.
pub type StartError = String;

impl SambaDc {
    /// What this machine lacks to run a DC (`None`: it has everything): the programs, or root.
    #[must_use]
    pub fn unavailable() -> Option<String> {
        for program in ["samba", "samba-tool", "openssl"] {
            let found = Command::new(program)
                .arg("--version")
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok();
            if !found {
                return Some(format!(
                    "`{program}` is not installed (apt-get install samba samba-ad-dc openssl)"
                ));
            }
        }
        let uid = Command::new("id")
            .arg("-u")
            .output()
            .ok()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned());
        if uid.as_deref() != Some("0") {
            return Some("a Samba DC needs root".to_owned());
        }
        None
    }

    /// The shared DC for a test, or `None` after printing why `test` is skipped. With
    /// `HRIS_SYNC_REQUIRE_SAMBA` set (CI), a missing DC is a panic, failing the test.
    ///
    /// # Panics
    /// When no DC runs and `HRIS_SYNC_REQUIRE_SAMBA` is set.
    #[must_use]
    #[allow(
        clippy::panic,
        reason = "a test harness: a required DC that is missing fails the test"
    )]
    pub fn for_test(test: &str) -> Option<&'static Self> {
        match Self::shared() {
            Ok(dc) => Some(dc),
            Err(why) if std::env::var_os("HRIS_SYNC_REQUIRE_SAMBA").is_some() => {
                panic!("HRIS_SYNC_REQUIRE_SAMBA is set, but no Samba DC: {why}")
            }
            Err(why) => {
                eprintln!("SKIPPED ({test}): a Samba AD DC is needed: {why}");
                None
            }
        }
    }

    /// The DC every test of this process shares, started on first use; `Err` says why there
    /// is none (a missing package, no root, a failed start).
    ///
    /// # Errors
    /// Why no DC runs.
    pub fn shared() -> Result<&'static Self, StartError> {
        static DC: OnceLock<Result<SambaDc, StartError>> = OnceLock::new();
        DC.get_or_init(|| match Self::unavailable() {
            Some(why) => Err(why),
            None => Self::start(),
        })
        .as_ref()
        .map_err(Clone::clone)
    }

    /// Provision a new domain and start its DC (blocking: it runs programs and waits for
    /// the port, once per test binary).
    ///
    /// # Errors
    /// A step that failed, with its output.
    #[allow(
        clippy::disallowed_methods,
        reason = "a blocking harness, run before any test uses the DC"
    )]
    pub fn start() -> Result<Self, StartError> {
        if TcpStream::connect_timeout(&addr(), Duration::from_millis(200)).is_ok() {
            return Err(format!(
                "something listens on 127.0.0.1:{LDAPS} already (a DC of another run?)"
            ));
        }
        let dir = tempfile::Builder::new()
            .prefix("hris-sync-samba-")
            .tempdir()
            .map_err(|e| format!("temporary directory: {e}"))?
            .keep();
        let started = Instant::now();
        let tls = dir.join("tls");
        std::fs::create_dir_all(&tls).map_err(|e| format!("{}: {e}", tls.display()))?;
        std::fs::create_dir_all(dir.join("run")).map_err(|e| format!("run dir: {e}"))?;
        certificates(&tls)?;
        let d = dir.display();
        let option = |o: String| format!("--option={o}");
        run(Command::new("samba-tool").args([
            "domain".to_owned(),
            "provision".to_owned(),
            "--realm=DEMO.LOCAL".to_owned(),
            "--domain=DEMO".to_owned(),
            "--server-role=dc".to_owned(),
            "--dns-backend=NONE".to_owned(),
            format!("--adminpass={ADMIN_PASSWORD}"),
            "--use-rfc2307".to_owned(),
            format!("--targetdir={d}"),
            option("netbios name = DC1".to_owned()),
            option("interfaces = lo".to_owned()),
            option("bind interfaces only = yes".to_owned()),
            option("vfs objects = dfs_samba4".to_owned()),
            option("server services = ldap".to_owned()),
            option(format!("pid directory = {d}/run")),
            option(format!("log file = {d}/log.%m")),
            option("tls enabled = yes".to_owned()),
            option(format!("tls keyfile = {d}/tls/key.pem")),
            option(format!("tls certfile = {d}/tls/cert.pem")),
            option(format!("tls cafile = {d}/tls/ca.pem")),
        ]))?;
        let sam = format!("{d}/private/sam.ldb");
        for ou in [STAFF_OU, LEAVERS_OU] {
            run(Command::new("samba-tool").args(["ou", "add", ou, "-H", &sam]))?;
        }
        let version = Command::new("samba")
            .arg("--version")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default();
        // The shell keeps samba's stdin ours, and removes the directory once samba is gone.
        let script =
            "samba -i -M single -s \"$1/etc/smb.conf\" > \"$1/samba.out\" 2>&1; rm -rf \"$1\"";
        let mut child = Command::new("sh")
            .args(["-c", script, "sh", &d.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| format!("starting samba: {e}"))?;
        let stdin = child.stdin.take();
        let dc = Self {
            dir,
            child,
            stdin: Mutex::new(stdin),
            version,
        };
        let deadline = Instant::now() + Duration::from_secs(90);
        while TcpStream::connect_timeout(&addr(), Duration::from_millis(200)).is_err() {
            if Instant::now() > deadline {
                return Err(format!(
                    "samba did not listen on 127.0.0.1:{LDAPS} within 90 s: {}",
                    dc.log_tail()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        eprintln!(
            "Samba AD DC ({}) for {DOMAIN} on ldaps://127.0.0.1:{LDAPS}, up in {:.1?}",
            dc.version,
            started.elapsed()
        );
        Ok(dc)
    }

    /// The version line of `samba --version`.
    #[must_use]
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The CA certificate the DC's certificate is signed by.
    #[must_use]
    pub fn ca_file(&self) -> PathBuf {
        self.dir.join("tls/ca.pem")
    }

    /// `ldaps://127.0.0.1:636`.
    #[must_use]
    pub fn ldaps_url(&self) -> String {
        format!("ldaps://127.0.0.1:{LDAPS}")
    }

    /// The administrator's password (tests only).
    #[must_use]
    pub fn admin_password(&self) -> &'static str {
        ADMIN_PASSWORD
    }

    /// A builder for this DC: LDAPS to 127.0.0.1 checked against its CA for
    /// [`SERVER_NAME`], base DN and target OU [`STAFF_OU`], bound as the administrator.
    pub fn builder(&self) -> AdBuilder {
        AdBuilder::new()
            .url(self.ldaps_url())
            .tls_server_name(SERVER_NAME)
            .ca_file(self.ca_file())
            .base_dn(STAFF_OU)
            .users_ou(STAFF_OU)
            .bind(ADMIN_DN, ADMIN_PASSWORD)
    }

    /// Another LDAP client: the administrator on a connection of its own, checked against
    /// the DC's CA (tests that change the directory behind the connector's back).
    ///
    /// # Errors
    /// When the connection or the bind fails.
    pub async fn admin_ldap(&self) -> Result<ldap3::Ldap, StartError> {
        let tls = crate::conn::tls_config(Some(&self.ca_file())).map_err(|e| e.to_string())?;
        let settings = ldap3::LdapConnSettings::new().set_config(tls);
        let (conn, mut ldap) = ldap3::LdapConnAsync::with_settings(settings, &self.ldaps_url())
            .await
            .map_err(|e| format!("connect: {e}"))?;
        tokio::spawn(async move {
            let _ = conn.drive().await;
        });
        ldap.simple_bind(ADMIN_DN, ADMIN_PASSWORD)
            .await
            .and_then(ldap3::LdapResult::success)
            .map_err(|e| format!("bind: {e}"))?;
        Ok(ldap)
    }

    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(self.dir.join("samba.out")).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(10)..].join("\n")
    }
}

impl Drop for SambaDc {
    fn drop(&mut self) {
        // The end of its input stops samba; the shell then removes the directory.
        if let Ok(mut stdin) = self.stdin.lock() {
            if let Some(mut s) = stdin.take() {
                let _ = s.flush();
            }
        }
        let _ = self.child.wait();
    }
}

fn addr() -> SocketAddr {
    SocketAddr::from((Ipv4Addr::LOCALHOST, LDAPS))
}

/// Run a command; its output is the error when it fails.
fn run(cmd: &mut Command) -> Result<(), StartError> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("{cmd:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{cmd:?} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// A CA and a server certificate for `dc1.demo.local` and `127.0.0.1`, by openssl.
fn certificates(tls: &Path) -> Result<(), StartError> {
    let p = |f: &str| tls.join(f).display().to_string();
    run(Command::new("openssl").args([
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=hris-sync test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
        "-keyout",
        &p("ca.key"),
        "-out",
        &p("ca.pem"),
    ]))?;
    run(Command::new("openssl").args([
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        &format!("/CN={SERVER_NAME}"),
        "-keyout",
        &p("key.pem"),
        "-out",
        &p("server.csr"),
    ]))?;
    std::fs::write(
        tls.join("server.ext"),
        format!(
            "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n\
             extendedKeyUsage=serverAuth\nsubjectAltName=DNS:{SERVER_NAME},IP:127.0.0.1\n"
        ),
    )
    .map_err(|e| format!("server.ext: {e}"))?;
    run(Command::new("openssl").args([
        "x509",
        "-req",
        "-in",
        &p("server.csr"),
        "-CA",
        &p("ca.pem"),
        "-CAkey",
        &p("ca.key"),
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        &p("server.ext"),
        "-out",
        &p("cert.pem"),
    ]))?;
    // Samba refuses a key file others may read.
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(tls.join("key.pem"), std::fs::Permissions::from_mode(0o600))
        .map_err(|e| format!("key.pem: {e}"))
}
