use connector_activedirectory::attributes as A;
use hris_sync_core::testkit::{self, Kit};

use crate::support::{dc, directory, unique};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_connector_passes_the_conformance_kit() {
    let Some(dc) = dc() else { return };
    let dir = directory(dc);
    testkit::directory::run_all(
        &dir,
        &Kit::new("demo.local", unique("kit")).with_attributes(A::DEPARTMENT, A::TITLE),
    )
    .await
    .unwrap();
}
