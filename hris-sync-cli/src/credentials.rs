//! Where new hires' one-time passwords go: a private JSON-lines file, or a command that reads
//! each line on stdin. Never stdout, logs or the report.
//!
//! One line per new account:
//! `{"employee_id":"1045","upn":"ada.lovelace@demo.com","one_time_password":"…","created_at":"2026-11-28T08:00:00Z"}`.
//!
//! A delivery that fails (the file cannot be written, the command exits non-zero) is an error
//! to the engine, which logs it with the employee and UPN (never the password) and puts a
//! warning on the create; it is counted here and not retried, because a command may have acted
//! before it failed. The account exists either way: an administrator resets its password.
//! The file writes and the command run on the runtime's blocking pool.

use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use hris_sync_core::chrono::Utc;
use hris_sync_core::raw::{AccessPass, Password};
use hris_sync_core::secrecy::ExposeSecret as _;
use hris_sync_core::time::rfc3339;
use hris_sync_core::{Credential, CredentialSink, ErrorKind, Secret};
use hris_sync_core::{EmployeeId, Error, Result};
use serde_json::json;

/// Deliveries made and failed, shared with whoever reports them.
#[derive(Clone, Debug, Default)]
pub struct Deliveries {
    delivered: Arc<AtomicUsize>,
    failed: Arc<AtomicUsize>,
}

impl Deliveries {
    /// Passwords handed over.
    #[must_use]
    pub fn delivered(&self) -> usize {
        self.delivered.load(Ordering::Relaxed)
    }

    /// Passwords that could not be handed over.
    #[must_use]
    pub fn failed(&self) -> usize {
        self.failed.load(Ordering::Relaxed)
    }

    fn record(&self, ok: bool) {
        let counter = if ok { &self.delivered } else { &self.failed };
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

/// Where the passwords go.
#[derive(Clone, Debug)]
enum Target {
    File {
        path: PathBuf,
        file: Arc<Mutex<File>>,
    },
    Command(String),
    Nowhere,
}

/// The `hris-sync` command's [`CredentialSink`].
#[derive(Debug)]
pub struct CredentialOut {
    target: Target,
    counts: Deliveries,
}

/// One delivery line (the password included: this is where it is meant to go).
fn line(employee_id: &EmployeeId, upn: &str, password: &Password) -> String {
    json!({
        "employee_id": employee_id.to_string(),
        "upn": upn,
        "one_time_password": password.expose_secret(),
        "created_at": delivered_at(),
    })
    .to_string()
}

/// A Temporary Access Pass's line: the pass, from when it is usable (`null`: at once) and for
/// how many minutes.
fn access_pass_line(employee_id: &EmployeeId, upn: &str, pass: &AccessPass) -> String {
    json!({
        "employee_id": employee_id.to_string(),
        "upn": upn,
        "temporary_access_pass": pass.pass.expose_secret(),
        "usable_from": pass.start.as_ref().map(rfc3339),
        "lifetime_minutes": pass.lifetime_minutes,
        "created_at": delivered_at(),
    })
    .to_string()
}

fn delivered_at() -> String {
    #[allow(clippy::disallowed_methods)] // the moment of delivery is wall-clock time
    rfc3339(&Utc::now())
}

impl CredentialOut {
    /// Append to `path`, created `0600` if it does not exist. An existing file must be a
    /// regular file of this user that nobody else may read; a symbolic link is refused
    /// ([`crate::private_file`]).
    ///
    /// # Errors
    /// When the file cannot be opened or is refused; the message names it.
    pub fn file(path: &Path) -> Result<Self> {
        let file = crate::private_file::open(path, crate::private_file::Mode::Append)
            .map_err(|e| Error::config(format!("--credentials-out {}: {e}", path.display())))?;
        Ok(Self {
            target: Target::File {
                path: path.to_owned(),
                file: Arc::new(Mutex::new(file)),
            },
            counts: Deliveries::default(),
        })
    }

    /// Run `command` (through `sh -c`) once per account, with the line on its stdin.
    #[must_use]
    pub fn command(command: &str) -> Self {
        Self {
            target: Target::Command(command.to_owned()),
            counts: Deliveries::default(),
        }
    }

    /// Deliver nowhere; the summary says so.
    #[must_use]
    pub fn nowhere() -> Self {
        Self {
            target: Target::Nowhere,
            counts: Deliveries::default(),
        }
    }

    /// Whether passwords go anywhere.
    #[must_use]
    pub fn delivers(&self) -> bool {
        !matches!(self.target, Target::Nowhere)
    }

    /// The counters, to read after a cycle.
    #[must_use]
    pub fn counts(&self) -> Deliveries {
        self.counts.clone()
    }
}

/// How long a `--credentials-command` may run for one account before it is killed.
pub const COMMAND_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// The variables a `--credentials-command` sees: enough to find programs and a home, none of
/// the sync's own secrets (`PERSONIO_CLIENT_SECRET`, `AZURE_CLIENT_SECRET`, …).
const PASSED_ON: [&str; 7] = [
    "PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "TMPDIR",
];

fn run_command(command: &str, line: &str) -> std::result::Result<(), String> {
    run_command_within(command, line, COMMAND_TIMEOUT)
}

/// Run `command` with `line` on its stdin, in a minimal environment; kill it after `limit`.
/// The child is always waited for (never left a zombie), whatever failed.
fn run_command_within(
    command: &str,
    line: &str,
    limit: std::time::Duration,
) -> std::result::Result<(), String> {
    let mut c = Command::new("sh");
    c.arg("-c")
        .arg(command)
        .env_clear()
        .envs(
            PASSED_ON
                .iter()
                .filter_map(|k| std::env::var_os(k).map(|v| (k, v))),
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::null());
    let mut child = c.spawn().map_err(|e| format!("cannot start it: {e}"))?;
    let written = match child.stdin.take() {
        Some(mut stdin) => stdin
            .write_all(line.as_bytes())
            .and_then(|()| stdin.write_all(b"\n"))
            .map_err(|e| format!("cannot write to it: {e}")),
        None => Ok(()),
    };
    let started = std::time::Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() >= limit => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!(
                    "it ran longer than {} s and was killed",
                    limit.as_secs()
                ));
            }
            // On the blocking pool (see `deliver`), never on the runtime.
            #[allow(clippy::disallowed_methods)]
            Ok(None) => std::thread::sleep(std::time::Duration::from_millis(20)),
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("cannot wait for it: {e}"));
            }
        }
    };
    written?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("it exited with {status}"))
    }
}

