//! The command line (docs/rules.md §4), parsed by clap. Every value is checked here, and a bad one is
//! a usage error (exit 2) whose message names the flag.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use tokio::time::Instant;

use clap::{Parser, Subcommand, ValueEnum};
use hris_sync_core::chrono::{DateTime, Utc};

/// Keep a directory (Microsoft Entra ID, on-premises Active Directory or a SCIM application) in
/// step with Personio: link, create, update and disable accounts, one way, from the HR system.
///
/// Without --apply the run only plans (a dry run). Secrets come from the environment
/// (PERSONIO_CLIENT_ID, PERSONIO_CLIENT_SECRET, AZURE_TENANT_ID, AZURE_CLIENT_ID,
/// AZURE_CLIENT_SECRET; for on-premises Active Directory AD_BIND_DN and AD_BIND_PASSWORD; for a
/// SCIM application SCIM_TOKEN); everything else from the --config file. `hris-sync explain ID`
/// shows one person's decision step by step, `hris-sync audit --employee ID` their history.
///
/// Exit status: 0 all planned actions applied (or planned, in a dry run); 1 some action failed
/// (or SIGINT/SIGTERM stopped the run with actions left unsent); 2 bad configuration or
/// credentials; 3 disables or group removals held by the safety guards; 4 not run: another sync holds the state
/// lock; 130/143 a second SIGINT/SIGTERM ended the run at once.
#[derive(Debug, Parser)]
#[command(
    name = "hris-sync",
    version,
    about,
    long_about,
    max_term_width = 100,
    subcommand_negates_reqs = true,
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    /// Not a sync run: another task (`hris-sync audit --help`).
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Run against in-process simulated Personio and Graph seeded with a sample company,
    /// instead of real services. Only with this flag: a real run never falls back to it.
    #[arg(long, conflicts_with_all = ["config", "state", "watch"])]
    pub demo: bool,

    /// The configuration file (TOML, see README).
    #[arg(long, value_name = "FILE", required_unless_present = "demo")]
    pub config: Option<PathBuf>,

    /// Write to the directory. Without it the run only plans.
    #[arg(long)]
    pub apply: bool,

    /// Write the JSON report to FILE.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,

    /// The state file; a lock file `FILE.lock` beside it allows one run at a time.
    #[arg(long, value_name = "FILE", default_value = "hris-sync-state.json")]
    pub state: PathBuf,

    /// Run every --interval until interrupted; a failed cycle is retried with back-off.
    #[arg(long)]
    pub watch: bool,

    /// Time between cycles in --watch mode: a number with s, m or h (90s, 30m, 1h).
    #[arg(long, value_name = "DURATION", requires = "watch", value_parser = parse_interval)]
    pub interval: Option<Duration>,

    /// Provision on demand: apply only these employees' actions (HR ids, comma-separated),
    /// now, with the rules and guards of a full cycle; everyone else's changes wait for the
    /// next cycle. Reads only them from HR when the saved snapshot allows, else everything.
    #[arg(
        long,
        value_name = "ID[,ID…]",
        value_delimiter = ',',
        value_parser = parse_employee_id,
        conflicts_with_all = ["watch", "demo"]
    )]
    pub only: Option<Vec<hris_sync_core::EmployeeId>>,

    /// Ignore the incremental state and read everything again.
    #[arg(long)]
    pub full: bool,

    /// Use this instant as "now" (RFC 3339, e.g. 2026-01-31T08:00:00Z): tests and backfills.
    #[arg(long, value_name = "RFC3339", value_parser = parse_now)]
    pub now: Option<DateTime<Utc>>,

    /// Let this run disable more accounts (S7), and remove more group memberships (G2), than
    /// the safety limits of the configuration allow.
    #[arg(long)]
    pub allow_mass_disable: bool,

    /// Append each new account's one-time password to FILE as a JSON line (employee_id, upn,
    /// one_time_password, created_at), and its Temporary Access Pass as another line when
    /// the `[onboarding]` table asks for one; the file is created 0600.
    #[arg(long, value_name = "FILE", conflicts_with = "credentials_command")]
    pub credentials_out: Option<PathBuf>,

    /// Append an audit record to FILE (one JSON line each: time, run, employee, account,
    /// action, each attribute before → after, the rule, the outcome) for every action an
    /// applying run writes, fails, holds or skips; created 0600, flushed to disk after every
    /// apply phase. `hris-sync audit --employee ID --file FILE` shows one person's history.
    #[arg(long, value_name = "FILE")]
    pub audit: Option<PathBuf>,

    /// Run CMD (through `sh -c`) for each new account with that JSON line on its stdin; a
    /// non-zero exit is reported as a failed delivery and not retried.
    #[arg(long, value_name = "CMD")]
    pub credentials_command: Option<String>,

    /// With --watch: serve GET /healthz and GET /metrics (Prometheus text) on ADDR. A bare
    /// port listens on loopback (127.0.0.1:PORT); give an address such as 0.0.0.0:9100 to
    /// listen beyond this host. With PERSONIO_WEBHOOK_TOKEN set, also POST
    /// /webhooks/personio: each notification starts a targeted cycle for its person.
    #[arg(long, value_name = "ADDR", requires = "watch", value_parser = parse_listen)]
    pub listen: Option<SocketAddr>,

    /// With webhooks: how long a burst of notifications may gather before one targeted cycle
    /// runs for all of them (default 5s; same units as --interval).
    #[arg(long, value_name = "DURATION", requires = "listen", value_parser = parse_interval)]
    pub debounce: Option<Duration>,

    /// Manage the Personio webhook subscription through the v2 API and exit: `list`,
    /// `register URL` (the token from PERSONIO_WEBHOOK_TOKEN; idempotent), or `delete ID`.
    /// Needs only the Personio credentials, with the personio:webhooks:write scope.
    #[arg(long, value_name = "ACTION", num_args = 1..=2, conflicts_with_all = ["watch", "apply", "demo"])]
    pub webhooks: Option<Vec<String>>,

    /// Log format on stderr; the level comes from RUST_LOG (default: info).
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

