//! End-to-end throughput: full cycles through the real connectors over HTTP against both
//! simulators with the published quotas switched on, time-scaled so a run takes seconds.
//!
//! `cargo bench -p hris-sync-benches --bench throughput` runs every scenario, each in its own
//! process (so its peak memory is its own), and prints, per scenario, requests by kind, the
//! floor the quotas allow, the ratios achieved/floor, 429s, peak memory and the time in `plan`.
//! `THROUGHPUT_SCALE` (default 40) divides every quota window, and the floor with it.

use hris_sync_cli::demo::Connect as _;
use std::process::Command;
use std::time::{Duration, Instant};

use hris_sync_benches::{
    DEPARTMENTS, employees, env_count, group_id, now, policy, policy_with_groups, steady_state,
};
use hris_sync_core::engine::{MemoryStateStore, SyncOptions, Syncer};
use hris_sync_core::pacing::Budget;
use hris_sync_core::{Action, AttributeValue, DirectoryUser};
use hris_sync_sims::graph::SimGroup;
use hris_sync_sims::graph::{GraphSim, SimConfig as GraphConfig};
use hris_sync_sims::personio::{PersonioSim, SimConfig as PersonioConfig};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// First run, empty directory.
    FirstEmpty,
    /// First run, every employee has an account to link by email.
    FirstLink,
    /// Steady state, nothing changed.
    Steady,
    /// Steady state, 1% changed.
    Steady1,
    /// First run, empty directory, 50 rule groups.
    FirstGroups,
    /// Steady state with 50 rule groups in step, 1% moved to another department.
    SteadyGroups1,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Self::FirstEmpty => "first_run_empty",
            Self::FirstLink => "first_run_link",
            Self::Steady => "steady_no_change",
            Self::Steady1 => "steady_1pct",
            Self::FirstGroups => "first_run_groups",
            Self::SteadyGroups1 => "steady_groups_1pct",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [
            Self::FirstEmpty,
            Self::FirstLink,
            Self::Steady,
            Self::Steady1,
            Self::FirstGroups,
            Self::SteadyGroups1,
        ]
        .into_iter()
        .find(|k| k.name() == s)
    }
}

const SCENARIOS: &[(Kind, usize)] = &[
    (Kind::FirstEmpty, 10_000),
    (Kind::FirstLink, 10_000),
    (Kind::Steady, 10_000),
    (Kind::Steady1, 10_000),
    (Kind::FirstGroups, 10_000),
    (Kind::SteadyGroups1, 10_000),
    (Kind::FirstEmpty, 50_000),
];

fn scale() -> u32 {
    u32::try_from(env_count("THROUGHPUT_SCALE", 40)).unwrap_or(40)
}

/// The earliest time the last of `requests` (each `units` wide) can be sent under `windows`.
fn floor_time(windows: &[(Duration, usize)], requests: usize, units: usize) -> Duration {
    let mut budget = Budget::new(windows);
    let start = Instant::now();
    let mut t = start;
    for _ in 0..requests {
        while let Err(wait) = budget.try_take(t, units) {
            t += wait;
        }
    }
    t - start
}

/// Write operations a plan needs (a disable with revocation is two).
fn writes(actions: &[Action]) -> usize {
    actions
        .iter()
        .map(|a| match a {
            Action::Disable {
                revoke_sessions: true,
                ..
            } => 2,
            _ => 1,
        })
        .sum()
}

fn peak_memory_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

