//! docs/rules.md §4: a stop request (SIGTERM) lets the `$batch` in flight finish and sends no new
//! one; a wait for a retry ends at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use hris_sync_core::raw::Operation;
use hris_sync_core::{ApplyContext, Directory, ErrorKind, Progress, Stop};
use hris_sync_sims::graph::{Fault, Target};

use crate::support::{managing_city, seeded, set_city};

/// Requests the stop once the first `$batch` is answered, as a signal arriving while it was
/// in flight would; counts what it was told.
#[derive(Debug)]
struct StopAfterFirstBatch {
    stop: Stop,
    written: AtomicUsize,
}

impl Progress for StopAfterFirstBatch {
    fn advance(&self, _: &str, _: usize, _: usize) {}
    fn written(&self, n: usize) {
        self.written.fetch_add(n, Ordering::SeqCst);
        self.stop.request();
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_stop_sends_no_new_batch() {
    let (sim, staff) = seeded(100).await;
    let entra = managing_city(&sim).batches_in_flight(1).build().unwrap();
    let ops: Vec<Operation> = staff
        .iter()
        .map(|u| set_city(&u.id, "Leipzig".into()))
        .collect();
    let stop = Stop::new();
    let progress = Arc::new(StopAfterFirstBatch {
        stop: stop.clone(),
        written: AtomicUsize::new(0),
    });
    let cx = ApplyContext::new(stop, Arc::clone(&progress) as Arc<dyn Progress>);
    let outcomes = entra.apply_with(&ops, &cx).await;
    assert_eq!(
        sim.batch_sizes(),
        [20],
        "one batch went, no new one after the stop"
    );
    assert_eq!(progress.written.load(Ordering::SeqCst), 20);
    assert!(outcomes[..20].iter().all(Result::is_ok), "{outcomes:?}");
    for o in &outcomes[20..] {
        let e = o.as_ref().unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Aborted);
        assert!(e.message().contains("not applied"), "{e}");
    }
    let changed = entra
        .list_users()
        .await
        .unwrap()
        .users
        .into_iter()
        .filter(|u| u.property(&connector_azuread::properties::CITY).is_some())
        .count();
    assert_eq!(changed, 20);
}

// Throttled for an hour: the stop ends the wait instead of sitting it out, and the write is
// reported as not applied.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_ends_a_retry_wait() {
    let (sim, staff) = seeded(1).await;
    sim.inject(Target::BatchItem, [Fault::Throttle(3_600)]);
    let entra = managing_city(&sim).build().unwrap();
    let stop = Stop::new();
    let cx = ApplyContext::new(stop.clone(), Arc::new(hris_sync_core::NoProgress));
    let ops = vec![set_city(&staff[0].id, "Leipzig".into())];
    let task = tokio::spawn(async move { entra.apply_with(&ops, &cx).await });
    while sim.counts().throttled == 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stop.request();
    // Generous: without the stop this waits an hour.
    let outcomes = tokio::time::timeout(Duration::from_secs(120), task)
        .await
        .expect("the stop ended the wait")
        .unwrap();
    assert_eq!(outcomes[0].as_ref().unwrap_err().kind(), ErrorKind::Aborted);
}