/// The tasks besides a sync run.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// One person's history from an audit file (written by --audit), newest first.
    Audit {
        /// The employee's HR id.
        #[arg(long, value_name = "ID")]
        employee: String,
        /// Only records at or after this instant (RFC 3339) or day (YYYY-MM-DD, UTC).
        #[arg(long, value_name = "DATE", value_parser = parse_since)]
        since: Option<DateTime<Utc>>,
        /// The audit file.
        #[arg(long, value_name = "FILE", default_value = "hris-sync-audit.jsonl")]
        file: PathBuf,
    },
    /// The decision for one employee, step by step, from targeted reads: the HR record, each
    /// eligibility rule, the matching of accounts, the UPN worked through, what would change
    /// and the action. Writes nothing.
    Explain {
        /// The employee's HR id.
        #[arg(value_name = "ID", value_parser = parse_employee_id)]
        id: hris_sync_core::EmployeeId,
        /// The configuration file (as for a sync run).
        #[arg(long, value_name = "FILE", required_unless_present = "demo")]
        config: Option<PathBuf>,
        /// Explain against the demo's simulated Personio and Graph (`hris-sync --demo`'s
        /// company), before any cycle.
        #[arg(long, conflicts_with_all = ["config", "state"])]
        demo: bool,
        /// The state file, for what the sync disabled itself (S6); read only.
        #[arg(long, value_name = "FILE", default_value = "hris-sync-state.json")]
        state: PathBuf,
        /// Use this instant as "now" (RFC 3339).
        #[arg(long, value_name = "RFC3339", value_parser = parse_now)]
        now: Option<DateTime<Utc>>,
        /// `text` (default) or `json` (the same, as data).
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

/// How `explain` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Sections of steps, for people.
    Text,
    /// One JSON object.
    Json,
}

/// How logs are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// One human-readable line per event.
    Text,
    /// One JSON object per line.
    Json,
}

/// `90s`, `30m`, `1h`, or plain seconds; never zero.
pub fn parse_interval(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (number, unit) = s.split_at(split);
    let bad = || format!("{s:?} is not a duration like 90s, 30m or 1h");
    let n: u64 = number.parse().map_err(|_| bad())?;
    let secs = match unit {
        "" | "s" => Some(n),
        "m" => n.checked_mul(60),
        "h" => n.checked_mul(3600),
        _ => None,
    }
    .ok_or_else(bad)?;
    if secs == 0 {
        return Err("the interval must be longer than zero".to_owned());
    }
    Ok(Duration::from_secs(secs))
}

/// The wait before the next cycle in `--watch` mode: the interval, or after `failures`
/// failed cycles in a row, a back-off from one minute doubling up to the interval.
#[must_use]
pub fn next_wait(interval: Duration, failures: u32) -> Duration {
    if failures == 0 {
        return interval;
    }
    Duration::from_secs(60)
        .saturating_mul(2u32.saturating_pow(failures - 1))
        .min(interval)
}

