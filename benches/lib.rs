//! Workloads shared by the benchmarks: synthetic companies of any size, generated
//! deterministically so every run measures the same input.

use hris_sync_core::chrono::{DateTime, NaiveDate, Utc};
use hris_sync_core::policy::DirectoryTraits;
use hris_sync_core::raw::{DirectoryProperty, PropertyValue};
use hris_sync_core::{AttributeValue, DirectoryUser, Employee, EmployeeId, EmployeeStatus, Policy};

const FIRST: &[&str] = &[
    "Anna",
    "Jonas",
    "Zoë",
    "Łukasz",
    "Øyvind",
    "François",
    "José María",
    "Ольга",
    "王芳",
    "Ελένη",
    "Mehmet",
    "Aoife",
    "Sven",
    "Chiara",
    "Noah",
    "Mia",
];
const LAST: &[&str] = &[
    "Müller",
    "Schmidt",
    "Strauß",
    "O'Brien",
    "van der Berg",
    "Nowak",
    "Dubois",
    "García",
    "Иванова",
    "Παπαδοπούλου",
    "Yılmaz",
    "Keller",
    "Lindqvist",
    "Rossi",
    "Weber",
    "Kim",
];
/// The departments of the synthetic companies.
pub const DEPARTMENTS: &[&str] = &[
    "Engineering",
    "Sales",
    "Finance",
    "People",
    "Support",
    "Legal",
];

/// The benchmark policy's text for a directory: `first.last@{domain}`, Europe/Berlin, and three
/// mappings (department, position → `title`, supervisor → manager).
fn policy_text(domain: &str, title: &str) -> String {
    include_str!("policy.toml")
        .replace("{domain}", domain)
        .replace("{title}", title)
}

/// The benchmark policy for `directory` (its vocabulary checks the targets), read from
/// Personio: `first.last@{domain}`, Europe/Berlin, and the department, the position as
/// `title` and the manager.
///
/// # Errors
/// When `directory` lacks one of the targets.
pub fn policy_for(
    directory: &DirectoryTraits,
    domain: &str,
    title: &str,
) -> Result<Policy, hris_sync_core::Error> {
    Policy::from_toml_with(
        &policy_text(domain, title),
        &connector_personio::traits(),
        directory,
    )
}

/// The policy the benchmarks plan with against Entra: `first.last@demo.com`, Europe/Berlin,
/// three mappings (department, job title, manager).
///
/// # Panics
/// Never: the configuration is a constant known to be valid.
#[must_use]
pub fn policy() -> Policy {
    #[allow(clippy::expect_used)]
    policy_for(&connector_azuread::traits(), "demo.com", "jobTitle")
        .expect("benchmark policy is valid")
}

/// The benchmark policy with 50 rule groups: one per department (authoritative, so a move
/// leaves the old group), one per job title (40), and four for a department and a set of
/// titles together. The group-removal guard allows 1,000 (a 1% reorganisation of 10,000
/// removes 100 memberships; the default of 50 would hold them).
///
/// # Panics
/// Never: the configuration is built from constants known to be valid.
#[must_use]
pub fn policy_with_groups() -> Policy {
    let mut text = format!(
        "{}[safety]\nmax_group_removals = 1000\n",
        policy_text("demo.com", "jobTitle")
    );
    let mut n = 0;
    let mut group = |name: &str, when: &str, mode: &str| {
        n += 1;
        text.push_str(&format!(
            "[[group]]\nname = \"{name}\"\ntarget = \"{}\"\nwhen = {{ {when} }}\nmode = \"{mode}\"\n",
            group_id(n)
        ));
    };
    for d in DEPARTMENTS {
        group(d, &format!("department = \"{d}\""), "authoritative");
    }
    for r in 0..40 {
        group(
            &format!("Role {r}"),
            &format!("position = \"Role {r}\""),
            "additive",
        );
    }
    for (d, roles) in [(0, "0"), (1, "1"), (2, "2"), (3, "3")] {
        let dept = DEPARTMENTS[d];
        group(
            &format!("{dept} leads"),
            &format!("department = \"{dept}\", position = [\"Role {roles}\", \"Role 1{roles}\"]"),
            "additive",
        );
    }
    #[allow(clippy::expect_used)]
    Policy::from_toml_with(
        &text,
        &connector_personio::traits(),
        &connector_azuread::traits(),
    )
    .expect("benchmark policy with groups is valid")
}

