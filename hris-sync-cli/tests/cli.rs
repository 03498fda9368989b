//! The compiled `hris-sync` binary as an operator runs it: help, missing credentials, the state
//! lock, a real run against both simulators over HTTP (state file mode, JSON logs).
//!
//! Cargo builds the `hris-sync` binary before it runs these tests and names it in
//! `CARGO_BIN_EXE_hris-sync`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use hris_sync_cli::demo::{self, DEMO_CONFIG};
use hris_sync_cli::lock::StateLock;
use hris_sync_sims::graph::{GraphSim, SimConfig as GraphConfig};
use hris_sync_sims::personio::{PersonioSim, SimConfig as PersonioConfig};

use crate::common::now;

const CREDENTIALS: [&str; 5] = [
    "PERSONIO_CLIENT_ID",
    "PERSONIO_CLIENT_SECRET",
    "AZURE_TENANT_ID",
    "AZURE_CLIENT_ID",
    "AZURE_CLIENT_SECRET",
];

/// The `hris-sync` binary cargo built for these tests.
fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_hris-sync"))
}

/// `hris-sync` with a clean environment (no credentials, no `RUST_LOG`).
pub(crate) fn sync() -> Command {
    let mut c = Command::new(binary());
    c.env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        c.env("PATH", path);
    }
    c
}

pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn run(mut c: Command) -> Output {
    c.output().unwrap()
}

/// A scratch folder with the demo configuration in `config.toml`.
pub(crate) fn scratch() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, DEMO_CONFIG).unwrap();
    let state = dir.path().join("state.json");
    (dir, config, state)
}

fn with_fake_credentials(c: &mut Command) {
    for k in CREDENTIALS {
        c.env(k, "set-but-unused");
    }
    // Nothing may be contacted: any request would fail at once.
    c.env("PERSONIO_BASE_URL", "http://127.0.0.1:9")
        .env("GRAPH_BASE_URL", "http://127.0.0.1:9")
        .env("AZURE_AUTHORITY_HOST", "http://127.0.0.1:9");
}

#[test]
fn help_and_version_on_stdout_with_exit_0() {
    let out = run({
        let mut c = sync();
        c.arg("--help");
        c
    });
    assert_eq!(out.status.code(), Some(0));
    let help = text(&out.stdout);
    for flag in [
        "--demo",
        "--config",
        "--apply",
        "--state",
        "--watch",
        "--log-format",
    ] {
        assert!(help.contains(flag), "{flag} in {help}");
    }
    assert!(help.contains("Exit status"), "{help}");
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    let out = run({
        let mut c = sync();
        c.arg("--version");
        c
    });
    assert_eq!(out.status.code(), Some(0));
    assert!(
        text(&out.stdout).starts_with("hris-sync "),
        "{}",
        text(&out.stdout)
    );
}

// Cron with a lost environment: exit 2 naming every missing variable, and no demo, ever.
#[test]
fn missing_credentials_exit_2_and_never_run_the_demo() {
    let (_dir, config, state) = scratch();
    let mut c = sync();
    c.arg("--config")
        .arg(&config)
        .arg("--state")
        .arg(&state)
        .arg("--apply");
    c.env("PERSONIO_CLIENT_ID", "present")
        .env("AZURE_CLIENT_SECRET", "  ");
    let out = run(c);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    for missing in [
        "PERSONIO_CLIENT_SECRET",
        "AZURE_TENANT_ID",
        "AZURE_CLIENT_ID",
        "AZURE_CLIENT_SECRET",
    ] {
        assert!(err.contains(missing), "{missing} in {err}");
    }
    assert!(!err.contains("PERSONIO_CLIENT_ID,"), "it is set: {err}");
    assert!(out.stdout.is_empty(), "nothing ran: {}", text(&out.stdout));
    assert!(!state.exists());
}

#[test]
fn a_missing_config_file_exit_2_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("nowhere").join("prod.toml");
    let mut c = sync();
    with_fake_credentials(&mut c);
    c.arg("--config").arg(&config);
    let out = run(c);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains(&config.display().to_string()),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn usage_errors_exit_2_naming_the_flag() {
    let out = run({
        let mut c = sync();
        c.args(["--config", "x.toml", "--watch", "--interval", "soon"]);
        c
    });
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--interval"),
        "{}",
        text(&out.stderr)
    );
}