/// When the next periodic cycle of `--watch` runs: an absolute schedule, one interval after
/// the start of the last periodic cycle (sooner, with back-off, after a failure). Webhook
/// notifications never move it (docs/rules.md §8): Personio sends none for a job change,
/// so only the periodic cycle sees one, and it must run however busy the webhooks are.
#[derive(Clone, Copy, Debug)]
pub struct Schedule {
    interval: Duration,
    next: Instant,
    failures: u32,
}

impl Schedule {
    /// A schedule whose first periodic cycle is due at `now`.
    #[must_use]
    pub fn new(interval: Duration, now: Instant) -> Self {
        Self {
            interval,
            next: now,
            failures: 0,
        }
    }

    /// When the next periodic cycle is due.
    #[must_use]
    pub fn next(&self) -> Instant {
        self.next
    }

    /// Whether the next periodic cycle is due at `now`.
    #[must_use]
    pub fn due(&self, now: Instant) -> bool {
        now >= self.next
    }

    /// A periodic cycle that started at `started` ended (`ok`: with exit status 0); the next
    /// one is an interval after its start, or after a failure the back-off of [`next_wait`].
    pub fn periodic_done(&mut self, started: Instant, ok: bool) {
        self.failures = if ok {
            0
        } else {
            self.failures.saturating_add(1)
        };
        self.next = started + next_wait(self.interval, self.failures);
    }

    /// A targeted cycle ended at `now`; after a failure, the next periodic cycle comes no
    /// later than the back-off, so what it left undone is picked up. Success moves nothing.
    pub fn targeted_done(&mut self, now: Instant, ok: bool) {
        if !ok {
            self.failures = self.failures.saturating_add(1);
            self.next = self.next.min(now + next_wait(self.interval, self.failures));
        }
    }
}

/// `PORT` (loopback) or `HOST:PORT` with an IP address.
pub fn parse_listen(s: &str) -> Result<SocketAddr, String> {
    let s = s.trim();
    if let Ok(port) = s.parse::<u16>() {
        return Ok(SocketAddr::from((Ipv4Addr::LOCALHOST, port)));
    }
    s.parse()
        .map_err(|_| format!("{s:?} is not a port or an address like 127.0.0.1:9100 or [::1]:9100"))
}

fn parse_employee_id(s: &str) -> Result<hris_sync_core::EmployeeId, String> {
    hris_sync_core::EmployeeId::new(s.trim()).map_err(|e| format!("{s:?}: {}", e.message()))
}

/// An RFC 3339 instant, or a day (its start, UTC).
fn parse_since(s: &str) -> Result<DateTime<Utc>, String> {
    hris_sync_core::time::parse_instant(s)
        .or_else(|| {
            hris_sync_core::chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|t| t.and_utc())
        })
        .ok_or_else(|| format!("{s:?} is not a day like 2026-12-01 or an RFC 3339 instant"))
}

