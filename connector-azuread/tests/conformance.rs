//! Core's conformance kit against this connector talking to the simulator.

use connector_azuread::properties as P;
use hris_sync_core::testkit::{self, Kit};

use crate::support::{kit_directory, sim};

#[tokio::test(flavor = "current_thread")]
async fn entra_directory_passes_the_kit() {
    let sim = sim().await;
    let entra = kit_directory(&sim);
    testkit::directory::run_all(
        &entra,
        &Kit::new("demo.com", "kit").with_attributes(P::DEPARTMENT, P::JOB_TITLE),
    )
    .await
    .unwrap();
}