// One run per state file: while another process holds the lock, a run exits 4 at once,
// naming the holder, and touches nothing.
#[test]
fn a_second_run_exits_4_while_the_lock_is_held() {
    let (_dir, config, state) = scratch();
    let _held = StateLock::acquire(&state, now()).unwrap();
    let mut c = sync();
    with_fake_credentials(&mut c);
    c.arg("--config")
        .arg(&config)
        .arg("--state")
        .arg(&state)
        .arg("--apply");
    let out = run(c);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!("pid {}", std::process::id())),
        "{err}"
    );
    assert!(
        err.contains(&hris_sync_core::time::rfc3339(&now())),
        "{err}"
    );
    assert!(!state.exists());
}

pub(crate) struct Sims {
    pub(crate) personio: PersonioSim,
    pub(crate) graph: GraphSim,
}

pub(crate) async fn sims() -> Sims {
    sims_with(GraphConfig::default()).await
}

/// Both simulators seeded with the demo company, Graph with `graph`'s settings.
pub(crate) async fn sims_with(graph: GraphConfig) -> Sims {
    let personio = PersonioSim::start(PersonioConfig::default()).await.unwrap();
    personio.seed(demo::employees(now()));
    let graph = GraphSim::start(graph).await.unwrap();
    graph.seed(demo::tenant(now()).0).unwrap();
    Sims { personio, graph }
}

/// `hris-sync` with both simulators' addresses and credentials in its environment.
pub(crate) fn on_sims(sims: &Sims) -> Command {
    let g = GraphConfig::default();
    let mut c = reading(&sims.personio);
    c.env("AZURE_TENANT_ID", &g.tenant_id)
        .env("AZURE_CLIENT_ID", &g.client_id)
        .env("AZURE_CLIENT_SECRET", &g.client_secret)
        .env("GRAPH_BASE_URL", sims.graph.base_url())
        .env("AZURE_AUTHORITY_HOST", sims.graph.base_url());
    c
}

pub(crate) fn against(sims: &Sims, config: &Path, state: &Path) -> Command {
    let mut c = on_sims(sims);
    c.arg("--config")
        .arg(config)
        .arg("--state")
        .arg(state)
        .arg("--now")
        .arg(hris_sync_core::time::rfc3339(&now()));
    c
}

/// `hris-sync` reading the Personio simulator `personio` (its address and credentials).
pub(crate) fn reading(personio: &PersonioSim) -> Command {
    let p = PersonioConfig::default();
    let mut c = sync();
    c.env("PERSONIO_CLIENT_ID", &p.client_id)
        .env("PERSONIO_CLIENT_SECRET", &p.client_secret)
        .env("PERSONIO_BASE_URL", personio.base_url());
    c
}

pub(crate) async fn run_async(c: Command) -> Output {
    tokio::task::spawn_blocking(move || run(c)).await.unwrap()
}

