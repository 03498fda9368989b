//! What `--watch --listen` serves: the health verdict and Prometheus metrics of the cycles
//! run so far.
//!
//! Health: `200` while the last successful cycle (one that exited 0) ended within two
//! intervals — or, before the first one, while the process is younger than two intervals, so
//! a long first run is not killed by its own probe; `503` otherwise.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hris_sync_core::RequestStats;
use hris_sync_core::engine::CycleResult;

/// The cycles' record, shared by the sync loop and the server.
#[derive(Debug)]
pub struct Metrics {
    interval: Duration,
    started: Instant,
    personio: RequestStats,
    graph: RequestStats,
    directory_service: &'static str,
    cycles: Mutex<Cycles>,
    webhooks: std::sync::OnceLock<std::sync::Arc<crate::webhook::Inbox>>,
}

#[derive(Debug, Default)]
struct Cycles {
    succeeded: u64,
    failed: u64,
    seconds: f64,
    last: Option<(f64, f64, f64)>,
    actions: BTreeMap<(String, &'static str), u64>,
    last_success: Option<(Instant, SystemTime)>,
}

/// The health verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Health {
    /// Whether the service is healthy.
    pub ok: bool,
    /// One line for a human.
    pub detail: String,
}

impl Metrics {
    /// A record for cycles every `interval`, reading the connectors' request counters.
    #[must_use]
    pub fn new(interval: Duration, personio: RequestStats, graph: RequestStats) -> Self {
        Self {
            interval,
            started: Instant::now(),
            personio,
            graph,
            directory_service: "graph",
            cycles: Mutex::new(Cycles::default()),
            webhooks: std::sync::OnceLock::new(),
        }
    }

    /// Label the directory's request counts `service="<name>"` (default `graph`;
    /// `active_directory` for the AD connector).
    #[must_use]
    pub fn directory_service(mut self, name: &'static str) -> Self {
        self.directory_service = name;
        self
    }

    /// Report the webhook receiver's counts too (`hris_sync_webhooks_total{result}`).
    pub fn watch_webhooks(&self, inbox: std::sync::Arc<crate::webhook::Inbox>) {
        let _ = self.webhooks.set(inbox);
    }

    fn cycles(&self) -> std::sync::MutexGuard<'_, Cycles> {
        self.cycles.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A cycle ended with a result after `took`; it succeeded when it exited 0.
    pub fn cycle_done(&self, result: &CycleResult, took: Duration) {
        let mut c = self.cycles();
        c.seconds += took.as_secs_f64();
        let t = &result.timings;
        c.last = Some((
            t.read.as_secs_f64(),
            t.plan.as_secs_f64(),
            t.apply.as_secs_f64(),
        ));
        for a in &result.report.actions {
            *c.actions
                .entry((a.kind.as_str().to_owned(), a.status.as_str()))
                .or_default() += 1;
        }
        if result.exit_code() == 0 {
            c.succeeded += 1;
            c.last_success = Some((Instant::now(), SystemTime::now()));
        } else {
            c.failed += 1;
        }
    }

    /// A cycle failed as a whole (a read, a check, the state) after `took`.
    pub fn cycle_failed(&self, took: Duration) {
        let mut c = self.cycles();
        c.seconds += took.as_secs_f64();
        c.failed += 1;
    }

    /// The verdict at `now`.
    #[must_use]
    pub fn health(&self, now: Instant) -> Health {
        let bound = self.interval.saturating_mul(2);
        let c = self.cycles();
        let (since, what) = match c.last_success {
            Some((at, _)) => (
                now.saturating_duration_since(at),
                "the last successful cycle",
            ),
            None => (
                now.saturating_duration_since(self.started),
                "start-up (no successful cycle yet)",
            ),
        };
        Health {
            ok: since <= bound,
            detail: format!(
                "{what} was {}s ago; healthy while within {}s (two intervals)",
                since.as_secs(),
                bound.as_secs()
            ),
        }
    }