#[allow(clippy::print_stdout, clippy::too_many_lines)]
async fn run(kind: Kind, n: usize) -> Result<(), Box<dyn std::error::Error>> {
    let scale = scale();
    let personio = PersonioSim::start(PersonioConfig {
        time_scale: scale,
        ..PersonioConfig::default()
    })
    .await?;
    let groups = matches!(kind, Kind::FirstGroups | Kind::SteadyGroups1);
    let mut permissions: Vec<String> = hris_sync_sims::graph::LEAST_PRIVILEGE
        .iter()
        .map(|p| (*p).to_owned())
        .collect();
    if groups {
        // The README's permission for `[[group]]`.
        permissions.push("GroupMember.ReadWrite.All".to_owned());
    }
    let graph = GraphSim::start(GraphConfig {
        time_scale: scale,
        // A real tenant's replication lag (T3), under the least-privilege permissions of
        // the README (the simulator's default grant, T1).
        replication_lag: Duration::from_secs(2),
        permissions,
        ..GraphConfig::default()
    })
    .await?;
    let policy = if groups {
        policy_with_groups()
    } else {
        policy()
    };
    let mut staff = employees(n);
    let users: Vec<DirectoryUser> = match kind {
        Kind::FirstEmpty | Kind::FirstGroups => Vec::new(),
        Kind::FirstLink => staff
            .iter()
            .map(|e| DirectoryUser::new(format!("u-{}", e.id), e.email.clone().unwrap_or_default()))
            .collect(),
        Kind::Steady | Kind::Steady1 | Kind::SteadyGroups1 => steady_state(&mut staff.clone(), 0),
    };
    personio.seed(staff.clone());
    graph.seed(users)?;
    for (i, rule) in policy.groups.iter().enumerate() {
        let mut g = SimGroup::security(group_id(i + 1), rule.name.clone());
        if kind == Kind::SteadyGroups1 {
            // In step: every account whose employee matches.
            g.members = staff
                .iter()
                .filter(|e| rule.matches(e))
                .map(|e| hris_sync_core::DirectoryUserId::new(format!("u-{}", e.id)))
                .collect();
        }
        graph.seed_group(g);
    }
    let directory = graph.connect().policy(&policy).build()?;
    let source = personio.connect().build()?;
    let mut syncer = Syncer::new(
        Box::new(source),
        Box::new(directory),
        policy.clone(),
        Box::new(MemoryStateStore::default()),
    );
    let options = SyncOptions {
        apply: true,
        ..SyncOptions::default()
    };
    let mut at = now();
    if matches!(kind, Kind::Steady | Kind::Steady1 | Kind::SteadyGroups1) {
        // The state a previous cycle leaves; not measured.
        syncer.run_cycle(at, &options).await?;
        at += hris_sync_core::chrono::TimeDelta::minutes(30);
        if kind == Kind::SteadyGroups1 {
            // 1% move to the next department: their department group changes.
            for e in staff.iter_mut().step_by(100) {
                let now_in = e.attribute_text("department").map(|d| d.into_owned());
                let i = DEPARTMENTS
                    .iter()
                    .position(|d| Some(*d) == now_in.as_deref())
                    .unwrap_or(0);
                e.attributes.insert(
                    "department".into(),
                    AttributeValue::text(DEPARTMENTS[(i + 1) % DEPARTMENTS.len()]),
                );
                e.updated_at = Some(at);
            }
            personio.seed(staff.clone());
        }
        if kind == Kind::Steady1 {
            for e in staff.iter_mut().step_by(100) {
                e.attributes
                    .insert("department".into(), AttributeValue::text("Reorganised"));
                e.updated_at = Some(at);
            }
            personio.seed(staff.clone());
        }
    }
    if std::env::var("THROUGHPUT_DEBUG").is_ok() {
        use hris_sync_core::{Directory, HrSource};
        let probe = personio.connect().build()?;
        let t = Instant::now();
        let n = probe.list_employees().await?.employees.len();
        eprintln!("probe: personio list of {n} in {:?}", t.elapsed());
        let probe = graph.connect().build()?;
        let t = Instant::now();
        let n = probe.list_users().await?.users.len();
        eprintln!("probe: graph list of {n} in {:?}", t.elapsed());
    }
    let group_sizes: Vec<usize> = policy
        .groups
        .iter()
        .map(|rule| graph.group(&rule.id).map_or(0, |g| g.members.len()))
        .collect();
    let (p0, g0) = (personio.counts(), graph.counts());
    let started = Instant::now();
    let result = syncer.run_cycle(at, &options).await?;
    let elapsed = started.elapsed();
    let (p1, g1) = (personio.counts(), graph.counts());
    if std::env::var("THROUGHPUT_DEBUG").is_ok() {
        let mut kinds = std::collections::BTreeMap::new();
        for a in &result.plan.actions {
            *kinds.entry(a.kind()).or_insert(0) += 1;
        }
        eprintln!("planned: {kinds:?}");
        for seen in personio.seen().iter().rev().take(3) {
            eprintln!("{} {}", seen.path, seen.query);
        }
    }

    let personio_reads = (p1.employees - p0.employees) + (p1.attributes - p0.attributes);
    let graph_reads = (g1.list - g0.list)
        + (g1.delta - g0.delta)
        + (g1.domains - g0.domains)
        + (g1.groups - g0.groups);
    let batches = g1.batch - g0.batch;
    let requests = personio_reads + graph_reads + batches;
    let auth = (p1.auth - p0.auth) + (g1.token - g0.token);
    let throttled = (p1.throttled - p0.throttled) + (g1.throttled - g0.throttled);

    // The floor: what a perfect client needs under the quotas.
    let w = writes(&result.plan.actions);
    let full = result.full_read;
    let pages = |count: usize, size: usize| count.div_ceil(size).max(1);
    let users_in_directory = graph.users().len() - result.report.summary.created;
    let floor_personio = if full { pages(n, 100) } else { 1 };
    let floor_graph_reads = match (full, policy.maps_manager()) {
        (false, _) => 1,
        (true, true) => pages(users_in_directory, 200),
        (true, false) => pages(users_in_directory, 999),
    };
    // A full read reads each listed group and its members (999 a page); an incremental one
    // plans against the state's record.
    let floor_group_reads: usize = if full {
        group_sizes.iter().map(|m| 1 + pages(*m, 999)).sum()
    } else {
        0
    };
    let floor_graph_reads = floor_graph_reads + floor_group_reads;
    let floor_batches = w.div_ceil(20);
    let floor_requests = floor_personio + floor_graph_reads + floor_batches;
    let s = |d: Duration| d / scale;
    let floor = floor_time(
        &[
            (s(Duration::from_secs(1)), 15),
            (s(Duration::from_secs(60)), 300),
        ],
        floor_personio,
        1,
    ) + floor_time(&[(s(Duration::from_secs(150)), 3000)], floor_batches, 20);
    #[allow(clippy::cast_precision_loss)]
    let request_ratio = requests as f64 / floor_requests as f64;
    let time_ratio =
        (floor >= Duration::from_millis(100)).then(|| elapsed.as_secs_f64() / floor.as_secs_f64());
    let memory = peak_memory_kib();
    println!("scenario {} employees={n} scale={scale}", kind.name());
    println!(
        "  requests: personio list+attributes={personio_reads} graph list+delta+domains={graph_reads} batches={batches} (auth/token {auth} not counted); writes={w}"
    );
    println!(
        "  floor: requests={floor_requests} (personio {floor_personio}, graph reads {floor_graph_reads}, batches {floor_batches}), time={:.2}s",
        floor.as_secs_f64()
    );
    println!(
        "  achieved: requests={requests} time={:.2}s request_ratio={request_ratio:.3} time_ratio={} throttled={throttled}",
        elapsed.as_secs_f64(),
        time_ratio.map_or_else(|| "n/a (floor < 0.1 s)".to_owned(), |r| format!("{r:.3}"))
    );
    if !result.held.is_empty() {
        println!("  held={} (a guard stopped them)", result.held.len());
    }
    println!(
        "  plan={:.1}ms read={:.2}s apply={:.2}s peak_memory={:.1}MiB failed={}",
        result.timings.plan.as_secs_f64() * 1000.0,
        result.timings.read.as_secs_f64(),
        result.timings.apply.as_secs_f64(),
        memory as f64 / 1024.0,
        result.report.summary.failed
    );
    let groups_part = if policy.groups.is_empty() {
        String::new()
    } else {
        format!(
            " groups={} membership_writes={}",
            policy.groups.len(),
            result.plan.count("add_member") + result.plan.count("remove_member")
        )
    };
    println!(
        "throughput: employees={n} requests={requests} floor_requests={floor_requests} request_ratio={request_ratio:.3} time_ratio={} throttled={throttled}{groups_part}",
        time_ratio.map_or_else(|| "n/a".to_owned(), |r| format!("{r:.3}"))
    );
    Ok(())
}

