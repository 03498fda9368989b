//! Shared set-up: simulators, users, operations, captured logs.

use connector_azuread::{EntraDirectory, GraphBuilder, WriteLimits};
use hris_sync_core::raw::{DirectoryProperty, NewUser, Operation, PropertyValue};
use hris_sync_core::retry::RetryPolicy;
use hris_sync_core::{DirectoryUser, DirectoryUserId};
use hris_sync_sims::graph::{GraphSim, SimConfig};

/// Every window and wait divided by this in the tests.
pub(crate) const SCALE: u32 = 100;

pub(crate) fn config() -> SimConfig {
    SimConfig {
        time_scale: SCALE,
        ..SimConfig::default()
    }
}

pub(crate) async fn sim() -> GraphSim {
    GraphSim::start(config()).await.unwrap()
}

/// A simulator with `change` made to the tests' configuration.
pub(crate) async fn sim_with(change: impl FnOnce(&mut SimConfig)) -> GraphSim {
    let mut c = config();
    change(&mut c);
    GraphSim::start(c).await.unwrap()
}

/// A simulator seeded with `users(n)`, and those users.
pub(crate) async fn seeded(n: usize) -> (GraphSim, Vec<DirectoryUser>) {
    let sim = sim().await;
    let staff = users(n);
    sim.seed(staff.clone()).unwrap();
    (sim, staff)
}

/// A directory pointed at a simulator: its tenant, credentials and addresses, with the write
/// quota and retry waits scaled like its clock.
pub(crate) trait Connect {
    /// The builder.
    fn directory(&self) -> GraphBuilder;
}

impl Connect for GraphSim {
    fn directory(&self) -> GraphBuilder {
        let c = self.config();
        EntraDirectory::builder()
            .tenant_id(c.tenant_id.clone())
            .client_id(c.client_id.clone())
            .client_secret(c.client_secret.clone())
            .authority_host(self.base_url())
            .graph_base_url(self.base_url())
            .write_limits(
                WriteLimits {
                    writes: c.writes,
                    window: c.write_window,
                }
                .scaled(c.time_scale),
            )
            .retry(RetryPolicy::default().scaled(c.time_scale))
            .consistency_wait(std::time::Duration::from_secs(60) / c.time_scale.max(1))
    }
}

/// `n` plain users `user{i}@demo.com`.
pub(crate) fn users(n: usize) -> Vec<DirectoryUser> {
    (0..n)
        .map(|i| {
            let mut u = DirectoryUser::new(
                format!("00000000-0000-4000-8000-{i:012}"),
                format!("user{i}@demo.com"),
            );
            u.employee_id = Some(format!("{}", 1000 + i));
            u
        })
        .collect()
}

pub(crate) fn new_user(upn: &str, employee_id: &str) -> NewUser {
    hris_sync_core::testkit::directory::person(upn, "User", employee_id, employee_id)
}

/// An operation creating `upn` for `employee_id`.
pub(crate) fn create(upn: &str, employee_id: &str) -> Operation {
    Operation::Create(Box::new(new_user(upn, employee_id)))
}

/// Reading fails with a configuration error naming the `AADSTS` code and the variable to
/// check.
pub(crate) async fn refused(entra: &EntraDirectory, code: &str, variable: &str) {
    use hris_sync_core::Directory as _;
    let err = entra.list_users().await.unwrap_err();
    assert_eq!(
        err.kind(),
        hris_sync_core::ErrorKind::InvalidConfig,
        "{err}"
    );
    assert!(err.message().contains(code), "{err}");
    assert!(err.message().contains(variable), "{err}");
}

/// A permission error that names the permission to grant.
pub(crate) fn denied(err: &hris_sync_core::Error, permission: &str) {
    assert_eq!(
        err.kind(),
        hris_sync_core::ErrorKind::PermissionDenied,
        "{err}"
    );
    assert!(err.message().contains(permission), "{err}");
}

/// Captured logs (core's test kit).
pub(crate) use hris_sync_core::testkit::CapturedLogs as Captured;

/// A directory of `sim` that manages `properties`.
pub(crate) fn managing<const N: usize>(
    sim: &GraphSim,
    properties: [DirectoryProperty; N],
) -> EntraDirectory {
    sim.directory().manage(properties).build().unwrap()
}

/// A directory builder that manages `city` (what [`set_city`] writes).
pub(crate) fn managing_city(sim: &GraphSim) -> GraphBuilder {
    sim.directory()
        .manage([connector_azuread::properties::CITY])
}

/// An update setting `city` on `user`.
pub(crate) fn set_city(user: &DirectoryUserId, city: String) -> Operation {
    update(
        user,
        &[(
            connector_azuread::properties::CITY,
            Some(PropertyValue::Text(city)),
        )],
    )
}

/// An update disabling `user`.
pub(crate) fn disable(user: &DirectoryUserId) -> Operation {
    update(
        user,
        &[(
            DirectoryProperty::ACCOUNT_ENABLED,
            Some(PropertyValue::Bool(false)),
        )],
    )
}

pub(crate) use hris_sync_core::testkit::directory::update;

/// The directory the conformance kit runs on: the kit's attributes managed, managers read.
pub(crate) fn kit_directory(sim: &GraphSim) -> EntraDirectory {
    use connector_azuread::properties as P;
    sim.directory()
        .manage([P::DEPARTMENT, P::JOB_TITLE, P::CITY, P::OFFICE_LOCATION])
        .managers(true)
        .build()
        .unwrap()
}
