//! Near-real-time latency (docs/rules.md §8): how long an HR change takes to land in the
//! directory, on the webhook path and when polling.
//!
//! `cargo bench -p hris-sync-benches --bench latency` builds a 10,000-employee company in
//! steady state on both simulators (quotas on, time-scaled by `LATENCY_SCALE`, default 20),
//! then makes a stream of changes in Personio at random times — new hires, department moves,
//! terminations dated in the past, rehires — and measures each from the change to the
//! directory write being visible in the Graph simulator. Times are reported in
//! real-equivalent seconds (measured × scale; the sync's own CPU time is scaled too, so the
//! numbers err on the slow side). The sync's clock runs at the same scale: every change is
//! stamped `last_modified_at` with it, as Personio stamps a change, and the incremental reads
//! of the polling runs see it through `updated_since` as they would against Personio.
//!
//! Three runs, each on fresh simulators:
//!
//! - **webhook**: the simulator delivers Personio's notifications (a quarter duplicated, a
//!   quarter held back so later ones overtake them, one dropped) to the receiver, which
//!   debounces (5 s) and runs targeted cycles. The dropped change is caught by the safety-net
//!   full cycle that follows the stream, counted as `safety_net`, not in the percentiles.
//! - **poll_1m** and **poll_30m**: incremental cycles every interval, no webhooks.
//!
//! Each run prints one line:
//! `latency: mode=… employees=10000 events=N p50=Xs p99=Ys max=Zs missed=0 extra_requests_per_event=R`,
//! where R counts every Personio and Graph request made while the stream ran and until its
//! last change landed (the safety net's full read not included), per change.
//! `LATENCY_MODES=webhook,poll_1m` runs only the named modes.

use hris_sync_cli::demo::Connect as _;
use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use connector_personio::Api;
use hris_sync_benches::{employees, env_count, now, policy, steady_state};
use hris_sync_cli::webhook::{Inbox, WebhookAuth, Webhooks, router};
use hris_sync_core::chrono::{DateTime, Days, TimeDelta, Utc};
use hris_sync_core::engine::{MemoryStateStore, SyncOptions, Syncer};
use hris_sync_core::raw::PropertyValue;
use hris_sync_core::secrecy::SecretString;
use hris_sync_core::{AttributeValue, Employee, EmployeeId};
use hris_sync_sims::graph::{GraphSim, SimConfig as GraphConfig};
use hris_sync_sims::personio::{Chaos, PersonioSim, SimConfig as PersonioConfig};

const EMPLOYEES: usize = 10_000;
const EVENTS: usize = 24;
const TOKEN: &str = "Bearer latency-bench-token";
/// The stream's length in real-equivalent time.
const STREAM: Duration = Duration::from_secs(600);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Webhook,
    Poll(Duration),
}

impl Mode {
    fn name(self) -> String {
        match self {
            Self::Webhook => "webhook".to_owned(),
            Self::Poll(d) => format!("poll_{}m", d.as_secs() / 60),
        }
    }
}

fn scale() -> u32 {
    u32::try_from(env_count("LATENCY_SCALE", 20)).unwrap_or(20)
}

/// The sync's clock: the benchmark instant, running `scale` times faster than the wall.
#[derive(Clone, Copy, Debug)]
struct Clock {
    start: Instant,
    at: DateTime<Utc>,
    scale: u32,
}

impl Clock {
    fn now(&self) -> DateTime<Utc> {
        let elapsed = self.start.elapsed() * self.scale;
        self.at + TimeDelta::from_std(elapsed).unwrap_or(TimeDelta::zero())
    }
}

/// What a change must look like in the directory once it landed.
#[derive(Clone, Debug)]
enum Expect {
    Exists(String),
    Department(String, String),
    Enabled(String, bool),
}

impl Expect {
    fn employee(&self) -> &str {
        match self {
            Self::Exists(id) | Self::Department(id, _) | Self::Enabled(id, _) => id,
        }
    }

    fn landed(&self, graph: &GraphSim) -> bool {
        let Some(u) = graph.user_by_employee_id(self.employee()) else {
            return false;
        };
        match self {
            Self::Exists(_) => true,
            Self::Department(_, d) => {
                u.properties.get(&connector_azuread::properties::DEPARTMENT)
                    == Some(&PropertyValue::text(d.clone()))
            }
            Self::Enabled(_, on) => u.account_enabled == *on,
        }
    }
}

