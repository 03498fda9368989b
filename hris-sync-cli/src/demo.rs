//! The demo company: 62 employees in Personio, an Entra tenant with history, both simulated
//! in-process over HTTP.
//!
//! Everything the sync handles shows up at least once: umlauts and other scripts, two people
//! who normalize to the same UPN, accounts to link by email (one of them disabled, so its
//! owner gets a new account with the collision suffix), a leaver whose termination date has
//! passed and one whose date is still ahead, an `inactive` record, a rehire, a name change, a
//! pre-hire, protected admin accounts, and supervisors.

use hris_sync_core::chrono::{DateTime, Days, NaiveDate as Date, TimeDelta, Utc};
use hris_sync_core::engine::{MemoryStateStore, STATE_VERSION, SyncState, Syncer};
use hris_sync_core::policy::ConfigFile;
use hris_sync_core::raw::{DirectoryProperty, PropertyValue};
use hris_sync_core::upn::{Locale, normalize_part};
use hris_sync_core::{
    AttributeValue, DirectoryUser, DirectoryUserId, Employee, EmployeeId, EmployeeStatus, Error,
    Policy, Result, SyncHistory,
};
use hris_sync_sims::graph::{GraphSim, SimConfig as GraphConfig};
use hris_sync_sims::personio::{PersonioSim, SimConfig as PersonioConfig};

/// The demo's configuration file (docs/rules.md §4).
pub const DEMO_CONFIG: &str = include_str!("demo.toml");

const NAMES: &[(&str, &str)] = &[
    ("Jonas", "Keller"),
    ("Zoë", "Müller"),
    ("Johann", "Strauß"),
    ("Øyvind", "Hansen"),
    ("Łukasz", "Nowak"),
    ("François", "Dubois"),
    ("José María", "García"),
    ("Liam", "O'Brien"),
    ("Anna-Lena", "Schmidt"),
    ("Jan", "van der Berg"),
    ("Ольга", "Иванова"),
    ("Ελένη", "Νικολάου"),
    ("İpek", "Yılmaz"),
    ("芳", "王"),
    ("Aoife", "Murphy"),
    ("Søren", "Kierkegaard"),
    ("Mia", "Weber"),
    ("Noah", "Fischer"),
    ("Emma", "Wagner"),
    ("Hans", "Müller"),
    ("Hans", "Mueller"),
    ("Chiara", "Rossi"),
    ("Mehmet", "Demir"),
    ("Léa", "Bernard"),
    ("Mateo", "López"),
    ("Sofía", "Martínez"),
    ("Björn", "Lindqvist"),
    ("Ingrid", "Olsen"),
    ("Sven", "Lindqvist"),
    ("Marta", "Kowalska"),
    ("Tomás", "Silva"),
    ("Olga", "Petrova"),
    ("Yuki", "Tanaka"),
    ("Priya", "Sharma"),
    ("Fatima", "Al-Sayed"),
    ("Nikos", "Georgiou"),
    ("Eva", "Novák"),
    ("Petra", "Horváth"),
    ("Lars", "Nielsen"),
    ("Greta", "Schneider"),
    ("Felix", "Becker"),
    ("Lena", "Hoffmann"),
    ("Paul", "Schäfer"),
    ("Clara", "Koch"),
    ("Ben", "Richter"),
    ("Lina", "Klein"),
    ("Leon", "Wolf"),
    ("Marie", "Schröder"),
    ("Finn", "Neumann"),
    ("Ida", "Schwarz"),
    ("Elias", "Zimmermann"),
    ("Nora", "Braun"),
    ("Theo", "Krüger"),
    ("Ella", "Hofmann"),
    ("Luis", "Hartmann"),
    ("Emilia", "Lange"),
    ("Anton", "Schmitt"),
    ("Frieda", "Werner"),
    ("Karl", "Krause"),
    ("Maja", "Meier"),
    ("Oskar", "Lehmann"),
    ("Zoé", "Lambert"),
];

const DEPARTMENTS: &[(&str, &str, &str)] = &[
    ("Engineering", "Berlin", "CC-4711"),
    ("Sales", "Munich", "CC-2100"),
    ("People", "Berlin", "CC-3000"),
    ("Finance", "Hamburg", "CC-1000"),
    ("Support", "Lisbon", "CC-5200"),
];

