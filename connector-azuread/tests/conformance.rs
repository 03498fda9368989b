//! Core's conformance kit against this connector talking to the simulator.

use crate::support::Connect as _;
use connector_azuread::properties as P;
use hris_sync_core::testkit::{self, Kit};

use crate::support::sim;

#[tokio::test(flavor = "current_thread")]
async fn entra_directory_passes_the_kit() {
    let sim = sim().await;
    let entra = sim
        .directory()
        .manage([
            connector_azuread::properties::DEPARTMENT,
            connector_azuread::properties::JOB_TITLE,
            connector_azuread::properties::CITY,
            connector_azuread::properties::OFFICE_LOCATION,
        ])
        .managers(true)
        .build()
        .unwrap();
    testkit::directory::run_all(
        &entra,
        &Kit::new("demo.com", "kit").with_attributes(P::DEPARTMENT, P::JOB_TITLE),
    )
    .await
    .unwrap();
}
