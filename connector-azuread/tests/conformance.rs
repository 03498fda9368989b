//! Core's conformance kit against this connector talking to the simulator.

use hris_sync_core::DirectoryProperty;
use hris_sync_core::testkit::{self, Kit};

use crate::support::sim;

#[tokio::test(flavor = "current_thread")]
async fn entra_directory_passes_the_kit() {
    let sim = sim().await;
    let entra = sim
        .directory()
        .manage([
            DirectoryProperty::Department,
            DirectoryProperty::JobTitle,
            DirectoryProperty::City,
            DirectoryProperty::OfficeLocation,
        ])
        .managers(true)
        .build()
        .unwrap();
    testkit::directory::run_all(&entra, &Kit::new("demo.com", "kit"))
        .await
        .unwrap();
}