/// The object id of the benchmark's `n`th group.
#[must_use]
pub fn group_id(n: usize) -> String {
    format!("0b1c2d3e-0000-4000-8000-{n:012}")
}

/// The instant the benchmarks plan at.
#[must_use]
pub fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_759_305_600, 0).unwrap_or(DateTime::UNIX_EPOCH) // 2025-10-01T08:00Z
}

/// `n` employees, ids 1..=n, each reporting to one of the first `n / 20` employees.
#[must_use]
pub fn employees(n: usize) -> Vec<Employee> {
    (1..=n)
        .map(|i| {
            let id = EmployeeId::new(i.to_string()).unwrap_or_else(|_| unreachable_id());
            let mut e = Employee::new(id, EmployeeStatus::Active);
            let first = FIRST[i % FIRST.len()];
            let last = LAST[(i / FIRST.len()) % LAST.len()];
            e.first_name = Some(first.to_owned());
            e.last_name = Some(last.to_owned());
            e.email = Some(format!("person{i}@demo.com"));
            e.hire_date = NaiveDate::from_ymd_opt(2020, 1, 1);
            e.created_at =
                DateTime::from_timestamp(1_577_836_800 + i64::try_from(i).unwrap_or(0), 0);
            e.updated_at = DateTime::from_timestamp(1_735_689_600, 0); // 2025-01-01
            e.attributes.insert(
                "department".to_owned(),
                AttributeValue::text(DEPARTMENTS[i % DEPARTMENTS.len()]),
            );
            e.attributes.insert(
                "position".to_owned(),
                AttributeValue::text(format!("Role {}", i % 40)),
            );
            let managers = (n / 20).max(1);
            if i > managers {
                e.supervisor_id = EmployeeId::new((1 + i % managers).to_string()).ok();
            }
            e
        })
        .collect()
}

fn unreachable_id() -> EmployeeId {
    // Decimal numbers are always valid ids; this only satisfies the type checker.
    EmployeeId::new("0").unwrap_or_else(|_| unreachable_id())
}

/// The directory after a perfect sync of `employees`: one linked account each, in step.
/// Then `changed_percent` of the employees get a new department, so a plan has that much to do.
#[must_use]
pub fn steady_state(employees: &mut [Employee], changed_percent: usize) -> Vec<DirectoryUser> {
    let users: Vec<DirectoryUser> = employees
        .iter()
        .map(|e| {
            let id = e.id.as_str();
            let mut u = DirectoryUser::new(format!("u-{id}"), format!("person{id}@demo.com"));
            u.employee_id = Some(id.to_owned());
            let text = |s: &str| PropertyValue::Text(s.to_owned());
            if let Some(d) = e.display_name() {
                u.properties
                    .insert(DirectoryProperty::DISPLAY_NAME, text(&d));
            }
            if let Some(f) = e.first_name() {
                u.properties.insert(DirectoryProperty::GIVEN_NAME, text(f));
            }
            if let Some(l) = e.last_name() {
                u.properties.insert(DirectoryProperty::SURNAME, text(l));
            }
            for (key, p) in [
                ("department", connector_azuread::properties::DEPARTMENT),
                ("position", connector_azuread::properties::JOB_TITLE),
            ] {
                if let Some(v) = e.attributes.get(key).and_then(AttributeValue::to_text) {
                    u.properties.insert(p, text(&v));
                }
            }
            u.manager_id = e
                .supervisor_id
                .as_ref()
                .map(|s| hris_sync_core::DirectoryUserId::new(format!("u-{s}")));
            u
        })
        .collect();
    if changed_percent == 0 {
        return users;
    }
    let step = 100 / changed_percent.clamp(1, 100);
    for e in employees.iter_mut().step_by(step) {
        e.attributes
            .insert("department".to_owned(), AttributeValue::text("Reorganised"));
    }
    users
}