/// Ids of the people the story is about.
pub mod cast {
    /// The CEO; everyone's chain ends here.
    pub const CEO: &str = "1001";
    /// Heads of department, each with an existing account to link by email.
    pub const HEADS: [&str; 4] = ["1002", "1003", "1004", "1005"];
    /// Has an account with her email, but it is disabled: gets a new, suffixed one.
    pub const DISABLED_MATCH: &str = "1011";
    /// Joined first of the two people named Hans Müller: keeps the plain UPN.
    pub const HANS_FIRST: &str = "1020";
    /// Joined second: gets `hans.mueller_1021`.
    pub const HANS_SECOND: &str = "1021";
    /// Terminated yesterday: disabled.
    pub const LEAVER: &str = "1029";
    /// Terminated in a month: stays enabled.
    pub const FUTURE_LEAVER: &str = "1030";
    /// An old `inactive` record without an account: skipped.
    pub const INACTIVE: &str = "1031";
    /// Left last year, rehired this month: enabled again.
    pub const REHIRE: &str = "1032";
    /// Married: the surname changes, the UPN does not.
    pub const RENAMED: &str = "1040";
    /// Starts in ten days: created now (within `prehire_days`).
    pub const PREHIRE: &str = "1045";
}

fn id(s: &str) -> EmployeeId {
    EmployeeId::new(s).unwrap_or_else(|_| id("1001"))
}

/// `first.last@demo.com` as people's mailboxes are named.
fn email(first: &str, last: &str) -> String {
    format!(
        "{}.{}@demo.com",
        normalize_part(first, Locale::De),
        normalize_part(last, Locale::De)
    )
}

fn user_id(n: usize) -> DirectoryUserId {
    DirectoryUserId::new(format!("6ea91a8d-e32e-41a1-b7bd-{n:012}"))
}

fn today(now: DateTime<Utc>) -> Date {
    now.date_naive()
}

/// The company in Personio at `now`.
#[must_use]
pub fn employees(now: DateTime<Utc>) -> Vec<Employee> {
    let today = today(now);
    let day = |offset: i64| {
        let days = Days::new(offset.unsigned_abs());
        if offset < 0 {
            today.checked_sub_days(days)
        } else {
            today.checked_add_days(days)
        }
        .unwrap_or(today)
    };
    NAMES
        .iter()
        .enumerate()
        .map(|(i, (first, last))| {
            let n = 1001 + i;
            let key = n.to_string();
            let mut e = Employee::new(id(&key), EmployeeStatus::Active);
            e.first_name = Some((*first).to_owned());
            e.last_name = Some((*last).to_owned());
            e.email = Some(email(first, last));
            e.hire_date = Some(Date::from_ymd_opt(2021, 4, 1).unwrap_or(Date::MIN));
            e.created_at = Some(now - TimeDelta::hours(24 * (400 - i64::try_from(i).unwrap_or(0))));
            e.updated_at = Some(now - TimeDelta::hours(24));
            let (dept, office, cc) = DEPARTMENTS[i % DEPARTMENTS.len()];
            e.attributes
                .insert("department".into(), AttributeValue::text(dept));
            e.attributes
                .insert("office".into(), AttributeValue::text(office));
            e.attributes.insert(
                "cost_centers".into(),
                AttributeValue::List(vec![cc.to_owned()]),
            );
            e.attributes.insert(
                "position".into(),
                AttributeValue::text(if i < 5 {
                    "Head of department"
                } else {
                    "Specialist"
                }),
            );
            e.supervisor_id = match i {
                0 => None,
                1..=4 => Some(id(cast::CEO)),
                _ => Some(id(cast::HEADS[i % 4])),
            };
            match key.as_str() {
                cast::LEAVER => e.termination_date = Some(day(-1)),
                cast::FUTURE_LEAVER => e.termination_date = Some(day(30)),
                cast::INACTIVE => {
                    e.status = EmployeeStatus::Inactive;
                    e.termination_date =
                        Some(Date::from_ymd_opt(2023, 12, 31).unwrap_or(Date::MIN));
                }
                cast::REHIRE => {
                    e.termination_date = Some(Date::from_ymd_opt(2024, 6, 30).unwrap_or(Date::MIN));
                    e.hire_date = Some(day(-7));
                }
                cast::RENAMED => e.last_name = Some("Schneider-Wolf".to_owned()),
                cast::PREHIRE => {
                    e.status = EmployeeStatus::Onboarding;
                    e.hire_date = Some(day(10));
                }
                cast::HANS_FIRST => e.created_at = Some(now - TimeDelta::hours(24 * 900)),
                // Another mailbox, the same name: the UPNs collide (U3), the emails do not.
                cast::HANS_SECOND => e.email = Some("hans.mueller2@demo.com".to_owned()),
                _ => {}
            }
            e
        })
        .collect()
}