/// Run `hris-sync`, which must exit 0 (else both outputs are shown); its standard output.
pub(crate) async fn succeeded(c: Command) -> String {
    let out = run_async(c).await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

/// One more `--apply` run: it succeeds and has nothing to do (convergence).
async fn nothing_left_to_do(sims: &Sims, config: &Path, state: &Path) {
    let mut c = against(sims, config, state);
    c.arg("--apply");
    let stdout = succeeded(c).await;
    assert!(stdout.contains("nothing to do"), "{stdout}");
}

/// Send SIGTERM to the process `pid`.
pub(crate) fn sigterm(pid: u32) {
    let sent = Command::new("kill")
        .arg("-TERM")
        .arg(pid.to_string())
        .status()
        .unwrap();
    assert!(sent.success());
}

/// Wait until an injected Graph fault fired (a held batch is in flight).
async fn until_a_fault_fired(sims: &Sims) {
    use std::time::{Duration, Instant};
    let waited = Instant::now();
    while sims.graph.counts().faults == 0 {
        assert!(
            waited.elapsed() < Duration::from_secs(120),
            "the run never reached the held request"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

// A real run over HTTP: the state file and its lock are private, every log line is one JSON
// object, and a second run has nothing to do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_run_keeps_private_state_and_logs_json() {
    let sims = sims().await;
    let (_dir, config, state) = scratch();
    let mut c = against(&sims, &config, &state);
    c.args(["--apply", "--log-format", "json"])
        .env("RUST_LOG", "debug");
    let out = run_async(c).await;
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}\n{}", text(&out.stdout));
    assert!(sims.graph.counts().creates > 0);

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        for file in [state.clone(), hris_sync_cli::lock::lock_path(&state)] {
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{}: {mode:o}", file.display());
        }
    }
    let mut lines = 0;
    for line in err.lines() {
        let event: serde_json::Value = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("not a JSON object ({e}): {line}"));
        assert!(
            event.get("level").is_some() && event.get("fields").is_some(),
            "{line}"
        );
        lines += 1;
    }
    assert!(lines > 5, "RUST_LOG=debug gave {lines} lines");

    nothing_left_to_do(&sims, &config, &state).await;
}

// A dry run writes nothing, not even the state.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_writes_nothing() {
    let sims = sims().await;
    let (_dir, config, state) = scratch();
    let stdout = succeeded(against(&sims, &config, &state)).await;
    assert_eq!(sims.graph.counts().writes, 0);
    assert!(!state.exists());
    assert!(stdout.contains("create"), "{stdout}");
}

/// The JSON lines in `path`, parsed.
pub(crate) fn json_lines(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

// New hires' one-time passwords go to a private JSON-lines file, one line per new account,
// and never to stdout or the log.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_are_delivered_to_a_file() {
    let sims = sims().await;
    let (dir, config, state) = scratch();
    let out_file = dir.path().join("new-hires.jsonl");
    let mut c = against(&sims, &config, &state);
    c.arg("--apply")
        .arg("--credentials-out")
        .arg(&out_file)
        .env("RUST_LOG", "trace");
    let out = run_async(c).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let lines = json_lines(&out_file);
    let creates = usize::try_from(sims.graph.counts().creates).unwrap();
    assert_eq!(lines.len(), creates);
    let output = format!("{}{}", text(&out.stdout), text(&out.stderr));
    for l in &lines {
        let upn = l["upn"].as_str().unwrap();
        assert!(sims.graph.user_by_upn(upn).is_some(), "{upn}");
        let password = l["one_time_password"].as_str().unwrap();
        assert!(password.len() >= 16);
        assert!(!output.contains(password), "a password reached the output");
    }
    assert!(
        text(&out.stdout).contains(&format!("{creates} delivered, 0 failed")),
        "{}",
        text(&out.stdout)
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&out_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}

// … or to a command, one run per account with the line on stdin.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_are_delivered_to_a_command() {
    let sims = sims().await;
    let (dir, config, state) = scratch();
    let seen = dir.path().join("seen.jsonl");
    let mut c = against(&sims, &config, &state);
    c.arg("--apply")
        .arg("--credentials-command")
        .arg(format!("cat >> '{}'", seen.display()));
    succeeded(c).await;
    let lines = json_lines(&seen);
    assert_eq!(
        lines.len(),
        usize::try_from(sims.graph.counts().creates).unwrap()
    );
    assert!(lines.iter().all(|l| l["employee_id"].is_string()));
}

// Neither option: the summary says where the passwords did not go.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undelivered_credentials_are_said() {
    let sims = sims().await;
    let (_dir, config, state) = scratch();
    let mut c = against(&sims, &config, &state);
    c.arg("--apply");
    let stdout = succeeded(c).await;
    assert!(stdout.contains("passwords delivered nowhere"), "{stdout}");
}

