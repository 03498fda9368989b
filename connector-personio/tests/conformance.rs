//! Core's conformance kit against this connector talking to the simulator.

use crate::support::Connect as _;
use hris_sync_core::testkit;

use crate::support::sim;

#[tokio::test(flavor = "current_thread")]
async fn personio_source_passes_the_kit() {
    let sim = sim().await;
    sim.seed(testkit::source::fixtures());
    let personio = sim.source().build().unwrap();
    testkit::source::run_all(&personio).await.unwrap();
}