/// The tenant before the first sync, and the history of an earlier run (the rehire's account
/// was disabled by the sync when she left).
#[must_use]
pub fn tenant(now: DateTime<Utc>) -> (Vec<DirectoryUser>, SyncHistory) {
    let staff = employees(now);
    let find = |key: &str| staff.iter().find(|e| e.id.as_str() == key);
    let mut users = vec![
        DirectoryUser::new(user_id(1).as_str(), "admin@demo.com"),
        DirectoryUser::new(user_id(2).as_str(), "breakglass01@demo.com"),
    ];
    // Heads of department and one more person have accounts matching their email, not linked.
    for (n, key) in cast::HEADS
        .iter()
        .chain([&cast::DISABLED_MATCH])
        .enumerate()
    {
        if let Some(e) = find(key) {
            let mut u = DirectoryUser::new(
                user_id(10 + n).as_str(),
                e.email.clone().unwrap_or_default(),
            );
            u.account_enabled = *key != cast::DISABLED_MATCH;
            users.push(u);
        }
    }
    // Linked accounts, already in step with HR except where the story says otherwise.
    for (n, key) in [
        cast::LEAVER,
        cast::FUTURE_LEAVER,
        cast::REHIRE,
        cast::RENAMED,
    ]
    .iter()
    .enumerate()
    {
        if let Some(e) = find(key) {
            let mut u = DirectoryUser::new(
                user_id(20 + n).as_str(),
                e.email.clone().unwrap_or_default(),
            );
            u.employee_id = Some(e.id.to_string());
            let first = e.first_name.clone().unwrap_or_default();
            let last = if *key == cast::RENAMED {
                "Schneider".to_owned()
            } else {
                e.last_name.clone().unwrap_or_default()
            };
            u.properties.insert(
                DirectoryProperty::DISPLAY_NAME,
                PropertyValue::Text(format!("{first} {last}")),
            );
            u.properties
                .insert(DirectoryProperty::GIVEN_NAME, PropertyValue::Text(first));
            u.properties
                .insert(DirectoryProperty::SURNAME, PropertyValue::Text(last));
            u.account_enabled = *key != cast::REHIRE;
            users.push(u);
        }
    }
    let rehire = user_id(22);
    let history = SyncHistory {
        disabled_by_sync: [rehire].into_iter().collect(),
        ..SyncHistory::default()
    };
    (users, history)
}

/// The demo's policy.
///
/// # Errors
/// Never in practice: the configuration is a constant.
pub fn policy() -> Result<Policy> {
    crate::connectors::policy(&config()?)
}

/// The demo's configuration file, parsed.
///
/// # Errors
/// Never in practice: the configuration is a constant.
pub fn config() -> Result<ConfigFile> {
    ConfigFile::from_toml(DEMO_CONFIG)
}

/// Clients pointed at a simulator: its address and credentials, with quotas and retry waits
/// scaled like its clock. (The simulators know nothing of the connectors; this is where the
/// two meet.)
pub trait Connect {
    /// The client's builder.
    type Builder;
    /// A builder for a client of this simulator.
    fn connect(&self) -> Self::Builder;
}

impl Connect for PersonioSim {
    type Builder = connector_personio::PersonioBuilder;
    fn connect(&self) -> Self::Builder {
        let c = self.config();
        connector_personio::PersonioSource::builder()
            .base_url(self.base_url())
            .client_id(c.client_id.clone())
            .client_secret(c.client_secret.clone())
            .app_id("HRIS_SYNC_TESTS")
            .rate_limits(
                connector_personio::RateLimits {
                    per_second: c.per_second,
                    per_minute: c.per_minute,
                    ..connector_personio::RateLimits::default()
                }
                .scaled(c.time_scale),
            )
            .retry(hris_sync_core::retry::RetryPolicy::default().scaled(c.time_scale))
    }
}