/// A change made and not yet seen in the directory.
#[derive(Debug)]
struct Pending {
    made: Instant,
    expect: Expect,
    /// Its notification was dropped: only the safety net can bring it.
    dropped: bool,
}

/// What the watcher saw land.
#[derive(Debug, Default)]
struct Watch {
    pending: Vec<Pending>,
    latencies: Vec<Duration>,
    safety_net: usize,
}

fn lock(w: &Mutex<Watch>) -> MutexGuard<'_, Watch> {
    w.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Check the pending changes every 2 ms of bench time until `stop`.
fn watcher(graph: Arc<GraphSim>, watch: Arc<Mutex<Watch>>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(2)).await;
            let mut w = lock(&watch);
            let at = Instant::now();
            let mut landed = Vec::new();
            w.pending.retain(|p| {
                let done = p.expect.landed(&graph);
                if done {
                    landed.push((at - p.made, p.dropped));
                }
                !done
            });
            for (took, dropped) in landed {
                if dropped {
                    w.safety_net += 1;
                } else {
                    w.latencies.push(took);
                }
            }
        }
    })
}

/// A small deterministic generator (the stream repeats run to run).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        #[allow(clippy::cast_precision_loss)]
        let r = (self.0 >> 11) as f64 / (1u64 << 53) as f64;
        r
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

fn requests(p: &PersonioSim, g: &GraphSim) -> u64 {
    let (p, g) = (p.counts(), g.counts());
    p.auth + p.employees + p.by_id + p.attributes + g.token + g.list + g.delta + g.batch + g.domains
}

/// The sims, in steady state, and a syncer that has run its first cycle.
async fn company(
    mode: Mode,
    clock: Clock,
) -> Result<(Arc<PersonioSim>, Arc<GraphSim>, Syncer, Vec<Employee>), Box<dyn std::error::Error>> {
    let personio = Arc::new(
        PersonioSim::start(PersonioConfig {
            time_scale: clock.scale,
            loopback_webhooks: mode == Mode::Webhook,
            ..PersonioConfig::default()
        })
        .await?,
    );
    let graph = Arc::new(
        GraphSim::start(GraphConfig {
            time_scale: clock.scale,
            replication_lag: Duration::from_secs(2),
            ..GraphConfig::default()
        })
        .await?,
    );
    let policy = policy();
    let mut staff = employees(EMPLOYEES);
    personio.seed(staff.clone());
    graph.seed(steady_state(&mut staff, 0))?;
    let mut syncer = Syncer::new(
        Box::new(personio.connect().build()?),
        Box::new(graph.connect().policy(&policy).build()?),
        policy,
        Box::new(MemoryStateStore::default()),
    );
    // The snapshot a running sync holds.
    syncer
        .run_cycle(clock.now(), &SyncOptions::dry_run().apply(true))
        .await?;
    Ok((personio, graph, syncer, staff))
}

/// Subscribe a receiver on loopback; its inbox is what the targeted cycles take.
async fn receiver(
    personio: &PersonioSim,
    inbox: &Arc<Inbox>,
) -> Result<(), Box<dyn std::error::Error>> {
    let listener = hris_sync_http::Loopback::bind().await?;
    let url = format!("http://{}/webhooks/personio", listener.addr());
    let hooks = Arc::new(Webhooks {
        auth: WebhookAuth::new(SecretString::from(TOKEN.to_owned()), "authorization"),
        inbox: Arc::clone(inbox),
        company_id: hris_sync_sims::personio::COMPANY_ID.to_owned(),
    });
    // The receiver lives as long as the process: every mode's sims are dropped after it.
    std::mem::forget(listener.serve(router(hooks), "latency receiver"));
    personio
        .connect()
        .api(Api::V2)
        .build()?
        .register_webhook(&url, &SecretString::from(TOKEN.to_owned()), "latency bench")
        .await?;
    Ok(())
}

