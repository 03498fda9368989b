//! `hris-sync`: keep Entra ID, on-premises Active Directory or a SCIM application in step with Personio
//! (docs/rules.md §4).
//!
//! ```text
//! hris-sync --config FILE [--apply] [--report FILE] [--state FILE] [--watch [--interval 30m]]
//!      [--full] [--now RFC3339] [--allow-mass-disable] [--log-format text|json]
//! hris-sync --config FILE --apply --only ID[,ID…] [--audit FILE]
//! hris-sync explain ID --config FILE [--format json]
//! hris-sync audit --employee ID [--since DATE] [--file FILE]
//! hris-sync --demo
//! ```
//!
//! `hris-sync --help` explains every flag. Without `--apply` it only plans. Exit status: 0 all
//! planned actions applied (or planned); 1 some action failed; 2 bad configuration or
//! credentials; 3 held by the safety guard; 4 not run: another sync holds the state lock.
//!
//! A real run never falls back to the demo: a missing credential is exit 2 naming it.

use std::process::ExitCode;
use std::time::Duration;

use clap::Parser as _;
use connector_personio::{PersonioSection, PersonioSource};
use hris_sync_cli::cli::Cli;
use hris_sync_cli::credentials::{CredentialOut, Deliveries};
#[cfg(feature = "demo")]
use hris_sync_cli::demo;
use hris_sync_cli::lock::{LockError, StateLock};
use hris_sync_cli::metrics::Metrics;
use hris_sync_cli::webhook::{Batch, Inbox, WebhookAuth, Webhooks};
use hris_sync_cli::{audit, cli, connectors, logging, progress, serve, signals, table};
use hris_sync_core::chrono::{DateTime, Utc};
use hris_sync_core::engine::{CycleResult, FileStateStore, SyncOptions, Syncer, exit_code_for};
use hris_sync_core::policy::ConfigFile;
use hris_sync_core::{Error, Policy, RequestStats, Result, Stop};
use std::sync::Arc;

/// Exit status when another run holds the state lock.
const EXIT_LOCKED: u8 = 4;

/// Counts new accounts; their one-time passwords are dropped, never shown.
#[cfg(feature = "demo")]
#[derive(Debug, Default)]
struct CountPasswords(Arc<std::sync::atomic::AtomicUsize>);