impl Connect for GraphSim {
    type Builder = connector_azuread::GraphBuilder;
    fn connect(&self) -> Self::Builder {
        let c = self.config();
        connector_azuread::EntraDirectory::builder()
            .tenant_id(c.tenant_id.clone())
            .client_id(c.client_id.clone())
            .client_secret(c.client_secret.clone())
            .authority_host(self.base_url())
            .graph_base_url(self.base_url())
            .write_limits(
                connector_azuread::WriteLimits {
                    writes: c.writes,
                    window: c.write_window,
                }
                .scaled(c.time_scale),
            )
            .retry(hris_sync_core::retry::RetryPolicy::default().scaled(c.time_scale))
            .consistency_wait(std::time::Duration::from_secs(60) / c.time_scale.max(1))
    }
}

/// A Graph directory that reads what `policy` manages, with the demo's `[entra]` settings.
///
/// # Errors
/// When the builder's settings are invalid.
pub fn directory_for(
    builder: connector_azuread::GraphBuilder,
    policy: &Policy,
) -> Result<connector_azuread::EntraDirectory> {
    builder.config(&config()?)?.policy(policy).build()
}

/// Both simulators, seeded, and an engine wired to them over HTTP.
#[derive(Debug)]
pub struct Demo {
    /// The simulated Personio.
    pub personio: PersonioSim,
    /// The simulated Graph.
    pub graph: GraphSim,
    /// The engine.
    pub syncer: Syncer,
}

/// Start the simulators, seed the company and tenant at `now`, and build the engine.
///
/// # Errors
/// When a simulator cannot start or a connector cannot be built.
pub async fn start(now: DateTime<Utc>) -> Result<Demo> {
    start_with(
        now,
        PersonioConfig::default(),
        GraphConfig {
            // A real tenant's replication lag (T3), under the least-privilege permissions of
            // the README (the simulator's default grant, T1).
            replication_lag: std::time::Duration::from_secs(2),
            ..GraphConfig::default()
        },
    )
    .await
}

/// [`start`], with every quota window and retry wait divided by `scale` (for fault and
/// throughput tests that must not wait in real time).
///
/// # Errors
/// When a simulator cannot start or a connector cannot be built.
pub async fn start_scaled(now: DateTime<Utc>, scale: u32) -> Result<Demo> {
    start_with(
        now,
        PersonioConfig {
            time_scale: scale,
            ..PersonioConfig::default()
        },
        GraphConfig {
            time_scale: scale,
            // A real tenant's replication lag (T3), under the least-privilege permissions of
            // the README (the simulator's default grant, T1).
            replication_lag: std::time::Duration::from_secs(2),
            ..GraphConfig::default()
        },
    )
    .await
}

async fn start_with(
    now: DateTime<Utc>,
    personio_config: PersonioConfig,
    graph_config: GraphConfig,
) -> Result<Demo> {
    let io =
        |e: std::io::Error| Error::new(hris_sync_core::ErrorKind::Other, format!("simulator: {e}"));
    let personio = PersonioSim::start(personio_config).await.map_err(io)?;
    personio.seed(employees(now));
    let graph = GraphSim::start(graph_config).await.map_err(io)?;
    let (users, history) = tenant(now);
    graph.seed(users)?;
    let policy = policy()?;
    let syncer = engine(&personio, &graph, policy, state_with(history))?;
    Ok(Demo {
        personio,
        graph,
        syncer,
    })
}

/// The state a first run over the demo tenant starts from: the tenant's sync history (which
/// accounts earlier runs disabled), nothing else.
#[must_use]
pub fn initial_state(now: DateTime<Utc>) -> SyncState {
    state_with(tenant(now).1)
}

fn state_with(history: SyncHistory) -> SyncState {
    SyncState {
        version: STATE_VERSION,
        history,
        ..SyncState::default()
    }
}

/// An engine over the two simulators with `state` in memory.
///
/// # Errors
/// When a connector cannot be built.
pub fn engine(
    personio: &PersonioSim,
    graph: &GraphSim,
    policy: Policy,
    state: SyncState,
) -> Result<Syncer> {
    let source = personio.connect().build()?;
    let directory = directory_for(graph.connect(), &policy)?;
    Ok(Syncer::new(
        Box::new(source),
        Box::new(directory),
        policy,
        Box::new(MemoryStateStore::with(state)),
    ))
}
