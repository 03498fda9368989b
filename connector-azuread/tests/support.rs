//! Shared set-up: simulators, users, operations, captured logs.

use std::collections::BTreeMap;
use std::io::Write;
use std::sync::{Arc, Mutex};

use connector_azuread::sim::{GraphSim, SimConfig};
use hris_sync_core::{DirectoryUser, NewUser, Password};

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
    NewUser {
        user_principal_name: upn.to_owned(),
        mail_nickname: upn.split('@').next().unwrap().to_owned(),
        display_name: format!("User {employee_id}"),
        given_name: Some("User".to_owned()),
        surname: Some(employee_id.to_owned()),
        employee_id: employee_id.to_owned(),
        account_enabled: true,
        password: Password::new("Sim-Passw0rd-Long-Enough!"),
        properties: BTreeMap::new(),
    }
}

/// A `tracing` subscriber writing into a buffer, installed for the current thread.
#[derive(Clone, Default)]
pub(crate) struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    pub(crate) fn install(&self) -> tracing::subscriber::DefaultGuard {
        let writer = self.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .finish();
        tracing::subscriber::set_default(subscriber)
    }
}

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}