fn parse_now(s: &str) -> Result<DateTime<Utc>, String> {
    hris_sync_core::time::parse_instant(s)
        .ok_or_else(|| format!("{s:?} is not an RFC 3339 instant like 2025-10-01T08:00:00Z"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(line: &str) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("hris-sync").chain(line.split_whitespace()))
    }

    #[test]
    fn the_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn flags() {
        let a = parse(
            "--config c.toml --apply --report r.json --state s.json --full --allow-mass-disable",
        )
        .unwrap();
        assert!(a.apply && a.full && a.allow_mass_disable && !a.demo);
        assert_eq!(a.report.unwrap().to_str(), Some("r.json"));
        assert_eq!(a.state.to_str(), Some("s.json"));
        let w = parse("--config c.toml --watch --interval 1h --log-format json").unwrap();
        assert_eq!(w.interval, Some(Duration::from_secs(3600)));
        assert_eq!(w.log_format, LogFormat::Json);
        assert_eq!(
            hris_sync_core::time::rfc3339(
                &parse("--config c.toml --now 2025-10-01T10:00:00+02:00")
                    .unwrap()
                    .now
                    .unwrap()
            ),
            "2025-10-01T08:00:00Z"
        );
        assert!(parse("--demo").unwrap().demo);
        let l = parse("--config c.toml --watch --listen 9100").unwrap();
        assert_eq!(l.listen, Some("127.0.0.1:9100".parse().unwrap()));
        let l = parse("--config c.toml --watch --listen [::]:9100").unwrap();
        assert_eq!(l.listen, Some("[::]:9100".parse().unwrap()));
    }

    #[test]
    fn bad_values_name_the_flag() {
        for (line, flag) in [
            ("--config c.toml --interval 5m", "--watch"),
            ("--config c.toml --watch --interval 5x", "--interval"),
            ("--config c.toml --watch --interval 0", "--interval"),
            ("--config c.toml --now yesterday", "--now"),
            ("--config c.toml --log-format xml", "--log-format"),
            ("--config c.toml --listen 9100", "--watch"),
            ("--config c.toml --watch --listen metrics.local", "--listen"),
            ("--apply", "--config"),
            ("--demo --config c.toml", "--config"),
            (
                "--config c.toml --credentials-out a --credentials-command b",
                "--credentials",
            ),
        ] {
            let err = parse(line).unwrap_err().to_string();
            assert!(err.contains(flag), "{line}: {err}");
        }
        assert!(parse("--bogus").is_err());
        let err = parse("audit --employee 7 --since yesterday")
            .unwrap_err()
            .to_string();
        assert!(err.contains("--since"), "{err}");
    }

    #[test]
    fn the_audit_task_needs_no_configuration() {
        let a = parse("audit --employee 42 --since 2026-12-01 --file a.jsonl").unwrap();
        let Some(Command::Audit {
            employee,
            since,
            file,
        }) = a.command
        else {
            panic!("{a:?}")
        };
        assert_eq!(employee, "42");
        assert_eq!(
            hris_sync_core::time::rfc3339(&since.unwrap()),
            "2026-12-01T00:00:00Z"
        );
        assert_eq!(file.to_str(), Some("a.jsonl"));
        assert!(parse("audit").is_err(), "--employee is required");
        let x = parse("explain 1002 --config c.toml --format json").unwrap();
        assert!(matches!(
            x.command,
            Some(Command::Explain {
                format: Format::Json,
                ..
            })
        ));
        assert!(parse("explain 1002").is_err(), "--config is required");
        assert!(parse("explain 1011 --demo").is_ok());
        assert!(parse("explain 1011 --demo --config c.toml").is_err());
        let a = parse("--config c.toml --apply --only 1001,1002").unwrap();
        let only: Vec<String> = a.only.unwrap().iter().map(ToString::to_string).collect();
        assert_eq!(only, ["1001", "1002"]);
        assert!(parse("--config c.toml --watch --only 1001").is_err());
        let a = parse("--config c.toml --apply --audit trail.jsonl").unwrap();
        assert_eq!(a.audit.unwrap().to_str(), Some("trail.jsonl"));
    }

    // docs/rules.md §8: targeted cycles never move the periodic schedule; a failed one pulls
    // it in to the back-off.
    #[test]
    fn the_periodic_schedule_is_absolute() {
        let t0 = Instant::now();
        let minute = Duration::from_secs(60);
        let mut s = Schedule::new(minute * 30, t0);
        assert!(s.due(t0));
        s.periodic_done(t0, true);
        assert_eq!(s.next(), t0 + minute * 30);
        for i in 1..=29 {
            s.targeted_done(t0 + minute * i, true);
        }
        assert_eq!(s.next(), t0 + minute * 30, "notifications never move it");
        assert!(s.due(t0 + minute * 30));
        s.targeted_done(t0 + minute * 10, false);
        assert_eq!(
            s.next(),
            t0 + minute * 11,
            "a failed targeted cycle pulls it in"
        );
        s.periodic_done(t0 + minute * 11, false);
        assert_eq!(
            s.next(),
            t0 + minute * 13,
            "back-off: 2 minutes after two failures"
        );
        s.periodic_done(t0 + minute * 13, true);
        assert_eq!(s.next(), t0 + minute * 43);
    }

    #[test]
    fn watch_backs_off_after_failures() {
        let interval = Duration::from_secs(1800);
        assert_eq!(next_wait(interval, 0), interval);
        assert_eq!(next_wait(interval, 1), Duration::from_secs(60));
        assert_eq!(next_wait(interval, 3), Duration::from_secs(240));
        assert_eq!(next_wait(interval, 30), interval);
        assert_eq!(
            next_wait(Duration::from_secs(30), 1),
            Duration::from_secs(30)
        );
    }

    #[test]
    fn intervals() {
        assert_eq!(parse_interval("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_interval("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_interval("30m"), Ok(Duration::from_secs(1800)));
        assert!(parse_interval("99999999999999999999h").is_err());
        assert!(parse_interval("m").is_err());
    }
}