// SIGTERM while a `$batch` of creates is in flight: that batch finishes, nothing new is
// sent, the state is saved, the report says what was left, and the exit status is 1. The
// next run does the rest (no second account for anyone) and the one after has nothing to do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_mid_apply_then_a_clean_converging_run() {
    use std::process::Stdio;
    use std::time::Duration;

    use hris_sync_sims::graph::{Fault, Target};

    let sims = sims().await;
    // Hold the first batch of creates, so the signal lands while it is in flight.
    sims.graph.inject(
        Target::CreateBatch,
        [Fault::Latency(Duration::from_secs(3))],
    );
    let (dir, config, state) = scratch();
    let report = dir.path().join("report.json");
    let mut c = against(&sims, &config, &state);
    c.arg("--apply")
        .arg("--report")
        .arg(&report)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = c.spawn().unwrap();
    until_a_fault_fired(&sims).await;
    sigterm(child.id());
    let out = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let stdout = text(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{stdout}\n{}",
        text(&out.stderr)
    );
    assert!(stdout.contains("Stopped by a signal:"), "{stdout}");
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    let left = written["actions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| {
            a["status"] == "failed" && a["reason"].as_str().unwrap().contains("not applied")
        })
        .count();
    assert!(left > 0, "{written}");
    let created = sims.graph.counts().creates;
    assert!(created > 0, "the batch in flight finished");
    assert!(state.exists(), "the state was saved");

    // The next run does what was left; the one after has nothing to do.
    let mut again = against(&sims, &config, &state);
    again.arg("--apply");
    succeeded(again).await;
    nothing_left_to_do(&sims, &config, &state).await;
    let mut ids: Vec<String> = sims
        .graph
        .users()
        .into_iter()
        .filter_map(|u| u.employee_id)
        .collect();
    let accounts = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), accounts, "one account per employee");
}

// A second signal does not wait for the batch in flight: the process exits at once with
// 128 + SIGTERM.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_sigterm_exits_at_once() {
    use std::process::Stdio;
    use std::time::Duration;

    use hris_sync_sims::graph::{Fault, Target};

    let sims = sims().await;
    // Held far longer than the test waits: only the second signal can end the run early.
    sims.graph.inject(
        Target::CreateBatch,
        [Fault::Latency(Duration::from_secs(600))],
    );
    let (_dir, config, state) = scratch();
    let mut c = against(&sims, &config, &state);
    c.arg("--apply")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let seen = stderr_lines(&mut child);
    until_a_fault_fired(&sims).await;
    sigterm(child.id());
    // Signals of one kind may merge: send the second once the first was taken.
    let acknowledged = tokio::task::spawn_blocking(move || {
        seen.iter()
            .any(|l| l.contains("stopping after the requests in flight"))
    });
    assert!(acknowledged.await.unwrap(), "the first signal was logged");
    sigterm(child.id());
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.code(), Some(hris_sync_cli::signals::EXIT_SIGTERM));
}

/// Reads a child's stderr on a thread; lines arrive on the receiver.
pub(crate) fn stderr_lines(child: &mut std::process::Child) -> std::sync::mpsc::Receiver<String> {
    use std::io::BufRead as _;
    let stderr = child.stderr.take().unwrap();
    let (lines, seen) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    seen
}

/// `hris-sync --apply --watch --interval 1h --listen 127.0.0.1:0` on the simulators, JSON
/// logs on a pipe: the child and the address it serves.
pub(crate) async fn watching(
    sims: &Sims,
    config: &Path,
    state: &Path,
) -> (std::process::Child, String) {
    watching_with(sims, config, state, &["--interval", "1h"], &[]).await
}