#[cfg(feature = "demo")]
#[async_trait::async_trait]
impl hris_sync_core::CredentialSink for CountPasswords {
    async fn deliver(&self, credential: hris_sync_core::Credential) -> Result<()> {
        if matches!(credential.secret, hris_sync_core::Secret::Password(_)) {
            self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
        Ok(())
    }
}

#[allow(clippy::disallowed_methods)] // the command line is where the clock enters
fn clock(args: &Cli) -> DateTime<Utc> {
    args.now.unwrap_or_else(Utc::now)
}

#[allow(clippy::print_stdout)]
fn show(result: &CycleResult, args: &Cli, dry_run: bool) -> Result<()> {
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

#[cfg(feature = "demo")]
#[allow(clippy::print_stdout, clippy::print_stderr)]
async fn run_demo(args: &Cli) -> Result<i32> {
    let now = clock(args);
    eprintln!(
        "Demo: Personio and Microsoft Graph are simulated in this process and seeded with a company of 62."
    );
    let mut demo = demo::start(now).await?;
    let created = CountPasswords::default();
    let counter = Arc::clone(&created.0);
    demo.syncer = demo
        .syncer
        .with_credential_sink(Arc::new(created))
        .with_progress(progress::for_stderr());
    if let Some(path) = &args.audit {
        demo.syncer = demo
            .syncer
            .with_audit_sink(Arc::new(audit::AuditFile::open(path)?));
    }
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

/// The webhook receiver's authentication, when `PERSONIO_WEBHOOK_TOKEN` is set: the token in
/// `Authorization` (Personio's `TOKEN` auth type) or in the header `PERSONIO_WEBHOOK_HEADER`
/// names (its `CUSTOM` type).
fn webhook_auth() -> Option<WebhookAuth> {
    let token = std::env::var("PERSONIO_WEBHOOK_TOKEN")
        .ok()
        .filter(|t| !t.trim().is_empty())?;
    let header = std::env::var("PERSONIO_WEBHOOK_HEADER")
        .ok()
        .filter(|h| !h.trim().is_empty())
        .unwrap_or_else(|| "authorization".to_owned());
    Some(WebhookAuth::new(token.into(), &header))
}

/// The company whose notifications the receiver acts on: `[personio] company_id`, required
/// with `PERSONIO_WEBHOOK_TOKEN` (Personio documents `company_id` as "required for tenant
/// identification"; another company's notification must never reach this tenant).
fn webhook_company(file: &ConfigFile) -> Result<String> {
    PersonioSection::from_file(file)?
        .company_id
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| {
            Error::config(
                "[personio] company_id: required when the webhook receiver is on \
                 (PERSONIO_WEBHOOK_TOKEN with --listen): the company id Personio's \
                 notifications carry",
            )
        })
}

/// The policy and connector settings of the `--config` file.
fn read_config(args: &Cli) -> Result<ConfigFile> {
    let path = args
        .config
        .as_ref()
        .ok_or_else(|| Error::config("--config: a configuration file is required (or --demo)"))?;
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::config(format!("--config {}: cannot read it: {e}", path.display())))?;
    ConfigFile::from_toml(&text)
        .map_err(|e| Error::config(format!("--config {}: {}", path.display(), e.message())))
}

fn engine(
    args: &Cli,
    chosen: &connectors::Chosen,
    file: &ConfigFile,
    policy: Policy,
    stats: &[RequestStats; 2],
) -> Result<Syncer> {
    let source = chosen.source(file, stats[0].clone())?;
    let directory = chosen.directory(file, &policy, stats[1].clone())?;
    Ok(Syncer::new(
        source,
        directory,
        policy,
        Box::new(FileStateStore::new(args.state.clone())),
    ))
}

/// After a cycle: where the new accounts' one-time passwords went, or that they went nowhere.
#[allow(clippy::print_stdout)]
fn report_credentials(result: &CycleResult, delivers: bool, deliveries: &Deliveries) {
    let created = result
        .report
        .actions
        .iter()
        .filter(|a| {
            a.kind == hris_sync_core::engine::ReportKind::Create
                && a.status == hris_sync_core::engine::Status::Applied
        })
        .count();
    if created == 0 {
        return;
    }
    if delivers {
        println!(
            "New-hire credentials: {} delivered, {} failed (see the log).",
            deliveries.delivered(),
            deliveries.failed()
        );
    } else {
        println!(
            "One-time passwords: {created} new accounts, passwords delivered nowhere \
             (set --credentials-out FILE or --credentials-command CMD); reset them in the directory."
        );
    }
}

/// After a cycle a signal cut short: what was left.
#[allow(clippy::print_stdout)]
fn say_stopped(result: &CycleResult) {
    if result.interrupted == 0 {
        println!("Stopped by a signal after the run had finished its work.");
    } else {
        println!(
            "Stopped by a signal: {} actions were not applied (counted as failed); the state \
             is saved and the next run plans them again.",
            result.interrupted
        );
    }
}

#[allow(clippy::print_stderr)]
async fn run_real(args: &Cli) -> Result<i32> {
    let file = read_config(args)?;
    let chosen = connectors::choose(&file)?;
    // Checked before the credentials, so a configuration mistake is named first.
    let policy = chosen.policy(&file)?;
    let missing = chosen.missing_credentials();
    if !missing.is_empty() {
        return Err(Error::config(format!(
            "missing credentials: {} (set them in the environment; see README). \
             Nothing was run; use --demo for the simulated services.",
            missing.join(", ")
        )));
    }
    // The holder's start time is when this process started, whatever `--now` says.
    #[allow(clippy::disallowed_methods)]
    let started = Utc::now();
    let _lock = match StateLock::acquire(&args.state, started) {
        Ok(lock) => {
            tracing::debug!(lock = %lock.path().display(), "state lock taken");
            lock
        }
        Err(e @ LockError::Held { .. }) => {
            eprintln!("error: {e}");
            return Ok(i32::from(EXIT_LOCKED));
        }
        Err(e) => return Err(Error::config(e.to_string())),
    };
    let sink = match (&args.credentials_out, &args.credentials_command) {
        (Some(path), _) => CredentialOut::file(path)?,
        (None, Some(command)) => CredentialOut::command(command),
        (None, None) => CredentialOut::nowhere(),
    };
    let delivers = sink.delivers();
    let deliveries = sink.counts();
    let stop = Stop::new();
    signals::on_shutdown(stop.clone())
        .map_err(|e| Error::new(hris_sync_core::ErrorKind::Other, format!("signals: {e}")))?;
    let stats = [RequestStats::new(), RequestStats::new()];
    let mut syncer = engine(args, &chosen, &file, policy, &stats)?
        .with_progress(progress::for_stderr())
        .with_credential_sink(Arc::new(sink))
        .with_stop(stop.clone());
    if let Some(path) = &args.audit {
        syncer = syncer.with_audit_sink(Arc::new(audit::AuditFile::open(path)?));
    }
    let options = SyncOptions {
        apply: args.apply,
        full: args.full,
        allow_mass_disable: args.allow_mass_disable,
        ..SyncOptions::default()
    };
    let interval = args.interval.unwrap_or(Duration::from_secs(30 * 60));
    let service = chosen.directory.service();
    let metrics = Arc::new(
        Metrics::new(interval, stats[0].clone(), stats[1].clone()).directory_service(service),
    );
    let inbox = Arc::new(Inbox::default());
    if let Some(addr) = args.listen {
        let hooks = match webhook_auth() {
            None => None,
            Some(auth) => Some(Arc::new(Webhooks {
                auth,
                inbox: Arc::clone(&inbox),
                company_id: webhook_company(&file)?,
            })),
        };
        let receiving = hooks.is_some();
        if receiving {
            metrics.watch_webhooks(Arc::clone(&inbox));
        }
        let bound = serve::start(addr, Arc::clone(&metrics), hooks, stop.clone()).await?;
        if receiving {
            tracing::info!(addr = %bound, "serving GET /healthz, GET /metrics and POST /webhooks/personio");
        } else {
            tracing::info!(addr = %bound, "serving GET /healthz and GET /metrics");
        }
    }
    let debounce = args.debounce.unwrap_or(Duration::from_secs(5));
    let mut schedule = cli::Schedule::new(interval, tokio::time::Instant::now());
    let mut next: Option<Batch> = None;
    loop {
        let started = tokio::time::Instant::now();
        let (periodic, cycle) = match next.take() {
            Some(batch) if !batch.anyone => {
                tracing::info!(
                    people = batch.people.len(),
                    "targeted cycle for notified people"
                );
                let cycle = syncer
                    .run_targeted_cycle(clock(args), &batch.people, &options)
                    .await;
                (false, cycle)
            }
            _ => match &args.only {
                Some(ids) => {
                    let ids = ids.iter().cloned().collect();
                    let cycle = syncer.run_cycle_for(clock(args), &ids, &options).await;
                    (true, cycle)
                }
                None => (true, syncer.run_cycle(clock(args), &options).await),
            },
        };
        let kind = if periodic {
            hris_sync_cli::status::CycleKind::Periodic
        } else {
            hris_sync_cli::status::CycleKind::Targeted
        };
        match &cycle {
            Ok(result) => metrics.cycle_done(result, started.elapsed(), kind),
            Err(e) => metrics.cycle_failed(&e.to_string(), started.elapsed(), kind),
        }
        let code = match cycle {
            Ok(result) => {
                show(&result, args, !args.apply)?;
                report_credentials(&result, delivers, &deliveries);
                if stop.is_requested() {
                    say_stopped(&result);
                }
                result.exit_code()
            }
            Err(e) if args.watch && exit_code_for(&e) != 2 => {
                tracing::error!(error = %e, "cycle failed");
                exit_code_for(&e)
            }
            Err(e) => return Err(e),
        };
        if !args.watch || stop.is_requested() {
            return Ok(code);
        }
        if periodic {
            schedule.periodic_done(started, code == 0);
        } else {
            schedule.targeted_done(tokio::time::Instant::now(), code == 0);
        }
        // The periodic cycle keeps its own schedule: notifications never move it.
        let wait = schedule
            .next()
            .saturating_duration_since(tokio::time::Instant::now());
        tracing::info!(wait_s = wait.as_secs(), "next periodic cycle");
        tokio::select! {
            biased;
            () = stop.requested() => return Ok(code),
            () = tokio::time::sleep_until(schedule.next()) => {}
            () = inbox.wait() => {
                // Let the burst gather; the cycle after it covers everyone notified meanwhile.
                // A periodic cycle due meanwhile goes first; the notified wait for the next turn.
                tokio::select! {
                    biased;
                    () = stop.requested() => return Ok(code),
                    () = tokio::time::sleep_until(schedule.next()) => {}
                    () = tokio::time::sleep(debounce) => next = Some(inbox.take()),
                }
            }
        }
    }
}

/// `--webhooks list | register URL | delete ID`: the subscription, through `/v2/webhooks`.
#[allow(clippy::print_stdout)]
async fn run_webhooks(args: &Cli, action: &[String]) -> Result<i32> {
    let missing = connectors::missing_personio_credentials();
    if !missing.is_empty() {
        return Err(Error::config(format!(
            "missing credentials: {} (set them in the environment; see README)",
            missing.join(", ")
        )));
    }
    let mut section = match &args.config {
        Some(_) => PersonioSection::from_file(&read_config(args)?)?,
        None => PersonioSection::default(),
    };
    section.api = Some("v2".to_owned());
    let personio = PersonioSource::from_env().section(&section)?.build()?;
    match action {
        [a] if a == "list" => {
            let hooks = personio.webhooks().await?;
            if hooks.is_empty() {
                println!("no webhook subscriptions");
            }
            for w in hooks {
                println!(
                    "{}  {}  {}  {}",
                    w.id,
                    w.status,
                    w.url,
                    w.enabled_events.join(",")
                );
            }
        }
        [a, url] if a == "register" => {
            let token = std::env::var("PERSONIO_WEBHOOK_TOKEN").unwrap_or_default();
            let (w, made) = personio
                .register_webhook(url, &token.into(), "hris-sync near-real-time sync")
                .await?;
            let verb = if made {
                "registered"
            } else {
                "already registered"
            };
            println!("{verb}: {}  {}  {}", w.id, w.status, w.url);
        }
        [a, id] if a == "delete" => {
            personio.delete_webhook(id).await?;
            println!("deleted: {id}");
        }
        _ => {
            return Err(Error::config(format!(
                "--webhooks: {:?} is not an action; use list, register URL, or delete ID",
                action.join(" ")
            )));
        }
    }
    Ok(0)
}

/// A task besides a sync run.
#[allow(clippy::print_stdout)]
async fn run_task(command: &cli::Command) -> Result<i32> {
    match command {
        cli::Command::Audit {
            employee,
            since,
            file,
        } => {
            print!("{}", audit::history(file, employee, *since)?);
            Ok(0)
        }
        cli::Command::Explain {
            id,
            config,
            demo,
            state,
            now,
            format,
        } => {
            #[allow(clippy::disallowed_methods)] // the command line is where the clock enters
            let now = now.unwrap_or_else(Utc::now);
            let x = if *demo {
                explain_demo(id, now).await?
            } else {
                explain_real(id, config.as_deref(), state, now).await?
            };
            match format {
                cli::Format::Text => print!("{}", hris_sync_cli::explain::render(&x)),
                cli::Format::Json => {
                    println!("{}", serde_json::to_string_pretty(&x).unwrap_or_default());
                }
            }
            Ok(0)
        }
    }
}

/// `explain` against the services of the configuration file at `config`.
async fn explain_real(
    id: &hris_sync_core::EmployeeId,
    config: Option<&std::path::Path>,
    state: &std::path::Path,
    now: DateTime<Utc>,
) -> Result<hris_sync_core::engine::Explanation> {
    let config = config
        .ok_or_else(|| Error::config("--config: a configuration file is required (or --demo)"))?;
    let text = std::fs::read_to_string(config).map_err(|e| {
        Error::config(format!(
            "--config {}: cannot read it: {e}",
            config.display()
        ))
    })?;
    let file = ConfigFile::from_toml(&text)
        .map_err(|e| Error::config(format!("--config {}: {}", config.display(), e.message())))?;
    let chosen = connectors::choose(&file)?;
    let policy = chosen.policy(&file)?;
    let missing = chosen.missing_credentials();
    if !missing.is_empty() {
        return Err(Error::config(format!(
            "missing credentials: {} (set them in the environment; see README)",
            missing.join(", ")
        )));
    }
    let source = chosen.source(&file, RequestStats::new())?;
    let directory = chosen.directory(&file, &policy, RequestStats::new())?;
    let reads = hris_sync_cli::explain::Reads {
        source: source.as_ref(),
        directory: directory.as_ref(),
    };
    let history = hris_sync_cli::explain::history(state).await?;
    hris_sync_cli::explain::explain(id, &chosen, &file, reads, &history, now).await
}

/// `explain --demo`: against the demo's simulators, seeded as `--demo` seeds them.
#[cfg(feature = "demo")]
async fn explain_demo(
    id: &hris_sync_core::EmployeeId,
    now: DateTime<Utc>,
) -> Result<hris_sync_core::engine::Explanation> {
    use hris_sync_cli::demo::Connect as _;
    let file = demo::config()?;
    let chosen = connectors::choose(&file)?;
    let policy = chosen.policy(&file)?;
    let sims = demo::start(now).await?;
    let source = sims.personio.connect().build()?;
    let directory = demo::directory_for(sims.graph.connect(), &policy)?;
    let reads = hris_sync_cli::explain::Reads {
        source: &source,
        directory: &directory,
    };
    let history = demo::initial_state(now).history;
    hris_sync_cli::explain::explain(id, &chosen, &file, reads, &history, now).await
}

#[cfg(not(feature = "demo"))]
async fn explain_demo(
    _: &hris_sync_core::EmployeeId,
    _: DateTime<Utc>,
) -> Result<hris_sync_core::engine::Explanation> {
    Err(Error::config(
        "--demo: this build has no demo (it was built without the `demo` feature)",
    ))
}

#[allow(clippy::print_stderr)]
fn main() -> ExitCode {
    // Usage errors exit 2 and --help/--version exit 0, both from clap.
    let args = Cli::parse();
    if let Err(e) = logging::init(args.log_format) {
        eprintln!("error: {e}");
        return ExitCode::from(2);
    }
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
    let result = runtime.block_on(async {
        if let Some(command) = &args.command {
            run_task(command).await
        } else if let Some(action) = &args.webhooks {
            run_webhooks(&args, action).await
        } else if args.demo {
            #[cfg(feature = "demo")]
            let demo = run_demo(&args).await;
            #[cfg(not(feature = "demo"))]
            let demo = Err(Error::config(
                "--demo: this build has no demo (it was built without the `demo` feature)",
            ));
            demo
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
