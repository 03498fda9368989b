//! `sync`: keep Entra ID in step with Personio (DESIGN §4).
//!
//! ```text
//! cargo run --release --example sync -- [--demo] [--config FILE] [--apply] [--report FILE]
//!     [--state FILE] [--watch [--interval 30m]] [--full] [--now RFC3339] [--allow-mass-disable]
//! ```
//!
//! Without `--apply` it only plans. Exit status: 0 all planned actions applied (or planned);
//! 1 some action failed; 2 bad configuration or credentials; 3 held by the safety guard.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use connector_azuread::EntraDirectory;
use connector_personio::PersonioSource;
use hris_sync_core::apply::PasswordSink;
use hris_sync_core::engine::{CycleResult, FileStateStore, SyncOptions, Syncer, exit_code_for};
use hris_sync_core::jiff::Timestamp;
use hris_sync_core::policy::ConfigFile;
use hris_sync_core::{EmployeeId, Error, Password, Result};
use hris_sync_examples::{demo, table};

const USAGE: &str = "usage: sync [--demo] [--config FILE] [--apply] [--report FILE] [--state FILE] \
[--watch [--interval 30m]] [--full] [--now RFC3339] [--allow-mass-disable]";

#[derive(Debug, Default)]
struct Args {
    demo: bool,
    config: Option<PathBuf>,
    apply: bool,
    report: Option<PathBuf>,
    state: Option<PathBuf>,
    watch: bool,
    interval: Option<Duration>,
    full: bool,
    now: Option<Timestamp>,
    allow_mass_disable: bool,
}