/// What the watch service does: targeted cycles on notifications (debounced 5 s), or an
/// incremental cycle every interval; a full cycle whenever `full` says so (the daily safety
/// net). Ends when `full` closes.
fn sync_loop(
    mode: Mode,
    clock: Clock,
    mut syncer: Syncer,
    inbox: Arc<Inbox>,
    mut full: tokio::sync::mpsc::UnboundedReceiver<()>,
) -> tokio::task::JoinHandle<u32> {
    let options = SyncOptions::dry_run().apply(true);
    let debounce = Duration::from_secs(5) / clock.scale;
    tokio::spawn(async move {
        let mut cycles = 0;
        loop {
            let next = match mode {
                Mode::Webhook => tokio::select! {
                    () = inbox.wait() => {
                        tokio::time::sleep(debounce).await;
                        Some(inbox.take())
                    }
                    got = full.recv() => match got { Some(()) => None, None => return cycles },
                },
                Mode::Poll(every) => tokio::select! {
                    () = tokio::time::sleep(every / clock.scale) => Some(Default::default()),
                    got = full.recv() => match got { Some(()) => None, None => return cycles },
                },
            };
            let result = match next {
                Some(batch) if mode == Mode::Webhook && !batch.anyone => {
                    syncer
                        .run_targeted_cycle(clock.now(), &batch.people, &options)
                        .await
                }
                Some(_) => syncer.run_cycle(clock.now(), &options).await,
                None => {
                    syncer
                        .run_cycle(clock.now(), &options.clone().full(true))
                        .await
                }
            };
            if let Err(e) = result {
                eprintln!("{}: cycle failed: {e}", mode.name());
            }
            cycles += 1;
        }
    })
}

/// The `i`th change of the stream, made in Personio at `clock`'s time: a hire, a move, a
/// termination, and a rehire of the oldest termination when `rehire` (else another move).
fn change(
    i: usize,
    rehire: bool,
    staff: &mut [Employee],
    pick: usize,
    terminated: &mut VecDeque<usize>,
    clock: Clock,
) -> Result<(Employee, Expect), Box<dyn std::error::Error>> {
    let now = clock.now();
    let today = now.date_naive();
    let step = match i % 4 {
        3 if !rehire => 1,
        step => step,
    };
    Ok(match step {
        0 => {
            let mut e = staff[pick].clone();
            let id = format!("{}", 20_000 + i);
            e.id = EmployeeId::new(id.clone())?;
            e.email = Some(format!("new{i}@demo.com"));
            e.last_name = Some(format!("Neu{i}"));
            e.hire_date = Some(today);
            e.created_at = Some(now);
            e.updated_at = Some(now);
            (e, Expect::Exists(id))
        }
        1 => {
            let e = &mut staff[pick];
            let d = format!("Moved {i}");
            e.attributes
                .insert("department".into(), AttributeValue::text(d.clone()));
            e.updated_at = Some(now);
            (e.clone(), Expect::Department(e.id.to_string(), d))
        }
        2 => {
            let e = &mut staff[pick];
            e.termination_date = today.checked_sub_days(Days::new(2));
            e.updated_at = Some(now);
            terminated.push_back(pick);
            (e.clone(), Expect::Enabled(e.id.to_string(), false))
        }
        _ => {
            // The termination date is withdrawn.
            let e = &mut staff[terminated.pop_front().unwrap_or(pick)];
            e.termination_date = None;
            e.updated_at = Some(now);
            (e.clone(), Expect::Enabled(e.id.to_string(), true))
        }
    })
}