/// A count from the environment variable `name` (a positive number), else `default`.
#[must_use]
pub fn env_count(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(default)
}

/// A bench against a real server: skipped with success when `unavailable` says why there is
/// none, a failure when `start` fails, else `bench` on the started server.
pub fn with_server<S, E: std::fmt::Display>(
    label: &str,
    unavailable: Option<String>,
    start: impl FnOnce() -> Result<S, E>,
    bench: impl FnOnce(&S) -> std::process::ExitCode,
) -> std::process::ExitCode {
    if let Some(why) = unavailable {
        eprintln!("{label} bench skipped: {why}");
        return std::process::ExitCode::SUCCESS;
    }
    match start() {
        Ok(server) => bench(&server),
        Err(e) => {
            eprintln!("{label}: the server did not start: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// What a bench's `run` returns.
pub type BenchResult = Result<(), Box<dyn std::error::Error>>;

/// A first cycle and a second one with `--apply` semantics from a Personio simulator seeded
/// with `n` employees into `directory` under `policy`, printing one line each:
/// `label: cycle=… employees=n created=… updated=… failed=… requests=… requests_per_employee=… wall=…s plan=…ms`,
/// the requests counted by `stats` (the directory's).
///
/// # Errors
/// A cycle that failed.
#[allow(clippy::print_stdout)]
pub async fn first_and_second_run(
    label: &str,
    n: usize,
    policy: Policy,
    directory: Box<dyn hris_sync_core::Directory>,
    stats: &hris_sync_core::RequestStats,
) -> BenchResult {
    use hris_sync_cli::demo::Connect as _;
    use hris_sync_sims::personio::{PersonioSim, SimConfig};
    let personio = PersonioSim::start(SimConfig::default()).await?;
    personio.seed(employees(n));
    let mut syncer = hris_sync_core::engine::Syncer::new(
        Box::new(personio.connect().build()?),
        directory,
        policy,
        Box::new(hris_sync_core::engine::MemoryStateStore::default()),
    );
    let options = hris_sync_core::engine::SyncOptions::dry_run().apply(true);
    for cycle in ["first_run", "second_run"] {
        let before = stats.counts().requests;
        let started = std::time::Instant::now();
        let result = syncer.run_cycle(now(), &options).await?;
        let wall = started.elapsed();
        let requests = stats.counts().requests - before;
        let s = &result.report.summary;
        #[allow(clippy::cast_precision_loss)]
        let per = requests as f64 / n as f64;
        println!(
            "{label}: cycle={cycle} employees={n} created={} updated={} failed={} requests={requests} requests_per_employee={per:.2} wall={:.1}s plan={:.0}ms",
            s.created,
            s.updated,
            s.failed,
            wall.as_secs_f64(),
            result.timings.plan.as_secs_f64() * 1000.0,
        );
    }
    Ok(())
}

/// Run a bench's `work` on a multi-thread runtime: success, or its error printed after
/// `label` and a failure.
pub fn block_on(label: &str, work: impl Future<Output = BenchResult>) -> std::process::ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("runtime: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(work) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{label}: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Every bench starts by building its policy: a policy the configuration rules refuse
    // stops the bench before it measures anything, and CI only builds the benches.
    #[test]
    fn every_benchs_policy_is_valid() {
        assert_eq!(policy().mappings.len(), 3);
        assert_eq!(policy_with_groups().groups.len(), 50);
        for (directory, domain) in [
            (connector_activedirectory::traits(), "demo.local"),
            (connector_scim::traits(), "demo.com"),
        ] {
            policy_for(&directory, domain, "title").unwrap();
        }
    }
}