    /// The Prometheus text exposition (format 0.0.4).
    #[must_use]
    pub fn render(&self) -> String {
        let c = self.cycles();
        let mut out = String::new();
        family(
            &mut out,
            "hris_sync_cycles_total",
            "counter",
            "Sync cycles run, by result (success: exit 0).",
        );
        sample(
            &mut out,
            "hris_sync_cycles_total",
            &[("result", "success")],
            c.succeeded as f64,
        );
        sample(
            &mut out,
            "hris_sync_cycles_total",
            &[("result", "failure")],
            c.failed as f64,
        );
        family(
            &mut out,
            "hris_sync_cycle_duration_seconds",
            "summary",
            "Time taken by sync cycles.",
        );
        sample(
            &mut out,
            "hris_sync_cycle_duration_seconds_sum",
            &[],
            c.seconds,
        );
        sample(
            &mut out,
            "hris_sync_cycle_duration_seconds_count",
            &[],
            (c.succeeded + c.failed) as f64,
        );
        if let Some((read, plan, apply)) = c.last {
            family(
                &mut out,
                "hris_sync_last_cycle_phase_seconds",
                "gauge",
                "The last cycle that produced a report, by phase.",
            );
            for (phase, v) in [("read", read), ("plan", plan), ("apply", apply)] {
                sample(
                    &mut out,
                    "hris_sync_last_cycle_phase_seconds",
                    &[("phase", phase)],
                    v,
                );
            }
        }
        family(
            &mut out,
            "hris_sync_actions_total",
            "counter",
            "Actions reported by cycles, by kind and status.",
        );
        for ((kind, status), n) in &c.actions {
            sample(
                &mut out,
                "hris_sync_actions_total",
                &[("kind", kind), ("status", status)],
                *n as f64,
            );
        }
        family(
            &mut out,
            "hris_sync_requests_total",
            "counter",
            "HTTP requests sent, by service (retries included).",
        );
        family(
            &mut out,
            "hris_sync_throttled_total",
            "counter",
            "429 answers (whole requests and $batch sub-requests), by service.",
        );
        for (service, stats) in [
            ("personio", &self.personio),
            (self.directory_service, &self.graph),
        ] {
            let n = stats.counts();
            sample(
                &mut out,
                "hris_sync_requests_total",
                &[("service", service)],
                n.requests as f64,
            );
            sample(
                &mut out,
                "hris_sync_throttled_total",
                &[("service", service)],
                n.throttled as f64,
            );
        }
        if let Some((_, at)) = c.last_success {
            family(
                &mut out,
                "hris_sync_last_success_timestamp_seconds",
                "gauge",
                "When the last successful cycle ended, in Unix time.",
            );
            let secs = at
                .duration_since(UNIX_EPOCH)
                .map_or(0.0, |d| d.as_secs_f64());
            sample(
                &mut out,
                "hris_sync_last_success_timestamp_seconds",
                &[],
                secs,
            );
        }
        if let Some(inbox) = self.webhooks.get() {
            let n = inbox.counts();
            family(
                &mut out,
                "hris_sync_webhooks_total",
                "counter",
                "Webhook notifications received, by what became of them.",
            );
            for (result, count) in [
                ("accepted", n.accepted),
                ("duplicate", n.duplicates),
                ("ignored", n.ignored),
                ("other_company", n.other_company),
                ("refused", n.refused),
                ("overflowed", n.overflowed),
            ] {
                sample(
                    &mut out,
                    "hris_sync_webhooks_total",
                    &[("result", result)],
                    count as f64,
                );
            }
        }
        out
    }
}

fn family(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

fn sample(out: &mut String, name: &str, labels: &[(&str, &str)], value: f64) {
    out.push_str(name);
    if !labels.is_empty() {
        out.push('{');
        for (i, (k, v)) in labels.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "{k}=\"{}\"", escape(v));
        }
        out.push('}');
    }
    let _ = writeln!(out, " {value}");
}

/// A label value as the text format wants it: `\`, `"` and newlines escaped.
fn escape(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics() -> Metrics {
        Metrics::new(
            Duration::from_secs(60),
            RequestStats::new(),
            RequestStats::new(),
        )
    }

    #[test]
    fn healthy_within_two_intervals_of_start_or_success() {
        let m = metrics();
        let t0 = m.started;
        assert!(m.health(t0 + Duration::from_secs(120)).ok, "start-up grace");
        let late = m.health(t0 + Duration::from_secs(121));
        assert!(!late.ok);
        assert!(
            late.detail.contains("no successful cycle yet"),
            "{}",
            late.detail
        );
        m.cycle_failed(Duration::from_secs(1));
        assert!(!m.health(t0 + Duration::from_secs(200)).ok);
        m.cycles().last_success = Some((t0 + Duration::from_secs(200), SystemTime::now()));
        assert!(m.health(t0 + Duration::from_secs(320)).ok);
        assert!(!m.health(t0 + Duration::from_secs(321)).ok);
    }

    #[test]
    fn the_exposition_is_well_formed() {
        let m = metrics();
        m.graph.sent();
        m.graph.answered(429);
        m.cycle_failed(Duration::from_millis(1500));
        m.cycles()
            .actions
            .insert(("create".to_owned(), "applied"), 3);
        let text = m.render();
        for line in text.lines() {
            if line.starts_with('#') {
                assert!(
                    line.starts_with("# HELP hris_sync_") || line.starts_with("# TYPE hris_sync_"),
                    "{line}"
                );
                continue;
            }
            let (name, value) = line.rsplit_once(' ').unwrap();
            assert!(name.starts_with("hris_sync_"), "{line}");
            value.parse::<f64>().unwrap();
        }
        assert!(
            text.contains("hris_sync_cycles_total{result=\"failure\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("hris_sync_cycle_duration_seconds_sum 1.5\n"),
            "{text}"
        );
        assert!(
            text.contains("hris_sync_actions_total{kind=\"create\",status=\"applied\"} 3\n"),
            "{text}"
        );
        assert!(
            text.contains("hris_sync_requests_total{service=\"graph\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("hris_sync_throttled_total{service=\"graph\"} 1\n"),
            "{text}"
        );
        assert!(
            text.contains("hris_sync_requests_total{service=\"personio\"} 0\n"),
            "{text}"
        );
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
