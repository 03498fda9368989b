//! What `--watch --listen` serves: the health verdict and the metrics of the cycles run so
//! far, through `prometheus-client` (a host embedding the engine adds the same families to its
//! own registry with [`Metrics::register`]).
//!
//! Health: `200` while the last successful cycle (one that exited 0) ended within two
//! intervals — or, before the first one, while the process is younger than two intervals, so
//! a long first run is not killed by its own probe; `503` otherwise.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use prometheus_client::collector::Collector;
use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric as _, NoLabelSet};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::registry::Registry;

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
    webhooks: std::sync::OnceLock<Arc<crate::webhook::Inbox>>,
    board: crate::status::Board,
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
            board: crate::status::Board::default(),
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
    pub fn watch_webhooks(&self, inbox: Arc<crate::webhook::Inbox>) {
        let _ = self.webhooks.set(inbox);
    }

    fn cycles(&self) -> std::sync::MutexGuard<'_, Cycles> {
        self.cycles.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The status page's board of cycles and open items.
    #[must_use]
    pub fn board(&self) -> &crate::status::Board {
        &self.board
    }

    /// The webhook receiver's counts, when it is on.
    #[must_use]
    pub fn webhook_counts(&self) -> Option<crate::webhook::InboxCounts> {
        self.webhooks.get().map(|inbox| inbox.counts())
    }

    /// A cycle of `kind` ended with a result after `took`; it succeeded when it exited 0.
    pub fn cycle_done(&self, result: &CycleResult, took: Duration, kind: crate::status::CycleKind) {
        #[allow(clippy::disallowed_methods)] // when a cycle ended is wall-clock time
        let at = SystemTime::now();
        self.board.cycle_done(result, took, kind, at);
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

    /// A cycle of `kind` failed as a whole (a read, a check, the state) with `error` after
    /// `took`.
    pub fn cycle_failed(&self, error: &str, took: Duration, kind: crate::status::CycleKind) {
        #[allow(clippy::disallowed_methods)] // when a cycle ended is wall-clock time
        let at = SystemTime::now();
        self.board.cycle_failed(error, took, kind, at);
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

    /// The OpenMetrics text exposition of [`register`](Self::register)'s families
    /// (`application/openmetrics-text; version=1.0.0`), as `/metrics` serves it.
    #[must_use]
    pub fn render(self: &Arc<Self>) -> String {
        let mut registry = Registry::default();
        self.register(&mut registry);
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = encode(&mut out, &registry);
        out
    }

    /// Add the sync's metric families to a host's `prometheus-client` registry: they are
    /// read from this record at every scrape (`hris_sync_cycles_total{result}`,
    /// `hris_sync_cycle_duration_seconds`, `hris_sync_last_cycle_phase_seconds{phase}`,
    /// `hris_sync_actions_total{kind,status}`, `hris_sync_requests_total{service}`,
    /// `hris_sync_throttled_total{service}`, `hris_sync_last_success_timestamp_seconds` and,
    /// with the receiver on, `hris_sync_webhooks_total{result}`).
    pub fn register(self: &Arc<Self>, registry: &mut Registry) {
        registry.register_collector(Box::new(Exposition(Arc::clone(self))));
    }
}

/// The families, encoded from a [`Metrics`] at each scrape.
#[derive(Debug)]
struct Exposition(Arc<Metrics>);

type Labels = Vec<(&'static str, String)>;

fn counters(
    e: &mut DescriptorEncoder<'_>,
    name: &str,
    help: &str,
    samples: impl IntoIterator<Item = (Labels, u64)>,
) -> fmt::Result {
    let mut family = e.encode_descriptor(name, help, None, MetricType::Counter)?;
    for (labels, n) in samples {
        ConstCounter::new(n).encode(family.encode_family(&labels)?)?;
    }
    Ok(())
}

fn gauges(
    e: &mut DescriptorEncoder<'_>,
    name: &str,
    help: &str,
    samples: impl IntoIterator<Item = (Labels, f64)>,
) -> fmt::Result {
    let mut family = e.encode_descriptor(name, help, None, MetricType::Gauge)?;
    for (labels, v) in samples {
        ConstGauge::new(v).encode(family.encode_family(&labels)?)?;
    }
    Ok(())
}

fn label(key: &'static str, value: &str) -> Labels {
    vec![(key, value.to_owned())]
}

impl Collector for Exposition {
    fn encode(&self, mut e: DescriptorEncoder<'_>) -> fmt::Result {
        let m = &self.0;
        let c = m.cycles();
        counters(
            &mut e,
            "hris_sync_cycles",
            "Sync cycles run, by result (success: exit 0).",
            [
                (label("result", "success"), c.succeeded),
                (label("result", "failure"), c.failed),
            ],
        )?;
        {
            let count = c.succeeded + c.failed;
            let mut family = e.encode_descriptor(
                "hris_sync_cycle_duration_seconds",
                "Time taken by sync cycles.",
                None,
                MetricType::Histogram,
            )?;
            family.encode_histogram::<NoLabelSet>(
                c.seconds,
                count,
                &[(f64::INFINITY, count)],
                None,
            )?;
        }
        if let Some((read, plan, apply)) = c.last {
            gauges(
                &mut e,
                "hris_sync_last_cycle_phase_seconds",
                "The last cycle that produced a report, by phase.",
                [
                    (label("phase", "read"), read),
                    (label("phase", "plan"), plan),
                    (label("phase", "apply"), apply),
                ],
            )?;
        }
        counters(
            &mut e,
            "hris_sync_actions",
            "Actions reported by cycles, by kind and status.",
            c.actions.iter().map(|((kind, status), n)| {
                (
                    vec![("kind", kind.clone()), ("status", (*status).to_owned())],
                    *n,
                )
            }),
        )?;
        let services = [
            ("personio", m.personio.counts()),
            (m.directory_service, m.graph.counts()),
        ];
        counters(
            &mut e,
            "hris_sync_requests",
            "HTTP requests sent, by service (retries included).",
            services
                .iter()
                .map(|(s, n)| (label("service", s), n.requests)),
        )?;
        counters(
            &mut e,
            "hris_sync_throttled",
            "429 answers (whole requests and $batch sub-requests), by service.",
            services
                .iter()
                .map(|(s, n)| (label("service", s), n.throttled)),
        )?;
        if let Some((_, at)) = c.last_success {
            let secs = at
                .duration_since(UNIX_EPOCH)
                .map_or(0.0, |d| d.as_secs_f64());
            gauges(
                &mut e,
                "hris_sync_last_success_timestamp_seconds",
                "When the last successful cycle ended, in Unix time.",
                [(Vec::new(), secs)],
            )?;
        }
        if let Some(inbox) = m.webhooks.get() {
            let n = inbox.counts();
            counters(
                &mut e,
                "hris_sync_webhooks",
                "Webhook notifications received, by what became of them.",
                [
                    ("accepted", n.accepted),
                    ("duplicate", n.duplicates),
                    ("ignored", n.ignored),
                    ("other_company", n.other_company),
                    ("refused", n.refused),
                    ("overflowed", n.overflowed),
                ]
                .map(|(r, count)| (label("result", r), count)),
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics() -> Arc<Metrics> {
        Arc::new(Metrics::new(
            Duration::from_secs(60),
            RequestStats::new(),
            RequestStats::new(),
        ))
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
        m.cycle_failed(
            "read failed",
            Duration::from_secs(1),
            crate::status::CycleKind::Periodic,
        );
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
        m.cycle_failed(
            "read failed",
            Duration::from_millis(1500),
            crate::status::CycleKind::Periodic,
        );
        m.cycles()
            .actions
            .insert(("create".to_owned(), "applied"), 3);
        let text = m.render();
        assert!(text.ends_with("# EOF\n"), "{text}");
        for line in text.lines() {
            if line.starts_with('#') {
                assert!(
                    line.starts_with("# HELP hris_sync_")
                        || line.starts_with("# TYPE hris_sync_")
                        || line == "# EOF",
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
            text.contains("hris_sync_cycle_duration_seconds_count 1\n"),
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
        // A host's own registry takes the same families.
        let mut host = Registry::default();
        m.register(&mut host);
        let mut merged = String::new();
        encode(&mut merged, &host).unwrap();
        assert!(merged.contains("hris_sync_requests_total{service=\"graph\"} 1\n"));
    }
}