/// `hris-sync --apply --watch --listen 127.0.0.1:0` with `args` and the environment `env`, on
/// the simulators, JSON logs on a pipe: the child and the address it serves.
pub(crate) async fn watching_with(
    sims: &Sims,
    config: &Path,
    state: &Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> (std::process::Child, String) {
    use std::process::Stdio;
    let mut c = against(sims, config, state);
    c.args(["--apply", "--watch", "--listen", "127.0.0.1:0"])
        .args(args)
        .args(["--log-format", "json"])
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let addr = listen_addr(&mut child).await;
    (child, addr)
}

/// SIGTERM the watching sync; it exits 0.
pub(crate) async fn stops_cleanly(mut child: std::process::Child) {
    sigterm(child.id());
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(status.code(), Some(0));
}

/// The address a `--listen` child logs (JSON logs on stderr).
pub(crate) async fn listen_addr(child: &mut std::process::Child) -> String {
    let seen = stderr_lines(child);
    tokio::task::spawn_blocking(move || {
        seen.iter().find_map(|line| {
            let event: serde_json::Value = serde_json::from_str(&line).ok()?;
            event["fields"]["addr"].as_str().map(str::to_owned)
        })
    })
    .await
    .unwrap()
    .expect("the address is logged")
}

// `--watch --listen`: /healthz answers 200 and /metrics the Prometheus text of the cycle
// that ran, with the requests counted per service; SIGTERM while it waits ends it with 0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_serves_health_and_metrics() {
    use std::time::{Duration, Instant};

    let sims = sims().await;
    let (_dir, config, state) = scratch();
    let (child, addr) = watching(&sims, &config, &state).await;
    let http = reqwest::Client::new();
    let get = |path: &str| {
        let req = http.get(format!("http://{addr}{path}"));
        async move {
            let resp = req.send().await.unwrap();
            (resp.status().as_u16(), resp.text().await.unwrap())
        }
    };
    // Wait for the first cycle to be on record.
    let waited = Instant::now();
    let metrics = loop {
        let (status, body) = get("/metrics").await;
        assert_eq!(status, 200);
        if body.contains("hris_sync_cycles_total{result=\"success\"} 1\n") {
            break body;
        }
        assert!(waited.elapsed() < Duration::from_secs(120), "{body}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let creates = sims.graph.counts().creates;
    assert!(
        metrics.contains(&format!(
            "hris_sync_actions_total{{kind=\"create\",status=\"applied\"}} {creates}\n"
        )),
        "{metrics}"
    );
    for service in ["personio", "graph"] {
        let line = metrics
            .lines()
            .find(|l| {
                l.starts_with(&format!(
                    "hris_sync_requests_total{{service=\"{service}\"}}"
                ))
            })
            .unwrap();
        let n: f64 = line.rsplit_once(' ').unwrap().1.parse().unwrap();
        assert!(n > 0.0, "{line}");
    }
    assert!(
        metrics.contains("hris_sync_last_success_timestamp_seconds "),
        "{metrics}"
    );
    let (status, body) = get("/healthz").await;
    assert_eq!(status, 200, "{body}");
    assert!(body.starts_with("ok: the last successful cycle"), "{body}");
    assert_eq!(get("/nothing").await.0, 404);
    stops_cleanly(child).await;
}

// `[onboarding] temporary_access_pass = true`: each new account also gets a Temporary Access
// Pass, delivered as its own JSON line beside the password.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn temporary_access_passes_are_made_and_delivered() {
    let mut permissions: Vec<String> = hris_sync_sims::graph::LEAST_PRIVILEGE
        .iter()
        .map(|p| (*p).to_owned())
        .collect();
    permissions.push("UserAuthenticationMethod.ReadWrite.All".to_owned());
    let sims = sims_with(GraphConfig {
        permissions,
        ..GraphConfig::default()
    })
    .await;
    let (dir, config, state) = scratch();
    std::fs::write(
        &config,
        format!(
            "{DEMO_CONFIG}\n[onboarding]\ntemporary_access_pass = true\ntemporary_access_pass_lifetime_minutes = 480\n"
        ),
    )
    .unwrap();
    let out_file = dir.path().join("new-hires.jsonl");
    let mut c = against(&sims, &config, &state);
    c.arg("--apply").arg("--credentials-out").arg(&out_file);
    let out = run_async(c).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let creates = usize::try_from(sims.graph.counts().creates).unwrap();
    assert!(creates > 0);
    let lines = json_lines(&out_file);
    let passes: Vec<_> = lines
        .iter()
        .filter(|l| l.get("temporary_access_pass").is_some())
        .collect();
    assert_eq!(passes.len(), creates);
    assert_eq!(lines.len(), 2 * creates, "a password and a pass each");
    assert_eq!(sims.graph.access_passes().len(), creates);
    for p in &passes {
        assert_eq!(p["lifetime_minutes"], 480);
        assert!(sims.graph.user_by_upn(p["upn"].as_str().unwrap()).is_some());
        let pass = p["temporary_access_pass"].as_str().unwrap();
        assert!(!text(&out.stdout).contains(pass) && !text(&out.stderr).contains(pass));
    }
    // A future hire's pass starts on the hire date.
    assert!(
        sims.graph
            .access_passes()
            .iter()
            .any(|(_, r)| r.start.is_some_and(|t| t > now())),
        "{:?}",
        sims.graph.access_passes()
    );
    assert!(
        text(&out.stdout).contains(&format!("{} delivered, 0 failed", 2 * creates)),
        "{}",
        text(&out.stdout)
    );
}

// Enterprise credentials from the environment, as `azure_identity` names them: with
// `AZURE_CLIENT_CERTIFICATE_PATH` (PKCS#12) and no secret, the run signs client assertions
// the tenant verifies against the app's registered certificate.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_run_authenticates_with_a_certificate_from_the_environment() {
    let pfx = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../connector-azuread/tests/fixtures/credentials/app.pfx");
    // The PKCS#12 file bundles app.pem's key and certificate; the tenant holds the certificate.
    let registered =
        hris_sync_sims::graph::certificate_der(&std::fs::read(pfx.with_extension("pem")).unwrap())
            .unwrap();
    let sims = sims_with(GraphConfig {
        certificates: vec![registered],
        ..GraphConfig::default()
    })
    .await;
    let (_dir, config, state) = scratch();
    let mut c = against(&sims, &config, &state);
    c.env_remove("AZURE_CLIENT_SECRET")
        .env("AZURE_CLIENT_CERTIFICATE_PATH", &pfx)
        .env("AZURE_CLIENT_CERTIFICATE_PASSWORD", "test-pfx-pass");
    let out = run_async(c).await;
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}\n{}", text(&out.stdout));
    let counts = sims.graph.counts();
    assert_eq!(counts.assertions, 1, "one assertion, one token");
    assert!(counts.list + counts.delta > 0, "the tenant was read");
    assert!(!err.contains("test-pfx-pass"), "{err}");

    // The same run with a wrong password: exit 2, naming the variable; nothing read.
    let mut c = against(&sims, &config, &state);
    c.env_remove("AZURE_CLIENT_SECRET")
        .env("AZURE_CLIENT_CERTIFICATE_PATH", &pfx)
        .env("AZURE_CLIENT_CERTIFICATE_PASSWORD", "not-it");
    let out = run_async(c).await;
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("AZURE_CLIENT_CERTIFICATE_PATH"), "{err}");
    assert!(!err.contains("not-it"), "{err}");
}

