//! Shared set-up: simulators, seeded companies, captured logs.

use connector_personio::{PersonioBuilder, PersonioSource, RateLimits};
use hris_sync_core::chrono::{DateTime, NaiveDate};
use hris_sync_core::retry::RetryPolicy;
use hris_sync_core::{AttributeValue, Employee, EmployeeId, EmployeeStatus, HrSource as _};
use hris_sync_sims::personio::{PersonioSim, SimConfig};

/// A calendar date (tests only: panics on an invalid one).
pub(crate) fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Employee ids (tests only: panics on an invalid one).
pub(crate) fn ids(ids: &[&str]) -> Vec<EmployeeId> {
    ids.iter().map(|i| EmployeeId::new(*i).unwrap()).collect()
}

/// Every window and wait divided by this in the tests.
pub(crate) const SCALE: u32 = 100;

pub(crate) fn config() -> SimConfig {
    SimConfig {
        time_scale: SCALE,
        ..SimConfig::default()
    }
}

pub(crate) async fn sim() -> PersonioSim {
    PersonioSim::start(config()).await.unwrap()
}

/// A simulator seeded with `company(n)`.
pub(crate) async fn seeded(n: u32) -> PersonioSim {
    let sim = sim().await;
    sim.seed(company(n));
    sim
}

/// A simulator with `change` made to the tests' configuration.
pub(crate) async fn sim_with(change: impl FnOnce(&mut SimConfig)) -> PersonioSim {
    let mut c = config();
    change(&mut c);
    PersonioSim::start(c).await.unwrap()
}

/// A source pointed at a simulator: its address and credentials, rate limits and retry waits
/// scaled like its clock.
pub(crate) trait Connect {
    /// The builder.
    fn source(&self) -> PersonioBuilder;
}

impl Connect for PersonioSim {
    fn source(&self) -> PersonioBuilder {
        let c = self.config();
        PersonioSource::builder()
            .base_url(self.base_url())
            .client_id(c.client_id.clone())
            .client_secret(c.client_secret.clone())
            .app_id("HRIS_SYNC_TESTS")
            .rate_limits(
                RateLimits {
                    per_second: c.per_second,
                    per_minute: c.per_minute,
                    ..RateLimits::default()
                }
                .scaled(c.time_scale),
            )
            .retry(RetryPolicy::default().scaled(c.time_scale))
    }
}

/// `n` employees with ids 1..=n, names from several scripts, departments and supervisors.
pub(crate) fn company(n: u32) -> Vec<Employee> {
    let first = ["Zoë", "Jonas", "Ольга", "王芳", "Øyvind", "Aoife"];
    (1..=n)
        .map(|i| {
            let mut e = Employee::new(
                EmployeeId::new(i.to_string()).unwrap(),
                EmployeeStatus::Active,
            );
            e.first_name = Some(first[i as usize % first.len()].to_owned());
            e.last_name = Some(format!("Person{i}"));
            e.email = Some(format!("person{i}@demo.com"));
            e.hire_date = Some(date(2022, 3, 1));
            e.created_at = DateTime::from_timestamp(1_640_995_200 + i64::from(i), 0);
            e.updated_at = DateTime::from_timestamp(1_700_000_000 + i64::from(i) * 60, 0);
            e.attributes.insert(
                "department".into(),
                AttributeValue::text(["Sales", "Engineering"][i as usize % 2]),
            );
            if i > 1 {
                e.supervisor_id = Some(EmployeeId::new("1").unwrap());
            }
            e
        })
        .collect()
}

/// Captured logs (core's test kit).
pub(crate) use hris_sync_core::testkit::CapturedLogs as Captured;

/// A `wiremock` route from `"VERB /path?k=v&…"`: the method, the path, and each query pair
/// (as decoded) the request must carry.
pub(crate) fn route(spec: &str) -> wiremock::MockBuilder {
    use wiremock::matchers::{method, path, query_param};
    let (verb, target) = spec.split_once(' ').unwrap_or(("GET", spec));
    let (p, query) = target.split_once('?').unwrap_or((target, ""));
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .fold(
            wiremock::Mock::given(method(verb)).and(path(p)),
            |m, (k, v)| m.and(query_param(k, v)),
        )
}

/// Mounts the route `spec` answered by `reply`, as often as it is asked.
pub(crate) async fn serve(
    server: &wiremock::MockServer,
    spec: &str,
    reply: wiremock::ResponseTemplate,
) {
    route(spec).respond_with(reply).mount(server).await;
}

/// Mounts the route `spec` answered by `reply`, which must be asked exactly once.
pub(crate) async fn serve_once(
    server: &wiremock::MockServer,
    spec: &str,
    reply: wiremock::ResponseTemplate,
) {
    route(spec)
        .respond_with(reply)
        .expect(1)
        .mount(server)
        .await;
}

/// Every employee of the simulator, read by a source built for it (the test fails otherwise).
/// The error a listing fails with; the test fails when it succeeds.
pub(crate) async fn list_err(sim: &PersonioSim) -> hris_sync_core::Error {
    sim.source()
        .build()
        .unwrap()
        .list_employees()
        .await
        .unwrap_err()
}

/// [`list`]; the test fails unless it lists `n` employees.
pub(crate) async fn list_all(sim: &PersonioSim, n: usize) {
    assert_eq!(list(sim).await.employees.len(), n);
}

pub(crate) async fn list(sim: &PersonioSim) -> hris_sync_core::raw::EmployeeListing {
    use hris_sync_core::HrSource as _;
    sim.source()
        .build()
        .unwrap()
        .list_employees()
        .await
        .unwrap()
}