#[allow(clippy::print_stdout)]
async fn run(mode: Mode) -> Result<(), Box<dyn std::error::Error>> {
    let clock = Clock {
        start: Instant::now(),
        at: now(),
        scale: scale(),
    };
    let (personio, graph, syncer, mut staff) = company(mode, clock).await?;
    eprintln!(
        "{}: steady state after {:.1?}",
        mode.name(),
        clock.start.elapsed()
    );
    let inbox = Arc::new(Inbox::default());
    let chaos = Chaos {
        drop: 0.0,
        duplicate: 0.25,
        delay: 0.25,
        max_delay: Duration::from_secs(2) / clock.scale,
    };
    if mode == Mode::Webhook {
        receiver(&personio, &inbox).await?;
        personio.webhook_chaos(chaos, 11);
    }
    let (want_full, full) = tokio::sync::mpsc::unbounded_channel::<()>();
    let looped = sync_loop(mode, clock, syncer, Arc::clone(&inbox), full);
    let watch = Arc::new(Mutex::new(Watch::default()));
    let watching = watcher(Arc::clone(&graph), Arc::clone(&watch));

    let before = requests(&personio, &graph);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let stream = STREAM / clock.scale;
    let drop_at = EVENTS / 2;
    let mut terminated: VecDeque<usize> = VecDeque::new();
    let mut rehires = 0;
    for i in 0..EVENTS {
        tokio::time::sleep(stream.mul_f64(rng.next() * 2.0 / EVENTS as f64)).await;
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let pick = 100 + (rng.next() * 9_000.0) as usize;
        // A rehire needs its termination to have landed (else the sync would see neither);
        // while it has not, the step is a move instead, so changes keep their random times.
        let rehire = terminated.front().is_some_and(|t| {
            let id = staff[*t].id.to_string();
            !lock(&watch)
                .pending
                .iter()
                .any(|p| p.expect.employee() == id)
        });
        rehires += usize::from(i % 4 == 3 && rehire);
        let (employee, expect) = change(i, rehire, &mut staff, pick, &mut terminated, clock)?;
        let dropped = mode == Mode::Webhook && i == drop_at;
        if dropped {
            personio.webhook_chaos(Chaos { drop: 1.0, ..chaos }, 5);
        }
        lock(&watch).pending.push(Pending {
            made: Instant::now(),
            expect,
            dropped,
        });
        personio.seed([employee]);
        if dropped {
            personio.webhook_chaos(chaos, 13);
        }
    }
    eprintln!(
        "{}: stream made after {:.1?}",
        mode.name(),
        clock.start.elapsed()
    );

    // Wait for the rest; the dropped one waits for the safety net, asked for once only
    // it is left.
    let give_up = Instant::now() + Duration::from_secs(3600) / clock.scale;
    let mut spent = None;
    while Instant::now() < give_up {
        tokio::time::sleep(Duration::from_millis(5)).await;
        let w = lock(&watch);
        if w.pending.is_empty() {
            break;
        }
        if spent.is_none() && w.pending.iter().all(|p| p.dropped) {
            spent = Some(requests(&personio, &graph) - before);
            want_full.send(()).ok();
        }
    }
    let spent = spent.unwrap_or_else(|| requests(&personio, &graph) - before);
    watching.abort();
    drop(want_full);
    let cycles = looped.await.unwrap_or(0);
    let w = lock(&watch);
    eprintln!(
        "{}: done after {:.1?}, {cycles} cycles",
        mode.name(),
        clock.start.elapsed()
    );
    let mut latencies: Vec<f64> = w
        .latencies
        .iter()
        .map(|d| d.as_secs_f64() * f64::from(clock.scale))
        .collect();
    latencies.sort_by(f64::total_cmp);
    #[allow(clippy::cast_precision_loss)]
    let per_event = spent as f64 / EVENTS as f64;
    println!(
        "latency: mode={} employees={EMPLOYEES} events={EVENTS} p50={:.1}s p99={:.1}s max={:.1}s missed={} extra_requests_per_event={per_event:.1} rehires={rehires}{}",
        mode.name(),
        percentile(&latencies, 0.5),
        percentile(&latencies, 0.99),
        latencies.last().copied().unwrap_or(0.0),
        w.pending.len(),
        if mode == Mode::Webhook {
            format!(" safety_net={}", w.safety_net)
        } else {
            String::new()
        },
    );
    Ok(())
}

fn main() -> std::process::ExitCode {
    // `cargo bench` passes `--bench`; nothing else is read.
    let only = std::env::var("LATENCY_MODES").ok();
    hris_sync_benches::block_on("latency", async move {
        for mode in [
            Mode::Webhook,
            Mode::Poll(Duration::from_secs(60)),
            Mode::Poll(Duration::from_secs(1800)),
        ] {
            if only
                .as_deref()
                .is_some_and(|o| !o.split(',').any(|m| m.trim() == mode.name()))
            {
                continue;
            }
            run(mode)
                .await
                .map_err(|e| format!("{}: {e}", mode.name()))?;
        }
        Ok(())
    })
}