// `[personio] api = "v2"`: the same run reads persons and employments instead of the v1
// employee list, and converges the same way; an unknown API is exit 2 naming the key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_real_run_reads_personio_v2() {
    let sims = sims().await;
    let (_dir, config, state) = scratch();
    // v2 names offices and cost centres by id only: a policy that maps them is refused at
    // start-up, naming them, so this one maps departments, positions and managers.
    let v2 = DEMO_CONFIG
        .replacen("[personio]\n", "[personio]\napi = \"v2\"\n", 1)
        .replace(
            "[[mapping]]\npersonio = \"office\"\nentra = \"officeLocation\"\n",
            "",
        )
        .replace(
            "[[mapping]]\npersonio = \"cost_centers\"\nentra = \"employeeOrgData.costCenter\"\n",
            "",
        );
    assert!(!v2.contains("office"), "{v2}");
    std::fs::write(&config, v2).unwrap();
    let mut c = against(&sims, &config, &state);
    c.arg("--apply");
    succeeded(c).await;
    let p = sims.personio.counts();
    assert_eq!(p.employees, 0, "no v1 listing");
    assert!(p.persons > 0 && p.employments > 0, "{p:?}");
    assert!(sims.graph.counts().creates > 0);
    nothing_left_to_do(&sims, &config, &state).await;

    std::fs::write(
        &config,
        DEMO_CONFIG.replacen("[personio]\n", "[personio]\napi = \"v3\"\n", 1),
    )
    .unwrap();
    let out = run_async(against(&sims, &config, &state)).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("personio.api"),
        "{}",
        text(&out.stderr)
    );
}
