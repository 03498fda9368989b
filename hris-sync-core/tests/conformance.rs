//! The conformance kit run against the in-memory implementations.

use hris_sync_core::memory::{MemoryDirectory, MemorySource};
use hris_sync_core::testkit::{self, Kit};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

#[test]
fn memory_directory_passes_the_kit() {
    let dir = MemoryDirectory::new(["demo.com"]);
    dir.seed_group(hris_sync_core::raw::GroupInfo::new("kit-group", "Kit", []));
    runtime()
        .block_on(testkit::directory::run_all(
            &dir,
            &Kit::new("demo.com", "kit").with_group("kit-group"),
        ))
        .unwrap();
}

// The kit can fail: a directory whose group writes go nowhere does not pass.
#[test]
fn the_kit_catches_a_membership_that_does_not_stick() {
    let dir = MemoryDirectory::new(["demo.com"]);
    dir.seed_group(
        hris_sync_core::raw::GroupInfo::new("kit-group", "Kit", [])
            .refused(hris_sync_core::raw::GroupRefusal::Dynamic),
    );
    let err = runtime()
        .block_on(testkit::directory::run_all(
            &dir,
            &Kit::new("demo.com", "kit").with_group("kit-group"),
        ))
        .unwrap_err();
    assert!(err.message().contains("refused"), "{err}");
}

#[test]
fn memory_source_passes_the_kit() {
    let source = MemorySource::new(testkit::source::fixtures());
    runtime()
        .block_on(testkit::source::run_all(&source))
        .unwrap();
}

// The kit can fail: a source that drops a record does not pass.
#[test]
fn the_kit_catches_a_missing_employee() {
    let mut records = testkit::source::fixtures();
    records.pop();
    let source = MemorySource::new(records);
    let err = runtime()
        .block_on(testkit::source::run_all(&source))
        .unwrap_err();
    assert!(err.message().contains("employees, want 6"), "{err}");
}