/// Hands one line over (blocking); the error says why, never the line.
fn send(target: &Target, text: &str) -> std::result::Result<(), String> {
    match target {
        Target::Nowhere => Ok(()),
        Target::File { path, file } => {
            let mut file = file.lock().unwrap_or_else(PoisonError::into_inner);
            file.write_all(text.as_bytes())
                .and_then(|()| file.write_all(b"\n"))
                .and_then(|()| file.sync_data())
                .map_err(|e| format!("{}: {e}", path.display()))
        }
        Target::Command(command) => run_command(command, text),
    }
}

#[async_trait::async_trait]
impl CredentialSink for CredentialOut {
    async fn deliver(&self, credential: Credential) -> Result<()> {
        if !self.delivers() {
            return Ok(());
        }
        let text = match &credential.secret {
            Secret::Password(p) => line(&credential.employee_id, &credential.upn, p),
            Secret::AccessPass(p) => access_pass_line(&credential.employee_id, &credential.upn, p),
            _ => return Ok(()),
        };
        let target = self.target.clone();
        let result = tokio::task::spawn_blocking(move || send(&target, &text))
            .await
            .unwrap_or_else(|e| Err(format!("the delivery did not run: {e}")));
        self.counts.record(result.is_ok());
        result.map_err(|why| Error::new(ErrorKind::Other, why))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pw(id: &str, upn: &str) -> Credential {
        Credential::new(
            EmployeeId::new(id).unwrap(),
            upn,
            Secret::Password(Password::new("One-Time-Passw0rd!")),
        )
    }

    #[tokio::test]
    async fn file_lines_are_json_and_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new-hires.jsonl");
        let sink = CredentialOut::file(&path).unwrap();
        let counts = sink.counts();
        sink.deliver(pw("1045", "ada@demo.com")).await.unwrap();
        sink.deliver(pw("1046", "bob@demo.com")).await.unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["employee_id"], "1045");
        assert_eq!(lines[0]["upn"], "ada@demo.com");
        assert_eq!(lines[0]["one_time_password"], "One-Time-Passw0rd!");
        assert!(
            lines[0]["created_at"]
                .as_str()
                .unwrap()
                .parse::<hris_sync_core::chrono::DateTime<Utc>>()
                .is_ok()
        );
        assert_eq!((counts.delivered(), counts.failed()), (2, 0));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[tokio::test]
    async fn a_failing_command_is_an_error_counted_not_retried() {
        let dir = tempfile::tempdir().unwrap();
        let seen = dir.path().join("seen");
        let sink = CredentialOut::command(&format!("cat >> {}; exit 3", seen.display()));
        let counts = sink.counts();
        let err = sink.deliver(pw("1045", "ada@demo.com")).await.unwrap_err();
        assert!(err.message().contains("exited"), "{err}");
        assert!(!err.to_string().contains("One-Time"), "{err}");
        assert_eq!((counts.delivered(), counts.failed()), (0, 1));
        // Run once: the command saw the line once.
        assert_eq!(std::fs::read_to_string(&seen).unwrap().lines().count(), 1);
    }

    // A command that hangs is killed and reaped after the limit; it sees none of the sync's
    // secrets in its environment.
    #[test]
    fn a_command_has_a_time_limit_and_a_minimal_environment() {
        let dir = tempfile::tempdir().unwrap();
        let err = run_command_within("sleep 30", "{}", std::time::Duration::from_millis(200))
            .unwrap_err();
        assert!(err.contains("killed"), "{err}");
        let seen = dir.path().join("env");
        let env = format!("env > {}", seen.display());
        run_command_within(&env, "{}", std::time::Duration::from_secs(30)).unwrap();
        let text = std::fs::read_to_string(&seen).unwrap();
        for line in text.lines() {
            let key = line.split('=').next().unwrap_or_default();
            assert!(
                PASSED_ON.contains(&key) || ["PWD", "SHLVL", "_", "OLDPWD"].contains(&key),
                "{key} was passed on"
            );
        }
    }

    #[test]
    fn an_unopenable_file_names_the_flag() {
        let err = CredentialOut::file(Path::new("/nonexistent-dir/x.jsonl")).unwrap_err();
        assert!(err.message().contains("--credentials-out"), "{err}");
    }
}