#[allow(clippy::print_stdout, clippy::print_stderr)]
fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--scenario") {
        let kind = args.get(i + 1).and_then(|k| Kind::parse(k));
        let n = args.get(i + 2).and_then(|n| n.parse().ok());
        let (Some(kind), Some(n)) = (kind, n) else {
            eprintln!("usage: throughput --scenario NAME EMPLOYEES");
            return std::process::ExitCode::from(2);
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build();
        return match runtime.map(|rt| rt.block_on(run(kind, n))) {
            Ok(Ok(())) => std::process::ExitCode::SUCCESS,
            Ok(Err(e)) => {
                eprintln!("error: {e}");
                std::process::ExitCode::FAILURE
            }
            Err(e) => {
                eprintln!("error: {e}");
                std::process::ExitCode::FAILURE
            }
        };
    }
    // Under `cargo test --benches` (`--test`), run nothing: this is a benchmark.
    if args.iter().any(|a| a == "--test") {
        return std::process::ExitCode::SUCCESS;
    }
    let Ok(me) = std::env::current_exe() else {
        return std::process::ExitCode::FAILURE;
    };
    let mut headlines = Vec::new();
    for (kind, n) in SCENARIOS {
        let out = Command::new(&me)
            .args(["--scenario", kind.name(), &n.to_string()])
            .output();
        match out {
            Ok(o) if o.status.success() => {
                let text = String::from_utf8_lossy(&o.stdout);
                for line in text.lines().filter(|l| !l.starts_with("throughput:")) {
                    println!("{line}");
                }
                if matches!(kind, Kind::FirstEmpty | Kind::FirstGroups) && *n == 10_000 {
                    headlines.extend(
                        text.lines()
                            .filter(|l| l.starts_with("throughput:"))
                            .map(str::to_owned),
                    );
                }
            }
            Ok(o) => {
                eprintln!(
                    "scenario {} failed: {}",
                    kind.name(),
                    String::from_utf8_lossy(&o.stderr)
                );
                return std::process::ExitCode::FAILURE;
            }
            Err(e) => {
                eprintln!("scenario {} could not start: {e}", kind.name());
                return std::process::ExitCode::FAILURE;
            }
        }
    }
    for line in headlines {
        println!("{line}");
    }
    std::process::ExitCode::SUCCESS
}