fn parse_interval(s: &str) -> Option<Duration> {
    let s = s.trim();
    let (number, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = number.parse().ok()?;
    let secs = match unit {
        "" | "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        _ => return None,
    };
    (secs > 0).then(|| Duration::from_secs(secs))
}

fn parse_args(raw: impl Iterator<Item = String>) -> std::result::Result<Args, String> {
    let mut args = Args::default();
    let mut raw = raw.peekable();
    while let Some(flag) = raw.next() {
        let mut value = |name: &str| raw.next().ok_or_else(|| format!("{name} needs a value"));
        match flag.as_str() {
            "--demo" => args.demo = true,
            "--config" => args.config = Some(value("--config")?.into()),
            "--apply" => args.apply = true,
            "--report" => args.report = Some(value("--report")?.into()),
            "--state" => args.state = Some(value("--state")?.into()),
            "--watch" => args.watch = true,
            "--interval" => {
                let v = value("--interval")?;
                args.interval = Some(parse_interval(&v).ok_or_else(|| {
                    format!("--interval: {v:?} is not a duration like 30m, 1h or 90s")
                })?);
            }
            "--full" => args.full = true,
            "--now" => {
                let v = value("--now")?;
                args.now = Some(
                    v.parse()
                        .map_err(|e| format!("--now: {v:?} is not an RFC 3339 instant: {e}"))?,
                );
            }
            "--allow-mass-disable" => args.allow_mass_disable = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if args.interval.is_some() && !args.watch {
        return Err("--interval needs --watch".to_owned());
    }
    Ok(args)
}

/// Counts new accounts; their one-time passwords are dropped, never shown.
#[derive(Debug, Default)]
struct CountPasswords(std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl PasswordSink for CountPasswords {
    fn deliver(&mut self, _: &EmployeeId, _: &str, _: &Password) {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
}

#[allow(clippy::disallowed_methods)] // the command line is where the clock enters
fn clock(args: &Args) -> Timestamp {
    args.now.unwrap_or_else(Timestamp::now)
}

#[allow(clippy::print_stdout)]
fn show(result: &CycleResult, args: &Args, dry_run: bool) -> Result<()> {
    println!("{}", table::render(&result.report, dry_run));
    if let Some(path) = &args.report {
        std::fs::write(path, result.report.to_json()).map_err(|e| {
            Error::new(
                hris_sync_core::ErrorKind::Other,
                format!("--report {}: {e}", path.display()),
            )
        })?;
    }
    Ok(())
}

#[allow(clippy::print_stdout, clippy::print_stderr)]
async fn run_demo(args: &Args) -> Result<i32> {
    let now = clock(args);
    eprintln!(
        "Demo: Personio and Microsoft Graph are simulated in this process and seeded with a company of 62."
    );
    let mut demo = demo::start(now).await?;
    let created = CountPasswords::default();
    let counter = std::sync::Arc::clone(&created.0);
    demo.syncer = demo
        .syncer
        .with_password_sink(Box::new(created))
        .with_progress(Box::new(table::Bar));
    println!(
        "Personio: {}   Graph: {}\n",
        demo.personio.base_url(),
        demo.graph.base_url()
    );
    let options = SyncOptions {
        apply: true,
        full: args.full,
        allow_mass_disable: args.allow_mass_disable,
        ..SyncOptions::default()
    };
    let first = demo.syncer.run_cycle(now, &options).await?;
    println!("First cycle (--apply):");
    show(&first, args, false)?;
    println!(
        "{} new accounts got one-time passwords through the password hook (not shown).\n",
        counter.load(std::sync::atomic::Ordering::Relaxed)
    );
    let second = demo
        .syncer
        .run_cycle(
            now,
            &SyncOptions {
                apply: true,
                ..SyncOptions::default()
            },
        )
        .await?;
    println!("Second cycle (incremental: Personio changed-since, Graph delta):");
    println!("{}", table::render(&second.report, false));
    let g = demo.graph.counts();
    let p = demo.personio.counts();
    println!(
        "Requests: Personio {} auth, {} employee pages; Graph {} token, {} list pages, {} delta, {} batches, {} writes, {} throttled.",
        p.auth, p.employees, g.token, g.list, g.delta, g.batch, g.writes, g.throttled
    );
    Ok(first.exit_code().max(second.exit_code()))
}

fn credentials_configured() -> bool {
    ["PERSONIO_CLIENT_ID", "AZURE_CLIENT_ID"]
        .iter()
        .all(|k| std::env::var(k).is_ok_and(|v| !v.trim().is_empty()))
}

fn engine(args: &Args) -> Result<Syncer> {
    let path = args.config.as_ref().ok_or_else(|| {
        Error::config("--config: a configuration file is required for a real sync (see README)")
    })?;
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::config(format!("--config {}: {e}", path.display())))?;
    let file = ConfigFile::from_toml(&text)?;
    let policy = file.validate()?;
    let source = demo::source_for(PersonioSource::from_env(), file.personio.app_id.as_deref())?;
    let directory = demo::directory_for(EntraDirectory::from_env(), &policy)?;
    let state = FileStateStore::new(
        args.state
            .clone()
            .unwrap_or_else(|| "hris-sync-state.json".into()),
    );
    Ok(Syncer::new(
        Box::new(source),
        Box::new(directory),
        policy,
        Box::new(state),
    ))
}

#[allow(clippy::print_stderr)]
async fn run_real(args: &Args) -> Result<i32> {
    let mut syncer = engine(args)?
        .with_progress(Box::new(table::Bar))
        .with_password_sink(Box::new(CountPasswords::default()));
    let options = SyncOptions {
        apply: args.apply,
        full: args.full,
        allow_mass_disable: args.allow_mass_disable,
        ..SyncOptions::default()
    };
    loop {
        let code = match syncer.run_cycle(clock(args), &options).await {
            Ok(result) => {
                show(&result, args, !args.apply)?;
                result.exit_code()
            }
            Err(e) if args.watch && exit_code_for(&e) != 2 => {
                eprintln!("error: {e}");
                exit_code_for(&e)
            }
            Err(e) => return Err(e),
        };
        if !args.watch {
            return Ok(code);
        }
        let interval = args.interval.unwrap_or(Duration::from_secs(30 * 60));
        eprintln!("next cycle in {} s (Ctrl-C stops)", interval.as_secs());
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            _ = tokio::signal::ctrl_c() => return Ok(code),
        }
    }
}

#[allow(clippy::print_stderr)]
fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(msg) => {
            if !msg.is_empty() {
                eprintln!("error: {msg}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    tracing_subscriber::fmt()
        .with_max_level(tracing::Level::WARN)
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let demo = args.demo || !credentials_configured();
    if demo && !args.demo {
        eprintln!(
            "notice: PERSONIO_CLIENT_ID / AZURE_CLIENT_ID are not set, so this runs the demo against \
             simulated services. Set the credentials (see README) for a real sync."
        );
    }
    let result = runtime.block_on(async {
        if demo {
            run_demo(&args).await
        } else {
            run_real(&args).await
        }
    });
    match result {
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(u8::try_from(exit_code_for(&e)).unwrap_or(1))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> std::result::Result<Args, String> {
        parse_args(s.split_whitespace().map(str::to_owned))
    }

    #[test]
    fn flags() {
        let a = args("--demo --apply --report r.json --state s.json --full --allow-mass-disable")
            .unwrap();
        assert!(a.demo && a.apply && a.full && a.allow_mass_disable);
        assert_eq!(a.report.unwrap().to_str(), Some("r.json"));
        let w = args("--watch --interval 1h").unwrap();
        assert_eq!(w.interval, Some(Duration::from_secs(3600)));
        assert!(args("--interval 5m").is_err());
        assert!(args("--bogus").is_err());
        assert!(args("--now yesterday").is_err());
        assert_eq!(
            args("--now 2025-10-01T08:00:00Z")
                .unwrap()
                .now
                .unwrap()
                .to_string(),
            "2025-10-01T08:00:00Z"
        );
    }
}
